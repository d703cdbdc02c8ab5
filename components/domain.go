package components

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/example/residency/regions"
)

// DataDomainArgs configures one data domain.
type DataDomainArgs struct {
	// Stack is the validated model of the region stack.
	Stack regions.Stack
	// Domain is the data domain to build.
	Domain regions.Domain
}

// DataDomain is everything one data domain owns: its roles, key, VPC, database and service. No
// resource of one domain refers to a resource of another.
type DataDomain struct {
	pulumi.ResourceState

	Roles    *DomainRoles
	Key      *DomainKey
	Network  *DomainNetwork
	Database *DomainDatabase
	Service  *DomainService
}

// NewDataDomain registers a data domain and its parts, in the order their references need.
func NewDataDomain(ctx *pulumi.Context, name string, args *DataDomainArgs, opts ...pulumi.ResourceOption) (*DataDomain, error) {
	component := &DataDomain{}
	if err := ctx.RegisterComponentResource("residency:region:DataDomain", name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering data domain (%s): %w", name, err)
	}
	stack, domain := args.Stack, args.Domain
	parent := pulumi.Parent(component)
	var err error

	component.Roles, err = NewDomainRoles(ctx, name, &DomainRolesArgs{Stack: stack, Domain: domain}, parent)
	if err != nil {
		return nil, err
	}
	component.Key, err = NewDomainKey(ctx, name+"-key", &DomainKeyArgs{
		Stack:          stack,
		Scope:          domain.Name,
		Classification: domain.Classification,
		UserRoleARNs:   []pulumi.StringInput{component.Roles.TaskRole.Arn, component.Roles.ExecutionRole.Arn},
		LogGroupPatterns: []string{
			fmt.Sprintf("/residency/%s/*", domain.Name),
			fmt.Sprintf("/aws/rds/cluster/%s/*", ClusterIdentifier(domain.Name)),
			fmt.Sprintf("/aws/ecs/containerinsights/%s/*", domain.Name),
		},
	}, parent)
	if err != nil {
		return nil, err
	}
	keyARN := component.Key.Key.Arn
	component.Network, err = NewDomainNetwork(ctx, name, &DomainNetworkArgs{
		Stack:       stack,
		Domain:      domain,
		KeyARN:      keyARN,
		FlowLogRole: component.Roles.FlowLogRole,
	}, parent)
	if err != nil {
		return nil, err
	}
	component.Database, err = NewDomainDatabase(ctx, name, &DomainDatabaseArgs{
		Stack:             stack,
		Domain:            domain,
		KeyARN:            keyARN,
		SubnetIDs:         component.Network.DatabaseSubnetIDs,
		SecurityGroupID:   component.Network.DatabaseGroup.ID(),
		MonitoringRoleARN: component.Roles.MonitoringRole.Arn,
	}, parent)
	if err != nil {
		return nil, err
	}
	component.Service, err = NewDomainService(ctx, name, &DomainServiceArgs{
		Stack:    stack,
		Domain:   domain,
		KeyARN:   keyARN,
		Roles:    component.Roles,
		Network:  component.Network,
		Database: component.Database,
	}, parent)
	if err != nil {
		return nil, err
	}
	return component, registerOutputs(ctx, component, "data domain", name, pulumi.Map{
		"vpcId":       component.Network.VPC.ID(),
		"keyArn":      keyARN,
		"clusterArn":  component.Database.Cluster.Arn,
		"listenerArn": component.Service.Listener.Arn,
	})
}
