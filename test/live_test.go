//go:build live

package test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	terratestaws "github.com/gruntwork-io/terratest/modules/aws"
	"github.com/gruntwork-io/terratest/modules/logger"
	"github.com/gruntwork-io/terratest/modules/random"
	test_structure "github.com/gruntwork-io/terratest/modules/test-structure"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/residency/components"
	"github.com/example/residency/evidence"
	"github.com/example/residency/graph"
	"github.com/example/residency/regions"
	"github.com/example/residency/rules"
)

// liveMinimumTimeout is the test time left that a region's deployment and destroy must have. It is
// an estimate that no run has measured yet. Aurora clusters and their instances are the slowest
// part, because RDS takes minutes to create and to delete each one.
const liveMinimumTimeout = 2 * time.Hour

// TestLiveRegionStacks deploys an ephemeral copy of each shipped region stack into a sandbox
// account, checks the deployed resources in AWS, runs the isolation rules on the stack's export,
// writes the evidence, and destroys the stack. Run it with -tags live -timeout 3h; the stages
// setup, deploy, validate, evidence and destroy can be skipped with SKIP_<stage>=true.
func TestLiveRegionStacks(t *testing.T) {
	files, err := regions.LoadDir(stacksDir)
	require.NoError(t, err, "loading the shipped stack files")
	var shipped []regions.StackFile
	for _, file := range files {
		// A stack file of an ephemeral stack that a failed run left behind is no shipped stack.
		if !strings.Contains(file.Model.Name, liveStackInfix) {
			shipped = append(shipped, file)
		}
	}
	require.NotEmpty(t, shipped, "shipped stack files")
	for index, file := range shipped {
		t.Run(file.Model.Name, func(t *testing.T) {
			liveRunStack(t, file, index)
		})
	}
}

// liveRunStack runs the stages of one region. The subtests run one after another because each
// points the AWS SDK and the Pulumi CLI at its partition's profile through the environment.
func liveRunStack(t *testing.T, file regions.StackFile, index int) {
	shippedModel := file.Model
	settings, missing := liveSettingsFor(shippedModel)
	if len(missing) > 0 {
		t.Skipf("set %s to run the live suite for %s (partition %s); see docs/live-suite.md",
			strings.Join(missing, ", "), shippedModel.Name, shippedModel.Partition)
	}
	deploying := os.Getenv(test_structure.SkipStageEnvVarPrefix+"deploy") == ""
	if deadline, ok := t.Deadline(); ok && deploying && time.Until(deadline) < liveMinimumTimeout {
		t.Fatalf("the test deadline is in %s, less than the %s a deployment and its destroy need; run go test with -timeout 3h",
			time.Until(deadline).Round(time.Minute), liveMinimumTimeout)
	}
	_, err := exec.LookPath("pulumi")
	require.NoError(t, err, "the live suite runs the Pulumi CLI; install it and put it on PATH")
	liveUseProfile(t, settings.profile, shippedModel.Region)

	ctx := context.Background()
	projectDir, err := filepath.Abs("..")
	require.NoError(t, err)
	dataDir := filepath.Join(projectDir, "out", "live", shippedModel.Name)
	if settings.backendURL == "" {
		settings.backendURL = "file://" + filepath.Join(projectDir, "out", "live", "state")
		require.NoError(t, os.MkdirAll(filepath.Join(projectDir, "out", "live", "state"), 0o755))
	}

	test_structure.RunTestStage(t, "setup", func() {
		name := shippedModel.Region + liveStackInfix + strings.ToLower(random.UniqueID())
		test_structure.SaveString(t, dataDir, "stackName", name)
	})
	name := test_structure.LoadString(t, dataDir, "stackName")
	model := liveModel(t, shippedModel, name, settings, index)
	stackFile := liveWriteStackFile(t, filepath.Join(projectDir, "stacks"), file, model)
	logger.Logf(t, "ephemeral stack %s in account %s, state in %s", name, model.AccountID, settings.backendURL)

	stack, err := auto.UpsertStackLocalSource(ctx, name, projectDir,
		auto.SecretsProvider(file.SecretsProvider),
		auto.EnvVars(liveEnvironment(settings, model.Region)))
	require.NoError(t, err, "creating ephemeral stack %s", name)

	// Registered before the deployment, so a failed or interrupted deploy stage is destroyed too.
	defer test_structure.RunTestStage(t, "destroy", func() {
		retry := fmt.Sprintf("PULUMI_BACKEND_URL=%s pulumi destroy --stack %s --cwd %s && PULUMI_BACKEND_URL=%s pulumi stack rm %s --cwd %s",
			settings.backendURL, name, projectDir, settings.backendURL, name, projectDir)
		liveDestroy(t, ctx, stack, model, stackFile, dataDir, retry)
	})

	test_structure.RunTestStage(t, "deploy", func() {
		_, err := stack.Up(ctx, optup.ProgressStreams(os.Stdout), optup.Message("live suite"))
		require.NoError(t, err, "pulumi up of %s", name)
	})
	test_structure.RunTestStage(t, "validate", func() {
		outputs := liveReadOutputs(t, ctx, stack, model)
		liveCheckResources(t, ctx, model, outputs)
	})
	test_structure.RunTestStage(t, "evidence", func() {
		liveCheckExport(t, ctx, stack, model)
	})
}

