package components

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/example/residency/regions"
)

// DomainServiceArgs configures the ECS service of one data domain.
type DomainServiceArgs struct {
	// Stack is the validated model of the region stack.
	Stack regions.Stack
	// Domain is the data domain the service belongs to.
	Domain regions.Domain
	// KeyARN is the domain's KMS key.
	KeyARN pulumi.StringInput
	// Roles are the domain's IAM roles; this component attaches the task and execution policies.
	Roles *DomainRoles
	// Network is the domain's VPC.
	Network *DomainNetwork
	// Database is the domain's Aurora cluster.
	Database *DomainDatabase
}

// DomainService is a Fargate service in the domain's private subnets behind an internal Network
// Load Balancer, with autoscaling on CPU.
type DomainService struct {
	pulumi.ResourceState

	// LoadBalancer is the internal Network Load Balancer that the gateway reaches.
	LoadBalancer *lb.LoadBalancer
	// Listener is the load balancer's listener on ListenerPort.
	Listener *lb.Listener
	// Service is the ECS service.
	Service *ecs.Service
}

// containerDefinition is the part of an ECS container definition this service sets.
type containerDefinition struct {
	Name                   string             `json:"name"`
	Image                  string             `json:"image"`
	Essential              bool               `json:"essential"`
	ReadonlyRootFilesystem bool               `json:"readonlyRootFilesystem"`
	PortMappings           []portMapping      `json:"portMappings"`
	Environment            []environmentValue `json:"environment"`
	LogConfiguration       logConfiguration   `json:"logConfiguration"`
}

type portMapping struct {
	ContainerPort int    `json:"containerPort"`
	Protocol      string `json:"protocol"`
}

type environmentValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type logConfiguration struct {
	LogDriver string            `json:"logDriver"`
	Options   map[string]string `json:"options"`
}

