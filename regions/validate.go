package regions

import (
	"fmt"
	"math"
	"net/netip"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

var (
	accountPattern     = regexp.MustCompile(`^[0-9]{12}$`)
	domainNamePattern  = regexp.MustCompile(`^[a-z][a-z0-9-]*[a-z0-9]$`)
	tagValuePattern    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	engineVersionRegex = regexp.MustCompile(`^([0-9]+)\.([0-9]+)$`)
	identifierPattern  = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	imageTagPattern    = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	stageNamePattern   = regexp.MustCompile(`^[A-Za-z0-9_]{1,128}$`)
	hostnamePattern    = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
)

// maxDomainNameLength keeps "<domain>-nlb", the longest name built from a domain, within the
// 32-character limit of Elastic Load Balancing names.
const maxDomainNameLength = 20

// maxHostnameLength is the longest DNS name in its text form (RFC 1035, section 3.1).
const maxHostnameLength = 253

// maxOwnerLength keeps the owner a short team identifier. AWS tag values may have 256
// characters, but the owner goes into the tags of every resource.
const maxOwnerLength = 64

// minProductionLogRetentionDays is the shortest log retention of a production stack, because
// its flow logs and access logs are security evidence.
const minProductionLogRetentionDays = 365

// maxTasks is the largest minTasks or maxTasks of a service.
const maxTasks = 1000

// reservedDomainNames are names a domain cannot take because resources of the gateway already
// use them: its KMS alias is alias/residency/gateway and its log groups are /residency/gateway/*.
var reservedDomainNames = map[string]bool{"gateway": true}

// internalPrefix starts the load balancer names that Elastic Load Balancing rejects, and a
// domain's network load balancer is named "<domain>-nlb".
const internalPrefix = "internal-"

// maxMasterUsernameLength is the longest master user name of an Aurora DB cluster (RDS API,
// CreateDBCluster, MasterUsername: "Must be 1 to 16 letters or numbers").
const maxMasterUsernameLength = 16

// reservedUsernames are database user names an Aurora PostgreSQL cluster already has or rejects:
//   - rds_superuser, rds_replication and rds_password are roles RDS creates in every cluster
//     (Amazon Aurora User Guide, "Understanding the rds_superuser role"), and rds_iam is the role
//     that IAM database authentication grants ("Creating a database account using IAM
//     authentication").
//   - rdsadmin, rdsrepladmin and rdstopmgr are internal users of RDS, which appear in pg_roles and
//     the database listings of RDS PostgreSQL clusters. NOTE: the AWS documentation does not list
//     RDS's internal users, so more of them may exist.
//   - CreateDBCluster rejects rdsadmin on every engine and admin on aurora-postgresql as
//     reserved words, while it accepts postgres (checked against CloudFormation deployments in
//     aws-cloudformation/cfn-lint pull request 4425).
//
// PostgreSQL 9.6 and later also reserve every role name that starts with "pg_" (PostgreSQL
// commit "Reserve the "pg_" namespace for roles", April 2016).
var reservedUsernames = map[string]bool{
	"admin": true, "rdsadmin": true, "rdsrepladmin": true, "rdstopmgr": true,
	"rds_superuser": true, "rds_replication": true, "rds_password": true, "rds_iam": true,
}

// Aurora PostgreSQL major versions with Serverless v2 support that are in standard support.
var auroraMajorVersions = map[string]bool{"14": true, "15": true, "16": true, "17": true}

// logRetentionValues lists the retention periods in days that CloudWatch Logs accepts.
var logRetentionValues = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
	1827, 2192, 2557, 2922, 3288, 3653}

// privateRanges are the RFC 1918 blocks that domain VPCs take their CIDRs from.
var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
}

// nonPublicRanges are IPv4 blocks besides the private ones from which no client can call a
// regional API over the internet (RFC 6890 special-purpose registry).
var nonPublicRanges = []struct {
	prefix netip.Prefix
	name   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), `"this network" (0.0.0.0/8)`},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared address space for carrier-grade NAT (100.64.0.0/10)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback (127.0.0.0/8)"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local (169.254.0.0/16)"},
	{netip.MustParsePrefix("224.0.0.0/3"), "multicast or reserved (224.0.0.0/3)"},
}

