// Package offline runs the Pulumi program in process under the SDK's mocks, with a simulated AWS.
// The simulation responds to every registration the way the AWS provider would where the
// isolation rules care: IDs in AWS formats, ARNs of the provider's partition, region and account,
// and the computed outputs that other resources reference. The engine records every registration,
// components included, as a resource graph.
package offline

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/example/residency/graph"
	"github.com/example/residency/regions"
)

// Project is the Pulumi project name, as in Pulumi.yaml.
const Project = "residency"

// DefaultProviderError is returned for a resource registered without an explicit provider while
// the stack config disables the default provider, as the Pulumi engine would fail the preview.
type DefaultProviderError struct {
	// Type is the resource's type token.
	Type string
	// Name is the resource's logical name.
	Name string
}

func (e *DefaultProviderError) Error() string {
	return fmt.Sprintf("registering resource (%s %s): the default provider for package aws is disabled by %s; pass the stack's explicit provider",
		e.Type, e.Name, regions.DisableDefaultProvidersKey)
}

// Engine is a mocked resource monitor that simulates AWS and records the resource graph.
// Registrations arrive on many goroutines, so every field is guarded by mu.
type Engine struct {
	stack  string
	config map[string]string

	mu        sync.Mutex
	resources []graph.Resource
	urns      map[string]bool
	providers map[string]providerState
}

// providerState is the region, account and default tags of an AWS provider instance.
type providerState struct {
	region      string
	account     string
	defaultTags map[string]any
}

// Run runs program for a stack under the offline engine with the stack's config, as the Pulumi CLI
// would pass it, and returns the recorded graph. An error from the program, or a resource that
// needs a disabled default provider, fails the run.
func Run(stack string, config map[string]string, program pulumi.RunFunc) (*graph.Graph, error) {
	engine := NewEngine(stack, config)
	if err := engine.Run(program); err != nil {
		return nil, err
	}
	return engine.Graph(), nil
}

// NewEngine returns an engine for one run of a stack with the stack's config. Most callers use
// Run; NewEngine is for callers that need the graph of a failed run.
func NewEngine(stack string, config map[string]string) *Engine {
	return &Engine{stack: stack, config: config, urns: map[string]bool{}, providers: map[string]providerState{}}
}

// Run runs program under the engine. After a failed run, Graph returns what was registered before
// the failure.
func (e *Engine) Run(program pulumi.RunFunc) error {
	withConfig := func(info *pulumi.RunInfo) {
		info.Config = e.config
	}
	err := pulumi.RunErr(program, pulumi.WithMocks(Project, e.stack, e), withConfig)
	if err != nil {
		return fmt.Errorf("running stack (%s) under the offline engine: %w", e.stack, err)
	}
	return nil
}

// Graph returns what was recorded, with the root stack resource first and every resource after
// its parent, provider and dependencies.
func (e *Engine) Graph() *graph.Graph {
	e.mu.Lock()
	defer e.mu.Unlock()
	root := graph.Resource{
		URN:     e.urn("", graph.StackType, Project+"-"+e.stack),
		Type:    graph.StackType,
		Inputs:  map[string]any{},
		Outputs: map[string]any{},
	}
	resources := append([]graph.Resource{root}, e.resources...)
	return &graph.Graph{Stack: e.stack, Project: Project, Resources: graph.Sort(resources)}
}

// urn builds a URN as the Pulumi engine does: the parent's qualified type chain, then the type.
func (e *Engine) urn(parent, typ, name string) string {
	parentType := tokens.Type("")
	if parentURN := resource.URN(parent); parentURN != "" && parentURN.QualifiedType() != graph.StackType {
		parentType = parentURN.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(e.stack), tokens.PackageName(Project), parentType, tokens.Type(typ),
		name))
}

// NewResource returns, for a registration, the ID and outputs that AWS would produce.
func (e *Engine) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	request := args.RegisterRPC
	parent := ""
	var dependencies []string
	protect, retain := false, false
	if request != nil {
		parent = request.GetParent()
		dependencies = request.GetDependencies()
		protect = request.GetProtect()
		retain = request.GetRetainOnDelete()
	}
	urn := e.urn(parent, args.TypeToken, args.Name)
	// The Pulumi engine rejects a second registration of a URN, so the simulation does too.
	e.mu.Lock()
	duplicate := e.urns[urn]
	e.urns[urn] = true
	e.mu.Unlock()
	if duplicate {
		return "", nil, fmt.Errorf("registering resource (%s %s): duplicate URN %s; give each resource a unique name",
			args.TypeToken, args.Name, urn)
	}
	inputs := plain(args.Inputs)
	recorded := graph.Resource{
		URN:            urn,
		Custom:         args.Custom,
		Type:           args.TypeToken,
		Parent:         parent,
		Provider:       args.Provider,
		Inputs:         inputs,
		Protect:        protect,
		RetainOnDelete: retain,
		Dependencies:   dependencies,
	}

	var id string
	var outputs map[string]any
	switch {
	case !args.Custom:
		outputs = map[string]any{}
	case args.TypeToken == graph.AWSProviderType:
		id = uuidFrom(urn)
		outputs = copyMap(inputs)
		e.rememberProvider(urn+"::"+id, inputs)
	default:
		state, err := e.providerFor(args)
		if err != nil {
			return "", nil, err
		}
		id, outputs = simulate(resourceContext{
			urn: urn, name: args.Name, typ: args.TypeToken, inputs: inputs, provider: state,
		})
	}
	recorded.ID = id
	recorded.Outputs = outputs

	e.mu.Lock()
	e.resources = append(e.resources, recorded)
	e.mu.Unlock()
	return id, resource.NewPropertyMapFromMap(outputs), nil
}

