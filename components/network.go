package components

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/example/residency/regions"
)

// InterfaceEndpointServices lists the services the domain's tasks reach through interface VPC
// endpoints, since the VPC has no internet gateway or NAT.
var InterfaceEndpointServices = []string{"ecr.api", "ecr.dkr", "logs", "secretsmanager", "kms", "sts"}

// subnetSlotBits splits a domain CIDR into 8 equal slots: application subnets take slots 0 to 3
// and database subnets slots 4 to 7, one of each per zone.
const subnetSlotBits = 3

// DatabasePort is the port Aurora PostgreSQL listens on.
const DatabasePort = 5432

// ListenerPort is the port of the internal load balancer that the gateway reaches.
const ListenerPort = 80

// DomainNetworkArgs configures the VPC of one data domain.
type DomainNetworkArgs struct {
	// Stack is the validated model of the region stack.
	Stack regions.Stack
	// Domain is the data domain the VPC belongs to.
	Domain regions.Domain
	// KeyARN is the domain's KMS key, which encrypts the flow-log group.
	KeyARN pulumi.StringInput
	// FlowLogRole is the role VPC Flow Logs assumes; this component grants it the log group.
	FlowLogRole *iam.Role
}

// DomainNetwork is a domain's VPC, with private application subnets and isolated database
// subnets in every zone and no internet gateway or NAT. It has VPC endpoints for the AWS services
// the tasks call, security groups that chain load balancer to service to database, and flow logs.
type DomainNetwork struct {
	pulumi.ResourceState

	// VPC is the domain's VPC.
	VPC *ec2.Vpc
	// AppSubnetIDs lists the private subnets of the load balancer, tasks and endpoints, one per zone.
	AppSubnetIDs pulumi.StringArray
	// DatabaseSubnetIDs lists the isolated subnets of the Aurora cluster, one per zone.
	DatabaseSubnetIDs pulumi.StringArray
	// LoadBalancerGroup is the security group of the internal load balancer.
	LoadBalancerGroup *ec2.SecurityGroup
	// ServiceGroup is the security group of the ECS tasks.
	ServiceGroup *ec2.SecurityGroup
	// DatabaseGroup is the security group of the Aurora cluster.
	DatabaseGroup *ec2.SecurityGroup
	// FlowLogGroup receives the VPC's flow logs.
	FlowLogGroup *cloudwatch.LogGroup
}

// SubnetCIDRs returns the application and database subnet blocks of a domain CIDR, one of each per
// zone. The model validation guarantees a valid /16 to /22 block and at most four zones.
func SubnetCIDRs(cidr string, zones int) (app, database []string, err error) {
	prefix, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil, nil, fmt.Errorf("parsing CIDR (%s): %w", cidr, err)
	}
	bits := prefix.Bits() + subnetSlotBits
	size := uint32(1) << (32 - bits)
	base := prefix.Addr().As4()
	start := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	slot := func(index int) string {
		address := start + uint32(index)*size
		addr := netip.AddrFrom4([4]byte{byte(address >> 24), byte(address >> 16), byte(address >> 8), byte(address)})
		return netip.PrefixFrom(addr, bits).String()
	}
	for zone := 0; zone < zones; zone++ {
		app = append(app, slot(zone))
		database = append(database, slot(4+zone))
	}
	return app, database, nil
}