// Validate checks one stack model on its own. ValidateAll also checks what spans stacks.
func Validate(stack Stack) Errors {
	var problems Errors
	region, known := Lookup(stack.Region)
	if !known {
		problems.add("region", stack.Region, "is not a known region",
			"use one of "+KnownNames())
	} else if stack.Partition != region.PartitionID {
		problems.add("partition", stack.Partition, "does not match region "+stack.Region,
			fmt.Sprintf("region %s is in partition %q", stack.Region, region.PartitionID))
	}
	if !accountPattern.MatchString(stack.AccountID) {
		problems.add("accountId", stack.AccountID, "is not a 12-digit AWS account ID",
			"write the account ID as a quoted string of 12 digits")
	}
	if stack.Environment != EnvironmentProduction && stack.Environment != EnvironmentEphemeral {
		problems.add("environment", stack.Environment, "is not a known environment",
			`use "production" or "ephemeral"`)
	}
	switch {
	case !tagValuePattern.MatchString(stack.Owner):
		problems.add("owner", stack.Owner, "is not a team identifier",
			"use lowercase letters, digits and hyphens; tags must not hold personal data such as e-mail addresses")
	case len(stack.Owner) > maxOwnerLength:
		problems.add("owner", stack.Owner,
			fmt.Sprintf("is %d characters long, more than the %d of a team identifier", len(stack.Owner), maxOwnerLength),
			fmt.Sprintf("use a short team identifier of at most %d characters, because it goes into the tags of every resource", maxOwnerLength))
	}
	if known {
		validateStackName(stack, &problems)
	}

	validateZones(stack, region, known, &problems)
	switch {
	case !containsInt(logRetentionValues, stack.LogRetentionDays):
		problems.add("logRetentionDays", fmt.Sprint(stack.LogRetentionDays), "is not a retention CloudWatch Logs accepts",
			"use one of "+joinInts(logRetentionValues))
	case stack.Production() && stack.LogRetentionDays < minProductionLogRetentionDays:
		problems.add("logRetentionDays", fmt.Sprint(stack.LogRetentionDays),
			fmt.Sprintf("is shorter than the %d days a production stack keeps its logs", minProductionLogRetentionDays),
			fmt.Sprintf("use %d days or more, because flow logs and access logs are security evidence, or set environment to %q for a test stack",
				minProductionLogRetentionDays, EnvironmentEphemeral))
	}
	validateDomains(stack, &problems)
	validateGateway(stack, region, known, &problems)
	return problems
}

// validateStackName checks that the stack's name, which comes from its file name, is its region
// or starts with "<region>-", so a stack file named after one region cannot deploy to another.
// Stacks without a name, such as models built in code, are not checked.
func validateStackName(stack Stack, problems *Errors) {
	if stack.Name == "" || stack.Name == stack.Region || strings.HasPrefix(stack.Name, stack.Region+"-") {
		return
	}
	source := "stack " + stack.Name
	if stack.File != "" {
		source = fmt.Sprintf("stack %s of file %s", stack.Name, filepath.Base(stack.File))
	}
	fix := fmt.Sprintf("rename the stack file to Pulumi.%s.yaml or Pulumi.%s-<suffix>.yaml if the region is right",
		stack.Region, stack.Region)
	if named := regionOfStackName(stack.Name); named != "" {
		fix = fmt.Sprintf("set region to %q if the file name is right, or %s", named, fix)
	}
	problems.add("region", stack.Region,
		fmt.Sprintf("does not match %s, whose name must be the region or start with \"<region>-\"", source), fix)
}

// regionOfStackName returns the known region that a stack name is or starts with, the longest if
// several match, or "" if none does.
func regionOfStackName(name string) string {
	found := ""
	for region := range Known {
		if (name == region || strings.HasPrefix(name, region+"-")) && len(region) > len(found) {
			found = region
		}
	}
	return found
}

