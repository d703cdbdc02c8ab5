package rules

import (
	"net/netip"
	"strings"

	"github.com/example/residency/graph"
	"github.com/example/residency/regions"
)

// Resource types the separation rules read.
const (
	kmsKeyType           = "aws:kms/key:Key"
	vpcType              = "aws:ec2/vpc:Vpc"
	subnetType           = "aws:ec2/subnet:Subnet"
	securityGroupType    = "aws:ec2/securityGroup:SecurityGroup"
	ingressRuleType      = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	egressRuleType       = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
	legacyRuleType       = "aws:ec2/securityGroupRule:SecurityGroupRule"
	routeTableAssocType  = "aws:ec2/routeTableAssociation:RouteTableAssociation"
	routeTableType       = "aws:ec2/routeTable:RouteTable"
	routeType            = "aws:ec2/route:Route"
	clusterType          = "aws:rds/cluster:Cluster"
	clusterInstanceType  = "aws:rds/clusterInstance:ClusterInstance"
	subnetGroupType      = "aws:rds/subnetGroup:SubnetGroup"
	parameterGroupType   = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
	logGroupType         = "aws:cloudwatch/logGroup:LogGroup"
	repositoryType       = "aws:ecr/repository:Repository"
	ecsServiceType       = "aws:ecs/service:Service"
	loadBalancerType     = "aws:lb/loadBalancer:LoadBalancer"
	roleType             = "aws:iam/role:Role"
	rolePolicyType       = "aws:iam/rolePolicy:RolePolicy"
	policyAttachmentType = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
)

var separationRules = []rule{
	{
		id:        "LOG-01",
		statement: "Each data domain has its own KMS key, with rotation on, not multi-region, and a deletion window of 30 days.",
		articles:  separationArticles,
		check:     checkDomainKey,
	},
	{
		id:        "LOG-02",
		statement: "Everything a domain encrypts at rest uses that domain's key: Aurora storage, the master secret, Performance Insights, log groups and image repositories.",
		articles:  separationArticles,
		check:     checkDomainEncryption,
	},
	{
		id:        "LOG-03",
		statement: "Each key policy keeps the root-admin statement of the stack's partition and account, and grants use only to the domain's own roles and to service principals of the stack's region.",
		articles:  separationArticles,
		check:     checkKeyPolicies,
	},
	{
		id:        "LOG-04",
		statement: "Each domain has its own VPC, and no two domain VPCs have overlapping CIDRs.",
		articles:  separationArticles,
		check:     checkSeparateVPCs,
	},
	{
		id:        "LOG-05",
		statement: "No resource of one domain refers to a resource of another domain.",
		articles:  separationArticles,
		check:     checkDomainReferences,
	},
	{
		id:        "LOG-06",
		statement: "The database is not public: instances are not publicly accessible, its subnets have no internet route, and its security group admits only its own domain's service on the database port.",
		articles:  separationArticles,
		check:     checkDatabasePrivate,
	},
	{
		id:        "LOG-07",
		statement: "Compute is private: tasks have no public IP and run in private subnets, the service security group admits only its own load balancer, the load balancer is internal, and no security group admits or sends traffic to any address.",
		articles:  separationArticles,
		check:     checkComputePrivate,
	},
	{
		id:        "LOG-08",
		statement: "IAM roles are per domain, name only that domain's key, secret and log groups, use no wildcard resource for KMS or Secrets Manager actions, and deny requests to any other region.",
		articles:  separationArticles,
		check:     checkScopedRoles,
	},
}

// expectedDomains returns the domains the rules check: the model's when known, else the graph's.
func (c *checker) expectedDomains() []string {
	if len(c.expect.Domains) > 0 {
		return c.expect.Domains
	}
	return c.domains()
}

// domainKey returns the one KMS key of a domain.
func (c *checker) domainKey(domain string) (graph.Resource, bool) {
	keys := c.inDomain(domain, kmsKeyType)
	if len(keys) != 1 {
		return graph.Resource{}, false
	}
	return keys[0], true
}

