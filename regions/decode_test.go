package regions_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/residency/regions"
)

// shippedStackFile is the stack file the decode tests start from.
const shippedStackFile = "../stacks/Pulumi.eu-central-1.yaml"

// editedModelJSON returns the model of the shipped Frankfurt stack as JSON, after edit has
// changed its generic form.
func editedModelJSON(t *testing.T, edit func(model map[string]any)) []byte {
	t.Helper()
	file, err := regions.LoadFile(shippedStackFile)
	require.NoError(t, err)
	var model map[string]any
	require.NoError(t, json.Unmarshal([]byte(file.Config[regions.ConfigKey]), &model))
	edit(model)
	encoded, err := json.Marshal(model)
	require.NoError(t, err)
	return encoded
}

// walkToMapping walks a generic model by keys and list indexes and returns the mapping it reaches.
func walkToMapping(t *testing.T, value any, steps ...any) map[string]any {
	t.Helper()
	for _, step := range steps {
		switch key := step.(type) {
		case string:
			object, ok := value.(map[string]any)
			require.True(t, ok, "value before %q is %T, not a mapping", key, value)
			value = object[key]
		case int:
			items, ok := value.([]any)
			require.True(t, ok, "value before [%d] is %T, not a list", key, value)
			require.Less(t, key, len(items))
			value = items[key]
		}
	}
	object, ok := value.(map[string]any)
	require.True(t, ok, "value at %v is %T, not a mapping", steps, value)
	return object
}

// decodeProblems decodes data and returns the problems, which must come as a regions.Errors.
func decodeProblems(t *testing.T, data []byte) regions.Errors {
	t.Helper()
	var stack regions.Stack
	err := regions.Decode(data, &stack)
	require.Error(t, err)
	var problems regions.Errors
	require.True(t, errors.As(err, &problems), "error %T is not a regions.Errors", err)
	return problems
}

func TestDecodeShippedModel(t *testing.T) {
	t.Parallel()
	var stack regions.Stack
	err := regions.Decode(editedModelJSON(t, func(map[string]any) {}), &stack)
	require.NoError(t, err)
	assert.Equal(t, "eu-central-1", stack.Region)
	assert.Equal(t, "111111111111", stack.AccountID)
	assert.Len(t, stack.Domains, 3)
	assert.Equal(t, "16.8", stack.Domains[0].Database.EngineVersion)
	assert.Equal(t, int64(40000000), stack.Domains[0].Records)
	assert.Equal(t, 4.0, stack.Domains[0].Database.MinCapacity)
	assert.True(t, stack.Domains[0].Database.DeletionProtection)
	require.NotNil(t, stack.Gateway.Apigee)
	assert.Equal(t, []string{"203.0.113.10/32", "203.0.113.11/32"}, stack.Gateway.Apigee.AllowedCIDRs)
	assert.Nil(t, stack.Gateway.Axway, "an optional key left out stays nil")
}