func validateZones(stack Stack, region Region, known bool, problems *Errors) {
	if len(stack.Zones) < 2 {
		problems.add("zones", strings.Join(stack.Zones, ", "), "names fewer than 2 availability zones",
			"list at least 2 zones so the database and service survive the loss of one")
	}
	if len(stack.Zones) > 4 {
		problems.add("zones", strings.Join(stack.Zones, ", "), "names more than 4 availability zones",
			"list 2 to 4 zones; each domain CIDR is split into 4 application and 4 database subnets")
	}
	seen := map[string]bool{}
	for i, zone := range stack.Zones {
		path := fmt.Sprintf("zones[%d]", i)
		if seen[zone] {
			problems.add(path, zone, "is listed twice", "list each zone once")
		}
		seen[zone] = true
		if known && !region.HasZone(zone) {
			problems.add(path, zone, "is not an availability zone of "+stack.Region,
				"use one of "+strings.Join(region.Zones, ", "))
		}
	}
}

func validateDomains(stack Stack, problems *Errors) {
	if len(stack.Domains) == 0 {
		problems.add("domains", "", "is empty", "add at least one data domain")
	}
	names := map[string]int{}
	for i, domain := range stack.Domains {
		path := fmt.Sprintf("domains[%d]", i)
		if first, taken := names[domain.Name]; taken {
			problems.add(path+".name", domain.Name, fmt.Sprintf("is already used by domains[%d]", first),
				"give every domain a unique name")
		} else {
			names[domain.Name] = i
		}
		validateDomain(stack, path, domain, problems)
	}
	for i := range stack.Domains {
		for j := i + 1; j < len(stack.Domains); j++ {
			a, errA := netip.ParsePrefix(stack.Domains[i].CIDR)
			b, errB := netip.ParsePrefix(stack.Domains[j].CIDR)
			if errA == nil && errB == nil && a.Overlaps(b) {
				problems.add(fmt.Sprintf("domains[%d].cidr", j), stack.Domains[j].CIDR,
					fmt.Sprintf("overlaps domains[%d].cidr %s", i, stack.Domains[i].CIDR),
					"give every domain VPC its own address range")
			}
		}
	}
}

func validateDomain(stack Stack, path string, domain Domain, problems *Errors) {
	switch {
	case len(domain.Name) > maxDomainNameLength:
		problems.add(path+".name", domain.Name,
			fmt.Sprintf("is %d characters long, more than the %d that fit in load balancer names", len(domain.Name), maxDomainNameLength),
			fmt.Sprintf("shorten it to 2 to %d lowercase letters, digits and hyphens", maxDomainNameLength))
	case !domainNamePattern.MatchString(domain.Name):
		problems.add(path+".name", domain.Name, "is not a DNS-safe domain name",
			fmt.Sprintf("use 2 to %d lowercase letters, digits and hyphens, starting with a letter", maxDomainNameLength))
	case reservedDomainNames[domain.Name]:
		problems.add(path+".name", domain.Name,
			"is reserved, because the gateway's KMS alias alias/residency/gateway and log groups /residency/gateway/* use it",
			"choose another name for the domain")
	case strings.HasPrefix(domain.Name, internalPrefix):
		problems.add(path+".name", domain.Name,
			fmt.Sprintf("starts with %q, which Elastic Load Balancing rejects at the start of the load balancer name %s-nlb",
				internalPrefix, domain.Name),
			fmt.Sprintf("choose a name that does not start with %q", internalPrefix))
	}
	if strings.TrimSpace(domain.Description) == "" {
		problems.add(path+".description", domain.Description, "is empty", "say what data the domain holds")
	}
	if !containsString(Classifications, domain.Classification) {
		problems.add(path+".classification", domain.Classification, "is not a known data classification",
			"use one of "+strings.Join(Classifications, ", "))
	}
	validateCIDR(path+".cidr", domain.CIDR, problems)
	if domain.Records <= 0 {
		problems.add(path+".records", fmt.Sprint(domain.Records), "is not a positive number of records",
			"give the expected number of records the domain stores")
	}
	if domain.DailyRequests <= 0 {
		problems.add(path+".dailyRequests", fmt.Sprint(domain.DailyRequests), "is not a positive number of requests",
			"give the expected number of API requests a day")
	}
	validateDatabase(stack, path+".database", domain.Database, problems)
	validateService(stack, path+".service", domain.Service, problems)
	validateHeadroom(path, domain, problems)
}