// liveUseProfile points the AWS SDK of this process at a profile for the rest of the test. Static
// credentials in the environment would take precedence over the profile, so they are cleared.
func liveUseProfile(t *testing.T, profile, region string) {
	t.Helper()
	t.Setenv("AWS_PROFILE", profile)
	t.Setenv("AWS_REGION", region)
	t.Setenv("AWS_DEFAULT_REGION", region)
	for _, variable := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
		t.Setenv(variable, "")
	}
}

// liveEnvironment is the environment of the Pulumi CLI and of the AWS provider it starts.
func liveEnvironment(settings liveSettings, region string) map[string]string {
	return map[string]string{
		"PULUMI_BACKEND_URL":       settings.backendURL,
		"PULUMI_SKIP_UPDATE_CHECK": "true",
		"AWS_PROFILE":              settings.profile,
		"AWS_REGION":               region,
		"AWS_DEFAULT_REGION":       region,
		"AWS_ACCESS_KEY_ID":        "",
		"AWS_SECRET_ACCESS_KEY":    "",
		"AWS_SESSION_TOKEN":        "",
	}
}

// liveDomainOutputs are the per-domain outputs that program/program.go exports.
type liveDomainOutputs struct {
	VPCID             string   `json:"vpcId"`
	AppSubnetIDs      []string `json:"appSubnetIds"`
	DatabaseSubnetIDs []string `json:"databaseSubnetIds"`
	KeyARN            string   `json:"keyArn"`
	ClusterIdentifier string   `json:"clusterIdentifier"`
	ClusterARN        string   `json:"clusterArn"`
	ECSClusterName    string   `json:"ecsClusterName"`
	ECSServiceName    string   `json:"ecsServiceName"`
	LoadBalancerARN   string   `json:"loadBalancerArn"`
}

// liveReadOutputs reads the stack outputs and checks the stack-level ones against the model.
func liveReadOutputs(t *testing.T, ctx context.Context, stack auto.Stack, model regions.Stack) map[string]liveDomainOutputs {
	t.Helper()
	outputs, err := stack.Outputs(ctx)
	require.NoError(t, err, "reading the outputs of %s", model.Name)
	for key, expected := range map[string]string{"region": model.Region, "partition": model.Partition, "accountId": model.AccountID} {
		assert.Equal(t, expected, outputs[key].Value, "stack output %s", key)
	}
	encoded, err := json.Marshal(outputs["domains"].Value)
	require.NoError(t, err)
	var domains map[string]liveDomainOutputs
	require.NoError(t, json.Unmarshal(encoded, &domains), "stack output domains: %s", encoded)
	for _, domain := range model.Domains {
		require.Contains(t, domains, domain.Name, "stack output domains")
	}
	return domains
}

