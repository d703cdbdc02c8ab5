package components

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/example/residency/regions"
)

// Tag keys that every resource carries. None of them may hold personal data.
const (
	TagJurisdiction   = "Jurisdiction"
	TagLaw            = "Law"
	TagDataDomain     = "DataDomain"
	TagClassification = "DataClassification"
	TagOwner          = "Owner"
	TagStack          = "ResidencyStack"
	TagManagedBy      = "ManagedBy"
)

// StackTags are the tags shared by every resource of a stack; the provider sets them as default tags.
func StackTags(stack regions.Stack) map[string]string {
	facts := stack.Facts()
	law := ""
	if len(facts.Laws) > 0 {
		law = facts.Laws[0]
	}
	return map[string]string{
		TagJurisdiction: facts.Jurisdiction,
		TagLaw:          law,
		TagOwner:        stack.Owner,
		TagStack:        stack.Name,
		TagManagedBy:    "pulumi",
	}
}

// domainTags are the tags a domain's resources add to the stack's default tags, plus a Name tag.
func domainTags(domain, classification, name string) pulumi.StringMap {
	return pulumi.StringMap{
		TagDataDomain:     pulumi.String(domain),
		TagClassification: pulumi.String(classification),
		"Name":            pulumi.String(name),
	}
}

// protection returns the options that keep a stateful resource from being deleted by accident in
// a production stack: Pulumi refuses to delete a protected resource, and a retained one stays in
// AWS when it leaves the stack.
func protection(stack regions.Stack) []pulumi.ResourceOption {
	return []pulumi.ResourceOption{
		pulumi.Protect(stack.Production()),
		pulumi.RetainOnDelete(stack.Production()),
	}
}

// arnOf builds an ARN of the stack's partition, region and account.
func arnOf(stack regions.Stack, service, resource string) string {
	return stack.Facts().Partition().ARN(service, stack.Region, stack.AccountID, resource)
}

// logGroupARN is the ARN of a log group by name, which IAM and key policies match on.
func logGroupARN(stack regions.Stack, name string) string {
	return arnOf(stack, "logs", "log-group:"+name)
}

func registerOutputs(ctx *pulumi.Context, component pulumi.Resource, kind, name string, outputs pulumi.Map) error {
	if err := ctx.RegisterResourceOutputs(component, outputs); err != nil {
		return fmt.Errorf("registering outputs of %s (%s): %w", kind, name, err)
	}
	return nil
}

// policyOutput marshals a policy built from resolved outputs.
func policyOutput(inputs []any, build func([]string) PolicyDocument) (string, error) {
	values := make([]string, len(inputs))
	for i, input := range inputs {
		text, ok := input.(string)
		if !ok {
			return "", fmt.Errorf("building policy: input %d is %T, not a string", i, input)
		}
		values[i] = text
	}
	return build(values).JSON()
}
