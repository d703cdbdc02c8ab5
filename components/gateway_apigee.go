package components

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/apigateway"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/example/residency/regions"
)

// GatewayTarget is a domain's internal listener that the gateway routes to.
type GatewayTarget struct {
	// Domain is the data domain's name; it is also the first segment of the API path.
	Domain string
	// Classification is the domain's data classification, for the tags of per-domain resources.
	Classification string
	// Service is the domain's service with its internal load balancer.
	Service *DomainService
}

// ApigeeIngressArgs configures the regional API that Apigee calls.
type ApigeeIngressArgs struct {
	// Stack is the validated model of the region stack.
	Stack regions.Stack
	// Targets lists the domains the API routes to.
	Targets []GatewayTarget
}

// ApigeeIngress is a regional API Gateway REST API that only Apigee can call. It has a custom
// domain with mutual TLS and TLS 1.2, the default execute-api endpoint disabled, and a resource
// policy that admits only Apigee's egress addresses. One VPC link per domain reaches the domain's
// internal listener. It is a REST API because HTTP APIs have no resource policies.
type ApigeeIngress struct {
	pulumi.ResourceState

	// API is the REST API.
	API *apigateway.RestApi
	// DomainName is the custom domain with mutual TLS.
	DomainName *apigateway.DomainName
}