// liveCheckResources checks each domain's deployed resources in AWS, in the stack's region.
func liveCheckResources(t *testing.T, ctx context.Context, model regions.Stack, domains map[string]liveDomainOutputs) {
	t.Helper()
	region := model.Region
	ec2Client, err := terratestaws.NewEc2ClientContextE(t, ctx, region)
	require.NoError(t, err)
	rdsClient, err := terratestaws.NewRdsClientContextE(t, ctx, region)
	require.NoError(t, err)
	kmsClient, err := terratestaws.NewKmsClientContextE(t, ctx, region)
	require.NoError(t, err)
	ecsClient, err := terratestaws.NewEcsClientContextE(t, ctx, region)
	require.NoError(t, err)
	config, err := terratestaws.NewAuthenticatedSessionContext(ctx, region)
	require.NoError(t, err)
	elbClient := elasticloadbalancingv2.NewFromConfig(*config)

	for _, domain := range model.Domains {
		outputs := domains[domain.Name]
		t.Run(domain.Name, func(t *testing.T) {
			for _, value := range []string{outputs.KeyARN, outputs.ClusterARN, outputs.LoadBalancerARN} {
				liveAssertARNInStack(t, model, value)
			}
			liveCheckNetwork(t, ctx, ec2Client, model, domain, outputs)
			liveCheckKey(t, ctx, kmsClient, region, outputs)
			liveCheckDatabase(t, ctx, rdsClient, region, outputs)
			liveCheckService(t, ctx, ecsClient, ec2Client, region, outputs)
			liveCheckLoadBalancer(t, ctx, elbClient, outputs)
		})
	}
}

// liveAssertARNInStack asserts that an ARN is in the stack's partition, account and region.
func liveAssertARNInStack(t *testing.T, model regions.Stack, value string) {
	t.Helper()
	parsed, err := arn.Parse(value)
	if !assert.NoError(t, err, "ARN %q", value) {
		return
	}
	assert.Equal(t, model.Partition, parsed.Partition, "partition of %s", value)
	assert.Equal(t, model.AccountID, parsed.AccountID, "account of %s", value)
	assert.Equal(t, model.Region, parsed.Region, "region of %s", value)
}

