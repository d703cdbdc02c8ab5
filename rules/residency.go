package rules

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/example/residency/graph"
	"github.com/example/residency/regions"
)

var (
	// arnPattern matches ARNs inside any string, such as a policy document.
	arnPattern = regexp.MustCompile(`arn:([a-z-]+):([a-z0-9-]+):([a-z0-9-]*):([0-9]{12}|aws)?:`)
	// regionPattern matches AWS region codes, and zone names by their region part.
	regionPattern = regexp.MustCompile(`\b((?:af|ap|ca|cn|eu|il|me|mx|sa|us)-(?:gov-|iso-|isob-)?(?:central|north|northeast|northwest|south|southeast|southwest|east|west)-[0-9]+)[a-z]?\b`)
	// hostPattern matches host names of AWS services.
	hostPattern = regexp.MustCompile(`[a-z0-9.-]+\.amazonaws\.com(\.cn)?\b`)
)

// Articles shared by several rules: a control mapping for auditors, not legal advice.
var (
	residencyArticles = map[string][]string{
		"GDPR":  {"Art. 5(1)(f)", "Art. 44"},
		"VCDPA": {"§ 59.1-578(A)(3)"},
		"PIPL":  {"Art. 38", "Art. 40"},
	}
	separationArticles = map[string][]string{
		"GDPR":  {"Art. 25(1)", "Art. 32(1)(b)"},
		"VCDPA": {"§ 59.1-578(A)(3)"},
		"PIPL":  {"Art. 51"},
	}
)

var residencyRules = []rule{
	{
		id:        "RES-01",
		statement: "Every AWS resource is managed by the stack's explicit provider for the stack's region and account; none uses a default provider.",
		articles:  residencyArticles,
		check:     checkExplicitProvider,
	},
	{
		id:        "RES-02",
		statement: "No input references another region or partition: every ARN, region name, endpoint and service principal belongs to the stack's region and partition.",
		articles:  residencyArticles,
		check:     checkSameRegionReferences,
	},
	{
		id:        "RES-03",
		statement: "No data is copied out of the region: no Aurora global cluster or replication source, no cross-region backup copy, no multi-region or replica KMS key, no S3 or ECR replication.",
		articles:  residencyArticles,
		check:     checkNoCrossRegionCopy,
	},
	{
		id:        "RES-04",
		statement: "No network path leaves the region: no VPC or transit gateway peering, no VPN or customer gateway, no internet gateway or NAT gateway in a domain VPC.",
		articles:  residencyArticles,
		check:     checkNoNetworkPathOut,
	},
}

func checkExplicitProvider(c *checker) {
	for _, resource := range c.awsResources() {
		c.look(resource)
		if resource.Provider == "" {
			c.fail(resource, "uses the default aws provider; pass the stack's explicit provider")
			continue
		}
		provider, ok := c.byURN[graph.ProviderURN(resource.Provider)]
		if !ok || provider.Type != graph.AWSProviderType {
			c.fail(resource, "names provider %s, which is not an aws provider of this stack", resource.Provider)
			continue
		}
		c.look(provider)
		if region := text(provider.Inputs, "region"); region != c.expect.Region {
			c.fail(resource, "is managed by provider %s for region %q, not %q", provider.Name(), region, c.expect.Region)
			continue
		}
		accounts := stringList(graph.DecodeJSON(provider.Inputs["allowedAccountIds"]))
		if len(accounts) != 1 || accounts[0] != c.expect.Account {
			c.fail(resource, "is managed by provider %s, whose allowedAccountIds %v do not pin it to account %s",
				provider.Name(), accounts, c.expect.Account)
		}
	}
}

func checkSameRegionReferences(c *checker) {
	partition := regions.Partitions[c.expect.Partition]
	// The provider's own inputs count too: an endpoint override or an STS region would send its
	// requests elsewhere.
	for _, resource := range append(c.ofType(graph.AWSProviderType), c.awsResources()...) {
		c.look(resource)
		problems := map[string]bool{}
		visit := func(value string) {
			for _, problem := range foreignReferences(value, c.expect, partition) {
				problems[problem] = true
			}
		}
		allStrings(resource.Inputs, visit)
		allStrings(resource.Outputs, visit)
		for problem := range problems {
			c.fail(resource, "%s", problem)
		}
	}
}

