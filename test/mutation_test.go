package test

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/residency/graph"
	"github.com/example/residency/rules"
)

// Resource types the mutation cases seed or change.
const (
	apigeeComponent = "residency:gateway:ApigeeIngress"
	axwayComponent  = "residency:gateway:AxwayPrivateLink"
	domainComponent = "residency:region:DataDomain"
)

// mutation seeds exactly one violation into a copy of a shipped stack's graph.
type mutation struct {
	// rule is the rule the violation breaks.
	rule string
	// stack is the shipped stack the case starts from.
	stack string
	// alsoFails lists the other rules that the same violation breaks, by the nature of the change.
	alsoFails []string
	// seed changes the graph and returns the URN of the resource that breaks the rule.
	seed func(t *testing.T, g *graph.Graph) string
	// expectation, when set, changes what the rules hold the graph against instead.
	expectation func(e *rules.Expectation)
}

var mutations = map[string]mutation{
	"default provider": {
		rule: "RES-01", stack: "eu-central-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			vpc := resourceNamed(t, g, "aws:ec2/vpc:Vpc", "customer-identity-vpc")
			vpc.Provider = ""
			return vpc.URN
		},
	},
	"ARN of another region": {
		rule: "RES-02", stack: "eu-central-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			domain := resourceNamed(t, g, "aws:apigateway/domainName:DomainName", "apigee-domain")
			domain.Inputs["regionalCertificateArn"] = "arn:aws:acm:us-east-1:111111111111:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
			return domain.URN
		},
	},
	"ARN of another partition": {
		rule: "RES-02", stack: "cn-north-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			service := resourceNamed(t, g, "aws:ec2/vpcEndpointService:VpcEndpointService", "axway-dealer-sales-endpoint-service")
			service.Inputs["gatewayLoadBalancerArns"] = []any{"arn:aws:elasticloadbalancing:cn-north-1:333333333333:loadbalancer/gwy/inspection/0123456789abcdef"}
			return service.URN
		},
	},
	"global service principal of the other partition": {
		rule: "RES-02", stack: "cn-north-1", alsoFails: []string{"LOG-08"},
		seed: func(t *testing.T, g *graph.Graph) string {
			role := resourceNamed(t, g, "aws:iam/role:Role", "consent-records-task")
			role.Inputs["assumeRolePolicy"] = strings.Replace(role.Inputs["assumeRolePolicy"].(string),
				"ecs-tasks.amazonaws.com", "ec2.amazonaws.com", 1)
			return role.URN
		},
	},
	"provider endpoint in another region": {
		rule: "RES-02", stack: "eu-central-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			provider := resourceNamed(t, g, "pulumi:providers:aws", "eu-central-1")
			provider.Inputs["endpoints"] = []any{map[string]any{"kms": "https://kms.us-east-1.amazonaws.com"}}
			return provider.URN
		},
	},
	"S3 replication on the bucket": {
		rule: "RES-03", stack: "us-east-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			bucket := resourceNamed(t, g, "aws:s3/bucketV2:BucketV2", "apigee-truststore")
			bucket.Inputs["replicationConfigurations"] = []any{map[string]any{
				"role":  resourceNamed(t, g, "aws:iam/role:Role", "apigee-cloudwatch-role").Outputs["arn"],
				"rules": []any{map[string]any{"status": "Enabled", "destinations": []any{map[string]any{"bucket": "arn:aws:s3:::copy-elsewhere"}}}},
			}}
			return bucket.URN
		},
	},
	"Aurora global cluster": {
		rule: "RES-03", stack: "eu-central-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			return addResource(t, g, componentNamed(t, g, "residency:region:RegionStack", "eu-central-1"),
				"aws:rds/globalCluster:GlobalCluster", "customer-identity-global", map[string]any{
					"globalClusterIdentifier":   "customer-identity-global",
					"sourceDbClusterIdentifier": resourceNamed(t, g, "aws:rds/cluster:Cluster", "customer-identity-cluster").Outputs["arn"],
				}).URN
		},
	},
	"multi-region key": {
		rule: "RES-03", stack: "us-east-1", alsoFails: []string{"LOG-01"},
		seed: func(t *testing.T, g *graph.Graph) string {
			key := resourceNamed(t, g, "aws:kms/key:Key", "dealer-sales-key")
			key.Inputs["multiRegion"] = true
			return key.URN
		},
	},
	"peering connection": {
		rule: "RES-04", stack: "eu-central-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			return addResource(t, g, componentNamed(t, g, "residency:region:RegionStack", "eu-central-1"),
				"aws:ec2/vpcPeeringConnection:VpcPeeringConnection", "identity-to-sales", map[string]any{
					"vpcId":      resourceNamed(t, g, "aws:ec2/vpc:Vpc", "customer-identity-vpc").ID,
					"peerVpcId":  resourceNamed(t, g, "aws:ec2/vpc:Vpc", "dealer-sales-vpc").ID,
					"autoAccept": true,
				}).URN
		},
	},
	"NAT route": {
		rule: "RES-04", stack: "cn-north-1", alsoFails: []string{"LOG-06"},
		seed: func(t *testing.T, g *graph.Graph) string {
			table := resourceNamed(t, g, "aws:ec2/routeTable:RouteTable", "customer-identity-db-routes")
			table.Inputs["routes"] = []any{map[string]any{"cidrBlock": "0.0.0.0/0", "natGatewayId": "nat-0123456789abcdef0"}}
			return table.URN
		},
	},
	"route through an instance": {
		rule: "RES-04", stack: "us-east-1", alsoFails: []string{"LOG-07"},
		seed: func(t *testing.T, g *graph.Graph) string {
			table := resourceNamed(t, g, "aws:ec2/routeTable:RouteTable", "dealer-sales-app-routes")
			return addResource(t, g, table.Parent, "aws:ec2/route:Route", "dealer-sales-via-instance", map[string]any{
				"routeTableId":         table.ID,
				"destinationCidrBlock": "0.0.0.0/0",
				"instanceId":           "i-0123456789abcdef0",
			}).URN
		},
	},
	"key rotation off": {
		rule: "LOG-01", stack: "eu-central-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			key := resourceNamed(t, g, "aws:kms/key:Key", "consent-records-key")
			key.Inputs["enableKeyRotation"] = false
			return key.URN
		},
	},
	"key shared by two domains": {
		rule: "LOG-02", stack: "eu-central-1", alsoFails: []string{"LOG-05"},
		seed: func(t *testing.T, g *graph.Graph) string {
			identityKey := resourceNamed(t, g, "aws:kms/key:Key", "customer-identity-key").Outputs["arn"]
			cluster := resourceNamed(t, g, "aws:rds/cluster:Cluster", "dealer-sales-cluster")
			cluster.Inputs["kmsKeyId"] = identityKey
			return cluster.URN
		},
	},
	"key policy without root administrator": {
		rule: "LOG-03", stack: "us-east-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			key := resourceNamed(t, g, "aws:kms/key:Key", "customer-identity-key")
			key.Inputs["policy"] = withoutStatement(t, key.Inputs["policy"].(string), "AccountRootAdministersKey")
			return key.URN
		},
	},
	"key administered by anyone": {
		rule: "LOG-03", stack: "eu-central-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			key := resourceNamed(t, g, "aws:kms/key:Key", "customer-identity-key")
			key.Inputs["policy"] = withStatement(t, withoutStatement(t, key.Inputs["policy"].(string), "AccountRootAdministersKey"),
				map[string]any{
					"Sid": "AccountRootAdministersKey", "Effect": "Allow",
					"Principal": map[string]any{"AWS": []any{"arn:aws:iam::111111111111:root", "*"}},
					"Action":    []any{"kms:*"}, "Resource": []any{"*"},
				})
			return key.URN
		},
	},
	"overlapping VPC CIDRs": {
		rule: "LOG-04", stack: "eu-central-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			vpc := resourceNamed(t, g, "aws:ec2/vpc:Vpc", "dealer-sales-vpc")
			vpc.Inputs["cidrBlock"] = "10.10.128.0/17"
			return vpc.URN
		},
	},
	"service in another domain's subnets": {
		rule: "LOG-05", stack: "cn-north-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			service := resourceNamed(t, g, "aws:ecs/service:Service", "dealer-sales-service")
			network := service.Inputs["networkConfiguration"].(map[string]any)
			network["subnets"] = []any{resourceNamed(t, g, "aws:ec2/subnet:Subnet", "customer-identity-app-a").ID}
			return service.URN
		},
	},
	"publicly accessible database": {
		rule: "LOG-06", stack: "eu-central-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			instance := resourceNamed(t, g, "aws:rds/clusterInstance:ClusterInstance", "customer-identity-instance-2")
			instance.Inputs["publiclyAccessible"] = true
			return instance.URN
		},
	},
	"task with a public IP": {
		rule: "LOG-07", stack: "us-east-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			service := resourceNamed(t, g, "aws:ecs/service:Service", "customer-identity-service")
			service.Inputs["networkConfiguration"].(map[string]any)["assignPublicIp"] = true
			return service.URN
		},
	},
	"security group open to the internet": {
		rule: "LOG-07", stack: "eu-central-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			group := resourceNamed(t, g, "aws:ec2/securityGroup:SecurityGroup", "consent-records-endpoints-sg")
			return addResource(t, g, group.Parent, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
				"consent-records-endpoints-from-anywhere", map[string]any{
					"securityGroupId": group.ID,
					"ipProtocol":      "tcp",
					"fromPort":        443.0,
					"toPort":          443.0,
					"cidrIpv4":        "0.0.0.0/0",
				}).URN
		},
	},
	"service sending to any address": {
		rule: "LOG-07", stack: "cn-north-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			group := resourceNamed(t, g, "aws:ec2/securityGroup:SecurityGroup", "customer-identity-service-sg")
			return addResource(t, g, group.Parent, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
				"customer-identity-service-to-anywhere", map[string]any{
					"securityGroupId": group.ID,
					"ipProtocol":      "-1",
					"cidrIpv4":        "0.0.0.0/0",
				}).URN
		},
	},
	"wildcard secret access": {
		rule: "LOG-08", stack: "eu-central-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			policy := resourceNamed(t, g, "aws:iam/rolePolicy:RolePolicy", "customer-identity-task-policy")
			policy.Inputs["policy"] = withStatement(t, policy.Inputs["policy"].(string), map[string]any{
				"Sid": "ReadEverySecret", "Effect": "Allow",
				"Action": []any{"secretsmanager:GetSecretValue"}, "Resource": []any{"*"},
			})
			return policy.URN
		},
	},
	"role assumable by another account": {
		rule: "LOG-08", stack: "us-east-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			role := resourceNamed(t, g, "aws:iam/role:Role", "customer-identity-task")
			role.Inputs["assumeRolePolicy"] = withStatement(t, role.Inputs["assumeRolePolicy"].(string), map[string]any{
				"Sid": "OtherAccount", "Effect": "Allow", "Action": []any{"sts:AssumeRole"},
				"Principal": map[string]any{"AWS": []any{"arn:aws:iam::999999999999:root"}},
			})
			return role.URN
		},
	},
	"administrator policy on a domain role": {
		rule: "LOG-08", stack: "cn-north-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			role := resourceNamed(t, g, "aws:iam/role:Role", "dealer-sales-execution")
			role.Inputs["managedPolicyArns"] = []any{"arn:aws-cn:iam::aws:policy/AdministratorAccess"}
			return role.URN
		},
	},
	"everything but IAM allowed": {
		rule: "LOG-08", stack: "eu-central-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			policy := resourceNamed(t, g, "aws:iam/rolePolicy:RolePolicy", "consent-records-execution-policy")
			policy.Inputs["policy"] = withStatement(t, policy.Inputs["policy"].(string), map[string]any{
				"Sid": "AllButIAM", "Effect": "Allow", "NotAction": []any{"iam:*"}, "Resource": []any{"*"},
			})
			return policy.URN
		},
	},
	"Axway in the EU": {
		rule: "GW-01", stack: "eu-central-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			component := resourceNamed(t, g, apigeeComponent, "apigee")
			component.Type = axwayComponent
			return component.URN
		},
	},
	"default execute-api endpoint": {
		rule: "GW-02", stack: "us-east-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			api := resourceNamed(t, g, "aws:apigateway/restApi:RestApi", "apigee-api")
			api.Inputs["disableExecuteApiEndpoint"] = false
			return api.URN
		},
	},
	"allowlist that covers one method": {
		rule: "GW-02", stack: "eu-central-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			api := resourceNamed(t, g, "aws:apigateway/restApi:RestApi", "apigee-api")
			var document map[string]any
			require.NoError(t, json.Unmarshal([]byte(api.Inputs["policy"].(string)), &document))
			for _, entry := range document["Statement"].([]any) {
				if statement := entry.(map[string]any); statement["Effect"] == "Deny" {
					statement["Resource"] = []any{"execute-api:/*/GET/nothing"}
				}
			}
			encoded, err := json.Marshal(document)
			require.NoError(t, err)
			api.Inputs["policy"] = string(encoded)
			return api.URN
		},
	},
	"instance with a public IP": {
		rule: "GW-02", stack: "cn-north-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			return addResource(t, g, componentNamed(t, g, "residency:region:RegionStack", "cn-north-1"),
				"aws:ec2/instance:Instance", "jump-host", map[string]any{
					"ami":                      "ami-0123456789abcdef0",
					"instanceType":             "t3.micro",
					"associatePublicIpAddress": true,
				}).URN
		},
	},
	"endpoint service without acceptance": {
		rule: "GW-02", stack: "cn-north-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			service := resourceNamed(t, g, "aws:ec2/vpcEndpointService:VpcEndpointService", "axway-consent-records-endpoint-service")
			service.Inputs["acceptanceRequired"] = false
			return service.URN
		},
	},
	"route to another domain's listener": {
		rule: "GW-03", stack: "eu-central-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			link := resourceNamed(t, g, "aws:apigateway/vpcLink:VpcLink", "apigee-dealer-sales-link")
			link.Inputs["targetArn"] = resourceNamed(t, g, "aws:lb/loadBalancer:LoadBalancer", "customer-identity-nlb").Outputs["arn"]
			return resourceNamed(t, g, "aws:apigateway/integration:Integration", "apigee-dealer-sales-integration").URN
		},
	},
	"stage without access logs": {
		rule: "GW-04", stack: "us-east-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			stage := resourceNamed(t, g, "aws:apigateway/stage:Stage", "apigee-stage")
			delete(stage.Inputs, "accessLogSettings")
			return stage.URN
		},
	},
	"deletion protection off": {
		rule: "DP-01", stack: "cn-north-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			cluster := resourceNamed(t, g, "aws:rds/cluster:Cluster", "consent-records-cluster")
			cluster.Inputs["deletionProtection"] = false
			return cluster.URN
		},
	},
	"unprotected log group": {
		rule: "DP-02", stack: "eu-central-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			group := resourceNamed(t, g, "aws:cloudwatch/logGroup:LogGroup", "dealer-sales-postgresql-logs")
			group.Protect = false
			return group.URN
		},
	},
	"TLS not forced": {
		rule: "DP-03", stack: "us-east-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			group := resourceNamed(t, g, "aws:rds/clusterParameterGroup:ClusterParameterGroup", "consent-records-parameters")
			group.Inputs["parameters"] = []any{map[string]any{"name": "log_connections", "value": "1"}}
			return group.URN
		},
	},
	"TLS forced and then relaxed": {
		rule: "DP-03", stack: "eu-central-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			group := resourceNamed(t, g, "aws:rds/clusterParameterGroup:ClusterParameterGroup", "dealer-sales-parameters")
			group.Inputs["parameters"] = append(group.Inputs["parameters"].([]any), map[string]any{"name": "rds.force_ssl", "value": "0"})
			return group.URN
		},
	},
	"VPC without flow logs": {
		rule: "DP-04", stack: "eu-central-1",
		seed: func(t *testing.T, g *graph.Graph) string {
			vpc := resourceNamed(t, g, "aws:ec2/vpc:Vpc", "dealer-sales-vpc").URN
			removeResource(g, resourceNamed(t, g, "aws:ec2/flowLog:FlowLog", "dealer-sales-flow-log").URN)
			return vpc
		},
	},
}