// liveCheckNetwork checks that a domain VPC's subnets are private and that the VPC has no
// internet gateway, NAT gateway or peering connection.
func liveCheckNetwork(t *testing.T, ctx context.Context, client *ec2.Client, model regions.Stack, domain regions.Domain, outputs liveDomainOutputs) {
	t.Helper()
	vpc, err := terratestaws.GetVpcByIDContextE(t, ctx, outputs.VPCID, model.Region)
	require.NoError(t, err, "VPC %s of %s in %s", outputs.VPCID, domain.Name, model.Region)
	assert.Equal(t, domain.CIDR, aws.ToString(vpc.CidrBlock), "CIDR of VPC %s", vpc.Id)

	expected := append(slices.Clone(outputs.AppSubnetIDs), outputs.DatabaseSubnetIDs...)
	var found []string
	for _, subnet := range vpc.Subnets {
		found = append(found, subnet.Id)
		assert.Contains(t, model.Zones, subnet.AvailabilityZone, "zone of subnet %s", subnet.Id)
		public, err := terratestaws.IsPublicSubnetContextE(t, ctx, subnet.Id, model.Region)
		if assert.NoError(t, err, "route tables of subnet %s", subnet.Id) {
			assert.False(t, public, "subnet %s has a route to an internet gateway", subnet.Id)
		}
	}
	assert.ElementsMatch(t, expected, found, "subnets of VPC %s", vpc.Id)

	subnets, err := client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: expected})
	require.NoError(t, err)
	for _, subnet := range subnets.Subnets {
		assert.False(t, aws.ToBool(subnet.MapPublicIpOnLaunch), "subnet %s maps public IPs on launch", aws.ToString(subnet.SubnetId))
	}

	vpcFilter := func(name string) []ec2types.Filter {
		return []ec2types.Filter{{Name: aws.String(name), Values: []string{outputs.VPCID}}}
	}
	gateways, err := client.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: vpcFilter("attachment.vpc-id")})
	require.NoError(t, err)
	assert.Empty(t, gateways.InternetGateways, "internet gateways attached to VPC %s", outputs.VPCID)
	natGateways, err := client.DescribeNatGateways(ctx, &ec2.DescribeNatGatewaysInput{Filter: vpcFilter("vpc-id")})
	require.NoError(t, err)
	for _, gateway := range natGateways.NatGateways {
		assert.Contains(t, []ec2types.NatGatewayState{ec2types.NatGatewayStateDeleted, ec2types.NatGatewayStateDeleting},
			gateway.State, "NAT gateway %s in VPC %s", aws.ToString(gateway.NatGatewayId), outputs.VPCID)
	}
	for _, side := range []string{"requester-vpc-info.vpc-id", "accepter-vpc-info.vpc-id"} {
		peerings, err := client.DescribeVpcPeeringConnections(ctx, &ec2.DescribeVpcPeeringConnectionsInput{Filters: vpcFilter(side)})
		require.NoError(t, err)
		for _, peering := range peerings.VpcPeeringConnections {
			code := ec2types.VpcPeeringConnectionStateReasonCode("")
			if peering.Status != nil {
				code = peering.Status.Code
			}
			assert.Contains(t, []ec2types.VpcPeeringConnectionStateReasonCode{
				ec2types.VpcPeeringConnectionStateReasonCodeDeleted, ec2types.VpcPeeringConnectionStateReasonCodeRejected,
				ec2types.VpcPeeringConnectionStateReasonCodeFailed, ec2types.VpcPeeringConnectionStateReasonCodeExpired,
			}, code, "peering connection %s of VPC %s (%s)", aws.ToString(peering.VpcPeeringConnectionId), outputs.VPCID, side)
		}
	}
}

// liveCheckKey checks that a domain key exists in the region, rotates and is single-region.
func liveCheckKey(t *testing.T, ctx context.Context, client *kms.Client, region string, outputs liveDomainOutputs) {
	t.Helper()
	keyARN, err := terratestaws.GetCmkArnContextE(t, ctx, region, outputs.KeyARN)
	require.NoError(t, err, "key %s in %s", outputs.KeyARN, region)
	assert.Equal(t, outputs.KeyARN, keyARN)
	rotation, err := client.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(outputs.KeyARN)})
	require.NoError(t, err)
	assert.True(t, rotation.KeyRotationEnabled, "rotation of key %s", outputs.KeyARN)
	described, err := client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(outputs.KeyARN)})
	require.NoError(t, err)
	assert.False(t, aws.ToBool(described.KeyMetadata.MultiRegion), "key %s is multi-Region", outputs.KeyARN)
}

