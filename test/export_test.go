package test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/residency/graph"
)

// TestExportOrder checks the order `pulumi stack import` requires: every resource comes after its
// parent, its provider and its dependencies.
func TestExportOrder(t *testing.T) {
	t.Parallel()
	for name, stack := range planShippedStacks(t) {
		position := map[string]int{}
		for i, resource := range stack.graph.Resources {
			position[resource.URN] = i
		}
		assert.Equal(t, graph.StackType, stack.graph.Resources[0].Type, "%s starts with the stack", name)
		for i, resource := range stack.graph.Resources {
			requires := append([]string{resource.Parent, graph.ProviderURN(resource.Provider)}, resource.Dependencies...)
			for _, urn := range requires {
				if urn == "" {
					continue
				}
				before, ok := position[urn]
				if assert.True(t, ok, "%s: %s refers to %s, which is not in the graph", name, resource.URN, urn) {
					assert.Less(t, before, i, "%s: %s comes before %s, which it needs", name, resource.URN, urn)
				}
			}
		}
	}
}

func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	stack := planShippedStacks(t)["cn-north-1"]
	var buffer bytes.Buffer
	require.NoError(t, stack.graph.WriteExport(&buffer))

	var untyped apitype.UntypedDeployment
	require.NoError(t, json.Unmarshal(buffer.Bytes(), &untyped))
	var deployment apitype.DeploymentV3
	require.NoError(t, json.Unmarshal(untyped.Deployment, &deployment))
	assert.Equal(t, 3, untyped.Version)
	assert.Equal(t, fmt.Sprintf("%x", sha256.Sum256([]byte(deployment.Manifest.Version))), deployment.Manifest.Magic,
		"the CLI rejects an import whose magic cookie does not match the manifest version")

	read, err := graph.ReadExport(bytes.NewReader(buffer.Bytes()))
	require.NoError(t, err)
	assert.Equal(t, "cn-north-1", read.Stack)
	assert.Equal(t, "residency", read.Project)
	require.Len(t, read.Resources, len(stack.graph.Resources))
	for i, resource := range read.Resources {
		original := stack.graph.Resources[i]
		assert.Equal(t, original.URN, resource.URN)
		assert.Equal(t, original.Provider, resource.Provider, "provider of %s", resource.URN)
		assert.Equal(t, original.Protect, resource.Protect, "protect of %s", resource.URN)
	}
}
