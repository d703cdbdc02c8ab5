package test

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/apigateway"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
)

// benchTypedResources maps each AWS type token the program registers to a new, empty value of its
// typed pulumi-aws resource, so the typed floor builds the same output state the program does.
var benchTypedResources = map[string]func() pulumi.CustomResource{
	"aws:apigateway/account:Account":                                                func() pulumi.CustomResource { return &apigateway.Account{} },
	"aws:apigateway/basePathMapping:BasePathMapping":                                func() pulumi.CustomResource { return &apigateway.BasePathMapping{} },
	"aws:apigateway/deployment:Deployment":                                          func() pulumi.CustomResource { return &apigateway.Deployment{} },
	"aws:apigateway/domainName:DomainName":                                          func() pulumi.CustomResource { return &apigateway.DomainName{} },
	"aws:apigateway/integration:Integration":                                        func() pulumi.CustomResource { return &apigateway.Integration{} },
	"aws:apigateway/method:Method":                                                  func() pulumi.CustomResource { return &apigateway.Method{} },
	"aws:apigateway/methodSettings:MethodSettings":                                  func() pulumi.CustomResource { return &apigateway.MethodSettings{} },
	"aws:apigateway/resource:Resource":                                              func() pulumi.CustomResource { return &apigateway.Resource{} },
	"aws:apigateway/restApi:RestApi":                                                func() pulumi.CustomResource { return &apigateway.RestApi{} },
	"aws:apigateway/stage:Stage":                                                    func() pulumi.CustomResource { return &apigateway.Stage{} },
	"aws:apigateway/vpcLink:VpcLink":                                                func() pulumi.CustomResource { return &apigateway.VpcLink{} },
	"aws:appautoscaling/policy:Policy":                                              func() pulumi.CustomResource { return &appautoscaling.Policy{} },
	"aws:appautoscaling/target:Target":                                              func() pulumi.CustomResource { return &appautoscaling.Target{} },
	"aws:cloudwatch/logGroup:LogGroup":                                              func() pulumi.CustomResource { return &cloudwatch.LogGroup{} },
	"aws:ec2/flowLog:FlowLog":                                                       func() pulumi.CustomResource { return &ec2.FlowLog{} },
	"aws:ec2/routeTable:RouteTable":                                                 func() pulumi.CustomResource { return &ec2.RouteTable{} },
	"aws:ec2/routeTableAssociation:RouteTableAssociation":                           func() pulumi.CustomResource { return &ec2.RouteTableAssociation{} },
	"aws:ec2/securityGroup:SecurityGroup":                                           func() pulumi.CustomResource { return &ec2.SecurityGroup{} },
	"aws:ec2/subnet:Subnet":                                                         func() pulumi.CustomResource { return &ec2.Subnet{} },
	"aws:ec2/vpc:Vpc":                                                               func() pulumi.CustomResource { return &ec2.Vpc{} },
	"aws:ec2/vpcEndpoint:VpcEndpoint":                                               func() pulumi.CustomResource { return &ec2.VpcEndpoint{} },
	"aws:ec2/vpcEndpointService:VpcEndpointService":                                 func() pulumi.CustomResource { return &ec2.VpcEndpointService{} },
	"aws:ec2/vpcEndpointServiceAllowedPrinciple:VpcEndpointServiceAllowedPrinciple": func() pulumi.CustomResource { return &ec2.VpcEndpointServiceAllowedPrinciple{} },
	"aws:ecr/repository:Repository":                                                 func() pulumi.CustomResource { return &ecr.Repository{} },
	"aws:ecs/cluster:Cluster":                                                       func() pulumi.CustomResource { return &ecs.Cluster{} },
	"aws:ecs/service:Service":                                                       func() pulumi.CustomResource { return &ecs.Service{} },
	"aws:ecs/taskDefinition:TaskDefinition":                                         func() pulumi.CustomResource { return &ecs.TaskDefinition{} },
	"aws:iam/role:Role":                                                             func() pulumi.CustomResource { return &iam.Role{} },
	"aws:iam/rolePolicy:RolePolicy":                                                 func() pulumi.CustomResource { return &iam.RolePolicy{} },
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment":                             func() pulumi.CustomResource { return &iam.RolePolicyAttachment{} },
	"aws:kms/alias:Alias":                                                           func() pulumi.CustomResource { return &kms.Alias{} },
	"aws:kms/key:Key":                                                               func() pulumi.CustomResource { return &kms.Key{} },
	"aws:lb/listener:Listener":                                                      func() pulumi.CustomResource { return &lb.Listener{} },
	"aws:lb/loadBalancer:LoadBalancer":                                              func() pulumi.CustomResource { return &lb.LoadBalancer{} },
	"aws:lb/targetGroup:TargetGroup":                                                func() pulumi.CustomResource { return &lb.TargetGroup{} },
	"aws:rds/cluster:Cluster":                                                       func() pulumi.CustomResource { return &rds.Cluster{} },
	"aws:rds/clusterInstance:ClusterInstance":                                       func() pulumi.CustomResource { return &rds.ClusterInstance{} },
	"aws:rds/clusterParameterGroup:ClusterParameterGroup":                           func() pulumi.CustomResource { return &rds.ClusterParameterGroup{} },
	"aws:rds/subnetGroup:SubnetGroup":                                               func() pulumi.CustomResource { return &rds.SubnetGroup{} },
	"aws:s3/bucketObjectv2:BucketObjectv2":                                          func() pulumi.CustomResource { return &s3.BucketObjectv2{} },
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                        func() pulumi.CustomResource { return &s3.BucketOwnershipControls{} },
	"aws:s3/bucketPolicy:BucketPolicy":                                              func() pulumi.CustomResource { return &s3.BucketPolicy{} },
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                        func() pulumi.CustomResource { return &s3.BucketPublicAccessBlock{} },
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": func() pulumi.CustomResource { return &s3.BucketServerSideEncryptionConfigurationV2{} },
	"aws:s3/bucketV2:BucketV2":                                  func() pulumi.CustomResource { return &s3.BucketV2{} },
	"aws:s3/bucketVersioningV2:BucketVersioningV2":              func() pulumi.CustomResource { return &s3.BucketVersioningV2{} },
	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":   func() pulumi.CustomResource { return &vpc.SecurityGroupEgressRule{} },
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": func() pulumi.CustomResource { return &vpc.SecurityGroupIngressRule{} },
}
