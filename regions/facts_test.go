package regions_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/residency/regions"
)

func lookupPartition(t *testing.T, id string) regions.Partition {
	t.Helper()
	found, ok := regions.Partitions[id]
	require.True(t, ok, "partition %q is not in regions.Partitions", id)
	return found
}

func lookupRegion(t *testing.T, name string) regions.Region {
	t.Helper()
	found, ok := regions.Lookup(name)
	require.True(t, ok, "region %q is not known", name)
	return found
}

func TestPartitionARN(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		partition string
		service   string
		region    string
		account   string
		resource  string
		want      string
	}{
		{"kms key in aws", "aws", "kms", "eu-central-1", "111111111111", "key/1234",
			"arn:aws:kms:eu-central-1:111111111111:key/1234"},
		{"kms key in aws-cn", "aws-cn", "kms", "cn-north-1", "333333333333", "key/1234",
			"arn:aws-cn:kms:cn-north-1:333333333333:key/1234"},
		{"iam role without region", "aws-cn", "iam", "", "333333333333", "role/task",
			"arn:aws-cn:iam::333333333333:role/task"},
		{"s3 bucket without region or account", "aws", "s3", "", "", "truststore",
			"arn:aws:s3:::truststore"},
		{"log group in us-east-1", "aws", "logs", "us-east-1", "222222222222", "log-group:/residency/x",
			"arn:aws:logs:us-east-1:222222222222:log-group:/residency/x"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := lookupPartition(t, tc.partition).ARN(tc.service, tc.region, tc.account, tc.resource)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestPartitionDNSSuffix(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"aws":    "amazonaws.com",
		"aws-cn": "amazonaws.com.cn",
	}
	for id, want := range cases {
		assert.Equal(t, id, lookupPartition(t, id).ID, "ID of partition %s", id)
		assert.Equal(t, want, lookupPartition(t, id).DNSSuffix, "DNS suffix of partition %s", id)
	}
}

func TestPartitionAccountRootARN(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "arn:aws:iam::111111111111:root", lookupPartition(t, "aws").AccountRootARN("111111111111"))
	assert.Equal(t, "arn:aws-cn:iam::333333333333:root", lookupPartition(t, "aws-cn").AccountRootARN("333333333333"))
}

func TestPartitionManagedPolicyARN(t *testing.T) {
	t.Parallel()
	const name = "service-role/AmazonRDSEnhancedMonitoringRole"
	assert.Equal(t, "arn:aws:iam::aws:policy/"+name, lookupPartition(t, "aws").ManagedPolicyARN(name))
	assert.Equal(t, "arn:aws-cn:iam::aws:policy/"+name, lookupPartition(t, "aws-cn").ManagedPolicyARN(name))
}

func TestPartitionServicePrincipal(t *testing.T) {
	t.Parallel()
	cases := []struct {
		partition string
		service   string
		want      string
	}{
		{"aws", "ec2", "ec2.amazonaws.com"},
		{"aws-cn", "ec2", "ec2.amazonaws.com.cn"},
		{"aws", "ecs-tasks", "ecs-tasks.amazonaws.com"},
		{"aws-cn", "ecs-tasks", "ecs-tasks.amazonaws.com"},
		{"aws", "vpc-flow-logs", "vpc-flow-logs.amazonaws.com"},
		{"aws-cn", "monitoring.rds", "monitoring.rds.amazonaws.com"},
	}
	for _, tc := range cases {
		t.Run(tc.partition+"/"+tc.service, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, lookupPartition(t, tc.partition).ServicePrincipal(tc.service))
		})
	}
}

func TestPartitionRegionalServicePrincipal(t *testing.T) {
	t.Parallel()
	cases := []struct {
		partition string
		region    string
		want      string
	}{
		{"aws", "eu-central-1", "logs.eu-central-1.amazonaws.com"},
		{"aws", "us-east-1", "logs.us-east-1.amazonaws.com"},
		{"aws-cn", "cn-north-1", "logs.cn-north-1.amazonaws.com.cn"},
	}
	for _, tc := range cases {
		t.Run(tc.region, func(t *testing.T) {
			t.Parallel()
			facts := lookupPartition(t, tc.partition)
			assert.Equal(t, tc.want, facts.RegionalServicePrincipal("logs", tc.region), "principal")
			assert.Equal(t, tc.want, facts.ServiceEndpoint("logs", tc.region), "endpoint")
		})
	}
}

func TestRegionInterfaceEndpointServiceName(t *testing.T) {
	t.Parallel()
	cases := []struct {
		region  string
		service string
		want    string
	}{
		{"cn-north-1", "ecr.api", "cn.com.amazonaws.cn-north-1.ecr.api"},
		{"cn-north-1", "ecr.dkr", "cn.com.amazonaws.cn-north-1.ecr.dkr"},
		{"cn-north-1", "sts", "cn.com.amazonaws.cn-north-1.sts"},
		{"cn-north-1", "logs", "com.amazonaws.cn-north-1.logs"},
		{"cn-north-1", "kms", "com.amazonaws.cn-north-1.kms"},
		{"cn-north-1", "secretsmanager", "com.amazonaws.cn-north-1.secretsmanager"},
		{"eu-central-1", "ecr.api", "com.amazonaws.eu-central-1.ecr.api"},
		{"eu-central-1", "ecr.dkr", "com.amazonaws.eu-central-1.ecr.dkr"},
		{"eu-central-1", "sts", "com.amazonaws.eu-central-1.sts"},
		{"eu-central-1", "logs", "com.amazonaws.eu-central-1.logs"},
		{"eu-central-1", "kms", "com.amazonaws.eu-central-1.kms"},
		{"eu-central-1", "secretsmanager", "com.amazonaws.eu-central-1.secretsmanager"},
		{"us-east-1", "ecr.api", "com.amazonaws.us-east-1.ecr.api"},
	}
	for _, tc := range cases {
		t.Run(tc.region+"/"+tc.service, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, lookupRegion(t, tc.region).InterfaceEndpointServiceName(tc.service))
		})
	}
}