func checkDomainKey(c *checker) {
	present := map[string]bool{}
	for _, name := range c.domains() {
		present[name] = true
	}
	for _, domain := range c.expectedDomains() {
		if !present[domain] {
			c.failStack("data domain %q of the model is missing from the graph", domain)
			continue
		}
		keys := c.inDomain(domain, kmsKeyType)
		if len(keys) != 1 {
			c.failStack("data domain %q has %d KMS keys, not 1", domain, len(keys))
		}
		for _, key := range keys {
			c.look(key)
			if rotation, _ := flag(key.Inputs, "enableKeyRotation"); !rotation {
				c.fail(key, "does not have key rotation enabled")
			}
			if multiRegion, _ := flag(key.Inputs, "multiRegion"); multiRegion {
				c.fail(key, "is a multi-region key")
			}
			if window, ok := number(key.Inputs, "deletionWindowInDays"); !ok || window != 30 {
				c.fail(key, "has a deletion window of %v days, not 30", key.Inputs["deletionWindowInDays"])
			}
		}
	}
}

func checkDomainEncryption(c *checker) {
	for _, domain := range c.expectedDomains() {
		key, ok := c.domainKey(domain)
		if !ok {
			c.failStack("data domain %q has no single KMS key to encrypt with", domain)
			continue
		}
		keyARN := text(key.Outputs, "arn")
		c.look(key)
		expectKey := func(resource graph.Resource, field, value string) {
			switch owner, found := c.resolve(value); {
			case value == "":
				c.fail(resource, "does not set %s, so it is not encrypted with the domain's key", field)
			case value != keyARN && found && c.domainOf(owner) != domain:
				c.fail(resource, "sets %s to the key of domain %q (%s), not its own", field, c.domainOf(owner), value)
			case value != keyARN:
				c.fail(resource, "sets %s to %q, not the domain's key %s", field, value, keyARN)
			}
		}
		for _, cluster := range c.inDomain(domain, clusterType) {
			c.look(cluster)
			if encrypted, _ := flag(cluster.Inputs, "storageEncrypted"); !encrypted {
				c.fail(cluster, "does not have storage encryption on")
			}
			expectKey(cluster, "kmsKeyId", text(cluster.Inputs, "kmsKeyId"))
			if managed, _ := flag(cluster.Inputs, "manageMasterUserPassword"); managed {
				expectKey(cluster, "masterUserSecretKmsKeyId", text(cluster.Inputs, "masterUserSecretKmsKeyId"))
			}
		}
		for _, instance := range c.inDomain(domain, clusterInstanceType) {
			c.look(instance)
			if enabled, _ := flag(instance.Inputs, "performanceInsightsEnabled"); enabled {
				expectKey(instance, "performanceInsightsKmsKeyId", text(instance.Inputs, "performanceInsightsKmsKeyId"))
			}
		}
		for _, group := range c.inDomain(domain, logGroupType) {
			c.look(group)
			expectKey(group, "kmsKeyId", text(group.Inputs, "kmsKeyId"))
		}
		for _, repository := range c.inDomain(domain, repositoryType) {
			c.look(repository)
			expectKey(repository, "encryptionConfigurations[0].kmsKey", firstEncryptionKey(repository))
		}
	}
}

func firstEncryptionKey(repository graph.Resource) string {
	configurations, _ := repository.Inputs["encryptionConfigurations"].([]any)
	if len(configurations) == 0 {
		return ""
	}
	configuration, _ := configurations[0].(map[string]any)
	return text(configuration, "kmsKey")
}

