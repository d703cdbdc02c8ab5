package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/example/residency/graph"
	"github.com/example/residency/rules"
)

// shownInputs lists, per type, the inputs that a reviewer of the plan looks at first.
var shownInputs = map[string][]string{
	graph.AWSProviderType:                           {"region", "allowedAccountIds"},
	"aws:ec2/vpc:Vpc":                               {"cidrBlock"},
	"aws:ec2/subnet:Subnet":                         {"cidrBlock", "availabilityZone", "mapPublicIpOnLaunch"},
	"aws:ec2/vpcEndpoint:VpcEndpoint":               {"serviceName", "vpcEndpointType"},
	"aws:ec2/flowLog:FlowLog":                       {"trafficType", "logDestinationType"},
	"aws:ec2/vpcEndpointService:VpcEndpointService": {"acceptanceRequired"},
	"aws:ec2/vpcEndpointServiceAllowedPrinciple:VpcEndpointServiceAllowedPrinciple": {"principalArn"},
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":                     {"fromPort", "cidrIpv4"},
	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":                       {"fromPort"},
	"aws:kms/key:Key":                  {"enableKeyRotation", "multiRegion", "deletionWindowInDays"},
	"aws:kms/alias:Alias":              {"name"},
	"aws:cloudwatch/logGroup:LogGroup": {"name", "retentionInDays"},
	"aws:rds/cluster:Cluster": {"engineVersion", "storageEncrypted", "deletionProtection", "backupRetentionPeriod",
		"serverlessv2ScalingConfiguration"},
	"aws:rds/clusterInstance:ClusterInstance":             {"instanceClass", "availabilityZone", "publiclyAccessible"},
	"aws:rds/clusterParameterGroup:ClusterParameterGroup": {"family"},
	"aws:ecr/repository:Repository":                       {"name", "imageTagMutability"},
	"aws:ecs/taskDefinition:TaskDefinition":               {"cpu", "memory"},
	"aws:ecs/service:Service":                             {"desiredCount", "launchType", "networkConfiguration.assignPublicIp"},
	"aws:lb/loadBalancer:LoadBalancer":                    {"loadBalancerType", "internal"},
	"aws:lb/listener:Listener":                            {"port", "protocol"},
	"aws:appautoscaling/target:Target":                    {"minCapacity", "maxCapacity"},
	"aws:apigateway/restApi:RestApi":                      {"disableExecuteApiEndpoint"},
	"aws:apigateway/domainName:DomainName":                {"domainName", "securityPolicy"},
	"aws:apigateway/stage:Stage":                          {"stageName"},
	"aws:apigateway/resource:Resource":                    {"pathPart"},
	"aws:s3/bucketV2:BucketV2":                            {"bucket"},
}

