package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/residency/regions"
)

// shippedStacks is the folder of the shipped stack files, seen from this package.
const shippedStacks = "../../stacks"

// documentedPlan is the JSON output of plan in the shape the README documents, declared here
// rather than taken from plan.go so that a change of the wire format fails the test.
type documentedPlan struct {
	Stacks []documentedStack `json:"stacks"`
}

type documentedStack struct {
	Stack     string               `json:"stack"`
	Region    string               `json:"region"`
	Partition string               `json:"partition"`
	Account   string               `json:"account"`
	Resources []documentedResource `json:"resources"`
}

type documentedResource struct {
	URN      string         `json:"urn"`
	Custom   bool           `json:"custom"`
	ID       string         `json:"id"`
	Type     string         `json:"type"`
	Parent   string         `json:"parent"`
	Provider string         `json:"provider"`
	Inputs   map[string]any `json:"inputs"`
	Outputs  map[string]any `json:"outputs"`
	Protect  bool           `json:"protect"`
}

// Name is the logical name, the last part of the URN.
func (r documentedResource) Name() string {
	return r.URN[strings.LastIndex(r.URN, "::")+2:]
}

// arnPattern matches an ARN anywhere in a string, policy documents included, and captures its
// partition and region.
var arnPattern = regexp.MustCompile(`arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):`)

func runCommand(t *testing.T, args ...string) (status int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	status = run(args, &out, &errOut)
	return status, out.String(), errOut.String()
}

// planJSON runs plan --json on a stacks folder and decodes its output.
func planJSON(t *testing.T, args ...string) documentedPlan {
	t.Helper()
	status, stdout, stderr := runCommand(t, append([]string{"plan", "--stacks", shippedStacks, "--json"}, args...)...)
	require.Equal(t, exitOK, status, "exit status; standard error:\n%s", stderr)
	require.Empty(t, stderr)
	var document documentedPlan
	decoder := json.NewDecoder(strings.NewReader(stdout))
	require.NoError(t, decoder.Decode(&document))
	return document
}

// copyStacks copies the shipped stack files and their certs folder into a temporary folder.
func copyStacks(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "certs"), 0o755))
	for _, pattern := range []string{"Pulumi.*.yaml", "certs/*.pem"} {
		paths, err := filepath.Glob(filepath.Join(shippedStacks, pattern))
		require.NoError(t, err)
		require.NotEmpty(t, paths, "files matching %s", pattern)
		for _, path := range paths {
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			relative, err := filepath.Rel(shippedStacks, path)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, relative), data, 0o644))
		}
	}
	return dir
}

// collectStrings appends every string inside a decoded JSON value.
func collectStrings(value any, into *[]string) {
	switch typed := value.(type) {
	case string:
		*into = append(*into, typed)
	case []any:
		for _, item := range typed {
			collectStrings(item, into)
		}
	case map[string]any:
		for _, item := range typed {
			collectStrings(item, into)
		}
	}
}

// index maps the URNs of a stack's resources to the resources, to walk parent chains.
type index struct {
	byURN map[string]documentedResource
}

func newIndex(stack documentedStack) index {
	result := index{byURN: map[string]documentedResource{}}
	for _, resource := range stack.Resources {
		result.byURN[resource.URN] = resource
	}
	return result
}

// domainOf returns the name of the data domain component a resource belongs to, or "".
func (i index) domainOf(resource documentedResource) string {
	for current, ok := resource, true; ok; current, ok = i.byURN[current.Parent] {
		if current.Type == "residency:region:DataDomain" {
			return current.Name()
		}
	}
	return ""
}

// inDomain returns the resources of a type that belong to a data domain.
func (i index) inDomain(stack documentedStack, domain, typ string) []documentedResource {
	var found []documentedResource
	for _, resource := range stack.Resources {
		if resource.Type == typ && i.domainOf(resource) == domain {
			found = append(found, resource)
		}
	}
	return found
}

// findNamed returns the one resource of a type with a logical name.
func findNamed(t *testing.T, stack documentedStack, typ, name string) documentedResource {
	t.Helper()
	var found []documentedResource
	for _, resource := range stack.Resources {
		if resource.Type == typ && resource.Name() == name {
			found = append(found, resource)
		}
	}
	require.Len(t, found, 1, "resources of type %s named %s in %s", typ, name, stack.Stack)
	return found[0]
}

