package graph

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
)

// ReadExport reads the output of `pulumi stack export` (deployment version 3) into a graph.
// Resources pending deletion are left out, because they are no longer part of the stack. Every
// URN must be well formed and name the same stack and project.
func ReadExport(reader io.Reader) (*Graph, error) {
	var untyped apitype.UntypedDeployment
	decoder := json.NewDecoder(reader)
	if err := decoder.Decode(&untyped); err != nil {
		return nil, fmt.Errorf("reading stack export: %w", err)
	}
	if decoder.More() {
		return nil, fmt.Errorf("reading stack export: unexpected data after the deployment document; pass the output of one `pulumi stack export`")
	}
	if untyped.Version != 3 {
		return nil, fmt.Errorf("reading stack export: deployment version %d is not supported; export with a Pulumi CLI of v3.0 or later", untyped.Version)
	}
	var deployment apitype.DeploymentV3
	if err := json.Unmarshal(untyped.Deployment, &deployment); err != nil {
		return nil, fmt.Errorf("reading stack export: %w", err)
	}
	result := &Graph{}
	for i, state := range deployment.Resources {
		if state.Delete {
			continue
		}
		urn, err := resource.ParseURN(string(state.URN))
		if err != nil {
			return nil, fmt.Errorf("reading stack export: resource %d has an invalid URN %q: %w", i, state.URN, err)
		}
		stack, project := string(urn.Stack()), string(urn.Project())
		if !stackNamePattern.MatchString(stack) {
			return nil, fmt.Errorf("reading stack export: resource %d names stack %q, which is not a valid stack name", i, stack)
		}
		if result.Stack == "" {
			result.Stack, result.Project = stack, project
		} else if stack != result.Stack || project != result.Project {
			return nil, fmt.Errorf("reading stack export: resource %s belongs to stack %s of project %s, not %s of %s",
				urn, stack, project, result.Stack, result.Project)
		}
		result.Resources = append(result.Resources, fromState(state))
	}
	if len(result.Resources) == 0 {
		return nil, fmt.Errorf("reading stack export: the deployment has no resources; export a stack that has been deployed")
	}
	return result, nil
}

// stackNamePattern matches the stack names Pulumi accepts, without an organization or project.
var stackNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

func fromState(state apitype.ResourceV3) Resource {
	dependencies := make([]string, len(state.Dependencies))
	for i, urn := range state.Dependencies {
		dependencies[i] = string(urn)
	}
	return Resource{
		URN:            string(state.URN),
		Custom:         state.Custom,
		ID:             string(state.ID),
		Type:           string(state.Type),
		Parent:         string(state.Parent),
		Provider:       state.Provider,
		Inputs:         nonNil(state.Inputs),
		Outputs:        nonNil(state.Outputs),
		Protect:        state.Protect,
		RetainOnDelete: state.RetainOnDelete,
		Dependencies:   dependencies,
	}
}

// WriteExport writes the graph as a `pulumi stack export` document that `pulumi stack import`
// accepts.
func (g *Graph) WriteExport(writer io.Writer) error {
	// The CLI checks the magic cookie, the SHA-256 of the manifest version, on `pulumi stack import`.
	version := "v3.276.0"
	deployment := apitype.DeploymentV3{
		Manifest: apitype.ManifestV1{
			Time:    time.Now().UTC(),
			Version: version,
			Magic:   fmt.Sprintf("%x", sha256.Sum256([]byte(version))),
		},
	}
	for _, item := range g.Resources {
		dependencies := make([]resource.URN, len(item.Dependencies))
		for i, urn := range item.Dependencies {
			dependencies[i] = resource.URN(urn)
		}
		deployment.Resources = append(deployment.Resources, apitype.ResourceV3{
			URN:            resource.URN(item.URN),
			Custom:         item.Custom,
			ID:             resource.ID(item.ID),
			Type:           tokens.Type(item.Type),
			Parent:         resource.URN(item.Parent),
			Provider:       item.Provider,
			Inputs:         item.Inputs,
			Outputs:        item.Outputs,
			Protect:        item.Protect,
			RetainOnDelete: item.RetainOnDelete,
			Dependencies:   dependencies,
		})
	}
	encoded, err := json.Marshal(deployment)
	if err != nil {
		return fmt.Errorf("writing stack export: %w", err)
	}
	untyped := apitype.UntypedDeployment{Version: 3, Deployment: encoded}
	encoder := json.NewEncoder(writer)
	encoder.SetIndent("", "  ")
	if err := encoder.Encode(untyped); err != nil {
		return fmt.Errorf("writing stack export: %w", err)
	}
	return nil
}

func nonNil(values map[string]any) map[string]any {
	if values == nil {
		return map[string]any{}
	}
	return values
}
