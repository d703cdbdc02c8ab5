package offline_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/residency/graph"
	"github.com/example/residency/offline"
	"github.com/example/residency/regions"
)

// disabledDefaults is stack config that disables the default aws provider, as every stack file does.
var disabledDefaults = map[string]string{regions.DisableDefaultProvidersKey: `["aws"]`}

const trustPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func newProvider(ctx *pulumi.Context, region, account string) (*aws.Provider, error) {
	return aws.NewProvider(ctx, region, &aws.ProviderArgs{
		Region:            pulumi.String(region),
		AllowedAccountIds: pulumi.StringArray{pulumi.String(account)},
	})
}

// findByName returns the one resource of a type with a logical name.
func findByName(t *testing.T, g *graph.Graph, typ, name string) graph.Resource {
	t.Helper()
	var found []graph.Resource
	for _, resource := range g.OfType(typ) {
		if resource.Name() == name {
			found = append(found, resource)
		}
	}
	require.Len(t, found, 1, "resources of type %s named %s", typ, name)
	return found[0]
}

func providerReference(provider graph.Resource) string {
	return provider.URN + "::" + provider.ID
}

func TestRunDefaultProviderDisabled(t *testing.T) {
	t.Parallel()
	_, err := offline.Run("eu-central-1", disabledDefaults, func(ctx *pulumi.Context) error {
		_, err := kms.NewKey(ctx, "orphan", &kms.KeyArgs{Description: pulumi.String("no provider")})
		return err
	})
	require.Error(t, err)
	var defaultProvider *offline.DefaultProviderError
	require.True(t, errors.As(err, &defaultProvider), "error %T is not a *offline.DefaultProviderError: %v", err, err)
	assert.Equal(t, "aws:kms/key:Key", defaultProvider.Type)
	assert.Equal(t, "orphan", defaultProvider.Name)
	assert.Contains(t, err.Error(), regions.DisableDefaultProvidersKey)
}

func TestRunAllDefaultProvidersDisabled(t *testing.T) {
	t.Parallel()
	config := map[string]string{regions.DisableDefaultProvidersKey: `["*"]`}
	_, err := offline.Run("eu-central-1", config, func(ctx *pulumi.Context) error {
		_, err := iam.NewRole(ctx, "orphan", &iam.RoleArgs{AssumeRolePolicy: pulumi.String(trustPolicy)})
		return err
	})
	var defaultProvider *offline.DefaultProviderError
	require.True(t, errors.As(err, &defaultProvider), "error %T is not a *offline.DefaultProviderError: %v", err, err)
	assert.Equal(t, "aws:iam/role:Role", defaultProvider.Type)
}

func TestRunDefaultProviderAllowed(t *testing.T) {
	t.Parallel()
	config := map[string]string{"aws:region": "eu-central-1"}
	g, err := offline.Run("eu-central-1", config, func(ctx *pulumi.Context) error {
		_, err := kms.NewKey(ctx, "default", &kms.KeyArgs{})
		return err
	})
	require.NoError(t, err)
	key := findByName(t, g, "aws:kms/key:Key", "default")
	assert.Empty(t, key.Provider, "mocks give no provider reference to a default provider")
	assert.True(t, strings.HasPrefix(key.Outputs["arn"].(string), "arn:aws:kms:eu-central-1:000000000000:key/"),
		"arn %v", key.Outputs["arn"])
}