// liveCheckDatabase checks that a domain's Aurora cluster is encrypted with the domain key, has no
// cross-region source, and that none of its instances is publicly accessible.
func liveCheckDatabase(t *testing.T, ctx context.Context, client *rds.Client, region string, outputs liveDomainOutputs) {
	t.Helper()
	clusters, err := client.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(outputs.ClusterIdentifier)})
	require.NoError(t, err, "cluster %s in %s", outputs.ClusterIdentifier, region)
	require.Len(t, clusters.DBClusters, 1)
	cluster := clusters.DBClusters[0]
	assert.Equal(t, outputs.ClusterARN, aws.ToString(cluster.DBClusterArn))
	assert.True(t, aws.ToBool(cluster.StorageEncrypted), "storage encryption of cluster %s", outputs.ClusterIdentifier)
	assert.Equal(t, outputs.KeyARN, aws.ToString(cluster.KmsKeyId), "storage key of cluster %s", outputs.ClusterIdentifier)
	if assert.NotNil(t, cluster.MasterUserSecret, "master user secret of cluster %s", outputs.ClusterIdentifier) {
		assert.Equal(t, outputs.KeyARN, aws.ToString(cluster.MasterUserSecret.KmsKeyId), "key of the master user secret")
	}
	assert.Empty(t, aws.ToString(cluster.ReplicationSourceIdentifier), "replication source of cluster %s", outputs.ClusterIdentifier)
	assert.Empty(t, aws.ToString(cluster.GlobalClusterIdentifier), "global cluster of cluster %s", outputs.ClusterIdentifier)

	require.NotEmpty(t, cluster.DBClusterMembers, "instances of cluster %s", outputs.ClusterIdentifier)
	for _, member := range cluster.DBClusterMembers {
		id := aws.ToString(member.DBInstanceIdentifier)
		instance, err := terratestaws.GetRdsInstanceDetailsContextE(t, ctx, id, region)
		require.NoError(t, err, "instance %s", id)
		liveAssertInstancePrivate(t, *instance, outputs.KeyARN)
	}
}

func liveAssertInstancePrivate(t *testing.T, instance rdstypes.DBInstance, keyARN string) {
	t.Helper()
	id := aws.ToString(instance.DBInstanceIdentifier)
	assert.False(t, aws.ToBool(instance.PubliclyAccessible), "instance %s is publicly accessible", id)
	assert.True(t, aws.ToBool(instance.StorageEncrypted), "storage encryption of instance %s", id)
	assert.Equal(t, keyARN, aws.ToString(instance.KmsKeyId), "storage key of instance %s", id)
	if instance.PerformanceInsightsEnabled != nil && *instance.PerformanceInsightsEnabled {
		assert.Equal(t, keyARN, aws.ToString(instance.PerformanceInsightsKMSKeyId), "Performance Insights key of instance %s", id)
	}
}

// liveCheckService checks that a domain's ECS service assigns no public IP, runs in the app
// subnets, and that no task it started has a public IP.
func liveCheckService(t *testing.T, ctx context.Context, client *ecs.Client, ec2Client *ec2.Client, region string, outputs liveDomainOutputs) {
	t.Helper()
	service, err := terratestaws.GetEcsServiceContextE(t, ctx, region, outputs.ECSClusterName, outputs.ECSServiceName)
	require.NoError(t, err, "service %s of cluster %s", outputs.ECSServiceName, outputs.ECSClusterName)
	liveAssertARNInRegion(t, aws.ToString(service.ServiceArn), region)
	require.NotNil(t, service.NetworkConfiguration, "network configuration of service %s", outputs.ECSServiceName)
	network := service.NetworkConfiguration.AwsvpcConfiguration
	require.NotNil(t, network, "awsvpc configuration of service %s", outputs.ECSServiceName)
	assert.Equal(t, ecstypes.AssignPublicIpDisabled, network.AssignPublicIp, "public IP of service %s", outputs.ECSServiceName)
	assert.Subset(t, outputs.AppSubnetIDs, network.Subnets, "subnets of service %s", outputs.ECSServiceName)

	// NOTE: the stack creates its ECR repository empty, so tasks start only after an image with
	// the model's tag is pushed. Until then this loop finds no network interface, and only the
	// service settings above are checked.
	var interfaces []string
	for _, status := range []ecstypes.DesiredStatus{ecstypes.DesiredStatusRunning, ecstypes.DesiredStatusPending} {
		tasks, err := client.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String(outputs.ECSClusterName),
			ServiceName: aws.String(outputs.ECSServiceName), DesiredStatus: status})
		require.NoError(t, err)
		if len(tasks.TaskArns) == 0 {
			continue
		}
		described, err := client.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(outputs.ECSClusterName), Tasks: tasks.TaskArns})
		require.NoError(t, err)
		for _, task := range described.Tasks {
			for _, attachment := range task.Attachments {
				for _, detail := range attachment.Details {
					if aws.ToString(detail.Name) == "networkInterfaceId" && aws.ToString(detail.Value) != "" {
						interfaces = append(interfaces, aws.ToString(detail.Value))
					}
				}
			}
		}
	}
	logger.Logf(t, "service %s has %d task network interfaces", outputs.ECSServiceName, len(interfaces))
	if len(interfaces) == 0 {
		return
	}
	described, err := ec2Client.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: interfaces})
	require.NoError(t, err)
	for _, networkInterface := range described.NetworkInterfaces {
		id := aws.ToString(networkInterface.NetworkInterfaceId)
		if networkInterface.Association != nil {
			assert.Empty(t, aws.ToString(networkInterface.Association.PublicIp), "public IP of task interface %s", id)
		}
		assert.Contains(t, outputs.AppSubnetIDs, aws.ToString(networkInterface.SubnetId), "subnet of task interface %s", id)
	}
}

