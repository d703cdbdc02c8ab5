package rules

import (
	"net/url"
	"strings"

	"github.com/example/residency/graph"
	"github.com/example/residency/regions"
)

// Resource types the gateway rules read.
const (
	restAPIType          = "aws:apigateway/restApi:RestApi"
	domainNameType       = "aws:apigateway/domainName:DomainName"
	integrationType      = "aws:apigateway/integration:Integration"
	apiResourceType      = "aws:apigateway/resource:Resource"
	vpcLinkType          = "aws:apigateway/vpcLink:VpcLink"
	stageType            = "aws:apigateway/stage:Stage"
	endpointServiceType  = "aws:ec2/vpcEndpointService:VpcEndpointService"
	allowedPrincipalType = "aws:ec2/vpcEndpointServiceAllowedPrinciple:VpcEndpointServiceAllowedPrinciple"
	bucketVersioningType = "aws:s3/bucketVersioningV2:BucketVersioningV2"
	bucketEncryptionType = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	flowLogType          = "aws:ec2/flowLog:FlowLog"
)

var gatewayRules = []rule{
	{
		id:        "GW-01",
		statement: "The external API gateway is the vendor the jurisdiction prescribes: Apigee in the EU and the US, Axway in China.",
		articles: map[string][]string{
			"GDPR":  {"Art. 28(1)"},
			"VCDPA": {"§ 59.1-579"},
			"PIPL":  {"Art. 21"},
		},
		check: checkGatewayVendor,
	},
	{
		id:        "GW-02",
		statement: "The gateway's front door is the only way in: an internet-facing API has mutual TLS, TLS 1.2 or later, the default endpoint disabled and only the vendor's addresses allowed; an endpoint service admits only the gateway's accounts and requires acceptance.",
		articles: map[string][]string{
			"GDPR":  {"Art. 32(1)(b)"},
			"VCDPA": {"§ 59.1-578(A)(3)"},
			"PIPL":  {"Art. 51"},
		},
		check: checkFrontDoor,
	},
	{
		id:        "GW-03",
		statement: "Routes and endpoint services reach only internal listeners of one domain in the stack's region.",
		articles:  separationArticles,
		check:     checkGatewayRoutes,
	},
	{
		id:        "GW-04",
		statement: "Access to the platform is logged in the region, and the logs are encrypted.",
		articles: map[string][]string{
			"GDPR":  {"Art. 32(1)(d)", "Art. 33"},
			"VCDPA": {"§ 59.1-578(A)(3)"},
			"PIPL":  {"Art. 51", "Art. 57"},
		},
		check: checkAccessLogs,
	},
}

func checkGatewayVendor(c *checker) {
	facts, known := regions.Lookup(c.expect.Region)
	if !known {
		c.failStack("region %q has no prescribed gateway vendor", c.expect.Region)
		return
	}
	if c.expect.GatewayVendor != facts.GatewayVendor {
		c.failStack("the model names vendor %q, but jurisdiction %s prescribes %q", c.expect.GatewayVendor,
			facts.Jurisdiction, facts.GatewayVendor)
	}
	apigee, axway := c.ofType(apigeeType), c.ofType(axwayType)
	for _, component := range append(append([]graph.Resource{}, apigee...), axway...) {
		c.look(component)
	}
	switch facts.GatewayVendor {
	case regions.VendorApigee:
		if len(apigee) == 0 {
			c.failStack("has no Apigee integration, which jurisdiction %s prescribes", facts.Jurisdiction)
		}
		for _, component := range axway {
			c.fail(component, "is an Axway integration in jurisdiction %s, which prescribes Apigee", facts.Jurisdiction)
		}
	case regions.VendorAxway:
		if len(axway) == 0 {
			c.failStack("has no Axway integration, which jurisdiction %s prescribes", facts.Jurisdiction)
		}
		for _, component := range apigee {
			c.fail(component, "is an Apigee integration in jurisdiction %s, which prescribes Axway", facts.Jurisdiction)
		}
		for _, api := range c.ofType(restAPIType) {
			c.fail(api, "is a public API in jurisdiction %s, where the gateway connects privately", facts.Jurisdiction)
		}
	}
}

