package regions_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/residency/regions"
)

// shippedModel loads the model of a shipped stack file. Every call returns a fresh copy, so a
// test can change it freely.
func shippedModel(t *testing.T, stack string) regions.Stack {
	t.Helper()
	file, err := regions.LoadFile("../stacks/Pulumi." + stack + ".yaml")
	require.NoError(t, err)
	return file.Model
}

// problemAt returns the one problem with the given path.
func problemAt(t *testing.T, problems regions.Errors, path string) regions.ValidationError {
	t.Helper()
	var found []regions.ValidationError
	for _, problem := range problems {
		if problem.Path == path {
			found = append(found, problem)
		}
	}
	require.Len(t, found, 1, "problems at %s among:\n%v", path, problems)
	return found[0]
}

func TestValidateShippedStacks(t *testing.T) {
	t.Parallel()
	var stacks []regions.Stack
	for _, name := range []string{"eu-central-1", "us-east-1", "cn-north-1"} {
		stack := shippedModel(t, name)
		assert.Empty(t, regions.Validate(stack), "problems in %s", name)
		stacks = append(stacks, stack)
	}
	assert.Empty(t, regions.ValidateAll(stacks))
}

func TestValidateOneChange(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		stack string
		edit  func(stack *regions.Stack)
		path  string
		value string
		// mention is text that the problem or its fix must contain.
		mention string
	}{
		{
			name:    "unknown region",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Region = "eu-west-9" },
			path:    "region",
			value:   "eu-west-9",
			mention: "cn-north-1, eu-central-1, us-east-1",
		},
		{
			name:    "cn region with aws partition",
			stack:   "cn-north-1",
			edit:    func(stack *regions.Stack) { stack.Partition = "aws" },
			path:    "partition",
			value:   "aws",
			mention: `region cn-north-1 is in partition "aws-cn"`,
		},
		{
			name:    "eu region with aws-cn partition",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Partition = "aws-cn" },
			path:    "partition",
			value:   "aws-cn",
			mention: `region eu-central-1 is in partition "aws"`,
		},
		{
			name:    "account of 11 digits",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.AccountID = "11111111111" },
			path:    "accountId",
			value:   "11111111111",
			mention: "12-digit",
		},
		{
			name:    "account with letters",
			stack:   "cn-north-1",
			edit:    func(stack *regions.Stack) { stack.AccountID = "33333333333x" },
			path:    "accountId",
			value:   "33333333333x",
			mention: "12 digits",
		},
		{
			name:    "zone not in region",
			stack:   "cn-north-1",
			edit:    func(stack *regions.Stack) { stack.Zones[2] = "cn-north-1c" },
			path:    "zones[2]",
			value:   "cn-north-1c",
			mention: "cn-north-1a, cn-north-1b, cn-north-1d",
		},
		{
			name:    "duplicate zone",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Zones[2] = "eu-central-1a" },
			path:    "zones[2]",
			value:   "eu-central-1a",
			mention: "listed twice",
		},
		{
			name:    "overlapping CIDR in a stack",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Domains[2].CIDR = "10.10.128.0/17" },
			path:    "domains[2].cidr",
			value:   "10.10.128.0/17",
			mention: "overlaps domains[0].cidr 10.10.0.0/16",
		},
		{
			name:    "CIDR with host bits",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Domains[1].CIDR = "10.11.0.1/16" },
			path:    "domains[1].cidr",
			value:   "10.11.0.1/16",
			mention: "use 10.11.0.0/16",
		},
		{
			name:    "CIDR too small",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Domains[0].CIDR = "10.10.0.0/24" },
			path:    "domains[0].cidr",
			value:   "10.10.0.0/24",
			mention: "/27",
		},
		{
			name:    "public CIDR",
			stack:   "us-east-1",
			edit:    func(stack *regions.Stack) { stack.Domains[0].CIDR = "8.8.0.0/16" },
			path:    "domains[0].cidr",
			value:   "8.8.0.0/16",
			mention: "RFC 1918",
		},
		{
			name:    "axway in EU",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Gateway.Vendor = regions.VendorAxway },
			path:    "gateway.vendor",
			value:   "axway",
			mention: `use "apigee" in eu-central-1`,
		},
		{
			name:    "apigee in CN",
			stack:   "cn-north-1",
			edit:    func(stack *regions.Stack) { stack.Gateway.Vendor = regions.VendorApigee },
			path:    "gateway.vendor",
			value:   "apigee",
			mention: `use "axway" in cn-north-1`,
		},
		{
			name: "Fargate memory invalid for CPU",
			edit: func(stack *regions.Stack) {
				stack.Domains[0].Service.CPU = 1024
				stack.Domains[0].Service.Memory = 1024
			},
			stack:   "eu-central-1",
			path:    "domains[0].service.memory",
			value:   "1024",
			mention: "2048 to 8192 in steps of 1024",
		},
		{
			name:    "Fargate CPU unknown",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Domains[1].Service.CPU = 768 },
			path:    "domains[1].service.cpu",
			value:   "768",
			mention: "256, 512, 1024, 2048, 4096, 8192, 16384",
		},
		{
			name:    "engine version without minor",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Domains[0].Database.EngineVersion = "16" },
			path:    "domains[0].database.engineVersion",
			value:   "16",
			mention: "major.minor",
		},
		{
			name:    "engine version with wildcard minor",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Domains[0].Database.EngineVersion = "16.x" },
			path:    "domains[0].database.engineVersion",
			value:   "16.x",
			mention: "major.minor",
		},
		{
			name:    "engine major unsupported",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Domains[0].Database.EngineVersion = "13.9" },
			path:    "domains[0].database.engineVersion",
			value:   "13.9",
			mention: "14, 15, 16 or 17",
		},
		{
			name:    "min capacity above max",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Domains[0].Database.MinCapacity = 40 },
			path:    "domains[0].database.minCapacity",
			value:   "40",
			mention: "maxCapacity 32",
		},
		{
			name:    "backup retention 0",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Domains[2].Database.BackupRetentionDays = 0 },
			path:    "domains[2].database.backupRetentionDays",
			value:   "0",
			mention: "7 to 35 days",
		},
		{
			name:    "backup retention below 7 in production",
			stack:   "cn-north-1",
			edit:    func(stack *regions.Stack) { stack.Domains[1].Database.BackupRetentionDays = 3 },
			path:    "domains[1].database.backupRetentionDays",
			value:   "3",
			mention: "production stacks keep at least 7",
		},
		{
			name:    "deletion protection off in production",
			stack:   "us-east-1",
			edit:    func(stack *regions.Stack) { stack.Domains[0].Database.DeletionProtection = false },
			path:    "domains[0].database.deletionProtection",
			value:   "false",
			mention: "ephemeral",
		},
		{
			name:  "axway account twice",
			stack: "cn-north-1",
			edit: func(stack *regions.Stack) {
				stack.Gateway.Axway.AllowedAccountIDs = []string{"444444444444", "444444444444"}
			},
			path:    "gateway.axway.allowedAccountIds[1]",
			value:   "444444444444",
			mention: "already listed as allowedAccountIds[0]",
		},
		{
			name:    "apigee CIDR twice",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Gateway.Apigee.AllowedCIDRs[1] = "203.0.113.10/32" },
			path:    "gateway.apigee.allowedCidrs[1]",
			value:   "203.0.113.10/32",
			mention: "already listed as allowedCidrs[0]",
		},
		{
			name:    "apigee CIDR loopback",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Gateway.Apigee.AllowedCIDRs[0] = "127.0.0.1/32" },
			path:    "gateway.apigee.allowedCidrs[0]",
			value:   "127.0.0.1/32",
			mention: "loopback (127.0.0.0/8)",
		},
		{
			name:    "apigee CIDR link-local",
			stack:   "us-east-1",
			edit:    func(stack *regions.Stack) { stack.Gateway.Apigee.AllowedCIDRs[0] = "169.254.169.254/32" },
			path:    "gateway.apigee.allowedCidrs[0]",
			value:   "169.254.169.254/32",
			mention: "link-local (169.254.0.0/16)",
		},
		{
			name:    "apigee CIDR this network",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Gateway.Apigee.AllowedCIDRs[0] = "0.0.0.0/32" },
			path:    "gateway.apigee.allowedCidrs[0]",
			value:   "0.0.0.0/32",
			mention: "(0.0.0.0/8)",
		},
		{
			name:    "apigee CIDR shared address space",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Gateway.Apigee.AllowedCIDRs[1] = "100.64.1.0/24" },
			path:    "gateway.apigee.allowedCidrs[1]",
			value:   "100.64.1.0/24",
			mention: "(100.64.0.0/10)",
		},
		{
			name:    "apigee CIDR multicast",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Gateway.Apigee.AllowedCIDRs[0] = "224.0.0.1/32" },
			path:    "gateway.apigee.allowedCidrs[0]",
			value:   "224.0.0.1/32",
			mention: "multicast or reserved (224.0.0.0/3)",
		},
		{
			name:    "apigee CIDR broadcast",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Gateway.Apigee.AllowedCIDRs[0] = "255.255.255.255/32" },
			path:    "gateway.apigee.allowedCidrs[0]",
			value:   "255.255.255.255/32",
			mention: "multicast or reserved (224.0.0.0/3)",
		},
		{
			name:    "domain named gateway",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Domains[1].Name = "gateway" },
			path:    "domains[1].name",
			value:   "gateway",
			mention: "alias/residency/gateway",
		},
		{
			name:    "domain name starting internal-",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Domains[0].Name = "internal-crm" },
			path:    "domains[0].name",
			value:   "internal-crm",
			mention: "internal-crm-nlb",
		},
		{
			name:    "owner of 65 characters",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Owner = strings.Repeat("a", 65) },
			path:    "owner",
			value:   strings.Repeat("a", 65),
			mention: "at most 64 characters",
		},
		{
			name:    "master user rdsadmin",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Domains[0].Database.MasterUsername = "rdsadmin" },
			path:    "domains[0].database.masterUsername",
			value:   "rdsadmin",
			mention: "Aurora PostgreSQL reserves",
		},
		{
			name:    "master user admin",
			stack:   "us-east-1",
			edit:    func(stack *regions.Stack) { stack.Domains[1].Database.MasterUsername = "admin" },
			path:    "domains[1].database.masterUsername",
			value:   "admin",
			mention: "Aurora PostgreSQL reserves",
		},
		{
			name:    "master user rds_superuser",
			stack:   "cn-north-1",
			edit:    func(stack *regions.Stack) { stack.Domains[0].Database.MasterUsername = "rds_superuser" },
			path:    "domains[0].database.masterUsername",
			value:   "rds_superuser",
			mention: "Aurora PostgreSQL reserves",
		},
		{
			name:    "IAM user rdsrepladmin",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Domains[2].Database.IAMUsername = "rdsrepladmin" },
			path:    "domains[2].database.iamUsername",
			value:   "rdsrepladmin",
			mention: "Aurora PostgreSQL reserves",
		},
		{
			name:    "IAM user rds_iam",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Domains[0].Database.IAMUsername = "rds_iam" },
			path:    "domains[0].database.iamUsername",
			value:   "rds_iam",
			mention: "Aurora PostgreSQL reserves",
		},
		{
			name:    "IAM user with pg_ prefix",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Domains[0].Database.IAMUsername = "pg_identity" },
			path:    "domains[0].database.iamUsername",
			value:   "pg_identity",
			mention: `starts with "pg_"`,
		},
		{
			name:    "master user of 17 characters",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Domains[0].Database.MasterUsername = "identity_admin_xy" },
			path:    "domains[0].database.masterUsername",
			value:   "identity_admin_xy",
			mention: "at most 16 characters",
		},
		{
			name:    "log retention below 365 in production",
			stack:   "us-east-1",
			edit:    func(stack *regions.Stack) { stack.LogRetentionDays = 180 },
			path:    "logRetentionDays",
			value:   "180",
			mention: "use 365 days or more",
		},
		{
			name:    "min tasks above 1000",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Domains[0].Service.MinTasks = 1001 },
			path:    "domains[0].service.minTasks",
			value:   "1001",
			mention: "use 2 to 1000 tasks",
		},
		{
			name:    "stack file of another region",
			stack:   "eu-central-1",
			edit:    func(stack *regions.Stack) { stack.Region = "us-east-1" },
			path:    "region",
			value:   "us-east-1",
			mention: `set region to "eu-central-1" if the file name is right, or rename the stack file to Pulumi.us-east-1.yaml`,
		},
		{
			name: "certificate of the stack's wrong partition",
			edit: func(stack *regions.Stack) {
				stack.Partition = "aws-cn"
				stack.Gateway.Apigee.CertificateARN = strings.Replace(stack.Gateway.Apigee.CertificateARN, "arn:aws:", "arn:aws-cn:", 1)
			},
			stack:   "eu-central-1",
			path:    "gateway.apigee.certificateArn",
			value:   "arn:aws-cn:acm:eu-central-1:111111111111:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
			mention: "use arn:aws:acm:eu-central-1:111111111111:certificate/<id>",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stack := shippedModel(t, tc.stack)
			tc.edit(&stack)
			problem := problemAt(t, regions.Validate(stack), tc.path)
			assert.Equal(t, tc.value, problem.Value, "value")
			assert.Contains(t, problem.Problem+"; "+problem.Fix, tc.mention, "problem or fix")
			assert.Contains(t, problem.Error(), fmt.Sprintf("%s.%s: %q", regions.ConfigKey, tc.path, tc.value), "message")
		})
	}
}

