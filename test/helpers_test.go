// Package test holds the Terratest suites: the isolation suite under the offline engine, the
// mutation cases that prove every rule can fail, and (behind the live build tag) the suite for
// real accounts.
package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gruntwork-io/terratest/modules/logger"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/stretchr/testify/require"

	"github.com/example/residency/graph"
	"github.com/example/residency/offline"
	"github.com/example/residency/program"
	"github.com/example/residency/regions"
)

// stacksDir is the folder of the shipped stack files, seen from this package's folder.
const stacksDir = "../stacks"

// shippedStack is a shipped stack's model and the graph the offline engine recorded for it.
type shippedStack struct {
	model regions.Stack
	graph *graph.Graph
}

var (
	shippedOnce   sync.Once
	shippedStacks map[string]shippedStack
	shippedErr    error
)

// planShippedStacks runs every shipped stack under the offline engine once per test binary.
// Callers get their own copy of each graph, so mutations never leak between tests.
func planShippedStacks(t *testing.T) map[string]shippedStack {
	t.Helper()
	shippedOnce.Do(func() {
		files, err := regions.LoadDir(stacksDir)
		if err != nil {
			shippedErr = err
			return
		}
		shippedStacks = map[string]shippedStack{}
		for _, file := range files {
			result, err := offline.Run(file.Model.Name, file.Config, program.New(stacksDir))
			if err != nil {
				shippedErr = err
				return
			}
			shippedStacks[file.Model.Name] = shippedStack{model: file.Model, graph: result}
		}
	})
	require.NoError(t, shippedErr, "planning the shipped stacks")
	copies := make(map[string]shippedStack, len(shippedStacks))
	for name, stack := range shippedStacks {
		copies[name] = shippedStack{model: stack.model, graph: copyGraph(t, stack.graph)}
	}
	return copies
}

// copyGraph returns a deep copy of a graph.
func copyGraph(t *testing.T, original *graph.Graph) *graph.Graph {
	t.Helper()
	encoded, err := json.Marshal(original.Resources)
	require.NoError(t, err)
	var resources []graph.Resource
	require.NoError(t, json.Unmarshal(encoded, &resources))
	return &graph.Graph{Stack: original.Stack, Project: original.Project, Resources: resources}
}

// evidenceDir is the folder test runs write the compliance reports to: RESIDENCY_EVIDENCE_DIR when
// set, else out/evidence. A relative path counts from the top of the checkout, not from this
// package's folder, where `go test` runs.
func evidenceDir() string {
	dir := os.Getenv("RESIDENCY_EVIDENCE_DIR")
	if dir == "" {
		dir = filepath.Join("out", "evidence")
	}
	if filepath.IsAbs(dir) {
		return dir
	}
	return filepath.Join("..", dir)
}

// resourceNamed returns the one resource of a type whose logical name is name.
func resourceNamed(t *testing.T, g *graph.Graph, typ, name string) *graph.Resource {
	t.Helper()
	var found *graph.Resource
	for i := range g.Resources {
		if g.Resources[i].Type == typ && g.Resources[i].Name() == name {
			require.Nil(t, found, "more than one %s named %s", typ, name)
			found = &g.Resources[i]
		}
	}
	require.NotNil(t, found, "no %s named %s in stack %s", typ, name, g.Stack)
	return found
}

// componentNamed returns the URN of the component of a type with a logical name.
func componentNamed(t *testing.T, g *graph.Graph, typ, name string) string {
	t.Helper()
	return resourceNamed(t, g, typ, name).URN
}

// providerOf returns the provider reference that the stack's resources use.
func providerOf(t *testing.T, g *graph.Graph) string {
	t.Helper()
	for _, resource := range g.Resources {
		if resource.Custom && strings.HasPrefix(resource.Type, "aws:") && resource.Provider != "" {
			return resource.Provider
		}
	}
	require.Fail(t, "stack has no resource with a provider")
	return ""
}

// addResource appends a custom AWS resource, managed by the stack's provider, to a graph as a
// seeded violation, with the URN the Pulumi engine would give it under parent.
func addResource(t *testing.T, g *graph.Graph, parent, typ, name string, inputs map[string]any) *graph.Resource {
	t.Helper()
	parentURN := resource.URN(parent)
	parentType := tokens.Type("")
	if parentURN.QualifiedType() != graph.StackType {
		parentType = parentURN.QualifiedType()
	}
	urn := resource.NewURN(parentURN.Stack(), parentURN.Project(), parentType, tokens.Type(typ), name)
	g.Resources = append(g.Resources, graph.Resource{
		URN:      string(urn),
		Custom:   true,
		ID:       name + "-seeded",
		Type:     typ,
		Parent:   parent,
		Provider: providerOf(t, g),
		Inputs:   inputs,
		Outputs:  map[string]any{},
	})
	logger.Logf(t, "seeded %s", urn)
	return &g.Resources[len(g.Resources)-1]
}