func validateCIDR(path, cidr string, problems *Errors) {
	prefix, err := netip.ParsePrefix(cidr)
	if err != nil || !prefix.Addr().Is4() {
		problems.add(path, cidr, "is not a valid IPv4 CIDR block", `use a block such as "10.20.0.0/16"`)
		return
	}
	if prefix.Masked() != prefix {
		problems.add(path, cidr, "has host bits set", fmt.Sprintf("use %s", prefix.Masked()))
		return
	}
	if !isPrivate(prefix) {
		problems.add(path, cidr, "is not in a private (RFC 1918) range",
			"use a block inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16")
	}
	if prefix.Bits() < 16 {
		problems.add(path, cidr, "is larger than the /16 a VPC can have", "use a prefix from /16 to /22")
	}
	if prefix.Bits() > 22 {
		problems.add(path, cidr, fmt.Sprintf("is too small for its subnets: each of the 8 subnet slots would be a /%d", prefix.Bits()+3),
			"use a prefix from /16 to /22 so every subnet is at least a /25")
	}
}

func validateDatabase(stack Stack, path string, database Database, problems *Errors) {
	match := engineVersionRegex.FindStringSubmatch(database.EngineVersion)
	switch {
	case match == nil:
		problems.add(path+".engineVersion", database.EngineVersion, "is not an Aurora PostgreSQL version in major.minor form",
			`use a full version such as "16.8"`)
	case !auroraMajorVersions[match[1]]:
		problems.add(path+".engineVersion", database.EngineVersion, "has a major version that is not supported here",
			"use major version 14, 15, 16 or 17")
	}
	validateCapacity(path+".minCapacity", database.MinCapacity, 0.5, problems)
	validateCapacity(path+".maxCapacity", database.MaxCapacity, 1, problems)
	if database.MinCapacity > database.MaxCapacity {
		problems.add(path+".minCapacity", fmt.Sprint(database.MinCapacity),
			fmt.Sprintf("is above maxCapacity %v", database.MaxCapacity), "make minCapacity at most maxCapacity")
	}
	minInstances := 1
	if stack.Production() {
		minInstances = 2
	}
	if database.Instances < minInstances || database.Instances > 15 {
		problems.add(path+".instances", fmt.Sprint(database.Instances), "is out of range",
			fmt.Sprintf("use %d to 15 instances; production stacks need a reader in a second zone", minInstances))
	}
	minRetention := 1
	if stack.Production() {
		minRetention = 7
	}
	if database.BackupRetentionDays < minRetention || database.BackupRetentionDays > 35 {
		problems.add(path+".backupRetentionDays", fmt.Sprint(database.BackupRetentionDays), "is out of range",
			fmt.Sprintf("use %d to 35 days (production stacks keep at least 7)", minRetention))
	}
	if stack.Production() && !database.DeletionProtection {
		problems.add(path+".deletionProtection", "false", "is off in a production stack",
			`set it to true, or set environment to "ephemeral" for a stack that may be destroyed`)
	}
	for _, field := range []struct{ name, value string }{
		{"databaseName", database.DatabaseName},
		{"masterUsername", database.MasterUsername},
		{"iamUsername", database.IAMUsername},
	} {
		if !identifierPattern.MatchString(field.value) {
			problems.add(path+"."+field.name, field.value, "is not a valid PostgreSQL identifier",
				"use lowercase letters, digits and underscores, starting with a letter, at most 63 characters")
		} else if field.name != "databaseName" {
			validateUsername(path+"."+field.name, field.value, problems)
		}
	}

	if len(database.MasterUsername) > maxMasterUsernameLength && identifierPattern.MatchString(database.MasterUsername) {
		problems.add(path+".masterUsername", database.MasterUsername,
			fmt.Sprintf("is %d characters long, more than the %d an Aurora master user name can have",
				len(database.MasterUsername), maxMasterUsernameLength),
			fmt.Sprintf("shorten it to at most %d characters", maxMasterUsernameLength))
	}
	if database.MasterUsername != "" && database.MasterUsername == database.IAMUsername {
		problems.add(path+".iamUsername", database.IAMUsername, "is the master user",
			"give the service its own database user so it never holds the master password")
	}
}

// validateUsername rejects a database user name that Aurora PostgreSQL reserves.
func validateUsername(path, name string, problems *Errors) {
	switch {
	case reservedUsernames[name]:
		problems.add(path, name, "is a user name that Aurora PostgreSQL reserves",
			"choose a name of the domain's own, such as <domain>_admin or <domain>_app")
	case strings.HasPrefix(name, "pg_"):
		problems.add(path, name, `starts with "pg_", which PostgreSQL reserves for its own roles`,
			"choose a name of the domain's own, such as <domain>_admin or <domain>_app")
	}
}