// TestMutationsFailTheirRule seeds one violation per case and asserts that its rule fails, that the
// rule names the seeded resource, and that exactly the stated other rules fail with it.
func TestMutationsFailTheirRule(t *testing.T) {
	for name, current := range mutations {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			stack, ok := planShippedStacks(t)[current.stack]
			require.True(t, ok, "stack %s", current.stack)
			seeded := current.seed(t, stack.graph)
			results := rules.Evaluate(stack.graph, rules.ExpectationFor(stack.model))

			result := resultOf(t, results, current.rule)
			assert.Equal(t, rules.Fail, result.Status, "%s must fail", current.rule)
			assert.Contains(t, violationURNs(result), seeded, "%s must name the seeded resource", current.rule)
			assert.Contains(t, result.Resources, seeded, "%s must list the seeded resource as checked", current.rule)

			expected := append([]string{current.rule}, current.alsoFails...)
			sort.Strings(expected)
			assert.Equal(t, expected, failedIDs(results), "rules that fail with this violation")
		})
	}
}

// TestEveryRuleHasMutation proves that no rule is left without a case that makes it fail.
func TestEveryRuleHasMutation(t *testing.T) {
	t.Parallel()
	covered := map[string]bool{}
	for _, current := range mutations {
		covered[current.rule] = true
	}
	for _, entry := range rules.Catalog() {
		assert.True(t, covered[entry.ID], "rule %s has no mutation case", entry.ID)
	}
}