// NewDomainService registers a domain's image repository, task definition, ECS service, internal
// load balancer and autoscaling.
func NewDomainService(ctx *pulumi.Context, name string, args *DomainServiceArgs, opts ...pulumi.ResourceOption) (*DomainService, error) {
	component := &DomainService{}
	if err := ctx.RegisterComponentResource("residency:service:DomainService", name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering domain service (%s): %w", name, err)
	}
	stack, domain := args.Stack, args.Domain
	parent := pulumi.Parent(component)
	tags := func(suffix string) pulumi.StringMap {
		return domainTags(domain.Name, domain.Classification, name+"-"+suffix)
	}

	repository, err := ecr.NewRepository(ctx, name+"-repository", &ecr.RepositoryArgs{
		Name:               pulumi.String(domain.Name),
		ImageTagMutability: pulumi.String("IMMUTABLE"),
		ImageScanningConfiguration: &ecr.RepositoryImageScanningConfigurationArgs{
			ScanOnPush: pulumi.Bool(true),
		},
		EncryptionConfigurations: ecr.RepositoryEncryptionConfigurationArray{
			ecr.RepositoryEncryptionConfigurationArgs{EncryptionType: pulumi.String("KMS"), KmsKey: args.KeyARN},
		},
		Tags: tags("repository"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating ECR repository (%s-repository): %w", name, err)
	}

	logGroupName := fmt.Sprintf("/residency/%s/service", domain.Name)
	logGroup, err := cloudwatch.NewLogGroup(ctx, name+"-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(logGroupName),
		KmsKeyId:        args.KeyARN,
		RetentionInDays: pulumi.Int(stack.LogRetentionDays),
		Tags:            tags("logs"),
	}, append([]pulumi.ResourceOption{parent}, protection(stack)...)...)
	if err != nil {
		return nil, fmt.Errorf("creating log group (%s-logs): %w", name, err)
	}

	policies, err := component.rolePolicies(ctx, name, args, repository, logGroupName)
	if err != nil {
		return nil, err
	}

	// Container Insights creates its performance log group unencrypted unless it exists.
	insights, err := cloudwatch.NewLogGroup(ctx, name+"-insights", &cloudwatch.LogGroupArgs{
		Name:            pulumi.Sprintf("/aws/ecs/containerinsights/%s/performance", domain.Name),
		KmsKeyId:        args.KeyARN,
		RetentionInDays: pulumi.Int(stack.LogRetentionDays),
		Tags:            tags("insights"),
	}, append([]pulumi.ResourceOption{parent}, protection(stack)...)...)
	if err != nil {
		return nil, fmt.Errorf("creating log group (%s-insights): %w", name, err)
	}
	cluster, err := ecs.NewCluster(ctx, name+"-cluster", &ecs.ClusterArgs{
		Name: pulumi.String(domain.Name),
		Settings: ecs.ClusterSettingArray{
			ecs.ClusterSettingArgs{Name: pulumi.String("containerInsights"), Value: pulumi.String("enabled")},
		},
		Tags: tags("cluster"),
	}, parent, pulumi.DependsOn([]pulumi.Resource{insights}))
	if err != nil {
		return nil, fmt.Errorf("creating ECS cluster (%s-cluster): %w", name, err)
	}

	containers := pulumi.All(repository.RepositoryUrl, args.Database.Cluster.Endpoint, logGroup.Name).ApplyT(
		func(values []any) (string, error) {
			return containerDefinitions(stack, domain, values[0].(string), values[1].(string), values[2].(string))
		}).(pulumi.StringOutput)
	taskDefinition, err := ecs.NewTaskDefinition(ctx, name+"-task", &ecs.TaskDefinitionArgs{
		Family:                  pulumi.String(domain.Name),
		RequiresCompatibilities: pulumi.StringArray{pulumi.String("FARGATE")},
		NetworkMode:             pulumi.String("awsvpc"),
		Cpu:                     pulumi.String(fmt.Sprint(domain.Service.CPU)),
		Memory:                  pulumi.String(fmt.Sprint(domain.Service.Memory)),
		RuntimePlatform: &ecs.TaskDefinitionRuntimePlatformArgs{
			OperatingSystemFamily: pulumi.String("LINUX"),
			CpuArchitecture:       pulumi.String(domain.Service.Architecture),
		},
		ExecutionRoleArn:     args.Roles.ExecutionRole.Arn,
		TaskRoleArn:          args.Roles.TaskRole.Arn,
		ContainerDefinitions: containers,
		Tags:                 tags("task"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating ECS task definition (%s-task): %w", name, err)
	}

	if err := component.loadBalancer(ctx, name, args, tags); err != nil {
		return nil, err
	}
	targetGroup, err := component.targetGroup(ctx, name, args, tags)
	if err != nil {
		return nil, err
	}

	service, err := ecs.NewService(ctx, name+"-service", &ecs.ServiceArgs{
		Name:                 pulumi.String(domain.Name),
		Cluster:              cluster.Arn,
		TaskDefinition:       taskDefinition.Arn,
		DesiredCount:         pulumi.Int(domain.Service.MinTasks),
		LaunchType:           pulumi.String("FARGATE"),
		PlatformVersion:      pulumi.String("LATEST"),
		PropagateTags:        pulumi.String("SERVICE"),
		EnableEcsManagedTags: pulumi.Bool(true),
		EnableExecuteCommand: pulumi.Bool(false),
		NetworkConfiguration: &ecs.ServiceNetworkConfigurationArgs{
			Subnets:        args.Network.AppSubnetIDs,
			SecurityGroups: pulumi.StringArray{args.Network.ServiceGroup.ID()},
			AssignPublicIp: pulumi.Bool(false),
		},
		LoadBalancers: ecs.ServiceLoadBalancerArray{
			ecs.ServiceLoadBalancerArgs{
				TargetGroupArn: targetGroup.Arn,
				ContainerName:  pulumi.String(domain.Name),
				ContainerPort:  pulumi.Int(domain.Service.ContainerPort),
			},
		},
		HealthCheckGracePeriodSeconds: pulumi.Int(60),
		DeploymentCircuitBreaker: &ecs.ServiceDeploymentCircuitBreakerArgs{
			Enable:   pulumi.Bool(true),
			Rollback: pulumi.Bool(true),
		},
		DeploymentMinimumHealthyPercent: pulumi.Int(100),
		DeploymentMaximumPercent:        pulumi.Int(200),
		Tags:                            tags("service"),
	}, parent, pulumi.DependsOn(append([]pulumi.Resource{component.Listener}, policies...)),
		// Autoscaling owns the task count after the first deployment.
		pulumi.IgnoreChanges([]string{"desiredCount"}))
	if err != nil {
		return nil, fmt.Errorf("creating ECS service (%s-service): %w", name, err)
	}
	component.Service = service

	if err := component.autoscaling(ctx, name, args, cluster); err != nil {
		return nil, err
	}
	return component, registerOutputs(ctx, component, "domain service", name, pulumi.Map{
		"loadBalancerArn": component.LoadBalancer.Arn,
		"listenerArn":     component.Listener.Arn,
		"serviceName":     service.Name,
	})
}

func containerDefinitions(stack regions.Stack, domain regions.Domain, repositoryURL, databaseHost, logGroup string) (string, error) {
	definition := containerDefinition{
		Name:                   domain.Name,
		Image:                  repositoryURL + ":" + domain.Service.ImageTag,
		Essential:              true,
		ReadonlyRootFilesystem: true,
		PortMappings:           []portMapping{{ContainerPort: domain.Service.ContainerPort, Protocol: "tcp"}},
		Environment: []environmentValue{
			{Name: "AWS_REGION", Value: stack.Region},
			{Name: "DATABASE_HOST", Value: databaseHost},
			{Name: "DATABASE_PORT", Value: fmt.Sprint(DatabasePort)},
			{Name: "DATABASE_NAME", Value: domain.Database.DatabaseName},
			{Name: "DATABASE_USER", Value: domain.Database.IAMUsername},
			{Name: "DATABASE_SSLMODE", Value: "verify-full"},
			{Name: "AWS_STS_REGIONAL_ENDPOINTS", Value: "regional"},
		},
		LogConfiguration: logConfiguration{
			LogDriver: "awslogs",
			Options: map[string]string{
				"awslogs-group":         logGroup,
				"awslogs-region":        stack.Region,
				"awslogs-stream-prefix": domain.Name,
			},
		},
	}
	encoded, err := json.Marshal([]containerDefinition{definition})
	if err != nil {
		return "", fmt.Errorf("marshalling container definitions (%s): %w", domain.Name, err)
	}
	return string(encoded), nil
}

// rolePolicies attaches the execution and task policies. Each names only this domain's
// repository, log group, key and database user, and denies requests to other regions.
func (c *DomainService) rolePolicies(ctx *pulumi.Context, name string, args *DomainServiceArgs,
	repository *ecr.Repository, logGroupName string) ([]pulumi.Resource, error) {
	stack, domain := args.Stack, args.Domain
	logGroup := logGroupARN(stack, logGroupName)
	execution := pulumi.All(repository.Arn).ApplyT(func(values []any) (string, error) {
		return policyOutput(values, func(resolved []string) PolicyDocument {
			return NewPolicy(
				// ecr:GetAuthorizationToken does not support resource-level permissions.
				Statement{Sid: "EcrLogin", Effect: "Allow", Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}},
				Statement{Sid: "PullDomainImage", Effect: "Allow",
					Action:   []string{"ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"},
					Resource: []string{resolved[0]}},
				Statement{Sid: "WriteDomainLogs", Effect: "Allow",
					Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
					Resource: []string{logGroup + ":log-stream:*"}},
				denyOtherRegions(stack.Region),
			)
		})
	}).(pulumi.StringOutput)
	task := pulumi.All(args.KeyARN, args.Database.Cluster.ClusterResourceId).ApplyT(func(values []any) (string, error) {
		return policyOutput(values, func(resolved []string) PolicyDocument {
			databaseUser := arnOf(stack, "rds-db", fmt.Sprintf("dbuser:%s/%s", resolved[1], domain.Database.IAMUsername))
			return NewPolicy(
				Statement{Sid: "ConnectAsDomainUser", Effect: "Allow", Action: []string{"rds-db:connect"},
					Resource: []string{databaseUser}},
				Statement{Sid: "UseDomainKey", Effect: "Allow",
					Action:   []string{"kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"},
					Resource: []string{resolved[0]}},
				denyOtherRegions(stack.Region),
			)
		})
	}).(pulumi.StringOutput)

	var created []pulumi.Resource
	for _, policy := range []struct {
		suffix   string
		role     *iam.Role
		document pulumi.StringOutput
	}{
		{"execution-policy", args.Roles.ExecutionRole, execution},
		{"task-policy", args.Roles.TaskRole, task},
	} {
		resource, err := iam.NewRolePolicy(ctx, name+"-"+policy.suffix, &iam.RolePolicyArgs{
			Role:   policy.role.ID(),
			Policy: policy.document,
		}, pulumi.Parent(c))
		if err != nil {
			return nil, fmt.Errorf("creating IAM role policy (%s-%s): %w", name, policy.suffix, err)
		}
		created = append(created, resource)
	}
	return created, nil
}

func (c *DomainService) loadBalancer(ctx *pulumi.Context, name string, args *DomainServiceArgs,
	tags func(string) pulumi.StringMap) error {
	domain := args.Domain
	balancer, err := lb.NewLoadBalancer(ctx, name+"-nlb", &lb.LoadBalancerArgs{
		Name:                         pulumi.String(domain.Name + "-nlb"),
		LoadBalancerType:             pulumi.String("network"),
		Internal:                     pulumi.Bool(true),
		IpAddressType:                pulumi.String("ipv4"),
		Subnets:                      args.Network.AppSubnetIDs,
		SecurityGroups:               pulumi.StringArray{args.Network.LoadBalancerGroup.ID()},
		EnableCrossZoneLoadBalancing: pulumi.Bool(true),
		EnableDeletionProtection:     pulumi.Bool(args.Stack.Production()),
		// Apply the security group to traffic that arrives through PrivateLink and VPC links too.
		EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic: pulumi.String("on"),
		Tags: tags("nlb"),
	}, pulumi.Parent(c))
	if err != nil {
		return fmt.Errorf("creating load balancer (%s-nlb): %w", name, err)
	}
	c.LoadBalancer = balancer
	return nil
}

func (c *DomainService) targetGroup(ctx *pulumi.Context, name string, args *DomainServiceArgs,
	tags func(string) pulumi.StringMap) (*lb.TargetGroup, error) {
	domain := args.Domain
	group, err := lb.NewTargetGroup(ctx, name+"-targets", &lb.TargetGroupArgs{
		Name:                pulumi.String(domain.Name + "-tg"),
		TargetType:          pulumi.String("ip"),
		Protocol:            pulumi.String("TCP"),
		Port:                pulumi.Int(domain.Service.ContainerPort),
		VpcId:               args.Network.VPC.ID(),
		DeregistrationDelay: pulumi.Int(30),
		HealthCheck: &lb.TargetGroupHealthCheckArgs{
			Protocol:           pulumi.String("HTTP"),
			Path:               pulumi.String("/health"),
			Port:               pulumi.String("traffic-port"),
			HealthyThreshold:   pulumi.Int(3),
			UnhealthyThreshold: pulumi.Int(3),
			Interval:           pulumi.Int(10),
		},
		Tags: tags("targets"),
	}, pulumi.Parent(c))
	if err != nil {
		return nil, fmt.Errorf("creating target group (%s-targets): %w", name, err)
	}
	// NOTE: the listener is plain TCP inside the VPC. Traffic reaches it only through the VPC link
	// or the endpoint service; terminate TLS at the listener once a private CA issues certificates.
	listener, err := lb.NewListener(ctx, name+"-listener", &lb.ListenerArgs{
		LoadBalancerArn: c.LoadBalancer.Arn,
		Port:            pulumi.Int(ListenerPort),
		Protocol:        pulumi.String("TCP"),
		DefaultActions: lb.ListenerDefaultActionArray{
			lb.ListenerDefaultActionArgs{Type: pulumi.String("forward"), TargetGroupArn: group.Arn},
		},
		Tags: tags("listener"),
	}, pulumi.Parent(c))
	if err != nil {
		return nil, fmt.Errorf("creating listener (%s-listener): %w", name, err)
	}
	c.Listener = listener
	return group, nil
}

func (c *DomainService) autoscaling(ctx *pulumi.Context, name string, args *DomainServiceArgs, cluster *ecs.Cluster) error {
	service := args.Domain.Service
	target, err := appautoscaling.NewTarget(ctx, name+"-scaling", &appautoscaling.TargetArgs{
		ServiceNamespace:  pulumi.String("ecs"),
		ScalableDimension: pulumi.String("ecs:service:DesiredCount"),
		ResourceId:        pulumi.Sprintf("service/%s/%s", cluster.Name, c.Service.Name),
		MinCapacity:       pulumi.Int(service.MinTasks),
		MaxCapacity:       pulumi.Int(service.MaxTasks),
	}, pulumi.Parent(c))
	if err != nil {
		return fmt.Errorf("creating scalable target (%s-scaling): %w", name, err)
	}
	_, err = appautoscaling.NewPolicy(ctx, name+"-cpu-scaling", &appautoscaling.PolicyArgs{
		PolicyType:        pulumi.String("TargetTrackingScaling"),
		ServiceNamespace:  target.ServiceNamespace,
		ScalableDimension: target.ScalableDimension,
		ResourceId:        target.ResourceId,
		TargetTrackingScalingPolicyConfiguration: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs{
			TargetValue: pulumi.Float64(float64(service.TargetCPUPercent)),
			PredefinedMetricSpecification: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs{
				PredefinedMetricType: pulumi.String("ECSServiceAverageCPUUtilization"),
			},
			ScaleInCooldown:  pulumi.Int(300),
			ScaleOutCooldown: pulumi.Int(60),
		},
	}, pulumi.Parent(c))
	if err != nil {
		return fmt.Errorf("creating scaling policy (%s-cpu-scaling): %w", name, err)
	}
	return nil
}