func validateCapacity(path string, value, min float64, problems *Errors) {
	if value < min || value > 256 || math.Mod(value*2, 1) != 0 {
		problems.add(path, fmt.Sprint(value), "is not a valid Aurora Serverless v2 capacity",
			fmt.Sprintf("use %v to 256 ACUs in steps of 0.5", min))
	}
}

func validateService(stack Stack, path string, service Service, problems *Errors) {
	if !imageTagPattern.MatchString(service.ImageTag) {
		problems.add(path+".imageTag", service.ImageTag, "is not a valid image tag",
			"use letters, digits, '_', '.' and '-', at most 128 characters")
	} else if service.ImageTag == "latest" {
		problems.add(path+".imageTag", service.ImageTag, "is a moving tag",
			"pin a release tag; the repositories use immutable tags")
	}
	if _, known := fargateMemory[service.CPU]; !known {
		problems.add(path+".cpu", fmt.Sprint(service.CPU), "is not a Fargate CPU value",
			"use one of "+fargateCPUValues()+" CPU units")
	} else if !ValidFargateSize(service.CPU, service.Memory) {
		problems.add(path+".memory", fmt.Sprint(service.Memory),
			fmt.Sprintf("is not a valid Fargate memory size for %d CPU units", service.CPU),
			fmt.Sprintf("use %s MiB", fargateMemoryRange(service.CPU)))
	}
	if service.Architecture != "X86_64" && service.Architecture != "ARM64" {
		problems.add(path+".architecture", service.Architecture, "is not a Fargate CPU architecture",
			`use "X86_64" or "ARM64"`)
	}
	if service.ContainerPort < 1024 || service.ContainerPort > 65535 {
		problems.add(path+".containerPort", fmt.Sprint(service.ContainerPort), "is out of range",
			"use an unprivileged port from 1024 to 65535")
	}
	minTasks := 1
	if stack.Production() {
		minTasks = 2
	}
	if service.MinTasks < minTasks {
		problems.add(path+".minTasks", fmt.Sprint(service.MinTasks), "is too low",
			fmt.Sprintf("use at least %d; production stacks run a task in each of two zones", minTasks))
	} else if service.MinTasks > maxTasks {
		problems.add(path+".minTasks", fmt.Sprint(service.MinTasks), "is too high",
			fmt.Sprintf("use %d to %d tasks", minTasks, maxTasks))
	}
	if service.MaxTasks < service.MinTasks || service.MaxTasks > maxTasks {
		problems.add(path+".maxTasks", fmt.Sprint(service.MaxTasks),
			fmt.Sprintf("is out of range for minTasks %d", service.MinTasks),
			fmt.Sprintf("make maxTasks at least minTasks and at most %d", maxTasks))
	}
	if service.TargetCPUPercent < 10 || service.TargetCPUPercent > 90 {
		problems.add(path+".targetCpuPercent", fmt.Sprint(service.TargetCPUPercent), "is out of range",
			"use 10 to 90 percent")
	}
}

func validateGateway(stack Stack, region Region, known bool, problems *Errors) {
	gateway := stack.Gateway
	if known && gateway.Vendor != region.GatewayVendor {
		problems.add("gateway.vendor", gateway.Vendor,
			fmt.Sprintf("is not the gateway vendor for jurisdiction %s", region.Jurisdiction),
			fmt.Sprintf("use %q in %s", region.GatewayVendor, stack.Region))
	}
	switch gateway.Vendor {
	case VendorApigee:
		if gateway.Apigee == nil {
			problems.add("gateway.apigee", "", "is missing", `add the apigee settings for vendor "apigee"`)
		} else {
			validateApigee(stack, region, known, *gateway.Apigee, problems)
		}
		if gateway.Axway != nil {
			problems.add("gateway.axway", "axway", "is set for vendor \"apigee\"", "remove it")
		}
	case VendorAxway:
		if gateway.Axway == nil {
			problems.add("gateway.axway", "", "is missing", `add the axway settings for vendor "axway"`)
		} else {
			validateAxway(stack, *gateway.Axway, problems)
		}
		if gateway.Apigee != nil {
			problems.add("gateway.apigee", "apigee", "is set for vendor \"axway\"", "remove it")
		}
	default:
		if !known {
			problems.add("gateway.vendor", gateway.Vendor, "is not a known gateway vendor", `use "apigee" or "axway"`)
		}
	}
}

