package components

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/example/residency/regions"
)

// KeyDeletionWindowDays is the waiting period before KMS deletes a key, the maximum KMS allows.
const KeyDeletionWindowDays = 30

// DomainKeyArgs configures the KMS key of one data domain, or of the gateway.
type DomainKeyArgs struct {
	// Stack is the validated model of the region stack.
	Stack regions.Stack
	// Scope is the data domain's name, or "gateway" for the gateway's key.
	Scope string
	// Classification is the data classification that goes into the key's tags.
	Classification string
	// UserRoleARNs lists the domain's IAM roles that may use the key for cryptographic operations.
	UserRoleARNs []pulumi.StringInput
	// LogGroupPatterns lists the log group names, with "*" allowed, that CloudWatch Logs may
	// encrypt with the key.
	LogGroupPatterns []string
}

// DomainKey is a customer managed KMS key with rotation, kept in one region.
type DomainKey struct {
	pulumi.ResourceState

	// Key is the KMS key.
	Key *kms.Key
}

// NewDomainKey registers a domain's KMS key and its alias.
func NewDomainKey(ctx *pulumi.Context, name string, args *DomainKeyArgs, opts ...pulumi.ResourceOption) (*DomainKey, error) {
	component := &DomainKey{}
	if err := ctx.RegisterComponentResource("residency:keys:DomainKey", name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering domain key (%s): %w", name, err)
	}
	stack := args.Stack
	roleARNs := make([]any, len(args.UserRoleARNs))
	for i, arn := range args.UserRoleARNs {
		roleARNs[i] = arn
	}
	policy := pulumi.All(roleARNs...).ApplyT(func(resolved []any) (string, error) {
		return policyOutput(resolved, func(roles []string) PolicyDocument {
			return keyPolicy(stack, args, roles)
		})
	}).(pulumi.StringOutput)

	key, err := kms.NewKey(ctx, name, &kms.KeyArgs{
		Description:           pulumi.Sprintf("Encrypts the data of %s in %s", args.Scope, stack.Region),
		KeyUsage:              pulumi.String("ENCRYPT_DECRYPT"),
		CustomerMasterKeySpec: pulumi.String("SYMMETRIC_DEFAULT"),
		EnableKeyRotation:     pulumi.Bool(true),
		RotationPeriodInDays:  pulumi.Int(365),
		DeletionWindowInDays:  pulumi.Int(KeyDeletionWindowDays),
		MultiRegion:           pulumi.Bool(false),
		Policy:                policy,
		Tags:                  domainTags(args.Scope, args.Classification, name),
	}, append([]pulumi.ResourceOption{pulumi.Parent(component)}, protection(stack)...)...)
	if err != nil {
		return nil, fmt.Errorf("creating KMS key (%s): %w", name, err)
	}
	component.Key = key

	_, err = kms.NewAlias(ctx, name+"-alias", &kms.AliasArgs{
		Name:        pulumi.String("alias/residency/" + args.Scope),
		TargetKeyId: key.KeyId,
	}, pulumi.Parent(component))
	if err != nil {
		return nil, fmt.Errorf("creating KMS alias (%s-alias): %w", name, err)
	}
	return component, registerOutputs(ctx, component, "domain key", name, pulumi.Map{"keyArn": key.Arn})
}

// keyPolicy keeps the account-root statement, which lets the account's IAM policies administer the
// key (without it the key can become unmanageable), and grants use only to the domain's roles
// and to the region's CloudWatch Logs for the domain's log groups.
func keyPolicy(stack regions.Stack, args *DomainKeyArgs, roleARNs []string) PolicyDocument {
	partition := stack.Facts().Partition()
	statements := []Statement{{
		Sid:       "AccountRootAdministersKey",
		Effect:    "Allow",
		Principal: &Principal{AWS: []string{partition.AccountRootARN(stack.AccountID)}},
		Action:    []string{"kms:*"},
		Resource:  []string{"*"},
	}}
	if len(roleARNs) > 0 {
		statements = append(statements, Statement{
			Sid:       "DomainRolesUseKey",
			Effect:    "Allow",
			Principal: &Principal{AWS: roleARNs},
			Action:    []string{"kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"},
			Resource:  []string{"*"},
			Condition: Condition{"StringEquals": {"kms:CallerAccount": {stack.AccountID}}},
		})
	}
	if len(args.LogGroupPatterns) > 0 {
		logGroups := make([]string, len(args.LogGroupPatterns))
		for i, pattern := range args.LogGroupPatterns {
			logGroups[i] = logGroupARN(stack, pattern)
		}
		statements = append(statements, Statement{
			Sid:       "RegionalLogsEncryptDomainLogGroups",
			Effect:    "Allow",
			Principal: &Principal{Service: []string{partition.RegionalServicePrincipal("logs", stack.Region)}},
			Action: []string{"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
				"kms:Describe*"},
			Resource:  []string{"*"},
			Condition: Condition{"ArnLike": {"kms:EncryptionContext:aws:logs:arn": logGroups}},
		})
	}
	return NewPolicy(statements...)
}
