package offline

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/example/residency/regions"
)

// resourceContext is one registration with the state of its provider.
type resourceContext struct {
	urn      string
	name     string
	typ      string
	inputs   map[string]any
	provider providerState
}

func (r resourceContext) partition() regions.Partition {
	if partition, ok := regions.Partitions[regions.PartitionOf(r.provider.region)]; ok {
		return partition
	}
	return regions.Partitions["aws"]
}

// arn builds an ARN of the provider's partition, region and account.
func (r resourceContext) arn(service, resource string) string {
	return r.partition().ARN(service, r.provider.region, r.provider.account, resource)
}

// globalARN builds an ARN without a region, as IAM and S3 have.
func (r resourceContext) globalARN(service, account, resource string) string {
	return r.partition().ARN(service, "", account, resource)
}

func (r resourceContext) host(service string) string {
	return r.partition().ServiceEndpoint(service, r.provider.region)
}

func (r resourceContext) text(key string) string {
	value, _ := r.inputs[key].(string)
	return value
}

// hex returns n hex digits derived from the URN and a purpose.
func (r resourceContext) hex(purpose string, n int) string {
	return hexFrom(r.urn+"/"+purpose, n)
}

// alphanumeric returns n lowercase letters and digits derived from the URN, like API Gateway IDs.
func (r resourceContext) alphanumeric(purpose string, n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	digits := r.hex(purpose, 2*n)
	result := make([]byte, n)
	for i := range result {
		var value byte
		fmt.Sscanf(digits[2*i:2*i+2], "%02x", &value)
		result[i] = alphabet[int(value)%len(alphabet)]
	}
	return string(result)
}

func (r resourceContext) upper(purpose string, n int) string {
	return strings.ToUpper(r.alphanumeric(purpose, n))
}

// autoName is the physical name Pulumi gives a resource without one: the logical name and a suffix.
func (r resourceContext) autoName() string {
	if name := r.text("name"); name != "" {
		return name
	}
	return r.name + "-" + r.hex("name", 7)
}

// simulation computes a resource's ID and adds the outputs AWS would compute to its outputs.
type simulation func(r resourceContext, outputs map[string]any) string

// autoNamed lists the types whose name input Pulumi fills in when the program gives none.
var autoNamed = map[string]bool{
	"aws:iam/role:Role":                   true,
	"aws:iam/rolePolicy:RolePolicy":       true,
	"aws:ec2/securityGroup:SecurityGroup": true,
	"aws:appautoscaling/policy:Policy":    true,
}

func simulate(r resourceContext) (string, map[string]any) {
	outputs := copyMap(r.inputs)
	if autoNamed[r.typ] {
		outputs["name"] = r.autoName()
		r.inputs = copyMap(r.inputs)
		r.inputs["name"] = outputs["name"]
	}
	tags := map[string]any{}
	for key, value := range r.provider.defaultTags {
		tags[key] = value
	}
	if resourceTags, ok := r.inputs["tags"].(map[string]any); ok {
		for key, value := range resourceTags {
			tags[key] = value
		}
		outputs["tagsAll"] = tags
	}
	var id string
	if simulateType, ok := simulations[r.typ]; ok {
		id = simulateType(r, outputs)
	} else {
		id = strings.ToLower(r.typ[strings.LastIndex(r.typ, ":")+1:]) + "-" + r.hex("id", 12)
	}
	outputs["id"] = id
	return id, outputs
}

// ec2ID is an EC2 resource ID: a prefix and 17 hex digits.
func ec2ID(r resourceContext, prefix string) string {
	return prefix + "-" + r.hex("id", 17)
}

// ec2Resource simulates an EC2 resource whose ARN is "<kind>/<id>".
func ec2Resource(prefix, kind string) simulation {
	return func(r resourceContext, outputs map[string]any) string {
		id := ec2ID(r, prefix)
		outputs["arn"] = r.arn("ec2", kind+"/"+id)
		outputs["ownerId"] = r.provider.account
		return id
	}
}