func TestDecodeSingleProblem(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		edit    func(model map[string]any)
		path    string
		value   string
		problem string
		fix     string
	}{
		{
			name:    "unknown top-level key",
			edit:    func(model map[string]any) { model["regoin"] = "eu-central-1" },
			path:    "regoin",
			value:   "regoin",
			problem: "is not a known key",
			fix:     "region",
		},
		{
			name: "unknown nested key",
			edit: func(model map[string]any) {
				walkToMapping(t, model, "gateway", "apigee")["stage"] = "v1"
			},
			path:    "gateway.apigee.stage",
			value:   "stage",
			problem: "is not a known key",
			fix:     "stageName",
		},
		{
			name:    "string where number",
			edit:    func(model map[string]any) { walkToMapping(t, model, "domains", 0)["records"] = "many" },
			path:    "domains[0].records",
			value:   "many",
			problem: "has the wrong type (string)",
			fix:     "a whole number",
		},
		{
			name:    "fraction where whole number",
			edit:    func(model map[string]any) { walkToMapping(t, model, "domains", 2, "service")["cpu"] = 1.5 },
			path:    "domains[2].service.cpu",
			value:   "1.5",
			problem: "has the wrong type (number)",
			fix:     "a whole number",
		},
		{
			name:    "number where string",
			edit:    func(model map[string]any) { model["accountId"] = 111111111111 },
			path:    "accountId",
			value:   "111111111111",
			problem: "has the wrong type (number)",
			fix:     "quote numbers such as account IDs",
		},
		{
			name:    "list where mapping",
			edit:    func(model map[string]any) { walkToMapping(t, model, "domains", 0)["database"] = []any{"16.8"} },
			path:    "domains[0].database",
			value:   `["16.8"]`,
			problem: "has the wrong type (list)",
			fix:     "a mapping of keys to values",
		},
		{
			name:    "mapping where list",
			edit:    func(model map[string]any) { model["zones"] = map[string]any{"a": "eu-central-1a"} },
			path:    "zones",
			value:   `{"a":"eu-central-1a"}`,
			problem: "has the wrong type (mapping)",
			fix:     "a list",
		},
		{
			name: "string where boolean",
			edit: func(model map[string]any) {
				walkToMapping(t, model, "domains", 1, "database")["deletionProtection"] = "yes"
			},
			path:    "domains[1].database.deletionProtection",
			value:   "yes",
			problem: "has the wrong type (string)",
			fix:     "true or false",
		},
		{
			name:    "missing required field",
			edit:    func(model map[string]any) { delete(walkToMapping(t, model, "domains", 1, "service"), "cpu") },
			path:    "domains[1].service.cpu",
			value:   "",
			problem: "is missing",
			fix:     "required",
		},
		{
			name:    "null",
			edit:    func(model map[string]any) { model["owner"] = nil },
			path:    "owner",
			value:   "null",
			problem: "is null",
			fix:     "give it a value",
		},
		{
			name:    "null optional mapping",
			edit:    func(model map[string]any) { walkToMapping(t, model, "gateway")["apigee"] = nil },
			path:    "gateway.apigee",
			value:   "null",
			problem: "is null",
			fix:     "remove the key",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			problems := decodeProblems(t, editedModelJSON(t, tc.edit))
			require.Len(t, problems, 1, "problems: %v", problems)
			assert.Equal(t, tc.path, problems[0].Path, "path")
			assert.Equal(t, tc.value, problems[0].Value, "value")
			assert.Contains(t, problems[0].Problem, tc.problem, "problem")
			assert.Contains(t, problems[0].Fix, tc.fix, "fix")
		})
	}
}

func TestDecodeMisspelledNestedKey(t *testing.T) {
	t.Parallel()
	data := editedModelJSON(t, func(model map[string]any) {
		database := walkToMapping(t, model, "domains", 0, "database")
		database["engineVersoin"] = database["engineVersion"]
		delete(database, "engineVersion")
	})
	problems := decodeProblems(t, data)
	require.Len(t, problems, 2, "problems: %v", problems)

	assert.Equal(t, "domains[0].database.engineVersoin", problems[0].Path)
	assert.Equal(t, "engineVersoin", problems[0].Value)
	assert.Contains(t, problems[0].Fix, "engineVersion", "the fix lists the known keys")
	assert.Equal(t, "domains[0].database.engineVersion", problems[1].Path)
	assert.Equal(t, "is missing", problems[1].Problem)
	assert.Contains(t, problems.Error(), "residency:model.domains[0].database.engineVersoin: \"engineVersoin\" is not a known key")
}

func TestDecodeReportsEveryProblem(t *testing.T) {
	t.Parallel()
	data := editedModelJSON(t, func(model map[string]any) {
		model["regoin"] = "eu-central-1"
		model["owner"] = nil
		walkToMapping(t, model, "domains", 2, "database")["maxCapacity"] = "32"
		delete(walkToMapping(t, model, "gateway", "apigee"), "stageName")
	})
	var stack regions.Stack
	err := fmt.Errorf("loading stack file (%s): %w", shippedStackFile, regions.Decode(data, &stack))

	var problems regions.Errors
	require.True(t, errors.As(err, &problems), "a wrapped decode error is still a regions.Errors")
	type found struct{ path, value string }
	var got []found
	for _, problem := range problems {
		assert.NotEmpty(t, problem.Path, "path of %v", problem)
		assert.NotEmpty(t, problem.Problem, "problem of %v", problem)
		got = append(got, found{problem.Path, problem.Value})
	}
	assert.ElementsMatch(t, []found{
		{"regoin", "regoin"},
		{"owner", "null"},
		{"domains[2].database.maxCapacity", "32"},
		{"gateway.apigee.stageName", ""},
	}, got)
	assert.Len(t, strings.Split(problems.Error(), "\n"), 4, "one line per problem")
}