func checkKeyPolicies(c *checker) {
	partition := regions.Partitions[c.expect.Partition]
	root := partition.AccountRootARN(c.expect.Account)
	for _, key := range c.ofType(kmsKeyType) {
		c.look(key)
		domain := c.domainOf(key)
		policy := statements(key.Inputs["policy"])
		if len(policy) == 0 {
			c.fail(key, "has no key policy, so the default policy applies instead of the domain's grants")
			continue
		}
		hasRoot := false
		for _, entry := range policy {
			if entry.Effect != "Allow" {
				continue
			}
			administers := contains(entry.Actions, "kms:*")
			if entry.AnyPrincipal {
				c.fail(key, "statement %q allows any principal", entry.Sid)
			}
			for _, principal := range entry.AWSPrincipals {
				if principal == "*" {
					continue
				}
				if principal == root && administers {
					hasRoot = true
					continue
				}
				if administers {
					c.fail(key, "statement %q gives kms:* to %s besides the account root", entry.Sid, principal)
				}
				role, found := c.resolve(principal)
				switch {
				case !found || role.Type != roleType:
					c.fail(key, "statement %q grants %s, which is not a role of this stack", entry.Sid, principal)
				case c.domainOf(role) != domain:
					c.fail(key, "statement %q grants %s, a role of domain %q", entry.Sid, principal, c.domainOf(role))
				}
			}
			for _, service := range entry.Services {
				if !strings.Contains(service, "."+c.expect.Region+".") || !strings.HasSuffix(service, partition.DNSSuffix) {
					c.fail(key, "statement %q grants service principal %s, which is not a principal of region %s", entry.Sid, service, c.expect.Region)
				}
			}
		}
		if !hasRoot {
			c.fail(key, "has no statement that lets %s administer the key", root)
		}
	}
}

func checkSeparateVPCs(c *checker) {
	type block struct {
		resource graph.Resource
		prefix   netip.Prefix
	}
	var blocks []block
	for _, vpc := range c.ofType(vpcType) {
		c.look(vpc)
		if c.domainOf(vpc) == "" {
			c.fail(vpc, "belongs to no data domain")
		}
		prefix, err := netip.ParsePrefix(text(vpc.Inputs, "cidrBlock"))
		if err != nil {
			c.fail(vpc, "has no valid cidrBlock")
			continue
		}
		for _, other := range blocks {
			if other.prefix.Overlaps(prefix) {
				c.fail(vpc, "CIDR %s overlaps %s of %s", prefix, other.prefix, other.resource.Name())
			}
		}
		blocks = append(blocks, block{vpc, prefix})
	}
	for _, domain := range c.expectedDomains() {
		if count := len(c.inDomain(domain, vpcType)); count != 1 {
			c.failStack("data domain %q has %d VPCs, not 1", domain, count)
		}
	}
}

func checkDomainReferences(c *checker) {
	for _, resource := range c.awsResources() {
		domain := c.domainOf(resource)
		if domain == "" {
			continue
		}
		c.look(resource)
		reported := map[string]bool{}
		var visit func(string)
		visit = func(value string) {
			if strings.HasPrefix(value, "{") || strings.HasPrefix(value, "[") {
				allStrings(graph.DecodeJSON(value), func(inner string) {
					if inner != value {
						visit(inner)
					}
				})
				return
			}
			owner, found := c.resolve(value)
			if !found || reported[value] {
				return
			}
			if other := c.domainOf(owner); other != "" && other != domain {
				reported[value] = true
				c.fail(resource, "refers to %s of domain %q (%s)", owner.Name(), other, value)
			}
		}
		allStrings(resource.Inputs, visit)
	}
}

// groupRule is one inbound or outbound rule of a security group, from a rule resource or an inline
// block. For an outbound rule, the address fields hold the destination.
type groupRule struct {
	source   graph.Resource
	values   map[string]any
	fromPort float64
	toPort   float64
}

// ingressRules returns every inbound rule of a security group by its ID.
func (c *checker) ingressRules(groupID string) []groupRule {
	return c.groupRules(groupID, ingressRuleType, "ingress")
}

// egressRules returns every outbound rule of a security group by its ID.
func (c *checker) egressRules(groupID string) []groupRule {
	return c.groupRules(groupID, egressRuleType, "egress")
}