// writeTree prints a stack's plan in the layout of `pulumi preview`: a tree of what would be
// created, a count by type and a summary line.
func writeTree(out io.Writer, plan planned) {
	g, expect := plan.graph, plan.expect
	fmt.Fprintf(out, "Previewing stack %s (region %s, partition %s, account %s) under the offline engine\n\n",
		expect.Stack, expect.Region, expect.Partition, expect.Account)
	children := map[string][]graph.Resource{}
	var roots []graph.Resource
	for _, resource := range g.Resources {
		if resource.Parent == "" {
			roots = append(roots, resource)
		} else {
			children[resource.Parent] = append(children[resource.Parent], resource)
		}
	}
	type line struct{ left, name, details string }
	var lines []line
	var walk func(resource graph.Resource, prefix, branch string)
	walk = func(resource graph.Resource, prefix, branch string) {
		lines = append(lines, line{prefix + branch + displayType(resource.Type), resource.Name(), details(resource)})
		next := prefix
		switch branch {
		case "├─ ":
			next += "│  "
		case "└─ ":
			next += "   "
		}
		kids := children[resource.URN]
		for i, child := range kids {
			childBranch := "├─ "
			if i == len(kids)-1 {
				childBranch = "└─ "
			}
			walk(child, next, childBranch)
		}
	}
	for _, root := range roots {
		walk(root, "", "")
	}
	typeWidth, nameWidth := 0, 0
	for _, entry := range lines {
		typeWidth = max(typeWidth, len([]rune(entry.left)))
		nameWidth = max(nameWidth, len(entry.name))
	}
	fmt.Fprintf(out, "     %-*s  %-*s  %s\n", typeWidth, "Type", nameWidth, "Name", "Plan")
	for _, entry := range lines {
		padding := typeWidth - len([]rune(entry.left))
		text := fmt.Sprintf(" +   %s%s  %-*s  create", entry.left, strings.Repeat(" ", padding), nameWidth, entry.name)
		if entry.details != "" {
			text += "  " + entry.details
		}
		fmt.Fprintln(out, text)
	}

	fmt.Fprintln(out, "\nResources by type:")
	counts := map[string]int{}
	components, providers, custom := 0, 0, 0
	for _, resource := range g.Resources {
		counts[resource.Type]++
		switch {
		case resource.Type == graph.AWSProviderType || strings.HasPrefix(resource.Type, "pulumi:providers:"):
			providers++
		case resource.Custom:
			custom++
		default:
			components++
		}
	}
	types := make([]string, 0, len(counts))
	for typ := range counts {
		types = append(types, typ)
	}
	sort.Strings(types)
	for _, typ := range types {
		fmt.Fprintf(out, "    %4d  %s\n", counts[typ], typ)
	}
	fmt.Fprintf(out, "\nSummary: stack %s: %d to create (%d AWS resources, %d providers, %d components incl. the stack) in %d data domains, gateway %s\n",
		expect.Stack, len(g.Resources), custom, providers, components, plan.domains, plan.vendor)
}

// writeVerdicts prints each rule's verdict and, for a failed rule, the resources that broke it.
func writeVerdicts(out io.Writer, plan planned) {
	failed := len(rules.Failed(plan.results))
	environment := "production"
	if !plan.expect.Production {
		environment = "ephemeral"
	}
	fmt.Fprintf(out, "\nIsolation rules for stack %s (%s): %d of %d pass\n", plan.expect.Stack, environment,
		len(plan.results)-failed, len(plan.results))
	for _, result := range plan.results {
		verdict := "pass"
		if result.Status == rules.Fail {
			verdict = "FAIL"
		}
		fmt.Fprintf(out, "  %-4s  %-6s  %s\n", verdict, result.ID, result.Statement)
		if !plan.expect.Production && result.Status == rules.Pass && strings.Contains(result.Message, "not required") {
			fmt.Fprintf(out, "                (%s)\n", result.Message)
		}
		for _, violation := range result.Violations {
			fmt.Fprintf(out, "                %s\n                  %s\n", violation.URN, violation.Reason)
		}
	}
}

// details formats the shown inputs of a resource as key=value pairs.
func details(resource graph.Resource) string {
	var parts []string
	for _, key := range shownInputs[resource.Type] {
		value, ok := lookup(resource.Inputs, key)
		if !ok {
			continue
		}
		parts = append(parts, key[strings.LastIndex(key, ".")+1:]+"="+format(value))
	}
	return strings.Join(parts, " ")
}

func lookup(values map[string]any, path string) (any, bool) {
	var current any = values
	for _, part := range strings.Split(path, ".") {
		object, ok := current.(map[string]any)
		if !ok {
			return nil, false
		}
		if current, ok = object[part]; !ok {
			return nil, false
		}
	}
	return current, true
}

func format(value any) string {
	switch typed := value.(type) {
	case string:
		return typed
	case float64:
		return fmt.Sprint(typed)
	default:
		encoded, err := json.Marshal(typed)
		if err != nil {
			return fmt.Sprint(typed)
		}
		return string(encoded)
	}
}

// displayType shortens a type token the way `pulumi preview` shows it: "aws:ec2/vpc:Vpc" becomes
// "aws:ec2:Vpc".
func displayType(typ string) string {
	parts := strings.Split(typ, ":")
	if len(parts) != 3 {
		return typ
	}
	module, _, _ := strings.Cut(parts[1], "/")
	return parts[0] + ":" + module + ":" + parts[2]
}