func TestRegionGatewayEndpointServiceName(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "com.amazonaws.cn-north-1.s3", lookupRegion(t, "cn-north-1").GatewayEndpointServiceName("s3"))
	assert.Equal(t, "com.amazonaws.eu-central-1.s3", lookupRegion(t, "eu-central-1").GatewayEndpointServiceName("s3"))
	assert.Equal(t, "com.amazonaws.us-east-1.dynamodb", lookupRegion(t, "us-east-1").GatewayEndpointServiceName("dynamodb"))
}

func TestRegionEndpointServicePrefix(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "cn.com.amazonaws.vpce", lookupRegion(t, "cn-north-1").EndpointServicePrefix())
	assert.Equal(t, "com.amazonaws.vpce", lookupRegion(t, "eu-central-1").EndpointServicePrefix())
}

func TestRegionZones(t *testing.T) {
	t.Parallel()
	beijing := lookupRegion(t, "cn-north-1")
	assert.Equal(t, []string{"cn-north-1a", "cn-north-1b", "cn-north-1d"}, beijing.Zones)
	assert.True(t, beijing.HasZone("cn-north-1a"), "cn-north-1a")
	assert.True(t, beijing.HasZone("cn-north-1d"), "cn-north-1d")
	assert.False(t, beijing.HasZone("cn-north-1c"), "Beijing has no zone c")
	assert.False(t, beijing.HasZone("eu-central-1a"), "zone of another region")

	frankfurt := lookupRegion(t, "eu-central-1")
	assert.Equal(t, []string{"eu-central-1a", "eu-central-1b", "eu-central-1c"}, frankfurt.Zones)
	assert.False(t, frankfurt.HasZone("eu-central-1d"), "Frankfurt has no zone d")
}

func TestRegionFacts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		region       string
		partition    string
		jurisdiction string
		law          string
		vendor       string
	}{
		{"eu-central-1", "aws", "EU", "GDPR", regions.VendorApigee},
		{"us-east-1", "aws", "US-VA", "VCDPA", regions.VendorApigee},
		{"cn-north-1", "aws-cn", "CN", "PIPL", regions.VendorAxway},
	}
	for _, tc := range cases {
		t.Run(tc.region, func(t *testing.T) {
			t.Parallel()
			facts := lookupRegion(t, tc.region)
			assert.Equal(t, tc.region, facts.Name, "name")
			assert.Equal(t, tc.partition, facts.PartitionID, "partition")
			assert.Equal(t, tc.partition, facts.Partition().ID, "partition facts")
			assert.Equal(t, tc.jurisdiction, facts.Jurisdiction, "jurisdiction")
			assert.Equal(t, []string{tc.law}, facts.Laws, "laws")
			assert.Equal(t, tc.vendor, facts.GatewayVendor, "gateway vendor")
		})
	}
}

func TestLookupUnknownRegion(t *testing.T) {
	t.Parallel()
	_, ok := regions.Lookup("eu-west-9")
	assert.False(t, ok)
	assert.Equal(t, "cn-north-1, eu-central-1, us-east-1", regions.KnownNames())
}

func TestPartitionOf(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"cn-north-1":     "aws-cn",
		"cn-northwest-1": "aws-cn",
		"us-gov-west-1":  "aws-us-gov",
		"us-east-1":      "aws",
		"eu-central-1":   "aws",
		"ap-east-1":      "aws",
	}
	for name, want := range cases {
		assert.Equal(t, want, regions.PartitionOf(name), "partition of %s", name)
	}
	for name, facts := range regions.Known {
		assert.Equal(t, facts.PartitionID, regions.PartitionOf(name), "PartitionOf and the facts of %s", name)
	}
}

func TestValidFargateSize(t *testing.T) {
	t.Parallel()
	cases := []struct {
		cpu    int
		memory int
		valid  bool
	}{
		{256, 512, true},
		{256, 1024, true},
		{256, 2048, true},
		{256, 3072, false},
		{256, 4096, false},
		{512, 1024, true},
		{512, 4096, true},
		{512, 512, false},
		{512, 5120, false},
		{1024, 2048, true},
		{1024, 8192, true},
		{1024, 1024, false},
		{1024, 2500, false},
		{2048, 4096, true},
		{2048, 16384, true},
		{2048, 17408, false},
		{4096, 8192, true},
		{4096, 30720, true},
		{4096, 31744, false},
		{8192, 16384, true},
		{8192, 20480, true},
		{8192, 61440, true},
		{8192, 17408, false},
		{16384, 32768, true},
		{16384, 40960, true},
		{16384, 122880, true},
		{16384, 36864, false},
		{16384, 131072, false},
		{128, 512, false},
		{0, 0, false},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.valid, regions.ValidFargateSize(tc.cpu, tc.memory), "cpu %d memory %d", tc.cpu, tc.memory)
	}
}