func TestRunExplicitProviderPartition(t *testing.T) {
	t.Parallel()
	g, err := offline.Run("mixed", disabledDefaults, func(ctx *pulumi.Context) error {
		for _, target := range []struct{ region, account string }{
			{"eu-central-1", "111111111111"},
			{"cn-north-1", "333333333333"},
		} {
			provider, err := newProvider(ctx, target.region, target.account)
			if err != nil {
				return err
			}
			options := pulumi.Provider(provider)
			if _, err := kms.NewKey(ctx, target.region+"-key", &kms.KeyArgs{}, options); err != nil {
				return err
			}
			role, err := iam.NewRole(ctx, target.region+"-role", &iam.RoleArgs{
				Name:             pulumi.String(target.region + "-task"),
				AssumeRolePolicy: pulumi.String(trustPolicy),
			}, options)
			if err != nil {
				return err
			}
			if _, err := ec2.NewVpcEndpointService(ctx, target.region+"-service", &ec2.VpcEndpointServiceArgs{
				AcceptanceRequired: pulumi.Bool(true),
			}, options, pulumi.DependsOn([]pulumi.Resource{role})); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)

	cases := []struct {
		region   string
		keyARN   string
		roleARN  string
		services string
	}{
		{"eu-central-1", "arn:aws:kms:eu-central-1:111111111111:key/", "arn:aws:iam::111111111111:role/eu-central-1-task",
			"com.amazonaws.vpce.eu-central-1.vpce-svc-"},
		{"cn-north-1", "arn:aws-cn:kms:cn-north-1:333333333333:key/", "arn:aws-cn:iam::333333333333:role/cn-north-1-task",
			"cn.com.amazonaws.vpce.cn-north-1.vpce-svc-"},
	}
	for _, tc := range cases {
		provider := findByName(t, g, graph.AWSProviderType, tc.region)
		key := findByName(t, g, "aws:kms/key:Key", tc.region+"-key")
		role := findByName(t, g, "aws:iam/role:Role", tc.region+"-role")
		service := findByName(t, g, "aws:ec2/vpcEndpointService:VpcEndpointService", tc.region+"-service")

		assert.Equal(t, providerReference(provider), key.Provider, "provider of the %s key", tc.region)
		assert.True(t, strings.HasPrefix(key.Outputs["arn"].(string), tc.keyARN), "key arn %v", key.Outputs["arn"])
		assert.Equal(t, key.ID, key.Outputs["keyId"], "key ID")
		assert.Equal(t, tc.roleARN, role.Outputs["arn"], "role arn has no region")
		assert.True(t, strings.HasPrefix(service.Outputs["serviceName"].(string), tc.services),
			"service name %v", service.Outputs["serviceName"])
	}
}

func TestRunDeterministicIDs(t *testing.T) {
	t.Parallel()
	program := func(ctx *pulumi.Context) error {
		provider, err := newProvider(ctx, "us-east-1", "222222222222")
		if err != nil {
			return err
		}
		_, err = ec2.NewVpc(ctx, "vpc", &ec2.VpcArgs{CidrBlock: pulumi.String("10.20.0.0/16")}, pulumi.Provider(provider))
		return err
	}
	first, err := offline.Run("us-east-1", disabledDefaults, program)
	require.NoError(t, err)
	second, err := offline.Run("us-east-1", disabledDefaults, program)
	require.NoError(t, err)

	vpc := findByName(t, first, "aws:ec2/vpc:Vpc", "vpc")
	assert.Regexp(t, `^vpc-[0-9a-f]{17}$`, vpc.ID, "VPC ID in the AWS format")
	assert.Equal(t, vpc.ID, findByName(t, second, "aws:ec2/vpc:Vpc", "vpc").ID, "same ID on every run")
	assert.Equal(t, "arn:aws:ec2:us-east-1:222222222222:vpc/"+vpc.ID, vpc.Outputs["arn"])
}

func TestRunGraphOrder(t *testing.T) {
	t.Parallel()
	g, err := offline.Run("eu-central-1", disabledDefaults, func(ctx *pulumi.Context) error {
		provider, err := newProvider(ctx, "eu-central-1", "111111111111")
		if err != nil {
			return err
		}
		_, err = kms.NewKey(ctx, "key", &kms.KeyArgs{}, pulumi.Provider(provider))
		return err
	})
	require.NoError(t, err)
	require.NotEmpty(t, g.Resources)
	assert.Equal(t, "eu-central-1", g.Stack)
	assert.Equal(t, offline.Project, g.Project)
	assert.Equal(t, graph.StackType, g.Resources[0].Type, "the root stack resource comes first")
	assert.Equal(t, "urn:pulumi:eu-central-1::residency::pulumi:pulumi:Stack::residency-eu-central-1", g.Resources[0].URN)

	seen := map[string]bool{}
	for _, resource := range g.Resources {
		if resource.Parent != "" {
			assert.True(t, seen[resource.Parent], "parent of %s comes before it", resource.URN)
		}
		seen[resource.URN] = true
	}
}

func TestRunProgramError(t *testing.T) {
	t.Parallel()
	_, err := offline.Run("eu-central-1", disabledDefaults, func(ctx *pulumi.Context) error {
		return errors.New("model is invalid")
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "running stack (eu-central-1) under the offline engine")
	assert.Contains(t, err.Error(), "model is invalid")
}

func TestRunFunctionCallRejected(t *testing.T) {
	t.Parallel()
	_, err := offline.Run("eu-central-1", disabledDefaults, func(ctx *pulumi.Context) error {
		provider, err := newProvider(ctx, "eu-central-1", "111111111111")
		if err != nil {
			return err
		}
		_, err = aws.GetCallerIdentity(ctx, nil, pulumi.Provider(provider))
		return err
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "simulates no functions")
}

func TestEngineRejectsDuplicateURN(t *testing.T) {
	t.Parallel()
	_, err := offline.Run("eu-central-1", map[string]string{}, func(ctx *pulumi.Context) error {
		for i := 0; i < 2; i++ {
			component := &struct{ pulumi.ResourceState }{}
			if err := ctx.RegisterComponentResource("test:index:Component", "twice", component); err != nil {
				return err
			}
		}
		return nil
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "duplicate URN")
}