func TestDecodeInvalidJSON(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"truncated":      `{"region": "eu-central-1",`,
		"not JSON":       `region: eu-central-1`,
		"trailing value": `{"region": "eu-central-1"} {"region": "us-east-1"}`,
	}
	for name, text := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			problems := decodeProblems(t, []byte(text))
			require.Len(t, problems, 1, "problems: %v", problems)
			assert.Equal(t, "", problems[0].Path, "a syntax error is about the whole model")
			assert.Equal(t, text, problems[0].Value)
			assert.Contains(t, problems[0].Problem, "is not valid JSON")
			assert.True(t, strings.HasPrefix(problems.Error(), regions.ConfigKey+": "), "message %q", problems.Error())
		})
	}
}

func TestDecodeModelNotMapping(t *testing.T) {
	t.Parallel()
	problems := decodeProblems(t, []byte(`["eu-central-1"]`))
	require.Len(t, problems, 1)
	assert.Equal(t, "", problems[0].Path)
	assert.Equal(t, `["eu-central-1"]`, problems[0].Value)
	assert.Contains(t, problems[0].Problem, "has the wrong type (list)")
}

func TestDecodeNullFix(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		edit func(model map[string]any)
		path string
		fix  string
	}{
		{
			name: "required field",
			edit: func(model map[string]any) { walkToMapping(t, model, "domains", 0, "service")["minTasks"] = nil },
			path: "domains[0].service.minTasks",
			fix:  "give it a value; the field is required",
		},
		{
			name: "optional field",
			edit: func(model map[string]any) { walkToMapping(t, model, "gateway")["axway"] = nil },
			path: "gateway.axway",
			fix:  "give it a value or remove the key",
		},
		{
			name: "list item",
			edit: func(model map[string]any) { model["zones"].([]any)[1] = nil },
			path: "zones[1]",
			fix:  "give the item a value or remove it from the list",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			problems := decodeProblems(t, editedModelJSON(t, tc.edit))
			require.Len(t, problems, 1, "problems: %v", problems)
			assert.Equal(t, tc.path, problems[0].Path, "path")
			assert.Equal(t, "null", problems[0].Value, "value")
			assert.Equal(t, tc.fix, problems[0].Fix, "fix")
		})
	}
}

func TestDecodeStringValueQuotedOnce(t *testing.T) {
	t.Parallel()
	problems := decodeProblems(t, editedModelJSON(t, func(model map[string]any) {
		walkToMapping(t, model, "domains", 0, "service")["minTasks"] = "three"
	}))
	require.Len(t, problems, 1, "problems: %v", problems)
	assert.Equal(t, "three", problems[0].Value, "value")
	assert.Contains(t, problems.Error(), `residency:model.domains[0].service.minTasks: "three" has the wrong type (string)`)
}

func TestDecodeNumberOutOfRange(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		field   string
		number  string
		problem string
	}{
		{name: "whole number above int64", field: "records", number: "100000000000000000000000", problem: "is out of range for a 64-bit whole number"},
		{name: "whole number in exponent form", field: "records", number: "1e+23", problem: "is out of range for a 64-bit whole number"},
		{name: "one above int64", field: "dailyRequests", number: "9223372036854775808", problem: "is out of range for a 64-bit whole number"},
		{name: "whole number below int64", field: "records", number: "-9223372036854775809", problem: "is out of range for a 64-bit whole number"},
		{name: "fraction stays wrong type", field: "records", number: "1.5", problem: "has the wrong type (number)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data := editedModelJSON(t, func(model map[string]any) {
				walkToMapping(t, model, "domains", 1)[tc.field] = json.RawMessage(tc.number)
			})
			problems := decodeProblems(t, data)
			require.Len(t, problems, 1, "problems: %v", problems)
			assert.Equal(t, "domains[1]."+tc.field, problems[0].Path, "path")
			assert.Equal(t, tc.number, problems[0].Value, "value as written")
			assert.Equal(t, tc.problem, problems[0].Problem, "problem")
			assert.NotEmpty(t, problems[0].Fix, "fix")
		})
	}
}

func TestDecodeFloatOutOfRange(t *testing.T) {
	t.Parallel()
	data := editedModelJSON(t, func(model map[string]any) {
		walkToMapping(t, model, "domains", 0, "database")["maxCapacity"] = json.RawMessage("1e400")
	})
	problems := decodeProblems(t, data)
	require.Len(t, problems, 1, "problems: %v", problems)
	assert.Equal(t, "domains[0].database.maxCapacity", problems[0].Path, "path")
	assert.Equal(t, "1e400", problems[0].Value, "value")
	assert.Contains(t, problems[0].Problem, "is out of range", "problem")
}