func TestValidateEphemeralRelaxes(t *testing.T) {
	t.Parallel()
	stack := shippedModel(t, "eu-central-1")
	stack.Environment = regions.EnvironmentEphemeral
	for i := range stack.Domains {
		stack.Domains[i].Database.DeletionProtection = false
		stack.Domains[i].Database.BackupRetentionDays = 1
		stack.Domains[i].Database.Instances = 1
		stack.Domains[i].Service.MinTasks = 1
	}
	assert.Empty(t, regions.Validate(stack), "an ephemeral stack may be destroyed")

	stack.Environment = regions.EnvironmentProduction
	problems := regions.Validate(stack)
	for _, field := range []string{"database.deletionProtection", "database.backupRetentionDays",
		"database.instances", "service.minTasks"} {
		problemAt(t, problems, "domains[0]."+field)
	}
}

func TestValidateAllOverlapAcrossStacks(t *testing.T) {
	t.Parallel()
	frankfurt := shippedModel(t, "eu-central-1")
	virginia := shippedModel(t, "us-east-1")
	virginia.Domains[2].CIDR = "10.11.0.0/16"
	require.Empty(t, regions.Validate(virginia), "the overlap is only visible across stacks")

	problem := problemAt(t, regions.ValidateAll([]regions.Stack{frankfurt, virginia}), "domains[2].cidr")
	assert.Equal(t, virginia.File, problem.File, "file")
	assert.Equal(t, "10.11.0.0/16", problem.Value, "value")
	assert.Contains(t, problem.Problem, "overlaps domains[1].cidr 10.11.0.0/16 of stack eu-central-1")
	assert.True(t, strings.HasPrefix(problem.Error(), virginia.File+": residency:model.domains[2].cidr: "), "message %q", problem.Error())
}

