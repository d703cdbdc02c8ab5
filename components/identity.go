package components

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/example/residency/regions"
)

// DomainRolesArgs configures the IAM roles of one data domain.
type DomainRolesArgs struct {
	// Stack is the validated model of the region stack.
	Stack regions.Stack
	// Domain is the data domain the roles belong to.
	Domain regions.Domain
}

// DomainRoles creates a domain's IAM roles with their trust policies only. The key policy names
// these roles, and the roles' permission policies name the key, so the permissions are attached
// later by the components that own each resource.
type DomainRoles struct {
	pulumi.ResourceState

	// TaskRole is assumed by the domain's ECS tasks.
	TaskRole *iam.Role
	// ExecutionRole is used by ECS to pull the image and write the container logs.
	ExecutionRole *iam.Role
	// FlowLogRole is used by VPC Flow Logs to write to the domain's flow-log group.
	FlowLogRole *iam.Role
	// MonitoringRole is used by RDS Enhanced Monitoring.
	MonitoringRole *iam.Role
}

// NewDomainRoles registers the IAM roles of a data domain.
func NewDomainRoles(ctx *pulumi.Context, name string, args *DomainRolesArgs, opts ...pulumi.ResourceOption) (*DomainRoles, error) {
	component := &DomainRoles{}
	if err := ctx.RegisterComponentResource("residency:identity:DomainRoles", name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering domain roles (%s): %w", name, err)
	}
	stack, domain := args.Stack, args.Domain
	partition := stack.Facts().Partition()
	ecsTasks := partition.ServicePrincipal("ecs-tasks")
	// ECS passes the account and the task's ARN as aws:SourceAccount and aws:SourceArn, so these
	// conditions keep other accounts' tasks from assuming the role (the confused-deputy problem).
	ecsCondition := Condition{
		"StringEquals": {"aws:SourceAccount": {stack.AccountID}},
		"ArnLike":      {"aws:SourceArn": {arnOf(stack, "ecs", "*")}},
	}
	roles := []struct {
		target    **iam.Role
		suffix    string
		principal string
		condition Condition
		purpose   string
	}{
		{&component.TaskRole, "task", ecsTasks, ecsCondition, "ECS tasks"},
		{&component.ExecutionRole, "execution", ecsTasks, ecsCondition, "ECS task execution"},
		{&component.FlowLogRole, "flow-logs", partition.ServicePrincipal("vpc-flow-logs"),
			Condition{"StringEquals": {"aws:SourceAccount": {stack.AccountID}}}, "VPC Flow Logs"},
		{&component.MonitoringRole, "rds-monitoring", partition.ServicePrincipal("monitoring.rds"), nil,
			"RDS Enhanced Monitoring"},
	}
	for _, role := range roles {
		trust, err := NewPolicy(Statement{
			Effect:    "Allow",
			Principal: &Principal{Service: []string{role.principal}},
			Action:    []string{"sts:AssumeRole"},
			Condition: role.condition,
		}).JSON()
		if err != nil {
			return nil, err
		}
		roleName := name + "-" + role.suffix
		created, err := iam.NewRole(ctx, roleName, &iam.RoleArgs{
			Description:        pulumi.Sprintf("%s of data domain %s", role.purpose, domain.Name),
			AssumeRolePolicy:   pulumi.String(trust),
			MaxSessionDuration: pulumi.Int(3600),
			Tags:               domainTags(domain.Name, domain.Classification, roleName),
		}, pulumi.Parent(component))
		if err != nil {
			return nil, fmt.Errorf("creating IAM role (%s): %w", roleName, err)
		}
		*role.target = created
	}
	monitoringPolicy := name + "-rds-monitoring"
	_, err := iam.NewRolePolicyAttachment(ctx, monitoringPolicy, &iam.RolePolicyAttachmentArgs{
		Role:      component.MonitoringRole.Name,
		PolicyArn: pulumi.String(partition.ManagedPolicyARN("service-role/AmazonRDSEnhancedMonitoringRole")),
	}, pulumi.Parent(component))
	if err != nil {
		return nil, fmt.Errorf("attaching IAM policy (%s): %w", monitoringPolicy, err)
	}
	return component, registerOutputs(ctx, component, "domain roles", name, pulumi.Map{
		"taskRoleArn":      component.TaskRole.Arn,
		"executionRoleArn": component.ExecutionRole.Arn,
	})
}