func resultOf(t *testing.T, results []rules.Result, id string) rules.Result {
	t.Helper()
	for _, result := range results {
		if result.ID == id {
			return result
		}
	}
	require.Fail(t, "no result for rule "+id)
	return rules.Result{}
}

func violationURNs(result rules.Result) []string {
	urns := make([]string, len(result.Violations))
	for i, violation := range result.Violations {
		urns[i] = violation.URN
	}
	return urns
}

func failedIDs(results []rules.Result) []string {
	ids := []string{}
	for _, result := range rules.Failed(results) {
		ids = append(ids, result.ID)
	}
	sort.Strings(ids)
	return ids
}

// removeResource deletes a resource from a graph, which invalidates pointers into g.Resources.
func removeResource(g *graph.Graph, urn string) {
	kept := g.Resources[:0]
	for _, resource := range g.Resources {
		if resource.URN != urn {
			kept = append(kept, resource)
		}
	}
	g.Resources = kept
}

// withoutStatement removes the statement with a Sid from a policy document.
func withoutStatement(t *testing.T, policy, sid string) string {
	t.Helper()
	var document map[string]any
	require.NoError(t, json.Unmarshal([]byte(policy), &document))
	var kept []any
	for _, entry := range document["Statement"].([]any) {
		if entry.(map[string]any)["Sid"] != sid {
			kept = append(kept, entry)
		}
	}
	require.Less(t, len(kept), len(document["Statement"].([]any)), "policy has no statement %s", sid)
	document["Statement"] = kept
	encoded, err := json.Marshal(document)
	require.NoError(t, err)
	return string(encoded)
}

// withStatement adds a statement to a policy document.
func withStatement(t *testing.T, policy string, added map[string]any) string {
	t.Helper()
	var document map[string]any
	require.NoError(t, json.Unmarshal([]byte(policy), &document))
	document["Statement"] = append(document["Statement"].([]any), added)
	encoded, err := json.Marshal(document)
	require.NoError(t, err)
	return string(encoded)
}