// NewApigeeIngress registers the regional API, its custom domain and one route per domain.
func NewApigeeIngress(ctx *pulumi.Context, name string, args *ApigeeIngressArgs, opts ...pulumi.ResourceOption) (*ApigeeIngress, error) {
	component := &ApigeeIngress{}
	if err := ctx.RegisterComponentResource("residency:gateway:ApigeeIngress", name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering Apigee ingress (%s): %w", name, err)
	}
	stack := args.Stack
	settings := *stack.Gateway.Apigee
	parent := pulumi.Parent(component)
	tags := func(suffix string) pulumi.StringMap {
		return domainTags("gateway", "pseudonymous", name+"-"+suffix)
	}

	accessLogName := "/residency/gateway/api-access"
	key, err := NewDomainKey(ctx, name+"-key", &DomainKeyArgs{
		Stack:            stack,
		Scope:            "gateway",
		Classification:   "pseudonymous",
		LogGroupPatterns: []string{accessLogName, "API-Gateway-Execution-Logs_*"},
	}, parent)
	if err != nil {
		return nil, err
	}
	truststore, err := component.truststore(ctx, name, stack, settings, key, tags)
	if err != nil {
		return nil, err
	}
	accessLogs, err := cloudwatch.NewLogGroup(ctx, name+"-access-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(accessLogName),
		KmsKeyId:        key.Key.Arn,
		RetentionInDays: pulumi.Int(stack.LogRetentionDays),
		Tags:            tags("access-logs"),
	}, append([]pulumi.ResourceOption{parent}, protection(stack)...)...)
	if err != nil {
		return nil, fmt.Errorf("creating log group (%s-access-logs): %w", name, err)
	}
	account, err := component.cloudWatchRole(ctx, name, stack, tags)
	if err != nil {
		return nil, err
	}

	policy, err := apiPolicy(settings.AllowedCIDRs).JSON()
	if err != nil {
		return nil, err
	}
	api, err := apigateway.NewRestApi(ctx, name+"-api", &apigateway.RestApiArgs{
		Name:        pulumi.String("residency-" + stack.Name),
		Description: pulumi.String("Customer portal API of " + stack.Region + ", called only by Apigee"),
		EndpointConfiguration: &apigateway.RestApiEndpointConfigurationArgs{
			Types: pulumi.String("REGIONAL"),
		},
		DisableExecuteApiEndpoint: pulumi.Bool(true),
		Policy:                    pulumi.String(policy),
		Tags:                      tags("api"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating REST API (%s-api): %w", name, err)
	}
	component.API = api

	var routeResources []pulumi.Resource
	for _, target := range args.Targets {
		created, err := component.route(ctx, name, api, target, tags)
		if err != nil {
			return nil, err
		}
		routeResources = append(routeResources, created...)
	}

	deployment, err := apigateway.NewDeployment(ctx, name+"-deployment", &apigateway.DeploymentArgs{
		RestApi:     api.ID(),
		Description: pulumi.String("Routes to " + targetNames(args.Targets)),
		// A new deployment is needed whenever the routes change.
		Triggers: pulumi.StringMap{"routes": pulumi.String(routesHash(args.Targets))},
	}, parent, pulumi.DependsOn(routeResources))
	if err != nil {
		return nil, fmt.Errorf("creating API deployment (%s-deployment): %w", name, err)
	}
	stage, err := apigateway.NewStage(ctx, name+"-stage", &apigateway.StageArgs{
		RestApi:    api.ID(),
		Deployment: deployment.ID(),
		StageName:  pulumi.String(settings.StageName),
		AccessLogSettings: &apigateway.StageAccessLogSettingsArgs{
			DestinationArn: accessLogs.Arn,
			Format:         pulumi.String(accessLogFormat),
		},
		XrayTracingEnabled: pulumi.Bool(false),
		Tags:               tags("stage"),
	}, parent, pulumi.DependsOn([]pulumi.Resource{account}))
	if err != nil {
		return nil, fmt.Errorf("creating API stage (%s-stage): %w", name, err)
	}
	// API Gateway writes execution logs to a group it names after the API and stage, and creates
	// it unencrypted and kept forever unless it exists ("Set up CloudWatch logging for REST APIs",
	// API Gateway developer guide), so the stack creates it first.
	executionLogs, err := cloudwatch.NewLogGroup(ctx, name+"-execution-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.Sprintf("API-Gateway-Execution-Logs_%s/%s", api.ID(), settings.StageName),
		KmsKeyId:        key.Key.Arn,
		RetentionInDays: pulumi.Int(stack.LogRetentionDays),
		Tags:            tags("execution-logs"),
	}, append([]pulumi.ResourceOption{parent}, protection(stack)...)...)
	if err != nil {
		return nil, fmt.Errorf("creating log group (%s-execution-logs): %w", name, err)
	}
	_, err = apigateway.NewMethodSettings(ctx, name+"-method-settings", &apigateway.MethodSettingsArgs{
		RestApi:    api.ID(),
		StageName:  stage.StageName,
		MethodPath: pulumi.String("*/*"),
		Settings: &apigateway.MethodSettingsSettingsArgs{
			MetricsEnabled:       pulumi.Bool(true),
			LoggingLevel:         pulumi.String("ERROR"),
			DataTraceEnabled:     pulumi.Bool(false), // full request logs would copy personal data into logs
			ThrottlingRateLimit:  pulumi.Float64(settings.RateLimit),
			ThrottlingBurstLimit: pulumi.Int(settings.BurstLimit),
		},
	}, parent, pulumi.DependsOn([]pulumi.Resource{executionLogs}))
	if err != nil {
		return nil, fmt.Errorf("creating API method settings (%s-method-settings): %w", name, err)
	}

	domainName, err := apigateway.NewDomainName(ctx, name+"-domain", &apigateway.DomainNameArgs{
		DomainName:             pulumi.String(settings.DomainName),
		RegionalCertificateArn: pulumi.String(settings.CertificateARN),
		EndpointConfiguration: &apigateway.DomainNameEndpointConfigurationArgs{
			Types: pulumi.String("REGIONAL"),
		},
		SecurityPolicy: pulumi.String("TLS_1_2"),
		MutualTlsAuthentication: &apigateway.DomainNameMutualTlsAuthenticationArgs{
			TruststoreUri:     pulumi.Sprintf("s3://%s/%s", truststore.Bucket, truststore.Key),
			TruststoreVersion: truststore.VersionId,
		},
		Tags: tags("domain"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating API domain name (%s-domain): %w", name, err)
	}
	component.DomainName = domainName
	_, err = apigateway.NewBasePathMapping(ctx, name+"-mapping", &apigateway.BasePathMappingArgs{
		RestApi:    api.ID(),
		StageName:  stage.StageName,
		DomainName: domainName.DomainName,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating base path mapping (%s-mapping): %w", name, err)
	}
	return component, registerOutputs(ctx, component, "Apigee ingress", name, pulumi.Map{
		"apiId":              api.ID(),
		"regionalDomainName": domainName.RegionalDomainName,
	})
}

// accessLogFormat records who called what, without request bodies or headers that could carry
// personal data.
const accessLogFormat = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",` +
	`"clientCertSerial":"$context.identity.clientCert.serialNumber","method":"$context.httpMethod",` +
	`"path":"$context.resourcePath","status":"$context.status","latencyMs":"$context.responseLatency"}`

// apiPolicy admits calls only from Apigee's egress addresses. "execute-api:/*" is the API resource
// policy form that stands for every method of this API.
func apiPolicy(allowedCIDRs []string) PolicyDocument {
	return NewPolicy(
		Statement{
			Sid:       "InvokeFromApigee",
			Effect:    "Allow",
			Principal: &Principal{AWS: []string{"*"}},
			Action:    []string{"execute-api:Invoke"},
			Resource:  []string{"execute-api:/*"},
		},
		Statement{
			Sid:       "DenyOtherSources",
			Effect:    "Deny",
			Principal: &Principal{AWS: []string{"*"}},
			Action:    []string{"execute-api:Invoke"},
			Resource:  []string{"execute-api:/*"},
			Condition: Condition{"NotIpAddress": {"aws:SourceIp": allowedCIDRs}},
		},
	)
}

func (c *ApigeeIngress) truststore(ctx *pulumi.Context, name string, stack regions.Stack, settings regions.Apigee,
	key *DomainKey, tags func(string) pulumi.StringMap) (*s3.BucketObjectv2, error) {
	parent := pulumi.Parent(c)
	bucket, err := s3.NewBucketV2(ctx, name+"-truststore", &s3.BucketV2Args{
		Bucket: pulumi.Sprintf("residency-truststore-%s-%s", stack.AccountID, stack.Region),
		// An ephemeral stack must be destroyable although versioning keeps every old truststore.
		ForceDestroy: pulumi.Bool(!stack.Production()),
		Tags:         tags("truststore"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating S3 bucket (%s-truststore): %w", name, err)
	}
	if _, err := s3.NewBucketPublicAccessBlock(ctx, name+"-truststore-public-access", &s3.BucketPublicAccessBlockArgs{
		Bucket:                bucket.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, parent); err != nil {
		return nil, fmt.Errorf("blocking public access (%s-truststore-public-access): %w", name, err)
	}
	if _, err := s3.NewBucketOwnershipControls(ctx, name+"-truststore-ownership", &s3.BucketOwnershipControlsArgs{
		Bucket: bucket.ID(),
		Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, parent); err != nil {
		return nil, fmt.Errorf("setting bucket ownership (%s-truststore-ownership): %w", name, err)
	}
	versioning, err := s3.NewBucketVersioningV2(ctx, name+"-truststore-versioning", &s3.BucketVersioningV2Args{
		Bucket:                  bucket.ID(),
		VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("enabling bucket versioning (%s-truststore-versioning): %w", name, err)
	}
	encryption, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name+"-truststore-encryption",
		&s3.BucketServerSideEncryptionConfigurationV2Args{
			Bucket: bucket.ID(),
			Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{
				s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
					ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
						SseAlgorithm:   pulumi.String("aws:kms"),
						KmsMasterKeyId: key.Key.Arn,
					},
					BucketKeyEnabled: pulumi.Bool(true),
				},
			},
		}, parent)
	if err != nil {
		return nil, fmt.Errorf("setting bucket encryption (%s-truststore-encryption): %w", name, err)
	}
	bucketPolicy := bucket.Arn.ApplyT(func(arn string) (string, error) {
		return NewPolicy(Statement{
			Sid:       "DenyInsecureTransport",
			Effect:    "Deny",
			Principal: &Principal{AWS: []string{"*"}},
			Action:    []string{"s3:*"},
			Resource:  []string{arn, arn + "/*"},
			Condition: Condition{"Bool": {"aws:SecureTransport": {"false"}}},
		}).JSON()
	}).(pulumi.StringOutput)
	if _, err := s3.NewBucketPolicy(ctx, name+"-truststore-policy", &s3.BucketPolicyArgs{
		Bucket: bucket.ID(),
		Policy: bucketPolicy,
	}, parent); err != nil {
		return nil, fmt.Errorf("creating bucket policy (%s-truststore-policy): %w", name, err)
	}
	object, err := s3.NewBucketObjectv2(ctx, name+"-truststore-pem", &s3.BucketObjectv2Args{
		Bucket:      bucket.ID(),
		Key:         pulumi.String("apigee/client-ca.pem"),
		Content:     pulumi.String(settings.TruststorePEM),
		ContentType: pulumi.String("application/x-pem-file"),
		Tags:        tags("truststore-pem"),
	}, parent, pulumi.DependsOn([]pulumi.Resource{versioning, encryption}))
	if err != nil {
		return nil, fmt.Errorf("uploading truststore (%s-truststore-pem): %w", name, err)
	}
	return object, nil
}

// cloudWatchRole sets the role API Gateway uses to write execution logs. It is a setting of the
// account in the region, so the stack owns it for its region.
func (c *ApigeeIngress) cloudWatchRole(ctx *pulumi.Context, name string, stack regions.Stack,
	tags func(string) pulumi.StringMap) (*apigateway.Account, error) {
	parent := pulumi.Parent(c)
	partition := stack.Facts().Partition()
	trust, err := NewPolicy(Statement{
		Effect:    "Allow",
		Principal: &Principal{Service: []string{partition.ServicePrincipal("apigateway")}},
		Action:    []string{"sts:AssumeRole"},
		Condition: Condition{"StringEquals": {"aws:SourceAccount": {stack.AccountID}}},
	}).JSON()
	if err != nil {
		return nil, err
	}
	role, err := iam.NewRole(ctx, name+"-cloudwatch-role", &iam.RoleArgs{
		Description:      pulumi.String("API Gateway execution logging in " + stack.Region),
		AssumeRolePolicy: pulumi.String(trust),
		Tags:             tags("cloudwatch-role"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating IAM role (%s-cloudwatch-role): %w", name, err)
	}
	attachment, err := iam.NewRolePolicyAttachment(ctx, name+"-cloudwatch-policy", &iam.RolePolicyAttachmentArgs{
		Role:      role.Name,
		PolicyArn: pulumi.String(partition.ManagedPolicyARN("service-role/AmazonAPIGatewayPushToCloudWatchLogs")),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("attaching IAM policy (%s-cloudwatch-policy): %w", name, err)
	}
	account, err := apigateway.NewAccount(ctx, name+"-account", &apigateway.AccountArgs{
		CloudwatchRoleArn: role.Arn,
	}, parent, pulumi.DependsOn([]pulumi.Resource{attachment}))
	if err != nil {
		return nil, fmt.Errorf("setting API Gateway account (%s-account): %w", name, err)
	}
	return account, nil
}

// route sends /<domain>/{proxy+} through a VPC link to the domain's internal listener.
func (c *ApigeeIngress) route(ctx *pulumi.Context, name string, api *apigateway.RestApi, target GatewayTarget,
	tags func(string) pulumi.StringMap) ([]pulumi.Resource, error) {
	parent := pulumi.Parent(c)
	prefix := name + "-" + target.Domain
	link, err := apigateway.NewVpcLink(ctx, prefix+"-link", &apigateway.VpcLinkArgs{
		Name:        pulumi.String(target.Domain),
		Description: pulumi.String("Private integration with " + target.Domain),
		TargetArn:   target.Service.LoadBalancer.Arn,
		Tags:        tags(target.Domain + "-link"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating VPC link (%s-link): %w", prefix, err)
	}
	base, err := apigateway.NewResource(ctx, prefix+"-path", &apigateway.ResourceArgs{
		RestApi:  api.ID(),
		ParentId: api.RootResourceId,
		PathPart: pulumi.String(target.Domain),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating API resource (%s-path): %w", prefix, err)
	}
	proxy, err := apigateway.NewResource(ctx, prefix+"-proxy", &apigateway.ResourceArgs{
		RestApi:  api.ID(),
		ParentId: base.ID(),
		PathPart: pulumi.String("{proxy+}"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating API resource (%s-proxy): %w", prefix, err)
	}
	method, err := apigateway.NewMethod(ctx, prefix+"-method", &apigateway.MethodArgs{
		RestApi:    api.ID(),
		ResourceId: proxy.ID(),
		HttpMethod: pulumi.String("ANY"),
		// Mutual TLS on the custom domain authenticates Apigee; the resource policy limits sources.
		Authorization:     pulumi.String("NONE"),
		RequestParameters: pulumi.BoolMap{"method.request.path.proxy": pulumi.Bool(true)},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating API method (%s-method): %w", prefix, err)
	}
	integration, err := apigateway.NewIntegration(ctx, prefix+"-integration", &apigateway.IntegrationArgs{
		RestApi:               api.ID(),
		ResourceId:            proxy.ID(),
		HttpMethod:            method.HttpMethod,
		Type:                  pulumi.String("HTTP_PROXY"),
		IntegrationHttpMethod: pulumi.String("ANY"),
		ConnectionType:        pulumi.String("VPC_LINK"),
		ConnectionId:          link.ID(),
		Uri: pulumi.Sprintf("http://%s:%d/%s/{proxy}", target.Service.LoadBalancer.DnsName, ListenerPort,
			target.Domain),
		RequestParameters:   pulumi.StringMap{"integration.request.path.proxy": pulumi.String("method.request.path.proxy")},
		TimeoutMilliseconds: pulumi.Int(29000),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating API integration (%s-integration): %w", prefix, err)
	}
	return []pulumi.Resource{method, integration}, nil
}

func targetNames(targets []GatewayTarget) string {
	names := make([]string, len(targets))
	for i, target := range targets {
		names[i] = target.Domain
	}
	return strings.Join(names, ", ")
}

func routesHash(targets []GatewayTarget) string {
	sum := sha256.Sum256([]byte(targetNames(targets)))
	return hex.EncodeToString(sum[:8])
}