func TestPlanAllStacks(t *testing.T) {
	t.Parallel()
	status, stdout, stderr := runCommand(t, "plan", "--stacks", shippedStacks)
	require.Equal(t, exitOK, status, "exit status; standard error:\n%s", stderr)
	assert.Empty(t, stderr)
	for _, header := range []string{
		"Previewing stack cn-north-1 (region cn-north-1, partition aws-cn, account 333333333333)",
		"Previewing stack eu-central-1 (region eu-central-1, partition aws, account 111111111111)",
		"Previewing stack us-east-1 (region us-east-1, partition aws, account 222222222222)",
	} {
		assert.Contains(t, stdout, header)
	}
}

func TestPlanOneStack(t *testing.T) {
	t.Parallel()
	document := planJSON(t, "--stack", "cn-north-1")
	require.Len(t, document.Stacks, 1)
	assert.Equal(t, "cn-north-1", document.Stacks[0].Stack)
}

func TestPlanJSONShape(t *testing.T) {
	t.Parallel()
	status, stdout, stderr := runCommand(t, "plan", "--stacks", shippedStacks, "--json")
	require.Equal(t, exitOK, status, "exit status; standard error:\n%s", stderr)

	var generic map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &generic))
	assert.Equal(t, []string{"stacks"}, sortedKeys(generic), "top-level keys")
	stacks, ok := generic["stacks"].([]any)
	require.True(t, ok, "stacks is %T", generic["stacks"])
	require.Len(t, stacks, 3)
	for _, item := range stacks {
		stack, ok := item.(map[string]any)
		require.True(t, ok, "stack is %T", item)
		for _, key := range []string{"stack", "region", "partition", "account", "resources"} {
			assert.Contains(t, stack, key, "key of stack %v", stack["stack"])
		}
		resources, ok := stack["resources"].([]any)
		require.True(t, ok, "resources is %T", stack["resources"])
		require.NotEmpty(t, resources)
		for _, entry := range resources {
			resource, ok := entry.(map[string]any)
			require.True(t, ok, "resource is %T", entry)
			for _, key := range []string{"urn", "custom", "type", "inputs", "outputs", "protect"} {
				assert.Contains(t, resource, key, "key of %v", resource["urn"])
			}
			if resource["custom"] == true {
				assert.Contains(t, resource, "id", "ID of %v", resource["urn"])
			}
		}
	}

	var document documentedPlan
	require.NoError(t, json.Unmarshal([]byte(stdout), &document))
	var names []string
	for _, stack := range document.Stacks {
		names = append(names, stack.Stack)
	}
	assert.Equal(t, []string{"cn-north-1", "eu-central-1", "us-east-1"}, names)
	assert.Equal(t, "pulumi:pulumi:Stack", document.Stacks[0].Resources[0].Type, "the root stack resource comes first")
}

func sortedKeys(values map[string]any) []string {
	keys := make([]string, 0, len(values))
	for key := range values {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}

func TestPlanIsolation(t *testing.T) {
	t.Parallel()
	document := planJSON(t)
	files, err := regions.LoadDir(shippedStacks)
	require.NoError(t, err)
	models := map[string]regions.Stack{}
	for _, file := range files {
		models[file.Model.Name] = file.Model
	}
	expected := map[string]struct{ region, partition, account string }{
		"eu-central-1": {"eu-central-1", "aws", "111111111111"},
		"us-east-1":    {"us-east-1", "aws", "222222222222"},
		"cn-north-1":   {"cn-north-1", "aws-cn", "333333333333"},
	}
	require.Len(t, document.Stacks, len(expected))

	for _, stack := range document.Stacks {
		want, known := expected[stack.Stack]
		require.True(t, known, "unexpected stack %s", stack.Stack)
		model := models[stack.Stack]
		t.Run(stack.Stack, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, want.region, stack.Region, "region")
			assert.Equal(t, want.partition, stack.Partition, "partition")
			assert.Equal(t, want.account, stack.Account, "account")
			t.Run("provider", func(t *testing.T) { assertStackProvider(t, stack) })
			t.Run("arns", func(t *testing.T) { assertStackARNs(t, stack) })
			t.Run("domains", func(t *testing.T) { assertDomainsSeparate(t, stack, model) })
			t.Run("gateway", func(t *testing.T) { assertGatewayReachesDomains(t, stack, model) })
		})
	}
}

// assertStackProvider checks that every AWS resource names the stack's one explicit provider, and
// that the provider is pinned to the stack's region and account.
func assertStackProvider(t *testing.T, stack documentedStack) {
	var providers []documentedResource
	for _, resource := range stack.Resources {
		if resource.Type == "pulumi:providers:aws" {
			providers = append(providers, resource)
		}
	}
	require.Len(t, providers, 1, "AWS providers")
	provider := providers[0]
	assert.Equal(t, stack.Region, provider.Inputs["region"], "provider region")
	assert.Equal(t, []any{stack.Account}, provider.Inputs["allowedAccountIds"], "provider accounts")

	reference := provider.URN + "::" + provider.ID
	checked := 0
	for _, resource := range stack.Resources {
		if !resource.Custom || !strings.HasPrefix(resource.Type, "aws:") {
			continue
		}
		checked++
		assert.Equal(t, reference, resource.Provider, "provider of %s", resource.URN)
	}
	assert.Greater(t, checked, 100, "AWS resources checked")
}

