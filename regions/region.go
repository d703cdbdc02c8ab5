package regions

import (
	"fmt"
	"sort"
	"strings"
)

// Gateway vendors that can front a region stack.
const (
	VendorApigee = "apigee"
	VendorAxway  = "axway"
)

// Region holds the facts about one AWS region that the model and the components need.
type Region struct {
	// Name is the region code, for example "eu-central-1".
	Name string
	// Location is the city or area AWS names the region after.
	Location string
	// PartitionID is the partition the region belongs to.
	PartitionID string
	// Zones lists the availability zone names offered to new accounts. Zone names map to
	// different physical zones in each account, so the model names zones, not zone IDs.
	Zones []string
	// Jurisdiction is the legal area whose personal data the region stores.
	Jurisdiction string
	// Laws lists the data-protection laws that apply to that data.
	Laws []string
	// GatewayVendor is the external API gateway vendor prescribed for the jurisdiction.
	GatewayVendor string
	// interfaceEndpointPrefixes maps a service to the prefix of its interface VPC endpoint service
	// name where it is not "com.amazonaws".
	interfaceEndpointPrefixes map[string]string
}

// Partition returns the facts of the region's partition.
func (r Region) Partition() Partition {
	return Partitions[r.PartitionID]
}

// HasZone reports whether the region offers the named availability zone.
func (r Region) HasZone(zone string) bool {
	for _, known := range r.Zones {
		if known == zone {
			return true
		}
	}
	return false
}

// InterfaceEndpointServiceName is the service name of an interface VPC endpoint, for example
// "com.amazonaws.eu-central-1.logs". In the China regions some services carry the prefix
// "cn.com.amazonaws" instead; `aws ec2 describe-vpc-endpoint-services` in the region lists them.
func (r Region) InterfaceEndpointServiceName(service string) string {
	prefix := "com.amazonaws"
	if override, ok := r.interfaceEndpointPrefixes[service]; ok {
		prefix = override
	}
	return fmt.Sprintf("%s.%s.%s", prefix, r.Name, service)
}

// GatewayEndpointServiceName is the service name of a gateway VPC endpoint (S3 or DynamoDB),
// which keeps the "com.amazonaws" prefix in every partition.
func (r Region) GatewayEndpointServiceName(service string) string {
	return fmt.Sprintf("com.amazonaws.%s.%s", r.Name, service)
}

// EndpointServicePrefix is the prefix of the service names that AWS gives to PrivateLink
// endpoint services created in the region ("com.amazonaws.vpce" or "cn.com.amazonaws.vpce").
func (r Region) EndpointServicePrefix() string {
	if r.PartitionID == "aws-cn" {
		return "cn.com.amazonaws.vpce"
	}
	return "com.amazonaws.vpce"
}

// Known lists the regions the platform deploys to.
var Known = map[string]Region{
	"eu-central-1": {
		Name:          "eu-central-1",
		Location:      "Frankfurt",
		PartitionID:   "aws",
		Zones:         []string{"eu-central-1a", "eu-central-1b", "eu-central-1c"},
		Jurisdiction:  "EU",
		Laws:          []string{"GDPR"},
		GatewayVendor: VendorApigee,
	},
	"us-east-1": {
		Name:          "us-east-1",
		Location:      "N. Virginia",
		PartitionID:   "aws",
		Zones:         []string{"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"},
		Jurisdiction:  "US-VA",
		Laws:          []string{"VCDPA"},
		GatewayVendor: VendorApigee,
	},
	"cn-north-1": {
		Name:          "cn-north-1",
		Location:      "Beijing",
		PartitionID:   "aws-cn",
		Zones:         []string{"cn-north-1a", "cn-north-1b", "cn-north-1d"},
		Jurisdiction:  "CN",
		Laws:          []string{"PIPL"},
		GatewayVendor: VendorAxway,
		// NOTE: taken from the AWS CDK region-info fact table for cn-north-1, not from a call to
		// describe-vpc-endpoint-services. Check it in the account before the first deployment.
		interfaceEndpointPrefixes: map[string]string{
			"ecr.api": "cn.com.amazonaws",
			"ecr.dkr": "cn.com.amazonaws",
			"sts":     "cn.com.amazonaws",
		},
	},
}

// Lookup returns the facts of a known region.
func Lookup(name string) (Region, bool) {
	region, ok := Known[name]
	return region, ok
}

// KnownNames lists the known region names in sorted order, for error messages.
func KnownNames() string {
	names := make([]string, 0, len(Known))
	for name := range Known {
		names = append(names, name)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// PartitionOf returns the partition a region name belongs to by its prefix, for regions the
// platform does not deploy to as well.
func PartitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	default:
		return "aws"
	}
}