func TestValidateAllAccountAcrossPartitions(t *testing.T) {
	t.Parallel()
	frankfurt := shippedModel(t, "eu-central-1")
	beijing := shippedModel(t, "cn-north-1")
	beijing.AccountID = frankfurt.AccountID
	require.Empty(t, regions.Validate(beijing), "the shared account is only visible across stacks")

	problem := problemAt(t, regions.ValidateAll([]regions.Stack{frankfurt, beijing}), "accountId")
	assert.Equal(t, beijing.File, problem.File, "file")
	assert.Equal(t, "111111111111", problem.Value, "value")
	assert.Contains(t, problem.Problem, "stack eu-central-1 in partition aws")
	assert.Contains(t, problem.Fix, "aws-cn accounts are separate")
}

func TestValidateAllAccountTwiceInRegion(t *testing.T) {
	t.Parallel()
	first := shippedModel(t, "eu-central-1")
	second := shippedModel(t, "eu-central-1")
	second.Name = "eu-central-1-copy"
	second.File = "Pulumi.eu-central-1-copy.yaml"
	for i := range second.Domains {
		second.Domains[i].CIDR = fmt.Sprintf("10.%d.0.0/16", 50+i)
	}

	problem := problemAt(t, regions.ValidateAll([]regions.Stack{first, second}), "accountId")
	assert.Equal(t, second.File, problem.File)
	assert.Contains(t, problem.Problem, "region eu-central-1 are also used by stack eu-central-1")
}

