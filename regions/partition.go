// Package regions holds the facts about the AWS regions and partitions that the platform deploys
// to, the typed model of a region stack, and the validation of a set of stacks.
package regions

import "fmt"

// Partition is an AWS partition: a group of regions with its own ARN prefix, DNS suffix and
// accounts. The China regions form the aws-cn partition, which needs separate accounts and
// credentials from the commercial aws partition.
type Partition struct {
	// ID is the partition as it appears in ARNs: "aws" or "aws-cn".
	ID string
	// DNSSuffix is the domain under which regional service endpoints live.
	DNSSuffix string
	// servicePrincipals maps a service to its principal where the partition differs from the
	// "<service>.amazonaws.com" form.
	servicePrincipals map[string]string
}

// Partitions lists the partitions the platform deploys to.
var Partitions = map[string]Partition{
	"aws": {
		ID:        "aws",
		DNSSuffix: "amazonaws.com",
	},
	"aws-cn": {
		ID:        "aws-cn",
		DNSSuffix: "amazonaws.com.cn",
		// EC2 is the one service principal used here that carries the China DNS suffix. Sources:
		// "ARNs and service principals" in the Amazon Web Services in China guide and the
		// aws-cn entries of the AWS CDK region-info fact table.
		servicePrincipals: map[string]string{
			"ec2": "ec2.amazonaws.com.cn",
		},
	},
}

// ARN builds an ARN in this partition. Pass an empty region or account for services whose ARNs
// have none (IAM, S3).
func (p Partition) ARN(service, region, account, resource string) string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", p.ID, service, region, account, resource)
}

// AccountRootARN is the principal that stands for the whole account in key and resource policies.
func (p Partition) AccountRootARN(account string) string {
	return p.ARN("iam", "", account, "root")
}

// ManagedPolicyARN is the ARN of an AWS managed IAM policy, for example
// "service-role/AmazonRDSEnhancedMonitoringRole".
func (p Partition) ManagedPolicyARN(name string) string {
	return p.ARN("iam", "", "aws", "policy/"+name)
}

// ServicePrincipal is the principal of a global service (a trust policy's "Service" value):
// "<service>.amazonaws.com" unless the partition's table lists another form.
func (p Partition) ServicePrincipal(service string) string {
	if principal, ok := p.servicePrincipals[service]; ok {
		return principal
	}
	return service + ".amazonaws.com"
}

// RegionalServicePrincipal is the principal of a service that acts per region, such as CloudWatch
// Logs in a KMS key policy: "logs.eu-central-1.amazonaws.com", "logs.cn-north-1.amazonaws.com.cn".
func (p Partition) RegionalServicePrincipal(service, region string) string {
	return p.ServiceEndpoint(service, region)
}

// ServiceEndpoint is the regional endpoint host of a service. It is also the value of the
// kms:ViaService condition key for requests that a service makes on a caller's behalf.
func (p Partition) ServiceEndpoint(service, region string) string {
	return fmt.Sprintf("%s.%s.%s", service, region, p.DNSSuffix)
}
