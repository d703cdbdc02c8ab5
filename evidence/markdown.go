package evidence

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/example/residency/graph"
	"github.com/example/residency/rules"
)

// Markdown renders a report for auditors.
func Markdown(report Report) string {
	var out strings.Builder
	fmt.Fprintf(&out, "# Compliance evidence: stack %s\n\n", report.Stack)
	fmt.Fprintf(&out, "| | |\n| --- | --- |\n")
	rows := [][2]string{
		{"Program commit", "`" + report.ProgramCommit + "`"},
		{"Stack", report.Stack},
		{"Region", fmt.Sprintf("%s (partition %s, account %s)", report.Region, report.Partition, report.Account)},
		{"Jurisdiction", fmt.Sprintf("%s (%s)", report.Jurisdiction, strings.Join(report.Laws, ", "))},
		{"Resource graph", report.Source},
		{"Generated", report.GeneratedAt.Format("2006-01-02 15:04:05 UTC")},
		{"Result", fmt.Sprintf("%d of %d rules pass, %d fail", report.Summary.Passed, report.Summary.Rules, report.Summary.Failed)},
	}
	for _, row := range rows {
		fmt.Fprintf(&out, "| %s | %s |\n", row[0], row[1])
	}
	fmt.Fprintf(&out, "\n> %s\n\n", report.Disclaimer)

	fmt.Fprintf(&out, "## Isolation boundaries\n\n```mermaid\n%s```\n\n", report.Diagram)

	fmt.Fprintf(&out, "## Rules\n\n| ID | Statement | Articles | Verdict | Resources checked |\n| --- | --- | --- | --- | --- |\n")
	for _, result := range report.Rules {
		verdict := "pass"
		if result.Status == rules.Fail {
			verdict = "**FAIL**"
		}
		fmt.Fprintf(&out, "| %s | %s | %s | %s | %d |\n", result.ID, escape(result.Statement),
			strings.Join(result.Articles, "; "), verdict, len(result.Resources))
	}

	failed := rules.Failed(report.Rules)
	if len(failed) > 0 {
		fmt.Fprintf(&out, "\n## Failures\n")
		for _, result := range failed {
			fmt.Fprintf(&out, "\n### %s\n\n", result.ID)
			for _, violation := range result.Violations {
				fmt.Fprintf(&out, "- `%s`: %s\n", violation.URN, escape(violation.Reason))
			}
		}
	}

	fmt.Fprintf(&out, "\n## Resources checked\n")
	for _, result := range report.Rules {
		fmt.Fprintf(&out, "\n<details><summary>%s: %s</summary>\n\n", result.ID, escape(result.Message))
		for _, urn := range result.Resources {
			fmt.Fprintf(&out, "- `%s`\n", urn)
		}
		fmt.Fprintf(&out, "\n</details>\n")
	}
	return out.String()
}

func escape(text string) string {
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;").Replace(text)
}

var nodeIDPattern = regexp.MustCompile(`[^A-Za-z0-9]`)

// nodeID builds a Mermaid node ID for a domain's node. The "domain_" prefix keeps domain names such
// as "gateway" or "region" from colliding with the diagram's fixed nodes.
func nodeID(parts ...string) string {
	return "domain_" + nodeIDPattern.ReplaceAllString(strings.Join(parts, "_"), "_")
}

// Diagram draws the region's isolation boundaries as a Mermaid flowchart: the gateway outside,
// the region boundary, and one boundary per domain with its VPC, listener, service, database and
// key, as the graph has them.
func Diagram(expectation rules.Expectation, g *graph.Graph) string {
	var out strings.Builder
	out.WriteString("flowchart LR\n")
	vendor := expectation.GatewayVendor
	gateway := map[string]string{"apigee": "Apigee, over the internet with mutual TLS", "axway": "Axway, inside the region over PrivateLink"}[vendor]
	if gateway == "" {
		gateway = vendor
	}
	fmt.Fprintf(&out, "  gateway[\"%s\"]\n", gateway)
	fmt.Fprintf(&out, "  subgraph region[\"%s, partition %s: %s data stays here\"]\n", expectation.Region,
		expectation.Partition, strings.Join(expectation.Laws, ", "))
	entry := "entry"
	if vendor == "apigee" {
		fmt.Fprintf(&out, "    %s[\"API Gateway REST API, custom domain only\"]\n", entry)
	} else {
		fmt.Fprintf(&out, "    %s[\"endpoint services, acceptance required\"]\n", entry)
	}

	domains := map[string]map[string][]graph.Resource{}
	var names []string
	for _, component := range g.OfType("residency:region:DataDomain") {
		names = append(names, component.Name())
		domains[component.Name()] = map[string][]graph.Resource{}
	}
	sort.Strings(names)
	// Graphs list parents before children, so one pass finds the domain of every resource.
	domainOf := map[string]string{}
	for _, resource := range g.Resources {
		domain := domainOf[resource.Parent]
		if resource.Type == "residency:region:DataDomain" {
			domain = resource.Name()
		}
		domainOf[resource.URN] = domain
		if kinds, ok := domains[domain]; ok {
			kinds[resource.Type] = append(kinds[resource.Type], resource)
		}
	}
	for _, name := range names {
		kinds := domains[name]
		cidr := ""
		if vpcs := kinds["aws:ec2/vpc:Vpc"]; len(vpcs) > 0 {
			cidr, _ = vpcs[0].Inputs["cidrBlock"].(string)
		}
		id := nodeID(name)
		fmt.Fprintf(&out, "    subgraph %s[\"domain %s: VPC %s, no internet route\"]\n", id, name, cidr)
		fmt.Fprintf(&out, "      %s[\"internal NLB\"] --> %s[\"ECS Fargate service, no public IP\"]\n", nodeID(name, "nlb"), nodeID(name, "ecs"))
		fmt.Fprintf(&out, "      %s --> %s[(\"Aurora PostgreSQL, TLS only\")]\n", nodeID(name, "ecs"), nodeID(name, "db"))
		fmt.Fprintf(&out, "      %s{{\"KMS key of %s\"}} -. encrypts .-> %s\n", nodeID(name, "key"), name, nodeID(name, "db"))
		out.WriteString("    end\n")
		fmt.Fprintf(&out, "    %s --> %s\n", entry, nodeID(name, "nlb"))
	}
	out.WriteString("  end\n")
	fmt.Fprintf(&out, "  gateway --> %s\n", entry)
	return out.String()
}