var simulations = map[string]simulation{
	"aws:ec2/vpc:Vpc": func(r resourceContext, outputs map[string]any) string {
		id := ec2ID(r, "vpc")
		outputs["arn"] = r.arn("ec2", "vpc/"+id)
		outputs["ownerId"] = r.provider.account
		outputs["mainRouteTableId"] = "rtb-" + r.hex("main-route-table", 17)
		outputs["defaultSecurityGroupId"] = "sg-" + r.hex("default-security-group", 17)
		outputs["defaultNetworkAclId"] = "acl-" + r.hex("default-network-acl", 17)
		return id
	},
	"aws:ec2/subnet:Subnet":                                     ec2Resource("subnet", "subnet"),
	"aws:ec2/routeTable:RouteTable":                             ec2Resource("rtb", "route-table"),
	"aws:ec2/securityGroup:SecurityGroup":                       ec2Resource("sg", "security-group"),
	"aws:ec2/flowLog:FlowLog":                                   ec2Resource("fl", "vpc-flow-log"),
	"aws:ec2/vpcPeeringConnection:VpcPeeringConnection":         ec2Resource("pcx", "vpc-peering-connection"),
	"aws:ec2/internetGateway:InternetGateway":                   ec2Resource("igw", "internet-gateway"),
	"aws:ec2/natGateway:NatGateway":                             ec2Resource("nat", "natgateway"),
	"aws:ec2/vpnGateway:VpnGateway":                             ec2Resource("vgw", "vpn-gateway"),
	"aws:ec2/customerGateway:CustomerGateway":                   ec2Resource("cgw", "customer-gateway"),
	"aws:ec2transitgateway/transitGateway:TransitGateway":       ec2Resource("tgw", "transit-gateway"),
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": securityGroupRule,
	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":   securityGroupRule,
	"aws:ec2/routeTableAssociation:RouteTableAssociation": func(r resourceContext, outputs map[string]any) string {
		return ec2ID(r, "rtbassoc")
	},
	"aws:ec2/vpcEndpoint:VpcEndpoint": func(r resourceContext, outputs map[string]any) string {
		id := ec2ID(r, "vpce")
		outputs["arn"] = r.arn("ec2", "vpc-endpoint/"+id)
		outputs["ownerId"] = r.provider.account
		outputs["state"] = "available"
		if r.text("vpcEndpointType") == "Gateway" {
			outputs["prefixListId"] = "pl-" + r.hex("prefix-list", 8)
		} else {
			service := r.text("serviceName")
			service = service[strings.LastIndex(service, r.provider.region)+len(r.provider.region)+1:]
			outputs["dnsEntries"] = []any{map[string]any{
				"dnsName":      fmt.Sprintf("%s-%s.%s", id, r.alphanumeric("dns", 8), r.host(service+".vpce")),
				"hostedZoneId": "Z" + r.upper("zone", 13),
			}}
		}
		return id
	},
	"aws:ec2/vpcEndpointService:VpcEndpointService": func(r resourceContext, outputs map[string]any) string {
		id := ec2ID(r, "vpce-svc")
		outputs["arn"] = r.arn("ec2", "vpc-endpoint-service/"+id)
		prefix := "com.amazonaws.vpce"
		if facts, known := regions.Lookup(r.provider.region); known {
			prefix = facts.EndpointServicePrefix()
		}
		outputs["serviceName"] = fmt.Sprintf("%s.%s.%s", prefix, r.provider.region, id)
		outputs["serviceType"] = "Interface"
		outputs["state"] = "Available"
		return id
	},
	"aws:ec2/vpcEndpointServiceAllowedPrinciple:VpcEndpointServiceAllowedPrinciple": func(r resourceContext, outputs map[string]any) string {
		return "vpce-svc-perm-" + r.hex("id", 17)
	},
	"aws:kms/key:Key": func(r resourceContext, outputs map[string]any) string {
		id := uuidFrom(r.urn)
		outputs["arn"] = r.arn("kms", "key/"+id)
		outputs["keyId"] = id
		return id
	},
	"aws:kms/alias:Alias": func(r resourceContext, outputs map[string]any) string {
		name := r.text("name")
		outputs["arn"] = r.arn("kms", name)
		outputs["targetKeyArn"] = r.arn("kms", "key/"+r.text("targetKeyId"))
		return name
	},
	"aws:iam/role:Role": func(r resourceContext, outputs map[string]any) string {
		name := r.text("name")
		outputs["arn"] = r.globalARN("iam", r.provider.account, "role/"+name)
		outputs["uniqueId"] = "AROA" + r.upper("unique", 17)
		return name
	},
	"aws:iam/rolePolicy:RolePolicy": func(r resourceContext, outputs map[string]any) string {
		return r.text("role") + ":" + r.text("name")
	},
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment": func(r resourceContext, outputs map[string]any) string {
		return r.text("role") + "-" + r.hex("id", 26)
	},
	"aws:cloudwatch/logGroup:LogGroup": func(r resourceContext, outputs map[string]any) string {
		name := r.text("name")
		outputs["arn"] = r.arn("logs", "log-group:"+name)
		return name
	},
	"aws:rds/subnetGroup:SubnetGroup": func(r resourceContext, outputs map[string]any) string {
		outputs["arn"] = r.arn("rds", "subgrp:"+r.text("name"))
		return r.text("name")
	},
	"aws:rds/clusterParameterGroup:ClusterParameterGroup": func(r resourceContext, outputs map[string]any) string {
		outputs["arn"] = r.arn("rds", "cluster-pg:"+r.text("name"))
		return r.text("name")
	},
	"aws:rds/cluster:Cluster": func(r resourceContext, outputs map[string]any) string {
		id := r.text("clusterIdentifier")
		suffix := r.alphanumeric("endpoint", 12)
		outputs["arn"] = r.arn("rds", "cluster:"+id)
		outputs["endpoint"] = fmt.Sprintf("%s.cluster-%s.%s", id, suffix, r.host("rds"))
		outputs["readerEndpoint"] = fmt.Sprintf("%s.cluster-ro-%s.%s", id, suffix, r.host("rds"))
		outputs["port"] = 5432
		outputs["clusterResourceId"] = "cluster-" + r.upper("resource", 26)
		outputs["hostedZoneId"] = "Z" + r.upper("zone", 13)
		if managed, _ := r.inputs["manageMasterUserPassword"].(bool); managed {
			outputs["masterUserSecrets"] = []any{map[string]any{
				"kmsKeyId":     r.inputs["masterUserSecretKmsKeyId"],
				"secretArn":    r.arn("secretsmanager", fmt.Sprintf("secret:rds!cluster-%s-%s", uuidFrom(r.urn+"/secret"), r.alphanumeric("secret", 6))),
				"secretStatus": "active",
			}}
		}
		return id
	},
	"aws:rds/clusterInstance:ClusterInstance": func(r resourceContext, outputs map[string]any) string {
		id := r.text("identifier")
		outputs["arn"] = r.arn("rds", "db:"+id)
		outputs["endpoint"] = fmt.Sprintf("%s.%s.%s", id, r.alphanumeric("endpoint", 12), r.host("rds"))
		outputs["port"] = 5432
		outputs["dbiResourceId"] = "db-" + r.upper("resource", 26)
		outputs["storageEncrypted"] = true
		return id
	},
	"aws:ecr/repository:Repository": func(r resourceContext, outputs map[string]any) string {
		name := r.text("name")
		outputs["arn"] = r.arn("ecr", "repository/"+name)
		outputs["registryId"] = r.provider.account
		outputs["repositoryUrl"] = fmt.Sprintf("%s.dkr.ecr.%s.%s/%s", r.provider.account, r.provider.region,
			r.partition().DNSSuffix, name)
		return name
	},
	"aws:ecs/cluster:Cluster": func(r resourceContext, outputs map[string]any) string {
		arn := r.arn("ecs", "cluster/"+r.text("name"))
		outputs["arn"] = arn
		return arn
	},
	"aws:ecs/taskDefinition:TaskDefinition": func(r resourceContext, outputs map[string]any) string {
		family := r.text("family")
		outputs["arn"] = r.arn("ecs", "task-definition/"+family+":1")
		outputs["arnWithoutRevision"] = r.arn("ecs", "task-definition/"+family)
		outputs["revision"] = 1
		return family
	},
	"aws:ecs/service:Service": func(r resourceContext, outputs map[string]any) string {
		cluster := r.text("cluster")
		clusterName := cluster[strings.LastIndex(cluster, "/")+1:]
		return r.arn("ecs", fmt.Sprintf("service/%s/%s", clusterName, r.text("name")))
	},
	"aws:lb/loadBalancer:LoadBalancer": func(r resourceContext, outputs map[string]any) string {
		name, suffix := r.text("name"), r.hex("id", 16)
		kind := "app"
		if r.text("loadBalancerType") == "network" {
			kind = "net"
		}
		arnSuffix := fmt.Sprintf("%s/%s/%s", kind, name, suffix)
		outputs["arn"] = r.arn("elasticloadbalancing", "loadbalancer/"+arnSuffix)
		outputs["arnSuffix"] = arnSuffix
		outputs["dnsName"] = fmt.Sprintf("%s-%s.elb.%s.%s", name, suffix, r.provider.region, r.partition().DNSSuffix)
		outputs["zoneId"] = "Z" + r.upper("zone", 13)
		return outputs["arn"].(string)
	},
	"aws:lb/targetGroup:TargetGroup": func(r resourceContext, outputs map[string]any) string {
		arnSuffix := fmt.Sprintf("targetgroup/%s/%s", r.text("name"), r.hex("id", 16))
		outputs["arn"] = r.arn("elasticloadbalancing", arnSuffix)
		outputs["arnSuffix"] = arnSuffix
		return outputs["arn"].(string)
	},
	"aws:lb/listener:Listener": func(r resourceContext, outputs map[string]any) string {
		balancer := r.text("loadBalancerArn")
		arn := strings.Replace(balancer, ":loadbalancer/", ":listener/", 1) + "/" + r.hex("id", 16)
		outputs["arn"] = arn
		return arn
	},
	"aws:appautoscaling/target:Target": func(r resourceContext, outputs map[string]any) string {
		outputs["arn"] = r.arn("application-autoscaling", "scalable-target/"+r.alphanumeric("id", 32))
		return r.text("resourceId")
	},
	"aws:appautoscaling/policy:Policy": func(r resourceContext, outputs map[string]any) string {
		name := r.text("name")
		outputs["arn"] = r.arn("autoscaling", fmt.Sprintf("scalingPolicy:%s:resource/%s/%s:policyName/%s",
			uuidFrom(r.urn), r.text("serviceNamespace"), r.text("resourceId"), name))
		return name
	},
	"aws:apigateway/restApi:RestApi": func(r resourceContext, outputs map[string]any) string {
		id := r.alphanumeric("id", 10)
		outputs["arn"] = r.partition().ARN("apigateway", r.provider.region, "", "/restapis/"+id)
		outputs["executionArn"] = r.arn("execute-api", id)
		outputs["rootResourceId"] = r.alphanumeric("root", 10)
		return id
	},
	"aws:apigateway/resource:Resource": func(r resourceContext, outputs map[string]any) string {
		outputs["path"] = "/" + r.text("pathPart")
		return r.alphanumeric("id", 6)
	},
	"aws:apigateway/vpcLink:VpcLink": func(r resourceContext, outputs map[string]any) string {
		id := r.alphanumeric("id", 6)
		outputs["arn"] = r.partition().ARN("apigateway", r.provider.region, "", "/vpclinks/"+id)
		return id
	},
	"aws:apigateway/deployment:Deployment": func(r resourceContext, outputs map[string]any) string {
		return r.alphanumeric("id", 6)
	},
	"aws:apigateway/stage:Stage": func(r resourceContext, outputs map[string]any) string {
		api, stage := r.text("restApi"), r.text("stageName")
		outputs["arn"] = r.partition().ARN("apigateway", r.provider.region, "", fmt.Sprintf("/restapis/%s/stages/%s", api, stage))
		outputs["executionArn"] = r.arn("execute-api", api+"/"+stage)
		outputs["invokeUrl"] = fmt.Sprintf("https://%s.%s/%s", api, r.host("execute-api"), stage)
		return fmt.Sprintf("ags-%s-%s", api, stage)
	},
	"aws:apigateway/domainName:DomainName": func(r resourceContext, outputs map[string]any) string {
		name := r.text("domainName")
		outputs["arn"] = r.partition().ARN("apigateway", r.provider.region, "", "/domainnames/"+name)
		outputs["regionalDomainName"] = fmt.Sprintf("d-%s.%s", r.alphanumeric("regional", 10), r.host("execute-api"))
		outputs["regionalZoneId"] = "Z" + r.upper("zone", 13)
		return name
	},
	"aws:s3/bucketV2:BucketV2": func(r resourceContext, outputs map[string]any) string {
		bucket := r.text("bucket")
		outputs["arn"] = r.globalARN("s3", "", bucket)
		outputs["bucketDomainName"] = bucket + ".s3." + r.partition().DNSSuffix
		outputs["bucketRegionalDomainName"] = bucket + "." + r.host("s3")
		outputs["region"] = r.provider.region
		return bucket
	},
	"aws:s3/bucketObjectv2:BucketObjectv2": func(r resourceContext, outputs map[string]any) string {
		sum := md5.Sum([]byte(r.text("content")))
		outputs["etag"] = hex.EncodeToString(sum[:])
		outputs["versionId"] = r.alphanumeric("version", 32)
		outputs["arn"] = r.globalARN("s3", "", r.text("bucket")+"/"+r.text("key"))
		return r.text("key")
	},
}

func securityGroupRule(r resourceContext, outputs map[string]any) string {
	id := ec2ID(r, "sgr")
	outputs["arn"] = r.arn("ec2", "security-group-rule/"+id)
	outputs["securityGroupRuleId"] = id
	return id
}
