package components

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/example/residency/regions"
)

// AxwayPrivateLinkArgs configures the endpoint services that the Axway gateway connects to.
type AxwayPrivateLinkArgs struct {
	// Stack is the validated model of the region stack.
	Stack regions.Stack
	// Targets lists the domains that get an endpoint service.
	Targets []GatewayTarget
}

// AxwayPrivateLink gives each domain's internal load balancer a PrivateLink endpoint service that
// only the Axway gateway's accounts may connect to, each connection accepted by hand. Axway runs in
// the region, so nothing is public, and no ICP licence for a public domain is needed.
type AxwayPrivateLink struct {
	pulumi.ResourceState

	// EndpointServices maps a domain's name to its endpoint service.
	EndpointServices map[string]*ec2.VpcEndpointService
}

// NewAxwayPrivateLink registers one endpoint service per domain and the gateway's permissions.
func NewAxwayPrivateLink(ctx *pulumi.Context, name string, args *AxwayPrivateLinkArgs, opts ...pulumi.ResourceOption) (*AxwayPrivateLink, error) {
	component := &AxwayPrivateLink{EndpointServices: map[string]*ec2.VpcEndpointService{}}
	if err := ctx.RegisterComponentResource("residency:gateway:AxwayPrivateLink", name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering Axway PrivateLink (%s): %w", name, err)
	}
	stack := args.Stack
	partition := stack.Facts().Partition()
	outputs := pulumi.Map{}
	for _, target := range args.Targets {
		prefix := name + "-" + target.Domain
		service, err := ec2.NewVpcEndpointService(ctx, prefix+"-endpoint-service", &ec2.VpcEndpointServiceArgs{
			AcceptanceRequired:      pulumi.Bool(true),
			NetworkLoadBalancerArns: pulumi.StringArray{target.Service.LoadBalancer.Arn},
			SupportedIpAddressTypes: pulumi.StringArray{pulumi.String("ipv4")},
			Tags:                    domainTags(target.Domain, target.Classification, prefix+"-endpoint-service"),
		}, pulumi.Parent(component))
		if err != nil {
			return nil, fmt.Errorf("creating VPC endpoint service (%s-endpoint-service): %w", prefix, err)
		}
		component.EndpointServices[target.Domain] = service
		outputs[target.Domain+"ServiceName"] = service.ServiceName
		for _, account := range stack.Gateway.Axway.AllowedAccountIDs {
			permission := fmt.Sprintf("%s-allow-%s", prefix, account)
			_, err := ec2.NewVpcEndpointServiceAllowedPrinciple(ctx, permission, &ec2.VpcEndpointServiceAllowedPrincipleArgs{
				VpcEndpointServiceId: service.ID(),
				PrincipalArn:         pulumi.String(partition.AccountRootARN(account)),
			}, pulumi.Parent(component))
			if err != nil {
				return nil, fmt.Errorf("allowing endpoint service principal (%s): %w", permission, err)
			}
		}
	}
	return component, registerOutputs(ctx, component, "Axway PrivateLink", name, outputs)
}
