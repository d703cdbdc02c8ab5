package regions_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/residency/regions"
)

func capacityDomain() regions.Domain {
	return regions.Domain{
		Name:          "customer-identity",
		Records:       10_000_000,
		DailyRequests: 8_640_000, // 100 requests per second on average
		Database:      regions.Database{MinCapacity: 2, MaxCapacity: 32},
		Service:       regions.Service{CPU: 1024, Memory: 2048, MinTasks: 2, MaxTasks: 12, TargetCPUPercent: 50},
	}
}

func TestEstimateCapacityWorkedExample(t *testing.T) {
	t.Parallel()
	estimate := regions.EstimateCapacity(capacityDomain())

	assert.InDelta(t, 100, estimate.AverageRequestsPerSecond, 1e-9)
	assert.InDelta(t, 100*regions.PeakFactor, estimate.PeakRequestsPerSecond, 1e-9)
	assert.InDelta(t, 10_000_000*2048, estimate.DataBytes, 1e-3)
	assert.InDelta(t, 10_000_000*2048*0.1, estimate.HotDataBytes, 1e-3)

	// One vCPU at 50% target handles 50 requests per second; 2 x 300 requests need 12 tasks.
	assert.InDelta(t, 50, estimate.RequestsPerTask, 1e-9)
	assert.Equal(t, 2, estimate.MinTasks)
	assert.Equal(t, 12, estimate.MaxTasks)

	// 300 requests per second at 50 per ACU need 6 ACUs, more than the 1.27 ACUs of hot data.
	assert.InDelta(t, 6, estimate.PeakACUs, 1e-9)
	assert.Equal(t, 2.0, estimate.MinACUs, "the average of 100 requests per second needs 2 ACUs")
	assert.Equal(t, 12.0, estimate.MaxACUs)
}

func TestEstimateCapacityHotDataDominates(t *testing.T) {
	t.Parallel()
	domain := capacityDomain()
	domain.Records = 300_000_000 // 614 GB of records, 61 GB of them hot
	domain.DailyRequests = 86_400

	estimate := regions.EstimateCapacity(domain)
	hotACUs := estimate.HotDataBytes / regions.CacheBytesPerACU
	assert.InDelta(t, hotACUs, estimate.PeakACUs, 1e-9)
	assert.Equal(t, 38.5, estimate.MinACUs, "38.15 ACUs of hot data round up to 38.5")
	assert.Equal(t, 76.5, estimate.MaxACUs, "2 x 38.15 ACUs round up to 76.5")
}

func TestEstimateCapacityRoundsUp(t *testing.T) {
	t.Parallel()
	domain := capacityDomain()
	domain.Records = 1
	domain.DailyRequests = 1

	estimate := regions.EstimateCapacity(domain)
	assert.Equal(t, 2, estimate.MinTasks, "two tasks, one per zone")
	assert.Equal(t, 1, estimate.MaxTasks)
	assert.Equal(t, 0.5, estimate.MinACUs, "the smallest Serverless v2 capacity")
	assert.Equal(t, 0.5, estimate.MaxACUs)
}

func TestEstimateCapacityWithoutCPU(t *testing.T) {
	t.Parallel()
	domain := capacityDomain()
	domain.Service.CPU = 0

	estimate := regions.EstimateCapacity(domain)
	assert.Zero(t, estimate.RequestsPerTask)
	assert.Zero(t, estimate.MinTasks)
	assert.Zero(t, estimate.MaxTasks)
}

// capacityStack returns a valid one-domain stack, so a test gets only the problems it causes.
func capacityStack(domain regions.Domain) regions.Stack {
	domain.Description = "Customer accounts"
	domain.Classification = "personal"
	domain.CIDR = "10.30.0.0/16"
	domain.Database.EngineVersion = "16.8"
	domain.Database.Instances = 2
	domain.Database.BackupRetentionDays = 35
	domain.Database.DeletionProtection = true
	domain.Database.DatabaseName = "identity"
	domain.Database.MasterUsername = "identity_admin"
	domain.Database.IAMUsername = "identity_app"
	domain.Service.ImageTag = "2026.11.3"
	domain.Service.Architecture = "ARM64"
	domain.Service.ContainerPort = 8080
	return regions.Stack{
		Name: "eu-central-1", Region: "eu-central-1", Partition: "aws", AccountID: "111111111111",
		Environment: regions.EnvironmentProduction, Owner: "customer-platform",
		Zones: []string{"eu-central-1a", "eu-central-1b"}, LogRetentionDays: 365,
		Domains: []regions.Domain{domain},
		Gateway: regions.Gateway{Vendor: regions.VendorApigee, Apigee: &regions.Apigee{
			DomainName:     "api.eu.portal.example.com",
			CertificateARN: "arn:aws:acm:eu-central-1:111111111111:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
			TruststoreFile: "certs/ca.pem",
			AllowedCIDRs:   []string{"203.0.113.10/32"},
			StageName:      "v1",
			RateLimit:      1000,
			BurstLimit:     2000,
		}},
	}
}