// foreignReferences lists the references in a string to another region or partition.
func foreignReferences(value string, expect Expectation, partition regions.Partition) []string {
	var problems []string
	for _, match := range arnPattern.FindAllStringSubmatch(value, -1) {
		arnPartition, arnRegion := match[1], match[3]
		if arnPartition != expect.Partition {
			problems = append(problems, fmt.Sprintf("references ARN partition %q in %q", arnPartition, match[0]))
		}
		if arnRegion != "" && arnRegion != expect.Region {
			problems = append(problems, fmt.Sprintf("references ARN region %q in %q", arnRegion, match[0]))
		}
	}
	for _, match := range regionPattern.FindAllStringSubmatch(value, -1) {
		if match[1] != expect.Region {
			problems = append(problems, fmt.Sprintf("references region %q in %q", match[1], match[0]))
		}
	}
	for _, host := range hostPattern.FindAllString(value, -1) {
		if !hostInPartition(host, partition) {
			problems = append(problems, fmt.Sprintf("references endpoint %q outside partition %s", host, partition.ID))
		}
	}
	return problems
}

// hostInPartition accepts regional hosts with the partition's DNS suffix and the global service
// principals of the partition. Most of those keep "amazonaws.com" in the China partition too.
func hostInPartition(host string, partition regions.Partition) bool {
	if strings.HasSuffix(host, "."+partition.DNSSuffix) {
		return true
	}
	service := strings.TrimSuffix(host, ".amazonaws.com")
	if service == host || regionPattern.MatchString(host) {
		return false
	}
	return partition.ServicePrincipal(service) == host
}

// crossRegionTypes lists resource types that copy data to another region by their nature.
var crossRegionTypes = map[string]string{
	"aws:rds/globalCluster:GlobalCluster":                                             "is an Aurora global cluster",
	"aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": "replicates automated backups to another region",
	"aws:kms/replicaKey:ReplicaKey":                                                   "is a replica KMS key",
	"aws:kms/replicaExternalKey:ReplicaExternalKey":                                   "is a replica KMS key",
	"aws:s3/bucketReplicationConfig:BucketReplicationConfig":                          "replicates an S3 bucket",
	"aws:ecr/replicationConfiguration:ReplicationConfiguration":                       "replicates ECR images",
	"aws:dynamodb/tableReplica:TableReplica":                                          "replicates a DynamoDB table",
	"aws:secretsmanager/secret:Secret":                                                "",
	"aws:backup/plan:Plan":                                                            "",
	"aws:rds/cluster:Cluster":                                                         "", "aws:s3/bucketV2:BucketV2": "",
	"aws:s3/bucket:Bucket":     "",
	"aws:dynamodb/table:Table": "",

	"aws:kms/key:Key": "",
}

func checkNoCrossRegionCopy(c *checker) {
	for _, resource := range c.awsResources() {
		reason, listed := crossRegionTypes[resource.Type]
		if !listed {
			continue
		}
		c.look(resource)
		if reason != "" {
			c.fail(resource, "%s", reason)
			continue
		}
		switch resource.Type {
		case "aws:rds/cluster:Cluster":
			for _, key := range []string{"globalClusterIdentifier", "replicationSourceIdentifier", "sourceRegion"} {
				if value := text(resource.Inputs, key); value != "" {
					c.fail(resource, "sets %s to %q, which replicates the cluster", key, value)
				}
			}
		case "aws:kms/key:Key":
			if multiRegion, _ := flag(resource.Inputs, "multiRegion"); multiRegion {
				c.fail(resource, "is a multi-region key, whose replicas can live in other regions")
			}
		case "aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket":
			for _, key := range []string{"replicationConfiguration", "replicationConfigurations"} {
				if present(resource.Inputs[key]) {
					c.fail(resource, "sets %s, which replicates the bucket", key)
				}
			}
		case "aws:dynamodb/table:Table":
			if present(resource.Inputs["replicas"]) {
				c.fail(resource, "has replicas, which copy the table to other regions")
			}
		case "aws:secretsmanager/secret:Secret":
			if replicas, ok := resource.Inputs["replicas"].([]any); ok && len(replicas) > 0 {
				c.fail(resource, "replicates the secret to %d other regions", len(replicas))
			}
		case "aws:backup/plan:Plan":
			var hasCopy bool
			allStrings(resource.Inputs["rules"], func(value string) {
				hasCopy = hasCopy || strings.Contains(value, ":backup-vault:")
			})
			if hasCopy {
				c.fail(resource, "copies recovery points to another backup vault")
			}
		}
	}
}