func validateApigee(stack Stack, region Region, known bool, apigee Apigee, problems *Errors) {
	const path = "gateway.apigee"
	switch {
	case len(apigee.DomainName) > maxHostnameLength:
		problems.add(path+".domainName", apigee.DomainName,
			fmt.Sprintf("is %d characters long, more than the %d a DNS name can have", len(apigee.DomainName), maxHostnameLength),
			"use a shorter host name such as api.eu.portal.example.com")
	case !hostnamePattern.MatchString(apigee.DomainName):
		problems.add(path+".domainName", apigee.DomainName, "is not a valid DNS name",
			"use a lowercase host name such as api.eu.portal.example.com")
	}

	// When the partition does not match the region, which is reported on its own, the certificate
	// must still be in the region's partition.
	partition := stack.Partition
	if known {
		partition = region.PartitionID
	}
	certificate := regexp.MustCompile(fmt.Sprintf(`^arn:%s:acm:%s:%s:certificate/[0-9a-f-]{36}$`,
		regexp.QuoteMeta(partition), regexp.QuoteMeta(stack.Region), regexp.QuoteMeta(stack.AccountID)))
	if !certificate.MatchString(apigee.CertificateARN) {
		problems.add(path+".certificateArn", apigee.CertificateARN,
			"is not an ACM certificate ARN of the stack's partition, region and account",
			fmt.Sprintf("use arn:%s:acm:%s:%s:certificate/<id>; API Gateway needs the certificate in the API's region",
				partition, stack.Region, stack.AccountID))
	}
	if strings.TrimSpace(apigee.TruststoreFile) == "" {
		problems.add(path+".truststoreFile", apigee.TruststoreFile, "is empty",
			"name the PEM file with Apigee's client CA, relative to the stack file")
	}

	if len(apigee.AllowedCIDRs) == 0 {
		problems.add(path+".allowedCidrs", "", "is empty", "list Apigee's egress addresses")
	}
	seen := map[netip.Prefix]int{}
	for i, cidr := range apigee.AllowedCIDRs {
		itemPath := fmt.Sprintf("%s.allowedCidrs[%d]", path, i)
		prefix, err := netip.ParsePrefix(cidr)
		first, duplicate := seen[prefix]
		if err == nil && !duplicate {
			seen[prefix] = i
		}
		switch {
		case err != nil || !prefix.Addr().Is4():
			problems.add(itemPath, cidr, "is not a valid IPv4 CIDR block", `use an address block such as "203.0.113.10/32"`)
		case prefix.Masked() != prefix:
			problems.add(itemPath, cidr, "has host bits set", fmt.Sprintf("use %s", prefix.Masked()))
		case prefix.Bits() < 24:
			problems.add(itemPath, cidr, "is wider than a /24", "list only Apigee's own egress addresses")
		case isPrivate(prefix):
			problems.add(itemPath, cidr, "is a private address, which cannot reach a regional API over the internet",
				"list Apigee's public egress addresses")
		case nonPublicRange(prefix) != "":
			problems.add(itemPath, cidr,
				fmt.Sprintf("is in the %s range, which cannot reach a regional API over the internet", nonPublicRange(prefix)),
				"list Apigee's public egress addresses")
		case duplicate:
			problems.add(itemPath, cidr, fmt.Sprintf("is already listed as allowedCidrs[%d]", first),
				"list each egress address once")
		}
	}
	if !stageNamePattern.MatchString(apigee.StageName) {
		problems.add(path+".stageName", apigee.StageName, "is not a valid API Gateway stage name",
			"use letters, digits and underscores")
	}
	if apigee.RateLimit <= 0 || apigee.RateLimit > 10000 {
		problems.add(path+".rateLimit", fmt.Sprint(apigee.RateLimit), "is out of range",
			"use 1 to 10000 requests per second, the API Gateway account quota per region")
	} else {
		validateGatewayHeadroom(stack, apigee.RateLimit, problems)
	}
	if apigee.BurstLimit < 1 || apigee.BurstLimit > 5000 {
		problems.add(path+".burstLimit", fmt.Sprint(apigee.BurstLimit), "is out of range",
			"use 1 to 5000 requests, the API Gateway account burst quota per region")
	}
}

