package regions

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzDecodeValidate feeds arbitrary bytes to Decode, as a model in JSON, and to parseStackFile,
// as a stack file in YAML. Neither may panic, and every rejection must be an Errors value in
// which each problem describes what is wrong. A model that decodes must validate without a panic, and must
// decode to the same value after it is encoded again.
//
// The seeds are the shipped stack files, their models as JSON, and the invalid corpus. Run it
// with: go test -run='^$' -fuzz=FuzzDecodeValidate -fuzztime=60s -fuzzminimizetime=1s ./regions/
// Without -fuzzminimizetime, the fuzzer spends up to a minute minimizing each new input that
// grew from a seed of several kilobytes, and makes little progress in a short run.
func FuzzDecodeValidate(f *testing.F) {
	for _, pattern := range []string{"../stacks/Pulumi.*.yaml", "testdata/invalid/*/Pulumi.*.yaml"} {
		paths, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, path := range paths {
			data, err := os.ReadFile(path)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
			if file, problems := parseStackFile(data); len(problems) == 0 {
				f.Add([]byte(file.Config[ConfigKey]))
			}
		}
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		var stack Stack
		if err := Decode(data, &stack); err != nil {
			fuzzRequireProblems(t, "Decode", err)
		} else {
			fuzzValidate(t, stack)
			fuzzRoundTrip(t, stack)
		}

		file, problems := parseStackFile(data)
		if len(problems) > 0 {
			fuzzRequireProblems(t, "parseStackFile", problems)
			return
		}
		if _, present := file.Config[ConfigKey]; !present {
			t.Fatalf("parseStackFile accepted a stack file without %s", ConfigKey)
		}
		fuzzValidate(t, file.Model)
	})
}

// fuzzRequireProblems fails unless err is a non-empty Errors value whose problems each have a
// problem text.
func fuzzRequireProblems(t *testing.T, function string, err error) {
	t.Helper()
	var problems Errors
	if !errors.As(err, &problems) {
		t.Fatalf("%s returned %T, not Errors: %v", function, err, err)
	}
	if len(problems) == 0 {
		t.Fatalf("%s returned an empty Errors value", function)
	}
	for _, problem := range problems {
		if problem.Problem == "" {
			t.Fatalf("%s returned a problem without a description: %#v", function, problem)
		}
	}
}

// fuzzValidate validates a decoded model alone and as one of a set, which must not panic.
func fuzzValidate(t *testing.T, stack Stack) {
	t.Helper()
	stack.Name, stack.File = "fuzz", "Pulumi.fuzz.yaml"
	for _, problem := range Validate(stack) {
		if problem.Problem == "" || problem.Path == "" {
			t.Fatalf("Validate returned a problem without a path or description: %#v", problem)
		}
	}
	other := stack
	other.Name, other.File = "other", "Pulumi.other.yaml"
	_ = ValidateAll([]Stack{stack, other})
	for _, domain := range stack.Domains {
		_ = EstimateCapacity(domain)
	}
}

// fuzzRoundTrip encodes a decoded model and decodes it again, which must give the same model.
func fuzzRoundTrip(t *testing.T, stack Stack) {
	t.Helper()
	encoded, err := json.Marshal(stack)
	if err != nil {
		t.Fatalf("encoding a decoded model: %v", err)
	}
	var again Stack
	if err := Decode(encoded, &again); err != nil {
		t.Fatalf("decoding an encoded model: %v\n%s", err, encoded)
	}
	if !reflect.DeepEqual(stack, again) {
		t.Fatalf("the model changed in a round trip:\nbefore %#v\nafter  %#v", stack, again)
	}
}