// networkPathTypes lists the resource types that open a path out of a VPC or between VPCs.
var networkPathTypes = map[string]string{
	"aws:ec2/vpcPeeringConnection:VpcPeeringConnection":                   "is a VPC peering connection",
	"aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter":   "accepts a VPC peering connection",
	"aws:ec2transitgateway/transitGateway:TransitGateway":                 "is a transit gateway",
	"aws:ec2transitgateway/vpcAttachment:VpcAttachment":                   "attaches a VPC to a transit gateway",
	"aws:ec2transitgateway/peeringAttachment:PeeringAttachment":           "peers a transit gateway",
	"aws:ec2/vpnConnection:VpnConnection":                                 "is a VPN connection",
	"aws:ec2/vpnGateway:VpnGateway":                                       "is a VPN gateway",
	"aws:ec2/customerGateway:CustomerGateway":                             "is a customer gateway",
	"aws:ec2/internetGateway:InternetGateway":                             "is an internet gateway",
	"aws:ec2/internetGatewayAttachment:InternetGatewayAttachment":         "attaches an internet gateway",
	"aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway":         "is an egress-only internet gateway",
	"aws:ec2/natGateway:NatGateway":                                       "is a NAT gateway",
	"aws:ec2/eip:Eip":                                                     "is an Elastic IP address",
	"aws:directconnect/gatewayAssociation:GatewayAssociation":             "associates a Direct Connect gateway",
	"aws:ec2clientvpn/endpoint:Endpoint":                                  "is a Client VPN endpoint",
	"aws:ec2/vpcEndpointConnectionAccepter:VpcEndpointConnectionAccepter": "",
	"aws:ec2/route:Route":                                                 "",
	"aws:ec2/routeTable:RouteTable":                                       "",
}

// routeTargets are the route fields that send traffic out of the VPC.
// A route to an instance or a network interface counts too, because that is how a NAT instance or
// a firewall appliance takes traffic out.
var routeTargets = []string{"gatewayId", "natGatewayId", "transitGatewayId", "vpcPeeringConnectionId",
	"egressOnlyGatewayId", "carrierGatewayId", "coreNetworkArn", "localGatewayId", "networkInterfaceId",
	"instanceId"}

func checkNoNetworkPathOut(c *checker) {
	for _, resource := range c.awsResources() {
		reason, listed := networkPathTypes[resource.Type]
		if !listed {
			continue
		}
		c.look(resource)
		switch {
		case reason != "":
			c.fail(resource, "%s", reason)
		case resource.Type == "aws:ec2/route:Route":
			checkRoute(c, resource, resource.Inputs)
		case resource.Type == "aws:ec2/routeTable:RouteTable":
			if routes, ok := resource.Inputs["routes"].([]any); ok {
				for _, route := range routes {
					if values, ok := route.(map[string]any); ok {
						checkRoute(c, resource, values)
					}
				}
			}
		}
	}
}

func checkRoute(c *checker, resource graph.Resource, route map[string]any) {
	for _, target := range routeTargets {
		value := text(route, target)
		// A gateway endpoint for S3 is the only gateway a route may name: "vpce-…" stays in AWS.
		if value == "" || target == "gatewayId" && strings.HasPrefix(value, "vpce-") {
			continue
		}
		c.fail(resource, "routes %s to %s %q", describeDestination(route), target, value)
	}
}

func describeDestination(route map[string]any) string {
	for _, key := range []string{"destinationCidrBlock", "cidrBlock", "destinationIpv6CidrBlock", "ipv6CidrBlock"} {
		if value := text(route, key); value != "" {
			return value
		}
	}
	return "traffic"
}

// present reports whether an input holds a non-empty list or mapping.
func present(value any) bool {
	switch typed := value.(type) {
	case []any:
		return len(typed) > 0
	case map[string]any:
		return len(typed) > 0
	}
	return false
}