// NewDomainNetwork registers a domain's VPC and everything in it.
func NewDomainNetwork(ctx *pulumi.Context, name string, args *DomainNetworkArgs, opts ...pulumi.ResourceOption) (*DomainNetwork, error) {
	component := &DomainNetwork{}
	if err := ctx.RegisterComponentResource("residency:network:DomainNetwork", name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering domain network (%s): %w", name, err)
	}
	domain := args.Domain
	parent := pulumi.Parent(component)
	tags := func(suffix string) pulumi.StringMap {
		return domainTags(domain.Name, domain.Classification, name+"-"+suffix)
	}

	network, err := ec2.NewVpc(ctx, name+"-vpc", &ec2.VpcArgs{
		CidrBlock:          pulumi.String(domain.CIDR),
		EnableDnsSupport:   pulumi.Bool(true),
		EnableDnsHostnames: pulumi.Bool(true),
		InstanceTenancy:    pulumi.String("default"),
		Tags:               tags("vpc"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating VPC (%s-vpc): %w", name, err)
	}
	component.VPC = network

	appRoutes, err := component.subnets(ctx, name, args, "app", tags)
	if err != nil {
		return nil, err
	}
	if _, err := component.subnets(ctx, name, args, "db", tags); err != nil {
		return nil, err
	}
	if err := component.securityGroups(ctx, name, domain, network, tags); err != nil {
		return nil, err
	}
	if err := component.endpoints(ctx, name, args, appRoutes, tags); err != nil {
		return nil, err
	}
	if err := component.flowLogs(ctx, name, args, network, tags); err != nil {
		return nil, err
	}
	return component, registerOutputs(ctx, component, "domain network", name, pulumi.Map{
		"vpcId":             network.ID(),
		"appSubnetIds":      component.AppSubnetIDs,
		"databaseSubnetIds": component.DatabaseSubnetIDs,
	})
}

// subnets creates one subnet per zone of a tier and a route table with only the VPC's local route.
func (c *DomainNetwork) subnets(ctx *pulumi.Context, name string, args *DomainNetworkArgs, tier string,
	tags func(string) pulumi.StringMap) (*ec2.RouteTable, error) {
	parent := pulumi.Parent(c)
	stack, network := args.Stack, c.VPC
	appCIDRs, databaseCIDRs, err := SubnetCIDRs(args.Domain.CIDR, len(stack.Zones))
	if err != nil {
		return nil, err
	}
	cidrs := appCIDRs
	if tier == "db" {
		cidrs = databaseCIDRs
	}
	routes, err := ec2.NewRouteTable(ctx, name+"-"+tier+"-routes", &ec2.RouteTableArgs{
		VpcId: network.ID(),
		Tags:  tags(tier + "-routes"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating route table (%s-%s-routes): %w", name, tier, err)
	}
	for i, zone := range stack.Zones {
		subnetName := fmt.Sprintf("%s-%s-%s", name, tier, zoneSuffix(zone))
		subnetTags := tags(tier + "-" + zoneSuffix(zone))
		subnetTags["Tier"] = pulumi.String(tier)
		subnet, err := ec2.NewSubnet(ctx, subnetName, &ec2.SubnetArgs{
			VpcId:               network.ID(),
			CidrBlock:           pulumi.String(cidrs[i]),
			AvailabilityZone:    pulumi.String(zone),
			MapPublicIpOnLaunch: pulumi.Bool(false),
			Tags:                subnetTags,
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("creating subnet (%s): %w", subnetName, err)
		}
		_, err = ec2.NewRouteTableAssociation(ctx, subnetName+"-routes", &ec2.RouteTableAssociationArgs{
			SubnetId:     subnet.ID(),
			RouteTableId: routes.ID(),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("associating route table (%s-routes): %w", subnetName, err)
		}
		if tier == "db" {
			c.DatabaseSubnetIDs = append(c.DatabaseSubnetIDs, subnet.ID())
		} else {
			c.AppSubnetIDs = append(c.AppSubnetIDs, subnet.ID())
		}
	}
	return routes, nil
}

// securityGroups creates the chain load balancer -> service -> database. Every rule is its own
// resource, because the service and database groups refer to each other.
func (c *DomainNetwork) securityGroups(ctx *pulumi.Context, name string, domain regions.Domain, network *ec2.Vpc,
	tags func(string) pulumi.StringMap) error {
	parent := pulumi.Parent(c)
	groups := []struct {
		target      **ec2.SecurityGroup
		suffix      string
		description string
	}{
		{&c.LoadBalancerGroup, "lb", "Internal load balancer of " + domain.Name},
		{&c.ServiceGroup, "service", "ECS tasks of " + domain.Name},
		{&c.DatabaseGroup, "db", "Aurora cluster of " + domain.Name},
	}
	for _, group := range groups {
		created, err := ec2.NewSecurityGroup(ctx, name+"-"+group.suffix+"-sg", &ec2.SecurityGroupArgs{
			VpcId:       network.ID(),
			Description: pulumi.String(group.description),
			Tags:        tags(group.suffix + "-sg"),
		}, parent)
		if err != nil {
			return fmt.Errorf("creating security group (%s-%s-sg): %w", name, group.suffix, err)
		}
		*group.target = created
	}
	port := domain.Service.ContainerPort
	ingress := []struct {
		suffix      string
		group       *ec2.SecurityGroup
		port        int
		fromGroup   *ec2.SecurityGroup
		fromCIDR    string
		description string
	}{
		{"lb-from-vpc", c.LoadBalancerGroup, ListenerPort, nil, domain.CIDR, "Gateway traffic through the VPC link or endpoint service"},
		{"service-from-lb", c.ServiceGroup, port, c.LoadBalancerGroup, "", "Traffic from the domain's load balancer"},
		{"db-from-service", c.DatabaseGroup, DatabasePort, c.ServiceGroup, "", "PostgreSQL from the domain's tasks"},
	}
	for _, rule := range ingress {
		ruleArgs := &vpc.SecurityGroupIngressRuleArgs{
			SecurityGroupId: rule.group.ID(),
			IpProtocol:      pulumi.String("tcp"),
			FromPort:        pulumi.Int(rule.port),
			ToPort:          pulumi.Int(rule.port),
			Description:     pulumi.String(rule.description),
		}
		if rule.fromGroup != nil {
			ruleArgs.ReferencedSecurityGroupId = rule.fromGroup.ID()
		} else {
			ruleArgs.CidrIpv4 = pulumi.String(rule.fromCIDR)
		}
		if _, err := vpc.NewSecurityGroupIngressRule(ctx, name+"-"+rule.suffix, ruleArgs, parent); err != nil {
			return fmt.Errorf("creating security group ingress rule (%s-%s): %w", name, rule.suffix, err)
		}
	}
	egress := []struct {
		suffix      string
		group       *ec2.SecurityGroup
		port        int
		toGroup     *ec2.SecurityGroup
		description string
	}{
		{"lb-to-service", c.LoadBalancerGroup, port, c.ServiceGroup, "Forward to the domain's tasks"},
		{"service-to-db", c.ServiceGroup, DatabasePort, c.DatabaseGroup, "PostgreSQL to the domain's cluster"},
	}
	for _, rule := range egress {
		_, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-"+rule.suffix, &vpc.SecurityGroupEgressRuleArgs{
			SecurityGroupId:           rule.group.ID(),
			IpProtocol:                pulumi.String("tcp"),
			FromPort:                  pulumi.Int(rule.port),
			ToPort:                    pulumi.Int(rule.port),
			ReferencedSecurityGroupId: rule.toGroup.ID(),
			Description:               pulumi.String(rule.description),
		}, parent)
		if err != nil {
			return fmt.Errorf("creating security group egress rule (%s-%s): %w", name, rule.suffix, err)
		}
	}
	return nil
}

// endpoints creates the interface endpoints in the application subnets and the S3 gateway
// endpoint, with policies that admit only principals of the stack's account.
func (c *DomainNetwork) endpoints(ctx *pulumi.Context, name string, args *DomainNetworkArgs,
	appRoutes *ec2.RouteTable, tags func(string) pulumi.StringMap) error {
	parent := pulumi.Parent(c)
	stack, network := args.Stack, c.VPC
	facts := stack.Facts()
	group, err := ec2.NewSecurityGroup(ctx, name+"-endpoints-sg", &ec2.SecurityGroupArgs{
		VpcId:       network.ID(),
		Description: pulumi.String("Interface VPC endpoints of " + args.Domain.Name),
		Tags:        tags("endpoints-sg"),
	}, parent)
	if err != nil {
		return fmt.Errorf("creating security group (%s-endpoints-sg): %w", name, err)
	}
	_, err = vpc.NewSecurityGroupIngressRule(ctx, name+"-endpoints-from-service", &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId:           group.ID(),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(443),
		ToPort:                    pulumi.Int(443),
		ReferencedSecurityGroupId: c.ServiceGroup.ID(),
		Description:               pulumi.String("HTTPS from the domain's tasks"),
	}, parent)
	if err != nil {
		return fmt.Errorf("creating security group ingress rule (%s-endpoints-from-service): %w", name, err)
	}
	_, err = vpc.NewSecurityGroupEgressRule(ctx, name+"-service-to-endpoints", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId:           c.ServiceGroup.ID(),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(443),
		ToPort:                    pulumi.Int(443),
		ReferencedSecurityGroupId: group.ID(),
		Description:               pulumi.String("HTTPS to the interface VPC endpoints"),
	}, parent)
	if err != nil {
		return fmt.Errorf("creating security group egress rule (%s-service-to-endpoints): %w", name, err)
	}

	accountOnly, err := NewPolicy(Statement{
		Sid:       "OnlyPrincipalsOfThisAccount",
		Effect:    "Allow",
		Principal: &Principal{AWS: []string{"*"}},
		Action:    []string{"*"},
		Resource:  []string{"*"},
		Condition: Condition{"StringEquals": {"aws:PrincipalAccount": {stack.AccountID}}},
	}).JSON()
	if err != nil {
		return err
	}
	for _, service := range InterfaceEndpointServices {
		endpointName := name + "-" + strings.ReplaceAll(service, ".", "-") + "-endpoint"
		_, err := ec2.NewVpcEndpoint(ctx, endpointName, &ec2.VpcEndpointArgs{
			VpcId:             network.ID(),
			ServiceName:       pulumi.String(facts.InterfaceEndpointServiceName(service)),
			VpcEndpointType:   pulumi.String("Interface"),
			SubnetIds:         c.AppSubnetIDs,
			SecurityGroupIds:  pulumi.StringArray{group.ID()},
			PrivateDnsEnabled: pulumi.Bool(true),
			Policy:            pulumi.String(accountOnly),
			Tags:              tags(strings.ReplaceAll(service, ".", "-") + "-endpoint"),
		}, parent)
		if err != nil {
			return fmt.Errorf("creating VPC endpoint (%s): %w", endpointName, err)
		}
	}

	// ECR stores image layers in an AWS-owned bucket per region, so the S3 policy names it besides
	// the account's own buckets ("Amazon ECR interface VPC endpoints" in the Amazon ECR user guide).
	partition := facts.Partition()
	s3Policy, err := NewPolicy(
		Statement{
			Sid:       "EcrImageLayers",
			Effect:    "Allow",
			Principal: &Principal{AWS: []string{"*"}},
			Action:    []string{"s3:GetObject"},
			Resource:  []string{partition.ARN("s3", "", "", fmt.Sprintf("prod-%s-starport-layer-bucket/*", stack.Region))},
		},
		Statement{
			Sid:       "OnlyBucketsOfThisAccount",
			Effect:    "Allow",
			Principal: &Principal{AWS: []string{"*"}},
			Action:    []string{"s3:*"},
			Resource:  []string{"*"},
			Condition: Condition{"StringEquals": {"aws:ResourceAccount": {stack.AccountID}}},
		},
	).JSON()
	if err != nil {
		return err
	}
	s3Endpoint, err := ec2.NewVpcEndpoint(ctx, name+"-s3-endpoint", &ec2.VpcEndpointArgs{
		VpcId:           network.ID(),
		ServiceName:     pulumi.String(facts.GatewayEndpointServiceName("s3")),
		VpcEndpointType: pulumi.String("Gateway"),
		RouteTableIds:   pulumi.StringArray{appRoutes.ID()},
		Policy:          pulumi.String(s3Policy),
		Tags:            tags("s3-endpoint"),
	}, parent)
	if err != nil {
		return fmt.Errorf("creating VPC endpoint (%s-s3-endpoint): %w", name, err)
	}
	_, err = vpc.NewSecurityGroupEgressRule(ctx, name+"-service-to-s3", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId: c.ServiceGroup.ID(),
		IpProtocol:      pulumi.String("tcp"),
		FromPort:        pulumi.Int(443),
		ToPort:          pulumi.Int(443),
		PrefixListId:    s3Endpoint.PrefixListId,
		Description:     pulumi.String("HTTPS to S3 through the gateway endpoint"),
	}, parent)
	if err != nil {
		return fmt.Errorf("creating security group egress rule (%s-service-to-s3): %w", name, err)
	}
	return nil
}

// flowLogs records all traffic of the VPC to a log group encrypted with the domain's key.
func (c *DomainNetwork) flowLogs(ctx *pulumi.Context, name string, args *DomainNetworkArgs, network *ec2.Vpc,
	tags func(string) pulumi.StringMap) error {
	parent := pulumi.Parent(c)
	stack, domain := args.Stack, args.Domain
	groupName := fmt.Sprintf("/residency/%s/vpc-flow-logs", domain.Name)
	group, err := cloudwatch.NewLogGroup(ctx, name+"-flow-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(groupName),
		KmsKeyId:        args.KeyARN,
		RetentionInDays: pulumi.Int(stack.LogRetentionDays),
		Tags:            tags("flow-logs"),
	}, append([]pulumi.ResourceOption{parent}, protection(stack)...)...)
	if err != nil {
		return fmt.Errorf("creating log group (%s-flow-logs): %w", name, err)
	}
	c.FlowLogGroup = group

	policy, err := NewPolicy(Statement{
		Sid:      "WriteFlowLogs",
		Effect:   "Allow",
		Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
		Resource: []string{logGroupARN(stack, groupName), logGroupARN(stack, groupName) + ":log-stream:*"},
	}, denyOtherRegions(stack.Region)).JSON()
	if err != nil {
		return err
	}
	rolePolicy, err := iam.NewRolePolicy(ctx, name+"-flow-logs-policy", &iam.RolePolicyArgs{
		Role:   args.FlowLogRole.ID(),
		Policy: pulumi.String(policy),
	}, parent)
	if err != nil {
		return fmt.Errorf("creating IAM role policy (%s-flow-logs-policy): %w", name, err)
	}
	_, err = ec2.NewFlowLog(ctx, name+"-flow-log", &ec2.FlowLogArgs{
		VpcId:                  network.ID(),
		TrafficType:            pulumi.String("ALL"),
		LogDestinationType:     pulumi.String("cloud-watch-logs"),
		LogDestination:         group.Arn,
		IamRoleArn:             args.FlowLogRole.Arn,
		MaxAggregationInterval: pulumi.Int(60),
		Tags:                   tags("flow-log"),
	}, parent, pulumi.DependsOn([]pulumi.Resource{rolePolicy}))
	if err != nil {
		return fmt.Errorf("creating flow log (%s-flow-log): %w", name, err)
	}
	return nil
}

// zoneSuffix is the letter part of a zone name: "a" for "eu-central-1a".
func zoneSuffix(zone string) string {
	return zone[len(zone)-1:]
}