// groupRules returns the rules of one direction of a security group: from rule resources of
// ruleType, from aws:ec2/securityGroupRule resources of that direction, and from the group's
// inline block of that name.
func (c *checker) groupRules(groupID, ruleType, direction string) []groupRule {
	var found []groupRule
	add := func(source graph.Resource, values map[string]any) {
		from, _ := number(values, "fromPort")
		to, _ := number(values, "toPort")
		found = append(found, groupRule{source: source, values: values, fromPort: from, toPort: to})
	}
	for _, rule := range c.ofType(ruleType) {
		if text(rule.Inputs, "securityGroupId") == groupID {
			add(rule, rule.Inputs)
		}
	}
	for _, rule := range c.ofType(legacyRuleType) {
		if text(rule.Inputs, "securityGroupId") == groupID && text(rule.Inputs, "type") == direction {
			add(rule, rule.Inputs)
		}
	}
	if group, ok := c.resolve(groupID); ok {
		if inline, ok := group.Inputs[direction].([]any); ok {
			for _, entry := range inline {
				if values, ok := entry.(map[string]any); ok {
					add(group, values)
				}
			}
		}
	}
	return found
}

// cidrs returns the address blocks a rule admits.
func (r groupRule) cidrs() []string {
	var blocks []string
	for _, key := range []string{"cidrIpv4", "cidrIpv6", "cidrBlocks", "ipv6CidrBlocks", "prefixListId", "prefixListIds"} {
		blocks = append(blocks, stringList(r.values[key])...)
	}
	return blocks
}

// referencedGroups returns the security groups a rule admits.
func (r groupRule) referencedGroups() []string {
	var groups []string
	for _, key := range []string{"referencedSecurityGroupId", "sourceSecurityGroupId", "securityGroups"} {
		groups = append(groups, stringList(r.values[key])...)
	}
	return groups
}

// checkSubnetsPrivate fails a resource whose subnets map public IPs or have an internet route.
func (c *checker) checkSubnetsPrivate(user graph.Resource, subnetIDs []string) {
	for _, id := range subnetIDs {
		subnet, found := c.resolve(id)
		if !found {
			c.fail(user, "uses subnet %s, which is not in the stack", id)
			continue
		}
		c.look(subnet)
		if public, _ := flag(subnet.Inputs, "mapPublicIpOnLaunch"); public {
			c.fail(subnet, "maps public IP addresses on launch")
		}
		for _, association := range c.ofType(routeTableAssocType) {
			if text(association.Inputs, "subnetId") != id {
				continue
			}
			tableID := text(association.Inputs, "routeTableId")
			if table, ok := c.resolve(tableID); ok {
				c.look(table)
				if routes, ok := table.Inputs["routes"].([]any); ok {
					for _, route := range routes {
						if values, ok := route.(map[string]any); ok && routesOut(values) {
							c.fail(subnet, "has route table %s with a route out of the VPC", table.Name())
						}
					}
				}
			}
			for _, route := range c.ofType(routeType) {
				if text(route.Inputs, "routeTableId") == tableID && routesOut(route.Inputs) {
					c.fail(subnet, "has route %s out of the VPC", route.Name())
				}
			}
		}
	}
}

func routesOut(route map[string]any) bool {
	for _, target := range routeTargets {
		value := text(route, target)
		if value != "" && !(target == "gatewayId" && strings.HasPrefix(value, "vpce-")) {
			return true
		}
	}
	return false
}

func checkDatabasePrivate(c *checker) {
	for _, domain := range c.expectedDomains() {
		serviceGroups := map[string]bool{}
		for _, service := range c.inDomain(domain, ecsServiceType) {
			for _, id := range stringList(lookup(service.Inputs, "networkConfiguration.securityGroups")) {
				serviceGroups[id] = true
			}
		}
		for _, instance := range c.inDomain(domain, clusterInstanceType) {
			c.look(instance)
			if public, _ := flag(instance.Inputs, "publiclyAccessible"); public {
				c.fail(instance, "is publicly accessible")
			}
		}
		for _, cluster := range c.inDomain(domain, clusterType) {
			c.look(cluster)
			for _, group := range c.inDomain(domain, subnetGroupType) {
				if group.ID == text(cluster.Inputs, "dbSubnetGroupName") {
					c.look(group)
					c.checkSubnetsPrivate(group, stringList(group.Inputs["subnetIds"]))
				}
			}
			for _, groupID := range stringList(cluster.Inputs["vpcSecurityGroupIds"]) {
				if group, ok := c.resolve(groupID); ok {
					c.look(group)
				}
				for _, rule := range c.ingressRules(groupID) {
					c.look(rule.source)
					if blocks := rule.cidrs(); len(blocks) > 0 {
						c.fail(rule.source, "admits %v to the database security group; admit only the domain's service", blocks)
					}
					for _, source := range rule.referencedGroups() {
						if !serviceGroups[source] {
							c.fail(rule.source, "admits security group %s, which is not the domain's service", source)
						}
					}
					if rule.fromPort != 5432 || rule.toPort != 5432 {
						c.fail(rule.source, "admits ports %v to %v, not only the database port 5432", rule.fromPort, rule.toPort)
					}
				}
			}
		}
	}
}

