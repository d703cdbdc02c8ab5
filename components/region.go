package components

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/example/residency/regions"
)

// RegionStackArgs configures a region stack.
type RegionStackArgs struct {
	// Stack is the validated model of the region stack.
	Stack regions.Stack
}

// RegionStack is one region stack: the explicit AWS provider pinned to the stack's region and
// account, every data domain, and the gateway integration the jurisdiction prescribes.
type RegionStack struct {
	pulumi.ResourceState

	// Provider is the only AWS provider of the stack; every AWS resource uses it.
	Provider *aws.Provider
	// Domains maps a domain's name to its component.
	Domains map[string]*DataDomain
}

// NewRegionStack registers the provider, the domains and the gateway of a region stack.
func NewRegionStack(ctx *pulumi.Context, name string, args *RegionStackArgs, opts ...pulumi.ResourceOption) (*RegionStack, error) {
	component := &RegionStack{Domains: map[string]*DataDomain{}}
	if err := ctx.RegisterComponentResource("residency:region:RegionStack", name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering region stack (%s): %w", name, err)
	}
	stack := args.Stack
	defaultTags := pulumi.StringMap{}
	for key, value := range StackTags(stack) {
		defaultTags[key] = pulumi.String(value)
	}
	provider, err := aws.NewProvider(ctx, stack.Region, &aws.ProviderArgs{
		Region:            pulumi.String(stack.Region),
		AllowedAccountIds: pulumi.StringArray{pulumi.String(stack.AccountID)},
		DefaultTags:       &aws.ProviderDefaultTagsArgs{Tags: defaultTags},
	}, pulumi.Parent(component))
	if err != nil {
		return nil, fmt.Errorf("creating AWS provider (%s): %w", stack.Region, err)
	}
	component.Provider = provider
	childOptions := []pulumi.ResourceOption{pulumi.Parent(component), pulumi.Providers(provider)}

	var targets []GatewayTarget
	for _, domain := range stack.Domains {
		created, err := NewDataDomain(ctx, domain.Name, &DataDomainArgs{Stack: stack, Domain: domain}, childOptions...)
		if err != nil {
			return nil, err
		}
		component.Domains[domain.Name] = created
		targets = append(targets, GatewayTarget{Domain: domain.Name, Classification: domain.Classification,
			Service: created.Service})
	}

	outputs := pulumi.Map{"region": pulumi.String(stack.Region)}
	switch stack.Gateway.Vendor {
	case regions.VendorApigee:
		ingress, err := NewApigeeIngress(ctx, "apigee", &ApigeeIngressArgs{Stack: stack, Targets: targets}, childOptions...)
		if err != nil {
			return nil, err
		}
		outputs["apiId"] = ingress.API.ID()
	case regions.VendorAxway:
		if _, err := NewAxwayPrivateLink(ctx, "axway", &AxwayPrivateLinkArgs{Stack: stack, Targets: targets}, childOptions...); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("building gateway of stack (%s): unknown vendor %q", stack.Name, stack.Gateway.Vendor)
	}
	return component, registerOutputs(ctx, component, "region stack", name, outputs)
}