// publicEntryTypes lists resource types that would open another way in from the internet.
var publicEntryTypes = map[string]string{
	"aws:apigatewayv2/api:Api":                 "is an API Gateway HTTP or WebSocket API",
	"aws:lambda/functionUrl:FunctionUrl":       "is a Lambda function URL",
	"aws:cloudfront/distribution:Distribution": "is a CloudFront distribution",
	"aws:lightsail/instance:Instance":          "is a Lightsail instance",
}

func checkFrontDoor(c *checker) {
	for _, resource := range c.awsResources() {
		if reason, listed := publicEntryTypes[resource.Type]; listed {
			c.fail(resource, "%s, a way in that bypasses the gateway", reason)
		}
		switch resource.Type {
		case loadBalancerType, "aws:alb/loadBalancer:LoadBalancer", "aws:elb/loadBalancer:LoadBalancer":
			c.look(resource)
			if internal, _ := flag(resource.Inputs, "internal"); !internal {
				c.fail(resource, "is an internet-facing load balancer, a way in that bypasses the gateway")
			}
		case "aws:ec2/instance:Instance":
			c.look(resource)
			if public, _ := flag(resource.Inputs, "associatePublicIpAddress"); public {
				c.fail(resource, "is an instance with a public IP address, a way in that bypasses the gateway")
			}
		case "aws:rds/instance:Instance":
			c.look(resource)
			if public, _ := flag(resource.Inputs, "publiclyAccessible"); public {
				c.fail(resource, "is a publicly accessible database, a way in that bypasses the gateway")
			}
		}
	}
	for _, api := range c.ofType(restAPIType) {
		c.look(api)
		if disabled, _ := flag(api.Inputs, "disableExecuteApiEndpoint"); !disabled {
			c.fail(api, "keeps the default execute-api endpoint, which has no mutual TLS")
		}
		if types := stringList(lookup(api.Inputs, "endpointConfiguration.types")); !contains(types, "REGIONAL") {
			c.fail(api, "is not a regional API (endpoint types %v)", types)
		}
		c.checkAllowlist(api)
	}
	for _, domain := range c.ofType(domainNameType) {
		c.look(domain)
		policy := text(domain.Inputs, "securityPolicy")
		if policy != "TLS_1_2" && !strings.HasPrefix(policy, "SecurityPolicy_TLS13") {
			c.fail(domain, "has security policy %q, which allows TLS older than 1.2", policy)
		}
		c.checkTruststore(domain)
	}
	for _, service := range c.ofType(endpointServiceType) {
		c.look(service)
		if required, _ := flag(service.Inputs, "acceptanceRequired"); !required {
			c.fail(service, "accepts connections without approval")
		}
		principals := stringList(service.Inputs["allowedPrincipals"])
		for _, permission := range c.ofType(allowedPrincipalType) {
			if text(permission.Inputs, "vpcEndpointServiceId") == service.ID {
				c.look(permission)
				principals = append(principals, text(permission.Inputs, "principalArn"))
			}
		}
		if len(principals) == 0 {
			c.fail(service, "allows no principal, so the gateway cannot connect")
		}
		for _, principal := range principals {
			if !c.gatewayPrincipal(principal) {
				c.fail(service, "allows principal %q, which is not an account of the gateway", principal)
			}
		}
	}
}

// gatewayPrincipal reports whether an endpoint service principal is a gateway account's root.
func (c *checker) gatewayPrincipal(principal string) bool {
	partition := regions.Partitions[c.expect.Partition]
	if len(c.expect.GatewayAccounts) == 0 {
		return strings.HasPrefix(principal, "arn:"+partition.ID+":iam::") && principal != partition.AccountRootARN(c.expect.Account)
	}
	for _, account := range c.expect.GatewayAccounts {
		if principal == partition.AccountRootARN(account) {
			return true
		}
	}
	return false
}

