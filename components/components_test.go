package components_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/residency/components"
	"github.com/example/residency/graph"
	"github.com/example/residency/offline"
	"github.com/example/residency/regions"
)

// Type tokens of the resources the tests look at.
const (
	keyType              = "aws:kms/key:Key"
	aliasType            = "aws:kms/alias:Alias"
	roleType             = "aws:iam/role:Role"
	rolePolicyType       = "aws:iam/rolePolicy:RolePolicy"
	vpcType              = "aws:ec2/vpc:Vpc"
	subnetType           = "aws:ec2/subnet:Subnet"
	routeTableType       = "aws:ec2/routeTable:RouteTable"
	routeType            = "aws:ec2/route:Route"
	endpointType         = "aws:ec2/vpcEndpoint:VpcEndpoint"
	securityGroupType    = "aws:ec2/securityGroup:SecurityGroup"
	ingressRuleType      = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	flowLogType          = "aws:ec2/flowLog:FlowLog"
	logGroupType         = "aws:cloudwatch/logGroup:LogGroup"
	clusterType          = "aws:rds/cluster:Cluster"
	instanceType         = "aws:rds/clusterInstance:ClusterInstance"
	parameterGroupType   = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
	subnetGroupType      = "aws:rds/subnetGroup:SubnetGroup"
	repositoryType       = "aws:ecr/repository:Repository"
	taskDefinitionType   = "aws:ecs/taskDefinition:TaskDefinition"
	serviceType          = "aws:ecs/service:Service"
	loadBalancerType     = "aws:lb/loadBalancer:LoadBalancer"
	restAPIType          = "aws:apigateway/restApi:RestApi"
	apiDomainNameType    = "aws:apigateway/domainName:DomainName"
	vpcLinkType          = "aws:apigateway/vpcLink:VpcLink"
	integrationType      = "aws:apigateway/integration:Integration"
	stageType            = "aws:apigateway/stage:Stage"
	bucketType           = "aws:s3/bucketV2:BucketV2"
	bucketObjectType     = "aws:s3/bucketObjectv2:BucketObjectv2"
	bucketVersioningType = "aws:s3/bucketVersioningV2:BucketVersioningV2"
	bucketEncryptionType = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	publicAccessType     = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	endpointServiceType  = "aws:ec2/vpcEndpointService:VpcEndpointService"
	allowedPrincipalType = "aws:ec2/vpcEndpointServiceAllowedPrinciple:VpcEndpointServiceAllowedPrinciple"
)

// disabledDefaults is stack config that disables the default aws provider, as every stack file does.
var disabledDefaults = map[string]string{regions.DisableDefaultProvidersKey: `["aws"]`}

// shippedStack returns the validated model of a shipped stack.
func shippedStack(t *testing.T, name string) regions.Stack {
	t.Helper()
	files, err := regions.LoadDir("../stacks")
	require.NoError(t, err)
	for _, file := range files {
		if file.Model.Name == name {
			return file.Model
		}
	}
	require.FailNow(t, "stack not found", "no shipped stack %s", name)
	return regions.Stack{}
}

