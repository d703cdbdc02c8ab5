// Package rules holds the isolation rules of the platform. Each rule has a stable ID, a one-line
// statement and the law articles it supports, and gives a verdict per stack with the resources it
// checked. Rules read one normalized resource graph, so they run the same on the offline engine's
// graph, on the export of a deployed stack, and in the live suite.
package rules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/example/residency/graph"
	"github.com/example/residency/regions"
)

// Status is the verdict of a rule on one stack.
type Status string

// Verdicts.
const (
	Pass Status = "pass"
	Fail Status = "fail"
)

// Result is a rule's verdict on one stack. Its JSON form is part of the output of
// `residency plan --json` and `residency check`, which other tools read.
type Result struct {
	ID        string   `json:"id"`
	Statement string   `json:"statement"`
	Articles  []string `json:"articles"`
	Status    Status   `json:"status"`
	// Resources lists the URNs the rule looked at.
	Resources []string `json:"resources"`
	Message   string   `json:"message"`
	// Violations lists, on failure, each resource that broke the rule and how.
	Violations []Violation `json:"violations,omitempty"`
}

// Violation is one resource that breaks a rule.
type Violation struct {
	URN    string `json:"urn"`
	Reason string `json:"reason"`
}

// Expectation is the set of facts from the model that the rules hold a stack's graph against.
type Expectation struct {
	Stack     string
	Region    string
	Partition string
	Account   string
	// Laws lists the laws of the stack's jurisdiction. Results carry only the articles of these laws.
	Laws []string
	// Production is true unless the stack is ephemeral. Data-protection rules apply only to production.
	Production bool
	// GatewayVendor is the vendor the jurisdiction prescribes.
	GatewayVendor string
	// GatewayAccounts lists the accounts allowed to connect to endpoint services, when known.
	GatewayAccounts []string
	// AllowedCIDRs lists the gateway's egress addresses, when known.
	AllowedCIDRs []string
	// Domains lists the data domains the stack must have, when known.
	Domains []string
}

// ExpectationFor derives the expectation from a validated stack model.
func ExpectationFor(stack regions.Stack) Expectation {
	facts := stack.Facts()
	expectation := Expectation{
		Stack:         stack.Name,
		Region:        stack.Region,
		Partition:     stack.Partition,
		Account:       stack.AccountID,
		Laws:          facts.Laws,
		Production:    stack.Production(),
		GatewayVendor: facts.GatewayVendor,
	}
	for _, domain := range stack.Domains {
		expectation.Domains = append(expectation.Domains, domain.Name)
	}
	if stack.Gateway.Axway != nil {
		expectation.GatewayAccounts = stack.Gateway.Axway.AllowedAccountIDs
	}
	if stack.Gateway.Apigee != nil {
		expectation.AllowedCIDRs = stack.Gateway.Apigee.AllowedCIDRs
	}
	return expectation
}

// ExpectationFromGraph derives the expectation of a stack whose model is not at hand, such as the
// export of a deployed stack without its stack file. The region and account come from the stack's
// AWS provider and the domains from its data-domain components. The stack counts as production,
// because that is the stricter choice.
func ExpectationFromGraph(g *graph.Graph) (Expectation, error) {
	providers := g.OfType(graph.AWSProviderType)
	if len(providers) == 0 {
		return Expectation{}, fmt.Errorf("deriving expectation of stack (%s): the graph has no explicit aws provider; pass the stack file", g.Stack)
	}
	provider := providers[0]
	region, _ := provider.Inputs["region"].(string)
	account := ""
	if accounts := stringList(graph.DecodeJSON(provider.Inputs["allowedAccountIds"])); len(accounts) > 0 {
		account = accounts[0]
	}
	facts, known := regions.Lookup(region)
	if !known {
		return Expectation{}, fmt.Errorf("deriving expectation of stack (%s): provider region %q is not a known region", g.Stack, region)
	}
	expectation := Expectation{
		Stack:         g.Stack,
		Region:        region,
		Partition:     facts.PartitionID,
		Account:       account,
		Laws:          facts.Laws,
		Production:    true,
		GatewayVendor: facts.GatewayVendor,
	}
	for _, component := range g.OfType(dataDomainType) {
		expectation.Domains = append(expectation.Domains, component.Name())
	}
	return expectation, nil
}