// checkAllowlist checks that the API's resource policy denies every source but the vendor's.
func (c *checker) checkAllowlist(api graph.Resource) {
	var allowed []string
	for _, entry := range statements(api.Inputs["policy"]) {
		if entry.Effect != "Deny" || !contains(entry.Actions, "execute-api:Invoke") {
			continue
		}
		sources := entry.conditionValues("NotIpAddress", "aws:SourceIp")
		// A deny that covers only some methods leaves the others open to every address.
		if len(sources) > 0 && !contains(entry.Resources, "execute-api:/*") {
			c.fail(api, "denies other sources only on %v, not on every method (execute-api:/*)", entry.Resources)
			continue
		}
		allowed = append(allowed, sources...)
	}
	if len(allowed) == 0 {
		c.fail(api, "has no resource policy that denies sources other than the gateway's addresses")
		return
	}
	for _, block := range allowed {
		if block == "0.0.0.0/0" || block == "::/0" {
			c.fail(api, "allows every source address (%s)", block)
		} else if len(c.expect.AllowedCIDRs) > 0 && !contains(c.expect.AllowedCIDRs, block) {
			c.fail(api, "allows %s, which is not one of the gateway's addresses %v", block, c.expect.AllowedCIDRs)
		}
	}
}

// checkTruststore checks mutual TLS and that its truststore sits in a versioned, encrypted bucket
// of the stack.
func (c *checker) checkTruststore(domain graph.Resource) {
	uri := text(domain.Inputs, "mutualTlsAuthentication.truststoreUri")
	if uri == "" {
		c.fail(domain, "does not require mutual TLS")
		return
	}
	parsed, err := url.Parse(uri)
	if err != nil || parsed.Scheme != "s3" {
		c.fail(domain, "has truststore %q, which is not an S3 URI", uri)
		return
	}
	versioned, encrypted := false, false
	for _, versioning := range c.ofType(bucketVersioningType) {
		if text(versioning.Inputs, "bucket") == parsed.Host {
			c.look(versioning)
			versioned = text(versioning.Inputs, "versioningConfiguration.status") == "Enabled"
		}
	}
	for _, encryption := range c.ofType(bucketEncryptionType) {
		if text(encryption.Inputs, "bucket") == parsed.Host {
			c.look(encryption)
			encrypted = true
		}
	}
	if !versioned {
		c.fail(domain, "has its truststore in bucket %s, which is not versioned in this stack", parsed.Host)
	}
	if !encrypted {
		c.fail(domain, "has its truststore in bucket %s, which has no default encryption in this stack", parsed.Host)
	}
}

func checkGatewayRoutes(c *checker) {
	reached := map[string]bool{}
	for _, integration := range c.ofType(integrationType) {
		c.look(integration)
		if text(integration.Inputs, "connectionType") != "VPC_LINK" {
			c.fail(integration, "integrates with %q outside the domains' private listeners", text(integration.Inputs, "uri"))
			continue
		}
		link, found := c.resolve(text(integration.Inputs, "connectionId"))
		if !found || link.Type != vpcLinkType {
			c.fail(integration, "uses VPC link %q, which is not in the stack", text(integration.Inputs, "connectionId"))
			continue
		}
		c.look(link)
		balancer, ok := c.internalListener(integration, text(link.Inputs, "targetArn"))
		if !ok {
			continue
		}
		domain := c.domainOf(balancer)
		if path := c.routePath(integration); path != domain {
			c.fail(integration, "serves path /%s but reaches domain %q", path, domain)
		}
		if parsed, err := url.Parse(strings.Replace(text(integration.Inputs, "uri"), "{proxy}", "proxy", 1)); err != nil ||
			parsed.Hostname() != text(balancer.Outputs, "dnsName") {
			c.fail(integration, "sends requests to %q, not to the load balancer of its VPC link", text(integration.Inputs, "uri"))
		}
		reached[domain] = true
	}
	for _, service := range c.ofType(endpointServiceType) {
		c.look(service)
		domains := map[string]bool{}
		for _, arn := range stringList(service.Inputs["networkLoadBalancerArns"]) {
			if balancer, ok := c.internalListener(service, arn); ok {
				domains[c.domainOf(balancer)] = true
			}
		}
		if len(domains) > 1 {
			c.fail(service, "fronts load balancers of %d domains", len(domains))
		}
		for domain := range domains {
			reached[domain] = true
		}
	}
	for _, domain := range c.expectedDomains() {
		if !reached[domain] {
			c.failStack("data domain %q is not reached by the gateway", domain)
		}
	}
}

