// Package graph is the normalized resource graph of one stack, in the shape of the resources of a
// `pulumi stack export`. The offline engine builds it from a mocked run, and ReadExport builds it
// from the export of a deployed stack, so the isolation rules read one form.
package graph

import (
	"container/heap"
	"encoding/json"
	"strings"
)

// Type tokens the graph treats specially.
const (
	StackType       = "pulumi:pulumi:Stack"
	AWSProviderType = "pulumi:providers:aws"
)

// Resource is one resource with the field names of a resource in `pulumi stack export`.
type Resource struct {
	URN            string         `json:"urn"`
	Custom         bool           `json:"custom"`
	ID             string         `json:"id,omitempty"`
	Type           string         `json:"type"`
	Parent         string         `json:"parent,omitempty"`
	Provider       string         `json:"provider,omitempty"`
	Inputs         map[string]any `json:"inputs"`
	Outputs        map[string]any `json:"outputs"`
	Protect        bool           `json:"protect"`
	RetainOnDelete bool           `json:"retainOnDelete,omitempty"`
	Dependencies   []string       `json:"dependencies,omitempty"`
}

// Name is the resource's logical name, the last part of its URN.
func (r Resource) Name() string {
	return NameOf(r.URN)
}

// NameOf returns the logical name in a URN.
func NameOf(urn string) string {
	if i := strings.LastIndex(urn, "::"); i >= 0 {
		return urn[i+2:]
	}
	return urn
}

// Graph is every resource of one stack.
type Graph struct {
	// Stack is the Pulumi stack name.
	Stack string
	// Project is the Pulumi project name.
	Project string
	// Resources lists the resources with parents before children.
	Resources []Resource
}

// ByURN returns the resource with a URN.
func (g *Graph) ByURN(urn string) (Resource, bool) {
	for _, resource := range g.Resources {
		if resource.URN == urn {
			return resource, true
		}
	}
	return Resource{}, false
}

// OfType returns the resources of a type token, in graph order.
func (g *Graph) OfType(typ string) []Resource {
	var found []Resource
	for _, resource := range g.Resources {
		if resource.Type == typ {
			found = append(found, resource)
		}
	}
	return found
}

// ProviderURN returns the URN part of a provider reference ("<urn>::<id>").
func ProviderURN(reference string) string {
	if i := strings.LastIndex(reference, "::"); i >= 0 {
		return reference[:i]
	}
	return reference
}

// Sort orders resources the way a Pulumi snapshot must be ordered: every resource after its
// parent, its provider and its dependencies, which `pulumi stack import` checks. Among resources
// whose order the references leave open, the one with the smaller sort key comes first, so the
// order is the same on every run although registrations arrive concurrently.
func Sort(resources []Resource) []Resource {
	byURN := map[string]int{}
	for i, resource := range resources {
		byURN[resource.URN] = i
	}
	waiting := make([]int, len(resources))
	dependents := make([][]int, len(resources))
	for i, resource := range resources {
		requires := append([]string{resource.Parent, ProviderURN(resource.Provider)}, resource.Dependencies...)
		seen := map[int]bool{}
		for _, urn := range requires {
			j, ok := byURN[urn]
			if !ok || j == i || seen[j] {
				continue
			}
			seen[j] = true
			waiting[i]++
			dependents[j] = append(dependents[j], i)
		}
	}
	ready := &readyQueue{keys: make([]string, len(resources))}
	for i, resource := range resources {
		ready.keys[i] = sortKey(resource)
	}
	for i := range resources {
		if waiting[i] == 0 {
			heap.Push(ready, i)
		}
	}
	sorted := make([]Resource, 0, len(resources))
	for ready.Len() > 0 {
		next := heap.Pop(ready).(int)
		sorted = append(sorted, resources[next])
		for _, dependent := range dependents[next] {
			waiting[dependent]--
			if waiting[dependent] == 0 {
				heap.Push(ready, dependent)
			}
		}
	}
	// A cycle cannot come from the Pulumi engine; keep such resources rather than lose them.
	if len(sorted) < len(resources) {
		placed := map[string]bool{}
		for _, resource := range sorted {
			placed[resource.URN] = true
		}
		for _, resource := range resources {
			if !placed[resource.URN] {
				sorted = append(sorted, resource)
			}
		}
	}
	return sorted
}

// readyQueue is a min-heap of resource indexes by sort key. Sort takes the smallest ready resource
// from it in O(log n), where sorting the ready list at every step took O(n² log n) in all.
type readyQueue struct {
	keys  []string
	items []int
}

func (q *readyQueue) Len() int           { return len(q.items) }
func (q *readyQueue) Less(i, j int) bool { return q.keys[q.items[i]] < q.keys[q.items[j]] }
func (q *readyQueue) Swap(i, j int)      { q.items[i], q.items[j] = q.items[j], q.items[i] }
func (q *readyQueue) Push(item any)      { q.items = append(q.items, item.(int)) }

func (q *readyQueue) Pop() any {
	last := q.items[len(q.items)-1]
	q.items = q.items[:len(q.items)-1]
	return last
}

// sortKey puts the stack first, then providers, then components, then custom resources, each by
// URN.
func sortKey(resource Resource) string {
	rank := "3"
	switch {
	case resource.Type == StackType:
		rank = "0"
	case strings.HasPrefix(resource.Type, "pulumi:providers:"):
		rank = "1"
	case !resource.Custom:
		rank = "2"
	}
	return rank + resource.URN
}

// DecodeJSON decodes a JSON document stored in a string input, such as a policy or a provider's
// allowedAccountIds. Other values, and strings that are not JSON, are returned unchanged.
func DecodeJSON(value any) any {
	text, ok := value.(string)
	if !ok {
		return value
	}
	var decoded any
	if err := json.Unmarshal([]byte(text), &decoded); err != nil {
		return value
	}
	return decoded
}