func checkComputePrivate(c *checker) {
	for _, domain := range c.expectedDomains() {
		balancerGroups := map[string]bool{}
		for _, balancer := range c.inDomain(domain, loadBalancerType) {
			c.look(balancer)
			if internal, _ := flag(balancer.Inputs, "internal"); !internal {
				c.fail(balancer, "is internet-facing")
			}
			for _, id := range stringList(balancer.Inputs["securityGroups"]) {
				balancerGroups[id] = true
			}
		}
		for _, service := range c.inDomain(domain, ecsServiceType) {
			c.look(service)
			if public, set := flag(service.Inputs, "networkConfiguration.assignPublicIp"); public || !set {
				c.fail(service, "does not set networkConfiguration.assignPublicIp to false")
			}
			c.checkSubnetsPrivate(service, stringList(lookup(service.Inputs, "networkConfiguration.subnets")))
			for _, groupID := range stringList(lookup(service.Inputs, "networkConfiguration.securityGroups")) {
				for _, rule := range c.ingressRules(groupID) {
					c.look(rule.source)
					if blocks := rule.cidrs(); len(blocks) > 0 {
						c.fail(rule.source, "admits %v to the service; admit only the domain's load balancer", blocks)
					}
					for _, source := range rule.referencedGroups() {
						if !balancerGroups[source] {
							c.fail(rule.source, "admits security group %s, which is not the domain's load balancer", source)
						}
					}
				}
			}
		}
		for _, group := range c.inDomain(domain, securityGroupType) {
			c.look(group)
			for _, rule := range c.ingressRules(group.ID) {
				for _, block := range rule.cidrs() {
					if block == "0.0.0.0/0" || block == "::/0" {
						c.fail(rule.source, "opens security group %s to the internet (%s)", group.Name(), block)
					}
				}
			}
			for _, rule := range c.egressRules(group.ID) {
				for _, block := range rule.cidrs() {
					if block == "0.0.0.0/0" || block == "::/0" {
						c.fail(rule.source, "lets security group %s send to any address (%s)", group.Name(), block)
					}
				}
			}
		}
	}
}

// allowedManagedPolicies lists the AWS managed policies a domain role may carry.
var allowedManagedPolicies = []string{"service-role/AmazonRDSEnhancedMonitoringRole"}

// trustedServices lists the services that may assume a domain's roles.
var trustedServices = []string{"ecs-tasks", "vpc-flow-logs", "monitoring.rds"}

// unscopedActions lists the actions that AWS only allows on every resource ("*"), because they
// support no resource-level permissions.
var unscopedActions = []string{"ecr:GetAuthorizationToken"}

func checkScopedRoles(c *checker) {
	partition := regions.Partitions[c.expect.Partition]
	for _, role := range c.ofType(roleType) {
		domain := c.domainOf(role)
		if domain == "" {
			continue
		}
		c.look(role)
		c.checkTrust(role, partition)
		if inline, ok := role.Inputs["inlinePolicies"].([]any); ok {
			for _, entry := range inline {
				values, _ := entry.(map[string]any)
				if document := text(values, "policy"); document != "" {
					c.checkPermissions(role, document, domain, false)
				}
			}
		}
		for _, arn := range stringList(role.Inputs["managedPolicyArns"]) {
			c.checkManagedPolicy(role, arn, domain, partition)
		}
	}
	for _, policy := range c.ofType(rolePolicyType) {
		role, found := c.resolve(text(policy.Inputs, "role"))
		domain := c.domainOf(policy)
		if found {
			domain = c.domainOf(role)
		}
		if domain == "" {
			continue
		}
		c.look(policy)
		c.checkPermissions(policy, text(policy.Inputs, "policy"), domain, true)
	}
	for _, attachment := range c.ofType(policyAttachmentType) {
		role, found := c.resolve(text(attachment.Inputs, "role"))
		if !found || c.domainOf(role) == "" {
			continue
		}
		c.look(attachment)
		c.checkManagedPolicy(attachment, text(attachment.Inputs, "policyArn"), c.domainOf(role), partition)
	}
}