// internalListener resolves a load balancer ARN that a route targets and checks that it is an
// internal load balancer of a domain in the stack's region.
func (c *checker) internalListener(user graph.Resource, arn string) (graph.Resource, bool) {
	balancer, found := c.resolve(arn)
	if !found || balancer.Type != loadBalancerType {
		c.fail(user, "targets %q, which is not a load balancer of this stack", arn)
		return graph.Resource{}, false
	}
	c.look(balancer)
	if internal, _ := flag(balancer.Inputs, "internal"); !internal {
		c.fail(user, "targets %s, which is internet-facing", balancer.Name())
		return graph.Resource{}, false
	}
	if c.domainOf(balancer) == "" {
		c.fail(user, "targets %s, which belongs to no data domain", balancer.Name())
		return graph.Resource{}, false
	}
	if !strings.Contains(arn, ":"+c.expect.Region+":") {
		c.fail(user, "targets %s outside region %s", arn, c.expect.Region)
		return graph.Resource{}, false
	}
	return balancer, true
}

// routePath returns the first path segment of the API resource an integration serves.
func (c *checker) routePath(integration graph.Resource) string {
	resource, found := c.resolve(text(integration.Inputs, "resourceId"))
	for depth := 0; found && depth < 16; depth++ {
		parent, parentFound := c.resolve(text(resource.Inputs, "parentId"))
		if !parentFound || parent.Type != apiResourceType {
			return text(resource.Inputs, "pathPart")
		}
		resource = parent
	}
	return ""
}

func checkAccessLogs(c *checker) {
	if len(c.ofType(restAPIType)) > 0 {
		stages := c.ofType(stageType)
		if len(stages) == 0 {
			c.failStack("the API has no stage with access logs")
		}
		for _, stage := range stages {
			c.look(stage)
			destination := text(stage.Inputs, "accessLogSettings.destinationArn")
			c.checkEncryptedLogGroup(stage, destination, "access logs")
		}
	}
	for _, service := range c.ofType(endpointServiceType) {
		c.look(service)
		for _, arn := range stringList(service.Inputs["networkLoadBalancerArns"]) {
			balancer, found := c.resolve(arn)
			if !found {
				continue
			}
			if !c.domainHasFlowLogs(c.domainOf(balancer)) {
				c.fail(service, "carries connections into domain %q, whose VPC records no flow logs", c.domainOf(balancer))
			}
		}
	}
}

// checkEncryptedLogGroup checks that a log destination is an encrypted log group of the stack.
func (c *checker) checkEncryptedLogGroup(user graph.Resource, arn, purpose string) {
	if arn == "" {
		c.fail(user, "writes no %s", purpose)
		return
	}
	group, found := c.resolve(strings.TrimSuffix(arn, ":*"))
	if !found || group.Type != logGroupType {
		c.fail(user, "writes %s to %s, which is not a log group of this stack", purpose, arn)
		return
	}
	c.look(group)
	if !strings.Contains(arn, ":"+c.expect.Region+":") {
		c.fail(user, "writes %s to %s, outside region %s", purpose, arn, c.expect.Region)
	}
	if text(group.Inputs, "kmsKeyId") == "" {
		c.fail(group, "stores %s without a KMS key", purpose)
	}
}

func (c *checker) domainHasFlowLogs(domain string) bool {
	for _, vpc := range c.inDomain(domain, vpcType) {
		for _, flowLog := range c.ofType(flowLogType) {
			if text(flowLog.Inputs, "vpcId") == vpc.ID {
				return true
			}
		}
	}
	return false
}