func validateAxway(stack Stack, axway Axway, problems *Errors) {
	const path = "gateway.axway.allowedAccountIds"
	if len(axway.AllowedAccountIDs) == 0 {
		problems.add(path, "", "is empty", "list the AWS accounts that run the Axway gateway")
	}
	seen := map[string]int{}
	for i, account := range axway.AllowedAccountIDs {
		itemPath := fmt.Sprintf("%s[%d]", path, i)
		first, duplicate := seen[account]
		if !duplicate {
			seen[account] = i
		}
		switch {
		case !accountPattern.MatchString(account):
			problems.add(itemPath, account, "is not a 12-digit AWS account ID", "write it as a quoted string of 12 digits")
		case account == stack.AccountID:
			problems.add(itemPath, account, "is the stack's own account",
				"list the gateway team's account; the endpoint services admit only the gateway")
		case duplicate:
			problems.add(itemPath, account, fmt.Sprintf("is already listed as allowedAccountIds[%d]", first),
				"list each account once, because every entry becomes an endpoint service permission named after the account and a repeated one gives two resources the same URN")
		}
	}
}

// ValidateAll checks every stack on its own and then what spans stacks: CIDRs that overlap across
// stacks, and accounts shared across partitions or by two stacks in one region.
func ValidateAll(stacks []Stack) Errors {
	var problems Errors
	for _, stack := range stacks {
		problems = append(problems, Validate(stack).inFile(stack.File)...)
	}
	type place struct {
		stack  Stack
		domain int
		prefix netip.Prefix
	}
	var places []place
	for _, stack := range stacks {
		for i, domain := range stack.Domains {
			if prefix, err := netip.ParsePrefix(domain.CIDR); err == nil {
				places = append(places, place{stack, i, prefix})
			}
		}
	}
	for i := range places {
		for j := i + 1; j < len(places); j++ {
			a, b := places[i], places[j]
			if a.stack.Name == b.stack.Name || !a.prefix.Overlaps(b.prefix) {
				continue
			}
			problems = append(problems, ValidationError{
				File:    b.stack.File,
				Path:    fmt.Sprintf("domains[%d].cidr", b.domain),
				Value:   b.stack.Domains[b.domain].CIDR,
				Problem: fmt.Sprintf("overlaps domains[%d].cidr %s of stack %s", a.domain, a.prefix, a.stack.Name),
				Fix:     "give every domain VPC of every stack its own address range, so they can never be connected by mistake",
			})
		}
	}
	for i := range stacks {
		for j := i + 1; j < len(stacks); j++ {
			a, b := stacks[i], stacks[j]
			if a.AccountID != b.AccountID || a.AccountID == "" {
				continue
			}
			switch {
			case a.Partition != b.Partition:
				problems = append(problems, ValidationError{File: b.File, Path: "accountId", Value: b.AccountID,
					Problem: fmt.Sprintf("is also the account of stack %s in partition %s", a.Name, a.Partition),
					Fix:     "use the account of this stack's partition; aws-cn accounts are separate from aws accounts"})
			case a.Region == b.Region:
				problems = append(problems, ValidationError{File: b.File, Path: "accountId", Value: b.AccountID,
					Problem: fmt.Sprintf("and region %s are also used by stack %s", b.Region, a.Name),
					Fix:     "deploy each region stack of an account once; resource names would collide"})
			}
		}
	}
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].File < problems[j].File })
	return problems
}

func isPrivate(prefix netip.Prefix) bool {
	for _, private := range privateRanges {
		if private.Overlaps(prefix) {
			return true
		}
	}
	return false
}

// nonPublicRange returns the name of the non-public range that prefix overlaps, or "".
func nonPublicRange(prefix netip.Prefix) string {
	for _, special := range nonPublicRanges {
		if special.prefix.Overlaps(prefix) {
			return special.name
		}
	}
	return ""
}

func containsString(values []string, value string) bool {
	for _, known := range values {
		if known == value {
			return true
		}
	}
	return false
}

func containsInt(values []int, value int) bool {
	for _, known := range values {
		if known == value {
			return true
		}
	}
	return false
}