// liveCheckLoadBalancer checks that a domain's load balancer is internal and in the domain VPC.
func liveCheckLoadBalancer(t *testing.T, ctx context.Context, client *elasticloadbalancingv2.Client, outputs liveDomainOutputs) {
	t.Helper()
	described, err := client.DescribeLoadBalancers(ctx, &elasticloadbalancingv2.DescribeLoadBalancersInput{
		LoadBalancerArns: []string{outputs.LoadBalancerARN}})
	require.NoError(t, err, "load balancer %s", outputs.LoadBalancerARN)
	require.Len(t, described.LoadBalancers, 1)
	balancer := described.LoadBalancers[0]
	assert.Equal(t, elbtypes.LoadBalancerSchemeEnumInternal, balancer.Scheme, "scheme of load balancer %s", outputs.LoadBalancerARN)
	assert.Equal(t, outputs.VPCID, aws.ToString(balancer.VpcId), "VPC of load balancer %s", outputs.LoadBalancerARN)
}

func liveAssertARNInRegion(t *testing.T, value, region string) {
	t.Helper()
	parsed, err := arn.Parse(value)
	if assert.NoError(t, err, "ARN %q", value) {
		assert.Equal(t, region, parsed.Region, "region of %s", value)
	}
}

// liveGlobalARNServices lists the services whose ARNs carry no region.
var liveGlobalARNServices = []string{"iam", "s3", "route53"}

// liveCheckExport runs the isolation rules on the deployed stack's export, checks the partition
// and region of every ARN in the state, and writes the stack's evidence as the offline suite does.
func liveCheckExport(t *testing.T, ctx context.Context, stack auto.Stack, model regions.Stack) {
	t.Helper()
	deployment, err := stack.Export(ctx)
	require.NoError(t, err, "exporting %s", model.Name)
	encoded, err := json.Marshal(deployment)
	require.NoError(t, err)
	deployed, err := graph.ReadExport(bytes.NewReader(encoded))
	require.NoError(t, err)
	require.NotEmpty(t, deployed.Resources, "resources in the export of %s", model.Name)

	for _, resource := range deployed.Resources {
		value, _ := resource.Outputs["arn"].(string)
		if !resource.Custom || value == "" {
			continue
		}
		parsed, err := arn.Parse(value)
		if !assert.NoError(t, err, "arn of %s", resource.URN) {
			continue
		}
		assert.Equal(t, model.Partition, parsed.Partition, "partition of %s", resource.URN)
		if parsed.Region != "" || !slices.Contains(liveGlobalARNServices, parsed.Service) {
			assert.Equal(t, model.Region, parsed.Region, "region of %s (%s)", resource.URN, value)
		}
	}

	results := rules.Evaluate(deployed, rules.ExpectationFor(model))
	require.Len(t, results, len(rules.Catalog()), "one result per rule")
	for _, result := range results {
		assert.Equal(t, rules.Pass, result.Status, "%s %s: %s", model.Name, result.ID, result.Message)
	}
	report := evidence.NewReport(model, deployed, results, evidence.SourceLive)
	jsonPath, markdownPath, err := evidence.Write(evidenceDir(), report)
	require.NoError(t, err)
	logger.Logf(t, "wrote evidence of stack %s: %s, %s", model.Name, jsonPath, markdownPath)
}