// checkTrust fails a domain role that anyone but the platform's own services may assume.
func (c *checker) checkTrust(role graph.Resource, partition regions.Partition) {
	for _, entry := range statements(role.Inputs["assumeRolePolicy"]) {
		if entry.Effect != "Allow" {
			continue
		}
		if entry.AnyPrincipal || len(entry.AWSPrincipals) > 0 {
			c.fail(role, "trust statement %q lets principals %v assume the role", entry.Sid, entry.AWSPrincipals)
		}
		for _, service := range entry.Services {
			allowed := false
			for _, name := range trustedServices {
				allowed = allowed || service == partition.ServicePrincipal(name)
			}
			if !allowed {
				c.fail(role, "trust statement %q lets service %s assume the role", entry.Sid, service)
			}
		}
	}
}

func (c *checker) checkManagedPolicy(user graph.Resource, arn, domain string, partition regions.Partition) {
	for _, name := range allowedManagedPolicies {
		if arn == partition.ManagedPolicyARN(name) {
			return
		}
	}
	c.fail(user, "attaches %s, which is not scoped to domain %q", arn, domain)
}

// checkPermissions fails a permission policy of a domain role that allows more than the domain's
// own resources, and, for inline role policies, one that does not deny other regions.
func (c *checker) checkPermissions(user graph.Resource, policy, domain string, requireRegionDeny bool) {
	deniesOtherRegions := false
	for _, entry := range statements(policy) {
		if entry.Effect == "Deny" {
			if contains(entry.conditionValues("StringNotEquals", "aws:RequestedRegion"), c.expect.Region) &&
				contains(entry.Actions, "*") {
				deniesOtherRegions = true
			}
			continue
		}
		if len(entry.NotActions) > 0 {
			c.fail(user, "statement %q allows every action except %v", entry.Sid, entry.NotActions)
		}
		for _, action := range entry.Actions {
			if strings.Contains(action, "*") {
				c.fail(user, "statement %q allows wildcard action %q", entry.Sid, action)
			}
		}
		for _, resource := range entry.Resources {
			if resource == "*" {
				for _, action := range entry.Actions {
					if !contains(unscopedActions, action) {
						c.fail(user, "statement %q allows %s on every resource", entry.Sid, action)
					}
				}
				continue
			}
			if !c.ownedByDomain(resource, domain) {
				c.fail(user, "statement %q names %s, which is not domain %q's", entry.Sid, resource, domain)
			}
		}
	}
	if requireRegionDeny && !deniesOtherRegions {
		c.fail(user, "does not deny requests to regions other than %s", c.expect.Region)
	}
}

// ownedByDomain reports whether an ARN in a policy names a resource of the domain: one of its
// resources, its master-user secret, a log stream of one of its log groups, or its database user.
func (c *checker) ownedByDomain(arn, domain string) bool {
	if owner, found := c.resolve(arn); found {
		return c.domainOf(owner) == domain
	}
	for _, group := range c.inDomain(domain, logGroupType) {
		groupARN := text(group.Outputs, "arn")
		if groupARN != "" && strings.HasPrefix(arn, groupARN+":") {
			return true
		}
	}
	for _, cluster := range c.inDomain(domain, clusterType) {
		owned := false
		allStrings(cluster.Outputs["masterUserSecrets"], func(value string) {
			owned = owned || value == arn
		})
		resourceID := text(cluster.Outputs, "clusterResourceId")
		if owned || resourceID != "" && strings.Contains(arn, ":rds-db:") && strings.Contains(arn, ":dbuser:"+resourceID+"/") {
			return true
		}
	}
	return false
}