// assertStackARNs checks that every ARN in inputs and outputs, including those inside policy
// documents, is in the stack's partition and, where the ARN has a region, in the stack's region.
func assertStackARNs(t *testing.T, stack documentedStack) {
	checked := 0
	for _, resource := range stack.Resources {
		var values []string
		collectStrings(map[string]any(resource.Inputs), &values)
		collectStrings(map[string]any(resource.Outputs), &values)
		for _, value := range values {
			for _, match := range arnPattern.FindAllStringSubmatch(value, -1) {
				checked++
				assert.Equal(t, stack.Partition, match[1], "partition of %s in %s", match[0], resource.URN)
				if match[3] != "" {
					assert.Equal(t, stack.Region, match[3], "region of %s in %s", match[0], resource.URN)
				}
			}
		}
	}
	assert.Greater(t, checked, 300, "ARNs checked")
}

// assertDomainsSeparate checks that each data domain has its own VPC, key, cluster encrypted with
// that key, and a service without public IPs.
func assertDomainsSeparate(t *testing.T, stack documentedStack, model regions.Stack) {
	resources := newIndex(stack)
	vpcIDs := map[string]string{}
	keyARNs := map[string]string{}
	for _, domain := range model.Domains {
		vpcs := resources.inDomain(stack, domain.Name, "aws:ec2/vpc:Vpc")
		require.Len(t, vpcs, 1, "VPCs of %s", domain.Name)
		assert.Equal(t, domain.CIDR, vpcs[0].Inputs["cidrBlock"], "CIDR of %s", domain.Name)
		vpcIDs[vpcs[0].ID] = domain.Name

		keys := resources.inDomain(stack, domain.Name, "aws:kms/key:Key")
		require.Len(t, keys, 1, "KMS keys of %s", domain.Name)
		keyARN, ok := keys[0].Outputs["arn"].(string)
		require.True(t, ok, "ARN of the key of %s", domain.Name)
		keyARNs[keyARN] = domain.Name

		clusters := resources.inDomain(stack, domain.Name, "aws:rds/cluster:Cluster")
		require.Len(t, clusters, 1, "Aurora clusters of %s", domain.Name)
		assert.Equal(t, keyARN, clusters[0].Inputs["kmsKeyId"], "storage key of %s", domain.Name)
		assert.Equal(t, keyARN, clusters[0].Inputs["masterUserSecretKmsKeyId"], "master secret key of %s", domain.Name)
		assert.Equal(t, true, clusters[0].Inputs["storageEncrypted"], "storage of %s encrypted", domain.Name)

		services := resources.inDomain(stack, domain.Name, "aws:ecs/service:Service")
		require.Len(t, services, 1, "ECS services of %s", domain.Name)
		network, ok := services[0].Inputs["networkConfiguration"].(map[string]any)
		require.True(t, ok, "network configuration of %s", domain.Name)
		assert.Equal(t, false, network["assignPublicIp"], "public IPs of %s", domain.Name)
	}
	assert.Len(t, vpcIDs, len(model.Domains), "every domain has its own VPC")
	assert.Len(t, keyARNs, len(model.Domains), "every domain has its own key")
}

// assertGatewayReachesDomains checks that the gateway's side reaches each domain's own internal
// load balancer: through a VPC link for Apigee, through an endpoint service for Axway.
func assertGatewayReachesDomains(t *testing.T, stack documentedStack, model regions.Stack) {
	resources := newIndex(stack)
	for _, domain := range model.Domains {
		balancers := resources.inDomain(stack, domain.Name, "aws:lb/loadBalancer:LoadBalancer")
		require.Len(t, balancers, 1, "load balancers of %s", domain.Name)
		assert.Equal(t, true, balancers[0].Inputs["internal"], "load balancer of %s is internal", domain.Name)
		balancerARN := balancers[0].Outputs["arn"]

		switch model.Gateway.Vendor {
		case regions.VendorApigee:
			link := findNamed(t, stack, "aws:apigateway/vpcLink:VpcLink", "apigee-"+domain.Name+"-link")
			assert.Equal(t, balancerARN, link.Inputs["targetArn"], "VPC link of %s", domain.Name)
		case regions.VendorAxway:
			service := findNamed(t, stack, "aws:ec2/vpcEndpointService:VpcEndpointService", "axway-"+domain.Name+"-endpoint-service")
			assert.Equal(t, []any{balancerARN}, service.Inputs["networkLoadBalancerArns"], "endpoint service of %s", domain.Name)
			assert.Equal(t, true, service.Inputs["acceptanceRequired"], "acceptance for %s", domain.Name)
		default:
			require.FailNow(t, "unknown gateway vendor", "vendor %q", model.Gateway.Vendor)
		}
	}
}