// liveDestroy destroys the ephemeral stack, deletes the final snapshots that RDS takes of its
// clusters, and removes the stack with its stack file. On failure it keeps the stack file and
// reports retry, the commands that finish the cleanup by hand.
func liveDestroy(t *testing.T, ctx context.Context, stack auto.Stack, model regions.Stack, stackFile, dataDir, retry string) {
	t.Helper()
	_, err := stack.Destroy(ctx, optdestroy.ProgressStreams(os.Stdout))
	if err != nil && model.Gateway.Apigee != nil {
		// Deleting the truststore object leaves its old versions and a delete marker in the
		// versioned bucket, so the bucket cannot be deleted until they are removed.
		bucket := fmt.Sprintf("residency-truststore-%s-%s", model.AccountID, model.Region)
		logger.Logf(t, "destroying %s failed (%v); emptying truststore bucket %s and retrying", model.Name, err, bucket)
		if emptyErr := liveEmptyBucket(t, ctx, model.Region, bucket); emptyErr != nil {
			logger.Logf(t, "emptying truststore bucket %s failed: %v", bucket, emptyErr)
		}
		_, err = stack.Destroy(ctx, optdestroy.ProgressStreams(os.Stdout))
	}
	if err != nil {
		t.Errorf("destroying ephemeral stack %s failed, so its resources and stack file %s are kept: %v\nretry with: %s",
			model.Name, stackFile, err, retry)
		return
	}

	rdsClient, err := terratestaws.NewRdsClientContextE(t, ctx, model.Region)
	if assert.NoError(t, err) {
		for _, domain := range model.Domains {
			snapshot := components.FinalSnapshotIdentifier(domain.Name)
			_, err := rdsClient.DeleteDBClusterSnapshot(ctx, &rds.DeleteDBClusterSnapshotInput{DBClusterSnapshotIdentifier: aws.String(snapshot)})
			var notFound *rdstypes.DBClusterSnapshotNotFoundFault
			if err != nil && !errors.As(err, &notFound) {
				t.Errorf("deleting final snapshot %s in %s failed, so delete it by hand: %v", snapshot, model.Region, err)
			}
		}
	}

	if err := stack.Workspace().RemoveStack(ctx, model.Name); err != nil {
		t.Errorf("removing ephemeral stack %s failed: %v\nretry with: %s", model.Name, err, retry)
		return
	}
	if err := os.Remove(stackFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Errorf("removing stack file %s: %v", stackFile, err)
	}
	test_structure.CleanupTestDataFolder(t, dataDir)
}

// liveEmptyBucket deletes every object version and delete marker in a versioned bucket.
func liveEmptyBucket(t *testing.T, ctx context.Context, region, bucket string) error {
	t.Helper()
	client, err := terratestaws.NewS3ClientContextE(t, ctx, region)
	if err != nil {
		return err
	}
	paginator := s3.NewListObjectVersionsPaginator(client, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket)})
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing object versions of bucket (%s): %w", bucket, err)
		}
		var objects []s3types.ObjectIdentifier
		for _, version := range page.Versions {
			objects = append(objects, s3types.ObjectIdentifier{Key: version.Key, VersionId: version.VersionId})
		}
		for _, marker := range page.DeleteMarkers {
			objects = append(objects, s3types.ObjectIdentifier{Key: marker.Key, VersionId: marker.VersionId})
		}
		if len(objects) == 0 {
			continue
		}
		_, err = client.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(bucket), Delete: &s3types.Delete{Objects: objects}})
		if err != nil {
			return fmt.Errorf("deleting object versions of bucket (%s): %w", bucket, err)
		}
	}
	return nil
}