// Call rejects provider function invocations. The program makes none, because every fact it needs
// comes from the model, so any call is a mistake that would need a cloud account.
func (e *Engine) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return nil, fmt.Errorf("invoking function (%s): the offline engine simulates no functions; take the value from the model", args.Token)
}

func (e *Engine) rememberProvider(reference string, inputs map[string]any) {
	state := providerState{}
	state.region, _ = inputs["region"].(string)
	switch accounts := graph.DecodeJSON(inputs["allowedAccountIds"]).(type) {
	case []any:
		if len(accounts) > 0 {
			state.account, _ = accounts[0].(string)
		}
	}
	if tags, ok := graph.DecodeJSON(inputs["defaultTags"]).(map[string]any); ok {
		state.defaultTags, _ = tags["tags"].(map[string]any)
	}
	e.mu.Lock()
	e.providers[reference] = state
	e.mu.Unlock()
}

func (e *Engine) providerFor(args pulumi.MockResourceArgs) (providerState, error) {
	if args.Provider == "" {
		if e.defaultProviderDisabled(args.TypeToken) {
			return providerState{}, &DefaultProviderError{Type: args.TypeToken, Name: args.Name}
		}
		// A default provider reads aws:region from the config; the account is unknown offline.
		region := e.config["aws:region"]
		if region == "" {
			region = "us-east-1"
		}
		return providerState{region: region, account: "000000000000"}, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	state, ok := e.providers[args.Provider]
	if !ok {
		return providerState{}, fmt.Errorf("registering resource (%s %s): provider %s is not registered", args.TypeToken, args.Name, args.Provider)
	}
	return state, nil
}

func (e *Engine) defaultProviderDisabled(typ string) bool {
	var disabled []string
	if err := json.Unmarshal([]byte(e.config[regions.DisableDefaultProvidersKey]), &disabled); err != nil {
		return false
	}
	pkg, _, _ := strings.Cut(typ, ":")
	for _, name := range disabled {
		if name == pkg || name == "*" {
			return true
		}
	}
	return false
}

// plain turns a property map into JSON values; secrets become the text "[secret]" and unknown
// values, which mocks never produce, become "[unknown]".
func plain(properties resource.PropertyMap) map[string]any {
	result := make(map[string]any, len(properties))
	for key, value := range properties {
		if value.IsNull() {
			continue
		}
		result[string(key)] = plainValue(value)
	}
	return result
}

func plainValue(value resource.PropertyValue) any {
	switch {
	case value.IsSecret():
		return "[secret]"
	case value.IsComputed() || value.IsOutput() && !value.OutputValue().Known:
		return "[unknown]"
	case value.IsOutput():
		return plainValue(value.OutputValue().Element)
	case value.IsResourceReference():
		return string(value.ResourceReferenceValue().URN)
	case value.IsObject():
		return plain(value.ObjectValue())
	case value.IsArray():
		items := make([]any, len(value.ArrayValue()))
		for i, item := range value.ArrayValue() {
			items[i] = plainValue(item)
		}
		return items
	default:
		return value.V
	}
}

func copyMap(values map[string]any) map[string]any {
	result := make(map[string]any, len(values))
	for key, value := range values {
		result[key] = value
	}
	return result
}

// hexFrom derives n hex digits from a seed, so the same program gives the same IDs on every run.
func hexFrom(seed string, n int) string {
	var digits strings.Builder
	for counter := 0; digits.Len() < n; counter++ {
		sum := sha256.Sum256([]byte(fmt.Sprintf("%s#%d", seed, counter)))
		digits.WriteString(hex.EncodeToString(sum[:]))
	}
	return digits.String()[:n]
}

func uuidFrom(seed string) string {
	h := hexFrom(seed, 32)
	return fmt.Sprintf("%s-%s-4%s-a%s-%s", h[0:8], h[8:12], h[13:16], h[17:20], h[20:32])
}