// runWithProvider runs build under the offline engine with the default aws provider disabled and
// one explicit provider pinned to the stack's region and account, as RegionStack creates it.
func runWithProvider(t *testing.T, stack regions.Stack, build func(ctx *pulumi.Context, provider *aws.Provider) error) *graph.Graph {
	t.Helper()
	g, err := offline.Run(stack.Name, disabledDefaults, func(ctx *pulumi.Context) error {
		provider, err := aws.NewProvider(ctx, stack.Region, &aws.ProviderArgs{
			Region:            pulumi.String(stack.Region),
			AllowedAccountIds: pulumi.StringArray{pulumi.String(stack.AccountID)},
		})
		if err != nil {
			return err
		}
		return build(ctx, provider)
	})
	require.NoError(t, err)
	return g
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

// requireString returns a string input or output.
func requireString(t *testing.T, values map[string]any, key string) string {
	t.Helper()
	value, ok := values[key].(string)
	require.True(t, ok, "%s is %T, not a string", key, values[key])
	return value
}

// requireStrings returns a list of strings from an input or output.
func requireStrings(t *testing.T, value any) []string {
	t.Helper()
	items, ok := value.([]any)
	require.True(t, ok, "value is %T, not a list", value)
	result := make([]string, len(items))
	for i, item := range items {
		result[i], ok = item.(string)
		require.True(t, ok, "item %d is %T, not a string", i, item)
	}
	return result
}

// requireMapping returns a mapping from an input or output.
func requireMapping(t *testing.T, value any) map[string]any {
	t.Helper()
	result, ok := value.(map[string]any)
	require.True(t, ok, "value is %T, not a mapping", value)
	return result
}

// decodePolicy decodes a policy document from a JSON string input.
func decodePolicy(t *testing.T, resource graph.Resource, key string) components.PolicyDocument {
	t.Helper()
	var document components.PolicyDocument
	require.NoError(t, json.Unmarshal([]byte(requireString(t, resource.Inputs, key)), &document), "policy of %s", resource.URN)
	return document
}

// findStatement returns the one statement of a policy with a statement ID.
func findStatement(t *testing.T, document components.PolicyDocument, sid string) components.Statement {
	t.Helper()
	var found []components.Statement
	for _, candidate := range document.Statement {
		if candidate.Sid == sid {
			found = append(found, candidate)
		}
	}
	require.Len(t, found, 1, "statements with Sid %s", sid)
	return found[0]
}

// assertDeniesOtherRegions checks that a policy denies every request to another region.
func assertDeniesOtherRegions(t *testing.T, document components.PolicyDocument, region string) {
	t.Helper()
	deny := findStatement(t, document, "DenyRequestsToOtherRegions")
	assert.Equal(t, "Deny", deny.Effect, "effect")
	assert.Equal(t, []string{"*"}, deny.Action, "action")
	assert.Equal(t, []string{"*"}, deny.Resource, "resource")
	assert.Equal(t, components.Condition{"StringNotEquals": {"aws:RequestedRegion": {region}}}, deny.Condition, "condition")
}

// allowedResources lists the resources of every Allow statement.
func allowedResources(document components.PolicyDocument) []string {
	var resources []string
	for _, candidate := range document.Statement {
		if candidate.Effect == "Allow" {
			resources = append(resources, candidate.Resource...)
		}
	}
	return resources
}

// providerReference returns the reference that resources of the explicit provider carry.
func providerReference(t *testing.T, g *graph.Graph) string {
	t.Helper()
	providers := g.OfType(graph.AWSProviderType)
	require.Len(t, providers, 1, "AWS providers")
	return providers[0].URN + "::" + providers[0].ID
}

// assertExplicitProvider checks that every AWS resource uses the explicit provider.
func assertExplicitProvider(t *testing.T, g *graph.Graph) {
	t.Helper()
	reference := providerReference(t, g)
	for _, resource := range g.Resources {
		if resource.Custom && strings.HasPrefix(resource.Type, "aws:") {
			assert.Equal(t, reference, resource.Provider, "provider of %s", resource.URN)
		}
	}
}

func TestDomainKeyPolicy(t *testing.T) {
	t.Parallel()
	cases := []struct {
		stack    string
		root     string
		roles    []string
		logs     string
		logGroup string
	}{
		{
			stack:    "eu-central-1",
			root:     "arn:aws:iam::111111111111:root",
			roles:    []string{"arn:aws:iam::111111111111:role/customer-identity-task", "arn:aws:iam::111111111111:role/customer-identity-execution"},
			logs:     "logs.eu-central-1.amazonaws.com",
			logGroup: "arn:aws:logs:eu-central-1:111111111111:log-group:/residency/customer-identity/*",
		},
		{
			stack:    "cn-north-1",
			root:     "arn:aws-cn:iam::333333333333:root",
			roles:    []string{"arn:aws-cn:iam::333333333333:role/customer-identity-task", "arn:aws-cn:iam::333333333333:role/customer-identity-execution"},
			logs:     "logs.cn-north-1.amazonaws.com.cn",
			logGroup: "arn:aws-cn:logs:cn-north-1:333333333333:log-group:/residency/customer-identity/*",
		},
	}
	for _, tc := range cases {
		t.Run(tc.stack, func(t *testing.T) {
			t.Parallel()
			stack := shippedStack(t, tc.stack)
			g := runWithProvider(t, stack, func(ctx *pulumi.Context, provider *aws.Provider) error {
				roles := make([]pulumi.StringInput, len(tc.roles))
				for i, role := range tc.roles {
					roles[i] = pulumi.String(role)
				}
				_, err := components.NewDomainKey(ctx, "customer-identity-key", &components.DomainKeyArgs{
					Stack:            stack,
					Scope:            "customer-identity",
					Classification:   "personal",
					UserRoleARNs:     roles,
					LogGroupPatterns: []string{"/residency/customer-identity/*"},
				}, pulumi.Providers(provider))
				return err
			})
			assertExplicitProvider(t, g)

			key := findByName(t, g, keyType, "customer-identity-key")
			assert.Equal(t, true, key.Inputs["enableKeyRotation"], "rotation")
			assert.Equal(t, false, key.Inputs["multiRegion"], "multi-Region")
			assert.Equal(t, float64(30), key.Inputs["deletionWindowInDays"], "deletion window")
			assert.Equal(t, "SYMMETRIC_DEFAULT", key.Inputs["customerMasterKeySpec"], "key spec")
			assert.True(t, key.Protect, "a production key is protected")

			document := decodePolicy(t, key, "policy")
			assert.Len(t, document.Statement, 3, "statements")
			root := findStatement(t, document, "AccountRootAdministersKey")
			assert.Equal(t, "Allow", root.Effect)
			assert.Equal(t, []string{tc.root}, root.Principal.AWS, "root principal")
			roles := findStatement(t, document, "DomainRolesUseKey")
			assert.ElementsMatch(t, tc.roles, roles.Principal.AWS, "role principals")
			assert.Empty(t, roles.Principal.Service, "roles statement names no service")
			assert.NotContains(t, roles.Action, "kms:*", "roles only use the key")
			assert.Equal(t, []string{stack.AccountID}, roles.Condition["StringEquals"]["kms:CallerAccount"])
			logs := findStatement(t, document, "RegionalLogsEncryptDomainLogGroups")
			assert.Equal(t, []string{tc.logs}, logs.Principal.Service, "logs principal")
			assert.Empty(t, logs.Principal.AWS, "logs statement names no role")
			assert.Equal(t, []string{tc.logGroup}, logs.Condition["ArnLike"]["kms:EncryptionContext:aws:logs:arn"])

			alias := findByName(t, g, aliasType, "customer-identity-key-alias")
			assert.Equal(t, "alias/residency/customer-identity", alias.Inputs["name"])
			assert.Equal(t, key.Outputs["keyId"], alias.Inputs["targetKeyId"])
		})
	}
}

func TestDomainKeyWithoutRoles(t *testing.T) {
	t.Parallel()
	stack := shippedStack(t, "us-east-1")
	g := runWithProvider(t, stack, func(ctx *pulumi.Context, provider *aws.Provider) error {
		_, err := components.NewDomainKey(ctx, "gateway-key", &components.DomainKeyArgs{
			Stack:            stack,
			Scope:            "gateway",
			Classification:   "pseudonymous",
			LogGroupPatterns: []string{"/residency/gateway/api-access"},
		}, pulumi.Providers(provider))
		return err
	})
	document := decodePolicy(t, findByName(t, g, keyType, "gateway-key"), "policy")
	var sids []string
	for _, candidate := range document.Statement {
		sids = append(sids, candidate.Sid)
	}
	assert.ElementsMatch(t, []string{"AccountRootAdministersKey", "RegionalLogsEncryptDomainLogGroups"}, sids)
}

// buildNetwork registers a flow-log role and a domain's network, with a key ARN given by the test.
func buildNetwork(ctx *pulumi.Context, provider *aws.Provider, stack regions.Stack, domain regions.Domain, keyARN string) error {
	role, err := iam.NewRole(ctx, domain.Name+"-flow-logs", &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["vpc-flow-logs.amazonaws.com"]},"Action":["sts:AssumeRole"]}]}`),
	}, pulumi.Provider(provider))
	if err != nil {
		return err
	}
	_, err = components.NewDomainNetwork(ctx, domain.Name, &components.DomainNetworkArgs{
		Stack:       stack,
		Domain:      domain,
		KeyARN:      pulumi.String(keyARN),
		FlowLogRole: role,
	}, pulumi.Providers(provider))
	return err
}

func TestDomainNetwork(t *testing.T) {
	t.Parallel()
	cases := []struct {
		stack      string
		keyARN     string
		firstApp   string
		firstDB    string
		interfaces []string
		gateway    string
	}{
		{
			stack:    "eu-central-1",
			keyARN:   "arn:aws:kms:eu-central-1:111111111111:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
			firstApp: "10.10.0.0/19",
			firstDB:  "10.10.128.0/19",
			interfaces: []string{
				"com.amazonaws.eu-central-1.ecr.api",
				"com.amazonaws.eu-central-1.ecr.dkr",
				"com.amazonaws.eu-central-1.logs",
				"com.amazonaws.eu-central-1.secretsmanager",
				"com.amazonaws.eu-central-1.kms",
				"com.amazonaws.eu-central-1.sts",
			},
			gateway: "com.amazonaws.eu-central-1.s3",
		},
		{
			stack:    "cn-north-1",
			keyARN:   "arn:aws-cn:kms:cn-north-1:333333333333:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
			firstApp: "10.30.0.0/19",
			firstDB:  "10.30.128.0/19",
			interfaces: []string{
				"cn.com.amazonaws.cn-north-1.ecr.api",
				"cn.com.amazonaws.cn-north-1.ecr.dkr",
				"com.amazonaws.cn-north-1.logs",
				"com.amazonaws.cn-north-1.secretsmanager",
				"com.amazonaws.cn-north-1.kms",
				"cn.com.amazonaws.cn-north-1.sts",
			},
			gateway: "com.amazonaws.cn-north-1.s3",
		},
	}
	for _, tc := range cases {
		t.Run(tc.stack, func(t *testing.T) {
			t.Parallel()
			stack := shippedStack(t, tc.stack)
			domain := stack.Domains[0]
			g := runWithProvider(t, stack, func(ctx *pulumi.Context, provider *aws.Provider) error {
				return buildNetwork(ctx, provider, stack, domain, tc.keyARN)
			})
			assertExplicitProvider(t, g)
			name := domain.Name

			vpcs := g.OfType(vpcType)
			require.Len(t, vpcs, 1, "VPCs")
			vpc := vpcs[0]
			assert.Equal(t, domain.CIDR, vpc.Inputs["cidrBlock"], "VPC CIDR")

			appCIDRs, databaseCIDRs, err := components.SubnetCIDRs(domain.CIDR, len(stack.Zones))
			require.NoError(t, err)
			assert.Equal(t, tc.firstApp, appCIDRs[0], "first application subnet")
			assert.Equal(t, tc.firstDB, databaseCIDRs[0], "first database subnet")
			assert.Len(t, g.OfType(subnetType), 2*len(stack.Zones), "one application and one database subnet per zone")
			var appSubnetIDs []string
			for i, zone := range stack.Zones {
				letter := zone[len(zone)-1:]
				for tier, cidr := range map[string]string{"app": appCIDRs[i], "db": databaseCIDRs[i]} {
					subnet := findByName(t, g, subnetType, name+"-"+tier+"-"+letter)
					assert.Equal(t, cidr, subnet.Inputs["cidrBlock"], "CIDR of %s", subnet.Name())
					assert.Equal(t, zone, subnet.Inputs["availabilityZone"], "zone of %s", subnet.Name())
					assert.Equal(t, false, subnet.Inputs["mapPublicIpOnLaunch"], "public IPs in %s", subnet.Name())
					assert.Equal(t, vpc.ID, subnet.Inputs["vpcId"], "VPC of %s", subnet.Name())
					if tier == "app" {
						appSubnetIDs = append(appSubnetIDs, subnet.ID)
					}
				}
			}

			for _, typ := range []string{"aws:ec2/internetGateway:InternetGateway", "aws:ec2/natGateway:NatGateway",
				"aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway", "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"} {
				assert.Empty(t, g.OfType(typ), "resources of type %s", typ)
			}
			assert.Empty(t, g.OfType(routeType), "no route besides the local one")
			assert.Len(t, g.OfType(routeTableType), 2, "route tables")
			for _, table := range g.OfType(routeTableType) {
				assert.NotContains(t, table.Inputs, "routes", "inline routes of %s", table.Name())
			}

			appRoutes := findByName(t, g, routeTableType, name+"-app-routes")
			var interfaces []string
			for _, endpoint := range g.OfType(endpointType) {
				assert.Equal(t, vpc.ID, endpoint.Inputs["vpcId"], "VPC of %s", endpoint.Name())
				accountOnly := decodePolicy(t, endpoint, "policy")
				assert.NotEmpty(t, accountOnly.Statement, "policy of %s", endpoint.Name())
				if endpoint.Inputs["vpcEndpointType"] == "Gateway" {
					assert.Equal(t, tc.gateway, endpoint.Inputs["serviceName"], "gateway endpoint")
					assert.Equal(t, []string{appRoutes.ID}, requireStrings(t, endpoint.Inputs["routeTableIds"]), "gateway endpoint routes")
					continue
				}
				interfaces = append(interfaces, requireString(t, endpoint.Inputs, "serviceName"))
				assert.Equal(t, "Interface", endpoint.Inputs["vpcEndpointType"])
				assert.Equal(t, true, endpoint.Inputs["privateDnsEnabled"], "private DNS of %s", endpoint.Name())
				assert.Equal(t, appSubnetIDs, requireStrings(t, endpoint.Inputs["subnetIds"]), "subnets of %s", endpoint.Name())
				only := findStatement(t, accountOnly, "OnlyPrincipalsOfThisAccount")
				assert.Equal(t, []string{stack.AccountID}, only.Condition["StringEquals"]["aws:PrincipalAccount"])
			}
			assert.ElementsMatch(t, tc.interfaces, interfaces, "interface endpoint service names")

			logGroup := findByName(t, g, logGroupType, name+"-flow-logs")
			assert.Equal(t, tc.keyARN, logGroup.Inputs["kmsKeyId"], "flow-log group key")
			assert.Equal(t, "/residency/"+name+"/vpc-flow-logs", logGroup.Inputs["name"])
			flowLog := findByName(t, g, flowLogType, name+"-flow-log")
			assert.Equal(t, vpc.ID, flowLog.Inputs["vpcId"], "flow-log VPC")
			assert.Equal(t, "ALL", flowLog.Inputs["trafficType"])
			assert.Equal(t, logGroup.Outputs["arn"], flowLog.Inputs["logDestination"], "flow-log destination")
			assert.Equal(t, findByName(t, g, roleType, name+"-flow-logs").Outputs["arn"], flowLog.Inputs["iamRoleArn"])
			flowPolicy := decodePolicy(t, findByName(t, g, rolePolicyType, name+"-flow-logs-policy"), "policy")
			groupARN := requireString(t, logGroup.Outputs, "arn")
			assert.ElementsMatch(t, []string{groupARN, groupARN + ":log-stream:*"}, allowedResources(flowPolicy))
			assertDeniesOtherRegions(t, flowPolicy, stack.Region)

			serviceGroup := findByName(t, g, securityGroupType, name+"-service-sg")
			databaseGroup := findByName(t, g, securityGroupType, name+"-db-sg")
			for _, rule := range g.OfType(ingressRuleType) {
				assert.NotEqual(t, "0.0.0.0/0", rule.Inputs["cidrIpv4"], "ingress from anywhere in %s", rule.Name())
				if rule.Inputs["securityGroupId"] == databaseGroup.ID {
					assert.Equal(t, name+"-db-from-service", rule.Name(), "the only database ingress rule")
					assert.Equal(t, serviceGroup.ID, rule.Inputs["referencedSecurityGroupId"], "database source")
					assert.Equal(t, float64(components.DatabasePort), rule.Inputs["fromPort"], "database port")
				}
			}
		})
	}
}

func TestDomainDatabase(t *testing.T) {
	t.Parallel()
	cases := []struct {
		stack  string
		keyARN string
		secret string
	}{
		{"eu-central-1", "arn:aws:kms:eu-central-1:111111111111:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
			"arn:aws:secretsmanager:eu-central-1:111111111111:secret:rds!cluster-"},
		{"cn-north-1", "arn:aws-cn:kms:cn-north-1:333333333333:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
			"arn:aws-cn:secretsmanager:cn-north-1:333333333333:secret:rds!cluster-"},
	}
	for _, tc := range cases {
		t.Run(tc.stack, func(t *testing.T) {
			t.Parallel()
			stack := shippedStack(t, tc.stack)
			domain := stack.Domains[1]
			monitoringRole := fmt.Sprintf("arn:%s:iam::%s:role/%s-rds-monitoring", stack.Partition, stack.AccountID, domain.Name)
			subnets := []string{"subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb", "subnet-0cccccccccccccccc"}
			g := runWithProvider(t, stack, func(ctx *pulumi.Context, provider *aws.Provider) error {
				_, err := components.NewDomainDatabase(ctx, domain.Name, &components.DomainDatabaseArgs{
					Stack:             stack,
					Domain:            domain,
					KeyARN:            pulumi.String(tc.keyARN),
					SubnetIDs:         pulumi.ToStringArray(subnets),
					SecurityGroupID:   pulumi.String("sg-0dddddddddddddddd"),
					MonitoringRoleARN: pulumi.String(monitoringRole),
				}, pulumi.Providers(provider))
				return err
			})
			assertExplicitProvider(t, g)

			clusters := g.OfType(clusterType)
			require.Len(t, clusters, 1, "clusters")
			cluster := clusters[0]
			assert.Equal(t, "dealer-sales-aurora", cluster.ID)
			assert.Equal(t, true, cluster.Inputs["storageEncrypted"], "storage encrypted")
			assert.Equal(t, tc.keyARN, cluster.Inputs["kmsKeyId"], "storage key")
			assert.Equal(t, true, cluster.Inputs["manageMasterUserPassword"], "RDS-managed master password")
			assert.NotContains(t, cluster.Inputs, "masterPassword", "no password in the program")
			assert.Equal(t, tc.keyARN, cluster.Inputs["masterUserSecretKmsKeyId"], "master secret key")
			assert.Equal(t, true, cluster.Inputs["iamDatabaseAuthenticationEnabled"], "IAM authentication")
			assert.Equal(t, true, cluster.Inputs["deletionProtection"], "deletion protection")
			assert.Equal(t, false, cluster.Inputs["skipFinalSnapshot"], "final snapshot")
			assert.Equal(t, "dealer-sales-aurora-final", cluster.Inputs["finalSnapshotIdentifier"], "final snapshot ID")
			assert.Equal(t, float64(domain.Database.BackupRetentionDays), cluster.Inputs["backupRetentionPeriod"])
			assert.Equal(t, "16.8", cluster.Inputs["engineVersion"])
			assert.Equal(t, []string{"sg-0dddddddddddddddd"}, requireStrings(t, cluster.Inputs["vpcSecurityGroupIds"]))
			assert.True(t, cluster.Protect, "a production cluster is protected")
			secrets, ok := cluster.Outputs["masterUserSecrets"].([]any)
			require.True(t, ok, "master user secrets are %T", cluster.Outputs["masterUserSecrets"])
			require.Len(t, secrets, 1, "master user secrets")
			secret := requireMapping(t, secrets[0])
			assert.Equal(t, tc.keyARN, secret["kmsKeyId"], "master secret key")
			assert.True(t, strings.HasPrefix(requireString(t, secret, "secretArn"), tc.secret), "secret ARN %v", secret["secretArn"])

			parameters := findByName(t, g, parameterGroupType, domain.Name+"-parameters")
			assert.Equal(t, parameters.ID, cluster.Inputs["dbClusterParameterGroupName"], "parameter group of the cluster")
			assert.Equal(t, "aurora-postgresql16", parameters.Inputs["family"])
			assert.Contains(t, parameters.Inputs["parameters"], map[string]any{"name": "rds.force_ssl", "value": "1"})
			assert.Contains(t, parameters.Inputs["parameters"], map[string]any{"name": "ssl_min_protocol_version", "value": "TLSv1.2"})

			subnetGroup := findByName(t, g, subnetGroupType, domain.Name+"-subnets")
			assert.Equal(t, subnets, requireStrings(t, subnetGroup.Inputs["subnetIds"]), "isolated subnets")
			assert.Equal(t, subnetGroup.ID, cluster.Inputs["dbSubnetGroupName"])

			logGroup := findByName(t, g, logGroupType, domain.Name+"-postgresql-logs")
			assert.Equal(t, "/aws/rds/cluster/dealer-sales-aurora/postgresql", logGroup.Inputs["name"])
			assert.Equal(t, tc.keyARN, logGroup.Inputs["kmsKeyId"], "PostgreSQL log key")

			instances := g.OfType(instanceType)
			assert.Len(t, instances, domain.Database.Instances, "instances")
			for _, instance := range instances {
				assert.Equal(t, false, instance.Inputs["publiclyAccessible"], "%s is public", instance.Name())
				assert.Equal(t, cluster.ID, instance.Inputs["clusterIdentifier"], "cluster of %s", instance.Name())
				assert.Equal(t, tc.keyARN, instance.Inputs["performanceInsightsKmsKeyId"], "Performance Insights key of %s", instance.Name())
				assert.Equal(t, monitoringRole, instance.Inputs["monitoringRoleArn"], "monitoring role of %s", instance.Name())
				assert.Contains(t, stack.Zones, instance.Inputs["availabilityZone"], "zone of %s", instance.Name())
			}
		})
	}
}

// buildService registers a domain's roles, network, database and service, as DataDomain does, but
// with a key ARN given by the test.
func buildService(ctx *pulumi.Context, provider *aws.Provider, stack regions.Stack, domain regions.Domain, keyARN string) error {
	options := pulumi.Providers(provider)
	key := pulumi.String(keyARN)
	roles, err := components.NewDomainRoles(ctx, domain.Name, &components.DomainRolesArgs{Stack: stack, Domain: domain}, options)
	if err != nil {
		return err
	}
	network, err := components.NewDomainNetwork(ctx, domain.Name, &components.DomainNetworkArgs{
		Stack: stack, Domain: domain, KeyARN: key, FlowLogRole: roles.FlowLogRole,
	}, options)
	if err != nil {
		return err
	}
	database, err := components.NewDomainDatabase(ctx, domain.Name, &components.DomainDatabaseArgs{
		Stack: stack, Domain: domain, KeyARN: key, SubnetIDs: network.DatabaseSubnetIDs,
		SecurityGroupID: network.DatabaseGroup.ID(), MonitoringRoleARN: roles.MonitoringRole.Arn,
	}, options)
	if err != nil {
		return err
	}
	_, err = components.NewDomainService(ctx, domain.Name, &components.DomainServiceArgs{
		Stack: stack, Domain: domain, KeyARN: key, Roles: roles, Network: network, Database: database,
	}, options)
	return err
}

func TestDomainService(t *testing.T) {
	t.Parallel()
	cases := []struct {
		stack  string
		keyARN string
	}{
		{"eu-central-1", "arn:aws:kms:eu-central-1:111111111111:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"},
		{"cn-north-1", "arn:aws-cn:kms:cn-north-1:333333333333:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"},
	}
	for _, tc := range cases {
		t.Run(tc.stack, func(t *testing.T) {
			t.Parallel()
			stack := shippedStack(t, tc.stack)
			domain := stack.Domains[2]
			name := domain.Name
			g := runWithProvider(t, stack, func(ctx *pulumi.Context, provider *aws.Provider) error {
				return buildService(ctx, provider, stack, domain, tc.keyARN)
			})
			assertExplicitProvider(t, g)

			var appSubnetIDs []string
			for _, zone := range stack.Zones {
				appSubnetIDs = append(appSubnetIDs, findByName(t, g, subnetType, name+"-app-"+zone[len(zone)-1:]).ID)
			}
			service := findByName(t, g, serviceType, name+"-service")
			network := requireMapping(t, service.Inputs["networkConfiguration"])
			assert.Equal(t, false, network["assignPublicIp"], "public IP")
			assert.Equal(t, appSubnetIDs, requireStrings(t, network["subnets"]), "service subnets")
			assert.Equal(t, []string{findByName(t, g, securityGroupType, name+"-service-sg").ID}, requireStrings(t, network["securityGroups"]))
			assert.Equal(t, "FARGATE", service.Inputs["launchType"])

			balancer := findByName(t, g, loadBalancerType, name+"-nlb")
			assert.Equal(t, true, balancer.Inputs["internal"], "internal load balancer")
			assert.Equal(t, "network", balancer.Inputs["loadBalancerType"])
			assert.Equal(t, appSubnetIDs, requireStrings(t, balancer.Inputs["subnets"]), "load balancer subnets")

			repository := findByName(t, g, repositoryType, name+"-repository")
			assert.Equal(t, "IMMUTABLE", repository.Inputs["imageTagMutability"])
			encryptions := repository.Inputs["encryptionConfigurations"].([]any)
			require.Len(t, encryptions, 1, "repository encryption configurations")
			encryption := requireMapping(t, encryptions[0])
			assert.Equal(t, tc.keyARN, encryption["kmsKey"], "repository key")
			logGroup := findByName(t, g, logGroupType, name+"-logs")
			assert.Equal(t, "/residency/"+name+"/service", logGroup.Inputs["name"])
			assert.Equal(t, tc.keyARN, logGroup.Inputs["kmsKeyId"], "service log key")

			executionRole := findByName(t, g, roleType, name+"-execution")
			executionPolicy := findByName(t, g, rolePolicyType, name+"-execution-policy")
			assert.Equal(t, executionRole.ID, executionPolicy.Inputs["role"], "execution policy role")
			execution := decodePolicy(t, executionPolicy, "policy")
			assert.ElementsMatch(t, []string{"*", requireString(t, repository.Outputs, "arn"), requireString(t, logGroup.Outputs, "arn") + ":log-stream:*"},
				allowedResources(execution), "execution policy resources")
			assert.Equal(t, []string{"ecr:GetAuthorizationToken"}, findStatement(t, execution, "EcrLogin").Action,
				"the wildcard resource is only for the ECR login")
			assertDeniesOtherRegions(t, execution, stack.Region)

			taskRole := findByName(t, g, roleType, name+"-task")
			taskPolicy := findByName(t, g, rolePolicyType, name+"-task-policy")
			assert.Equal(t, taskRole.ID, taskPolicy.Inputs["role"], "task policy role")
			task := decodePolicy(t, taskPolicy, "policy")
			cluster := findByName(t, g, clusterType, name+"-cluster")
			databaseUser := fmt.Sprintf("arn:%s:rds-db:%s:%s:dbuser:%s/%s", stack.Partition, stack.Region, stack.AccountID,
				requireString(t, cluster.Outputs, "clusterResourceId"), domain.Database.IAMUsername)
			assert.ElementsMatch(t, []string{databaseUser, tc.keyARN}, allowedResources(task), "task policy resources")
			assertDeniesOtherRegions(t, task, stack.Region)

			taskDefinition := findByName(t, g, taskDefinitionType, name+"-task")
			assert.Equal(t, executionRole.Outputs["arn"], taskDefinition.Inputs["executionRoleArn"])
			assert.Equal(t, taskRole.Outputs["arn"], taskDefinition.Inputs["taskRoleArn"])
			var containers []map[string]any
			require.NoError(t, json.Unmarshal([]byte(requireString(t, taskDefinition.Inputs, "containerDefinitions")), &containers))
			require.Len(t, containers, 1, "containers")
			assert.Equal(t, requireString(t, repository.Outputs, "repositoryUrl")+":"+domain.Service.ImageTag, containers[0]["image"])
			options := requireMapping(t, requireMapping(t, containers[0]["logConfiguration"])["options"])
			assert.Equal(t, "/residency/"+name+"/service", options["awslogs-group"], "container log group")
			assert.Equal(t, stack.Region, options["awslogs-region"], "container log region")
		})
	}
}

// domainLoadBalancerARN returns the ARN of a domain's internal load balancer.
func domainLoadBalancerARN(t *testing.T, g *graph.Graph, domain string) string {
	t.Helper()
	return requireString(t, findByName(t, g, loadBalancerType, domain+"-nlb").Outputs, "arn")
}

func TestApigeeIngress(t *testing.T) {
	t.Parallel()
	stack := shippedStack(t, "eu-central-1")
	settings := *stack.Gateway.Apigee
	domain := stack.Domains[0]
	g := runWithProvider(t, stack, func(ctx *pulumi.Context, provider *aws.Provider) error {
		options := pulumi.Providers(provider)
		built, err := components.NewDataDomain(ctx, domain.Name, &components.DataDomainArgs{Stack: stack, Domain: domain}, options)
		if err != nil {
			return err
		}
		_, err = components.NewApigeeIngress(ctx, "apigee", &components.ApigeeIngressArgs{
			Stack:   stack,
			Targets: []components.GatewayTarget{{Domain: domain.Name, Classification: domain.Classification, Service: built.Service}},
		}, options)
		return err
	})
	assertExplicitProvider(t, g)

	api := findByName(t, g, restAPIType, "apigee-api")
	assert.Equal(t, true, api.Inputs["disableExecuteApiEndpoint"], "default endpoint disabled")
	assert.Equal(t, "REGIONAL", requireMapping(t, api.Inputs["endpointConfiguration"])["types"], "regional endpoint")
	resourcePolicy := decodePolicy(t, api, "policy")
	deny := findStatement(t, resourcePolicy, "DenyOtherSources")
	assert.Equal(t, "Deny", deny.Effect)
	assert.Equal(t, settings.AllowedCIDRs, deny.Condition["NotIpAddress"]["aws:SourceIp"], "allowlist")
	assert.Equal(t, []string{"execute-api:Invoke"}, deny.Action)
	assert.Equal(t, "Allow", findStatement(t, resourcePolicy, "InvokeFromApigee").Effect)

	bucket := findByName(t, g, bucketType, "apigee-truststore")
	truststore := findByName(t, g, bucketObjectType, "apigee-truststore-pem")
	assert.Equal(t, bucket.ID, truststore.Inputs["bucket"], "truststore bucket")
	assert.Equal(t, settings.TruststorePEM, truststore.Inputs["content"], "truststore content")
	domainName := findByName(t, g, apiDomainNameType, "apigee-domain")
	assert.Equal(t, "TLS_1_2", domainName.Inputs["securityPolicy"], "TLS policy")
	assert.Equal(t, settings.DomainName, domainName.Inputs["domainName"])
	assert.Equal(t, settings.CertificateARN, domainName.Inputs["regionalCertificateArn"])
	mutualTLS := requireMapping(t, domainName.Inputs["mutualTlsAuthentication"])
	assert.Equal(t, "s3://"+bucket.ID+"/apigee/client-ca.pem", mutualTLS["truststoreUri"], "truststore URI")
	assert.Equal(t, truststore.Outputs["versionId"], mutualTLS["truststoreVersion"], "truststore version")

	gatewayKey := requireString(t, findByName(t, g, keyType, "apigee-key").Outputs, "arn")
	versioning := findByName(t, g, bucketVersioningType, "apigee-truststore-versioning")
	assert.Equal(t, "Enabled", requireMapping(t, versioning.Inputs["versioningConfiguration"])["status"], "versioning")
	encryption := findByName(t, g, bucketEncryptionType, "apigee-truststore-encryption")
	rules := encryption.Inputs["rules"].([]any)
	require.Len(t, rules, 1, "encryption rules")
	byDefault := requireMapping(t, requireMapping(t, rules[0])["applyServerSideEncryptionByDefault"])
	assert.Equal(t, "aws:kms", byDefault["sseAlgorithm"], "bucket encryption")
	assert.Equal(t, gatewayKey, byDefault["kmsMasterKeyId"], "bucket key")
	publicAccess := findByName(t, g, publicAccessType, "apigee-truststore-public-access")
	for _, setting := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
		assert.Equal(t, true, publicAccess.Inputs[setting], setting)
	}

	link := findByName(t, g, vpcLinkType, "apigee-"+domain.Name+"-link")
	assert.Equal(t, domainLoadBalancerARN(t, g, domain.Name), link.Inputs["targetArn"], "VPC link target")
	integration := findByName(t, g, integrationType, "apigee-"+domain.Name+"-integration")
	assert.Equal(t, "VPC_LINK", integration.Inputs["connectionType"])
	assert.Equal(t, link.ID, integration.Inputs["connectionId"], "integration link")

	accessLogs := findByName(t, g, logGroupType, "apigee-access-logs")
	assert.Equal(t, gatewayKey, accessLogs.Inputs["kmsKeyId"], "access log key")
	stage := findByName(t, g, stageType, "apigee-stage")
	assert.Equal(t, accessLogs.Outputs["arn"], requireMapping(t, stage.Inputs["accessLogSettings"])["destinationArn"], "access log destination")
}

func TestAxwayPrivateLink(t *testing.T) {
	t.Parallel()
	stack := shippedStack(t, "cn-north-1")
	domains := stack.Domains[:2]
	g := runWithProvider(t, stack, func(ctx *pulumi.Context, provider *aws.Provider) error {
		options := pulumi.Providers(provider)
		var targets []components.GatewayTarget
		for _, domain := range domains {
			built, err := components.NewDataDomain(ctx, domain.Name, &components.DataDomainArgs{Stack: stack, Domain: domain}, options)
			if err != nil {
				return err
			}
			targets = append(targets, components.GatewayTarget{Domain: domain.Name, Classification: domain.Classification, Service: built.Service})
		}
		_, err := components.NewAxwayPrivateLink(ctx, "axway", &components.AxwayPrivateLinkArgs{Stack: stack, Targets: targets}, options)
		return err
	})
	assertExplicitProvider(t, g)

	assert.Len(t, g.OfType(endpointServiceType), len(domains), "one endpoint service per domain")
	accounts := stack.Gateway.Axway.AllowedAccountIDs
	require.Equal(t, []string{"444444444444"}, accounts, "gateway accounts of the shipped stack")
	assert.Len(t, g.OfType(allowedPrincipalType), len(domains)*len(accounts), "one allowed principal per domain and gateway account")
	for _, domain := range domains {
		service := findByName(t, g, endpointServiceType, "axway-"+domain.Name+"-endpoint-service")
		assert.Equal(t, true, service.Inputs["acceptanceRequired"], "acceptance of %s", domain.Name)
		assert.Equal(t, []string{domainLoadBalancerARN(t, g, domain.Name)}, requireStrings(t, service.Inputs["networkLoadBalancerArns"]),
			"load balancer of %s", domain.Name)
		allowed := findByName(t, g, allowedPrincipalType, "axway-"+domain.Name+"-allow-444444444444")
		assert.Equal(t, "arn:aws-cn:iam::444444444444:root", allowed.Inputs["principalArn"], "principal of %s", domain.Name)
		assert.Equal(t, service.ID, allowed.Inputs["vpcEndpointServiceId"], "service of the permission for %s", domain.Name)
	}
	for _, resource := range g.Resources {
		assert.False(t, strings.HasPrefix(resource.Type, "aws:apigateway/"), "no public API: %s", resource.URN)
	}
}

func TestRegionStackProvider(t *testing.T) {
	t.Parallel()
	files, err := regions.LoadDir("../stacks")
	require.NoError(t, err)
	for _, file := range files {
		t.Run(file.Model.Name, func(t *testing.T) {
			t.Parallel()
			stack := file.Model
			g, err := offline.Run(stack.Name, file.Config, func(ctx *pulumi.Context) error {
				_, err := components.NewRegionStack(ctx, stack.Region, &components.RegionStackArgs{Stack: stack})
				return err
			})
			require.NoError(t, err)

			providers := g.OfType(graph.AWSProviderType)
			require.Len(t, providers, 1, "AWS providers")
			provider := providers[0]
			assert.Equal(t, stack.Region, provider.Inputs["region"], "provider region")
			assert.Equal(t, []string{stack.AccountID}, requireStrings(t, provider.Inputs["allowedAccountIds"]), "provider accounts")
			tags := requireMapping(t, requireMapping(t, provider.Inputs["defaultTags"])["tags"])
			assert.Equal(t, stack.Facts().Jurisdiction, tags[components.TagJurisdiction], "jurisdiction tag")

			reference := provider.URN + "::" + provider.ID
			custom := 0
			for _, resource := range g.Resources {
				if !resource.Custom || resource.Type == graph.AWSProviderType {
					continue
				}
				custom++
				assert.Equal(t, reference, resource.Provider, "provider of %s", resource.URN)
			}
			assert.Greater(t, custom, 100, "custom resources of a full region stack")
		})
	}
}