func TestValidateEphemeralLogRetention(t *testing.T) {
	t.Parallel()
	stack := shippedModel(t, "eu-central-1")
	stack.LogRetentionDays = 7
	problem := problemAt(t, regions.Validate(stack), "logRetentionDays")
	assert.Contains(t, problem.Problem, "shorter than the 365 days")

	stack.Environment = regions.EnvironmentEphemeral
	for i := range stack.Domains {
		stack.Domains[i].Database.DeletionProtection = false
	}
	assert.Empty(t, regions.Validate(stack), "an ephemeral stack may keep its logs for a week")
}

func TestValidateUsernamePostgresAccepted(t *testing.T) {
	t.Parallel()
	stack := shippedModel(t, "eu-central-1")
	stack.Domains[0].Database.MasterUsername = "postgres"
	assert.Empty(t, regions.Validate(stack), "CreateDBCluster accepts postgres as the master user of aurora-postgresql")
}

func TestValidateStackNameOfRegion(t *testing.T) {
	t.Parallel()
	cases := map[string]bool{
		"eu-central-1":             true,
		"eu-central-1-live-ab12cd": true,
		"eu-central-1-copy":        true,
		"":                         true,
		"us-east-1":                false,
		"eu-central-10":            false,
		"eu-central":               false,
		"live-eu-central-1":        false,
	}
	for name, accepted := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			stack := shippedModel(t, "eu-central-1")
			stack.Name = name
			problems := regions.Validate(stack)
			if accepted {
				assert.Empty(t, problems)
				return
			}
			problem := problemAt(t, problems, "region")
			assert.Equal(t, "eu-central-1", problem.Value, "value")
			assert.Contains(t, problem.Problem, "does not match stack "+name, "problem")
			assert.Contains(t, problem.Fix, "rename the stack file to Pulumi.eu-central-1.yaml", "fix")
		})
	}
}

func TestValidateStackNameUnknownRegion(t *testing.T) {
	t.Parallel()
	stack := shippedModel(t, "eu-central-1")
	stack.Region = "eu-west-1"
	problem := problemAt(t, regions.Validate(stack), "region")
	assert.Equal(t, "is not a known region", problem.Problem, "an unknown region is reported once, not also as a name mismatch")
}

func TestValidateCertificatePartitionOfRegion(t *testing.T) {
	t.Parallel()
	stack := shippedModel(t, "eu-central-1")
	stack.Partition = "aws-cn"
	problems := regions.Validate(stack)
	problemAt(t, problems, "partition")
	for _, problem := range problems {
		assert.NotEqual(t, "gateway.apigee.certificateArn", problem.Path,
			"an ARN of the region's partition is right even when the partition key is wrong: %s", problem)
	}
}
