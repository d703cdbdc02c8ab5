// Package graph is the normalized resource graph of one stack, in the shape of the resources of a
// `pulumi stack export`. The offline engine builds it from a mocked run, and ReadExport builds it
// from the export of a deployed stack, so the isolation rules read one form.
package graph

import (
	"sort"
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

// SortTree orders resources so every parent comes before its children and siblings are sorted by
// URN, which makes the order the same on every run.
func SortTree(resources []Resource) []Resource {
	children := map[string][]Resource{}
	known := map[string]bool{}
	for _, resource := range resources {
		known[resource.URN] = true
	}
	var roots []Resource
	for _, resource := range resources {
		if resource.Parent == "" || !known[resource.Parent] {
			roots = append(roots, resource)
			continue
		}
		children[resource.Parent] = append(children[resource.Parent], resource)
	}
	sorted := make([]Resource, 0, len(resources))
	var visit func([]Resource)
	visit = func(level []Resource) {
		sort.SliceStable(level, func(i, j int) bool { return siblingKey(level[i]) < siblingKey(level[j]) })
		for _, resource := range level {
			sorted = append(sorted, resource)
			visit(children[resource.URN])
		}
	}
	visit(roots)
	return sorted
}

// siblingKey puts providers first, then components, then custom resources, each by URN.
func siblingKey(resource Resource) string {
	rank := "2"
	switch {
	case strings.HasPrefix(resource.Type, "pulumi:providers:"):
		rank = "0"
	case !resource.Custom:
		rank = "1"
	}
	return rank + resource.URN
}
