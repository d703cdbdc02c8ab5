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