func TestValidateHeadroomBoundaries(t *testing.T) {
	t.Parallel()
	require.Empty(t, regions.Validate(capacityStack(capacityDomain())), "the stack is valid at the derived minimums")

	cases := []struct {
		name     string
		change   func(*regions.Stack)
		path     string
		messages []string
	}{
		{
			name:   "max tasks one below",
			change: func(stack *regions.Stack) { stack.Domains[0].Service.MaxTasks = 11 },
			path:   "domains[0].service.maxTasks",
			messages: []string{`domains[0].service.maxTasks: "11" cannot carry 2x the estimated peak of 300 requests per second`,
				"set maxTasks to at least 12"},
		},
		{
			name:   "max capacity one step below",
			change: func(stack *regions.Stack) { stack.Domains[0].Database.MaxCapacity = 11.5 },
			path:   "domains[0].database.maxCapacity",
			messages: []string{`domains[0].database.maxCapacity: "11.5" cannot carry 2x the estimated peak of 6.0 ACUs`,
				"set maxCapacity to at least 12"},
		},
		{
			name:     "max capacity beyond one cluster",
			change:   func(stack *regions.Stack) { stack.Domains[0].Records = 2_000_000_000 },
			path:     "domains[0].database.maxCapacity",
			messages: []string{"381.5 GiB of hot data", "split the domain: it needs an estimated 509 ACUs, more than the 256"},
		},
		{
			name:   "rate limit one below",
			change: func(stack *regions.Stack) { stack.Gateway.Apigee.RateLimit = 599 },
			path:   "gateway.apigee.rateLimit",
			messages: []string{`gateway.apigee.rateLimit: "599" cannot carry 2x the estimated peak of 300 requests per second of domains[0] (customer-identity)`,
				"set rateLimit to at least 600"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stack := capacityStack(capacityDomain())
			tc.change(&stack)
			problems := regions.Validate(stack)
			require.Len(t, problems, 1, "problems: %v", problems)
			assert.Equal(t, tc.path, problems[0].Path)
			for _, message := range tc.messages {
				assert.Contains(t, problems[0].Error(), message)
			}
		})
	}
}

func TestValidateHeadroomSkipsInvalidService(t *testing.T) {
	t.Parallel()
	stack := capacityStack(capacityDomain())
	stack.Domains[0].Service.CPU = 768
	stack.Domains[0].Service.MaxTasks = 2

	problems := regions.Validate(stack)
	require.Len(t, problems, 1, "only the CPU value is reported: %v", problems)
	assert.Equal(t, "domains[0].service.cpu", problems[0].Path)
}

// TestCapacityPlatformScale checks the shipped stacks at the platform's scale: 150 million records
// and 30 million requests a day, with peaks of PeakFactor (3) times the daily average. Every
// domain's maximums, and their sum, must carry at least twice its estimated peak.
func TestCapacityPlatformScale(t *testing.T) {
	t.Parallel()
	files, err := regions.LoadDir("../stacks")
	require.NoError(t, err)

	var records, dailyRequests int64
	var peak, taskCapacity, peakACUs, configuredACUs float64
	for _, file := range files {
		for i, domain := range file.Model.Domains {
			records += domain.Records
			dailyRequests += domain.DailyRequests
			estimate := regions.EstimateCapacity(domain)
			tasks := float64(domain.Service.MaxTasks) * estimate.RequestsPerTask
			acus := domain.Database.MaxCapacity

			name := file.Model.Name + "/" + domain.Name
			assert.GreaterOrEqual(t, tasks, 2*estimate.PeakRequestsPerSecond,
				"%s: %d tasks carry %.0f requests per second, less than 2 x %.0f", name, domain.Service.MaxTasks, tasks, estimate.PeakRequestsPerSecond)
			assert.GreaterOrEqual(t, acus*regions.RequestsPerACU, 2*estimate.PeakRequestsPerSecond,
				"%s: %v ACUs carry less than 2 x %.0f requests per second", name, acus, estimate.PeakRequestsPerSecond)
			assert.GreaterOrEqual(t, acus, 2*estimate.PeakACUs, "%s: %v ACUs are less than 2 x %.1f", name, acus, estimate.PeakACUs)
			if gateway := file.Model.Gateway.Apigee; gateway != nil {
				assert.GreaterOrEqual(t, gateway.RateLimit, 2*estimate.PeakRequestsPerSecond,
					"%s: the gateway's rate limit per method is less than 2 x the domain's peak", name)
			}
			t.Logf("%s domains[%d]: peak %.0f req/s, tasks %d of %d needed, ACUs %v of %v needed",
				name, i, estimate.PeakRequestsPerSecond, domain.Service.MaxTasks, estimate.MaxTasks, acus, estimate.MaxACUs)

			peak += estimate.PeakRequestsPerSecond
			taskCapacity += tasks
			peakACUs += estimate.PeakACUs
			configuredACUs += acus
		}
	}
	require.Equal(t, int64(150_000_000), records, "the shipped stacks hold the platform's records")
	require.Equal(t, int64(30_000_000), dailyRequests, "the shipped stacks serve the platform's requests")

	assert.InDelta(t, 30_000_000.0/86_400*regions.PeakFactor, peak, 1e-6, "about 347 requests per second on average, 1042 at the peak")
	assert.GreaterOrEqual(t, taskCapacity, 2*peak, "the tasks of all stacks carry less than twice the total peak")
	assert.GreaterOrEqual(t, configuredACUs, 2*peakACUs, "the ACUs of all stacks are less than twice the total peak")
	t.Logf("total: peak %.0f req/s, task capacity %.0f req/s (%.1fx), %.1f peak ACUs, %.0f ACUs configured (%.1fx)",
		peak, taskCapacity, taskCapacity/peak, peakACUs, configuredACUs, configuredACUs/peakACUs)
}