func TestPlanInvalidStackFile(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		stack string
		old   string
		new   string
		args  []string
		// shown lists text that standard error must contain: the file, the key path and the value.
		shown []string
	}{
		{
			name:  "unknown key",
			stack: "us-east-1",
			old:   "    owner: customer-platform\n",
			new:   "    owner: customer-platform\n    ownr: customer-platform\n",
			shown: []string{"Pulumi.us-east-1.yaml: residency:model.ownr", `"ownr"`, "is not a known key"},
		},
		{
			name:  "wrong type",
			stack: "eu-central-1",
			old:   "        records: 40000000\n",
			new:   "        records: many\n",
			shown: []string{"Pulumi.eu-central-1.yaml: residency:model.domains[0].records", "many", "has the wrong type"},
		},
		{
			name:  "overlapping CIDRs",
			stack: "us-east-1",
			old:   "cidr: 10.21.0.0/16",
			new:   "cidr: 10.11.0.0/16",
			shown: []string{"Pulumi.us-east-1.yaml: residency:model.domains[1].cidr", `"10.11.0.0/16"`, "stack eu-central-1"},
		},
		{
			name:  "zone the region lacks",
			stack: "cn-north-1",
			old:   "cn-north-1d]",
			new:   "cn-north-1c]",
			shown: []string{"Pulumi.cn-north-1.yaml: residency:model.zones[2]", `"cn-north-1c"`, "cn-north-1d"},
		},
		{
			name:  "partition that does not match",
			stack: "cn-north-1",
			old:   "    partition: aws-cn\n",
			new:   "    partition: aws\n",
			shown: []string{"Pulumi.cn-north-1.yaml: residency:model.partition", `"aws"`, `"aws-cn"`},
		},
		{
			name:  "other stack invalid",
			stack: "cn-north-1",
			old:   "cn-north-1d]",
			new:   "cn-north-1c]",
			args:  []string{"--stack", "eu-central-1"},
			shown: []string{"Pulumi.cn-north-1.yaml: residency:model.zones[2]"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := copyStacks(t)
			path := filepath.Join(dir, "Pulumi."+tc.stack+".yaml")
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Contains(t, string(data), tc.old, "text to replace in %s", path)
			require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(data), tc.old, tc.new, 1)), 0o644))

			status, stdout, stderr := runCommand(t, append([]string{"plan", "--stacks", dir}, tc.args...)...)
			assert.Equal(t, exitInvalid, status, "exit status")
			assert.Empty(t, stdout, "standard output")
			assert.Contains(t, stderr, "nothing was planned")
			for _, text := range tc.shown {
				assert.Contains(t, stderr, text)
			}
		})
	}
}

func TestPlanUsageErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		args  []string
		shown string
	}{
		{"unknown stack", []string{"plan", "--stacks", shippedStacks, "--stack", "eu-west-9"}, `stack "eu-west-9" not found`},
		{"bad flag", []string{"plan", "--bogus"}, "flag provided but not defined: -bogus"},
		{"unexpected argument", []string{"plan", "--stacks", shippedStacks, "eu-central-1"}, `unexpected argument "eu-central-1"`},
		{"unknown command", []string{"deploy"}, `unknown command "deploy"`},
		{"no command", nil, "Usage: residency <command>"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, stdout, stderr := runCommand(t, tc.args...)
			assert.Equal(t, exitInvalid, status, "exit status")
			assert.Empty(t, stdout, "standard output")
			assert.Contains(t, stderr, tc.shown)
		})
	}
}

func TestPlanMissingStacksFolder(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "missing")
	status, stdout, stderr := runCommand(t, "plan", "--stacks", dir)
	assert.Equal(t, exitInvalid, status, "exit status")
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, dir+": ")
	assert.Contains(t, stderr, "does not exist")
}

func TestPlanEmptyStacksFolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	status, stdout, stderr := runCommand(t, "plan", "--stacks", dir)
	assert.Equal(t, exitInvalid, status, "exit status")
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "contains no stack files")
}