// rule is one entry of the catalog.
type rule struct {
	id        string
	statement string
	// articles maps a law to the articles the rule supports. It is a control mapping for auditors,
	// not legal advice.
	articles map[string][]string
	check    func(c *checker)
}

// Catalog lists every rule's ID and statement, in order.
func Catalog() []Result {
	results := make([]Result, len(catalog))
	for i, entry := range catalog {
		results[i] = Result{ID: entry.id, Statement: entry.statement, Articles: allArticles(entry.articles)}
	}
	return results
}

func allArticles(articles map[string][]string) []string {
	var all []string
	for _, law := range []string{"GDPR", "VCDPA", "PIPL"} {
		for _, article := range articles[law] {
			all = append(all, law+" "+article)
		}
	}
	return all
}

// Evaluate runs every rule on a stack's graph.
func Evaluate(g *graph.Graph, expectation Expectation) []Result {
	index := newIndex(g)
	results := make([]Result, 0, len(catalog))
	for _, entry := range catalog {
		c := &checker{index: index, expect: expectation, checked: map[string]bool{}}
		entry.check(c)
		results = append(results, c.result(entry))
	}
	return results
}

// Failed returns the results that failed.
func Failed(results []Result) []Result {
	var failed []Result
	for _, result := range results {
		if result.Status == Fail {
			failed = append(failed, result)
		}
	}
	return failed
}

// checker collects what one rule looked at and what broke it.
type checker struct {
	*index
	expect     Expectation
	checked    map[string]bool
	violations []Violation
	notes      []string
}

// look records that the rule checked a resource.
func (c *checker) look(resource graph.Resource) {
	c.checked[resource.URN] = true
}

// fail records a violation by a resource.
func (c *checker) fail(resource graph.Resource, format string, args ...any) {
	c.checked[resource.URN] = true
	c.violations = append(c.violations, Violation{URN: resource.URN, Reason: fmt.Sprintf(format, args...)})
}

// failStack records a violation of the stack as a whole, such as a missing resource.
func (c *checker) failStack(format string, args ...any) {
	c.violations = append(c.violations, Violation{URN: c.stackURN(), Reason: fmt.Sprintf(format, args...)})
}

// note adds a sentence to a passing result's message.
func (c *checker) note(format string, args ...any) {
	c.notes = append(c.notes, fmt.Sprintf(format, args...))
}

func (c *checker) result(entry rule) Result {
	resources := make([]string, 0, len(c.checked))
	for urn := range c.checked {
		resources = append(resources, urn)
	}
	sort.Strings(resources)
	var articles []string
	for _, law := range c.expect.Laws {
		for _, article := range entry.articles[law] {
			articles = append(articles, law+" "+article)
		}
	}
	result := Result{
		ID:        entry.id,
		Statement: entry.statement,
		Articles:  articles,
		Status:    Pass,
		Resources: resources,
	}
	if len(c.violations) == 0 {
		result.Message = fmt.Sprintf("checked %d resources", len(resources))
		if len(c.notes) > 0 {
			result.Message += "; " + strings.Join(c.notes, "; ")
		}
		return result
	}
	result.Status = Fail
	result.Violations = c.violations
	reasons := make([]string, 0, len(c.violations))
	for _, violation := range c.violations {
		reasons = append(reasons, fmt.Sprintf("%s: %s", graph.NameOf(violation.URN), violation.Reason))
	}
	result.Message = fmt.Sprintf("%d violation(s): %s", len(c.violations), strings.Join(reasons, "; "))
	return result
}

// catalog lists every rule in the order reports show them.
var catalog = concat(residencyRules, separationRules, gatewayRules, protectionRules)

func concat(groups ...[]rule) []rule {
	var all []rule
	for _, group := range groups {
		all = append(all, group...)
	}
	return all
}
