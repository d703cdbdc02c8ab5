package rules

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/example/residency/graph"
)

// Component types the rules find domains and gateways by.
const (
	dataDomainType   = "residency:region:DataDomain"
	apigeeType       = "residency:gateway:ApigeeIngress"
	axwayType        = "residency:gateway:AxwayPrivateLink"
	domainTagKey     = "DataDomain"
	gatewayDomainTag = "gateway"
)

// index maps each resource of a graph to its data domain, and each ID or ARN to the resource
// that owns it.
type index struct {
	graph  *graph.Graph
	byURN  map[string]graph.Resource
	domain map[string]string
	owner  map[string]string
}

func newIndex(g *graph.Graph) *index {
	idx := &index{graph: g, byURN: map[string]graph.Resource{}, domain: map[string]string{}, owner: map[string]string{}}
	for _, resource := range g.Resources {
		idx.byURN[resource.URN] = resource
	}
	for _, resource := range g.Resources {
		idx.domain[resource.URN] = idx.findDomain(resource)
		if !resource.Custom {
			continue
		}
		if resource.ID != "" {
			idx.owner[resource.ID] = resource.URN
		}
		if arn := text(resource.Outputs, "arn"); arn != "" {
			idx.owner[arn] = resource.URN
		}
	}
	return idx
}

// findDomain walks up the parents to a data-domain component. A resource outside any component
// belongs to the domain its DataDomain tag names.
func (idx *index) findDomain(resource graph.Resource) string {
	for current, seen := resource, 0; seen < 64; seen++ {
		if current.Type == dataDomainType {
			return current.Name()
		}
		parent, ok := idx.byURN[current.Parent]
		if !ok {
			break
		}
		current = parent
	}
	for _, values := range []map[string]any{resource.Outputs, resource.Inputs} {
		for _, key := range []string{"tagsAll", "tags"} {
			if tags, ok := values[key].(map[string]any); ok {
				if domain, ok := tags[domainTagKey].(string); ok && domain != gatewayDomainTag {
					return domain
				}
			}
		}
	}
	return ""
}

// domainOf returns the data domain a resource belongs to, or "" for stack-level resources.
func (idx *index) domainOf(resource graph.Resource) string {
	return idx.domain[resource.URN]
}

// resolve returns the resource an ID or ARN names.
func (idx *index) resolve(reference string) (graph.Resource, bool) {
	urn, ok := idx.owner[reference]
	if !ok {
		return graph.Resource{}, false
	}
	return idx.byURN[urn], true
}

// ofType returns the resources of a type.
func (idx *index) ofType(typ string) []graph.Resource {
	return idx.graph.OfType(typ)
}

// inDomain returns the resources of a type that belong to a domain.
func (idx *index) inDomain(domain, typ string) []graph.Resource {
	var found []graph.Resource
	for _, resource := range idx.graph.OfType(typ) {
		if idx.domainOf(resource) == domain {
			found = append(found, resource)
		}
	}
	return found
}

// domains returns the names of the data domains in the graph, sorted.
func (idx *index) domains() []string {
	var names []string
	for _, component := range idx.graph.OfType(dataDomainType) {
		names = append(names, component.Name())
	}
	sort.Strings(names)
	return names
}

// awsResources returns the custom resources of the aws package.
func (idx *index) awsResources() []graph.Resource {
	var found []graph.Resource
	for _, resource := range idx.graph.Resources {
		if resource.Custom && strings.HasPrefix(resource.Type, "aws:") {
			found = append(found, resource)
		}
	}
	return found
}

func (idx *index) stackURN() string {
	for _, resource := range idx.graph.Resources {
		if resource.Type == graph.StackType {
			return resource.URN
		}
	}
	return "urn:pulumi:" + idx.graph.Stack + "::" + idx.graph.Project + "::" + graph.StackType + "::" + idx.graph.Stack
}

// text returns a string value at a dotted path.
func text(values map[string]any, path string) string {
	value, _ := lookup(values, path).(string)
	return value
}

// flag returns a boolean value at a dotted path, and whether it is set.
func flag(values map[string]any, path string) (bool, bool) {
	value, ok := lookup(values, path).(bool)
	return value, ok
}

// number returns a numeric value at a dotted path, and whether it is set.
func number(values map[string]any, path string) (float64, bool) {
	switch value := lookup(values, path).(type) {
	case float64:
		return value, true
	case int:
		return float64(value), true
	case int64:
		return float64(value), true
	case json.Number:
		parsed, err := value.Float64()
		return parsed, err == nil
	}
	return 0, false
}

func lookup(values map[string]any, path string) any {
	var current any = values
	for _, part := range strings.Split(path, ".") {
		object, ok := current.(map[string]any)
		if !ok {
			return nil
		}
		current = object[part]
	}
	return current
}

// stringList returns a list of strings from a list value or a single string.
func stringList(value any) []string {
	switch typed := value.(type) {
	case string:
		return []string{typed}
	case []any:
		var items []string
		for _, item := range typed {
			if text, ok := item.(string); ok {
				items = append(items, text)
			}
		}
		return items
	case []string:
		return typed
	}
	return nil
}

// statement is one statement of a policy document read from a graph.
type statement struct {
	Sid           string
	Effect        string
	AWSPrincipals []string
	Services      []string
	AnyPrincipal  bool
	Actions       []string
	NotActions    []string
	Resources     []string
	Condition     map[string]any
}

// statements parses a policy document from a JSON string or a decoded value.
func statements(policy any) []statement {
	document, ok := graph.DecodeJSON(policy).(map[string]any)
	if !ok {
		return nil
	}
	var raw []any
	switch value := document["Statement"].(type) {
	case []any:
		raw = value
	case map[string]any:
		raw = []any{value}
	}
	var parsed []statement
	for _, item := range raw {
		object, ok := item.(map[string]any)
		if !ok {
			continue
		}
		entry := statement{
			Effect:     stringValue(object["Effect"]),
			Sid:        stringValue(object["Sid"]),
			Actions:    stringList(object["Action"]),
			NotActions: stringList(object["NotAction"]),
			Resources:  stringList(object["Resource"]),
		}
		entry.Condition, _ = object["Condition"].(map[string]any)
		switch principal := object["Principal"].(type) {
		case string:
			entry.AnyPrincipal = principal == "*"
		case map[string]any:
			entry.AWSPrincipals = stringList(principal["AWS"])
			entry.Services = stringList(principal["Service"])
			for _, arn := range entry.AWSPrincipals {
				if arn == "*" {
					entry.AnyPrincipal = true
				}
			}
		}
		parsed = append(parsed, entry)
	}
	return parsed
}

func stringValue(value any) string {
	text, _ := value.(string)
	return text
}

// conditionValues returns the values of a condition key under an operator.
func (s statement) conditionValues(operator, key string) []string {
	values, ok := s.Condition[operator].(map[string]any)
	if !ok {
		return nil
	}
	return stringList(values[key])
}

// allStrings calls visit with every string anywhere in a value.
func allStrings(value any, visit func(string)) {
	switch typed := value.(type) {
	case string:
		visit(typed)
	case map[string]any:
		for _, item := range typed {
			allStrings(item, visit)
		}
	case []any:
		for _, item := range typed {
			allStrings(item, visit)
		}
	}
}

func contains(values []string, value string) bool {
	for _, item := range values {
		if item == value {
			return true
		}
	}
	return false
}
