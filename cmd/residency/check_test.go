package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/residency/graph"
	"github.com/example/residency/offline"
	"github.com/example/residency/program"
	"github.com/example/residency/regions"
)

// exportStack plans a shipped stack under the offline engine and returns its graph, which
// WriteExport turns into the document `pulumi stack export` writes.
func exportStack(t *testing.T, name string) *graph.Graph {
	t.Helper()
	files, err := regions.LoadDir(shippedStacks)
	require.NoError(t, err)
	for _, file := range files {
		if file.Model.Name == name {
			result, err := offline.Run(name, file.Config, program.New(shippedStacks))
			require.NoError(t, err)
			return result
		}
	}
	require.Fail(t, "no shipped stack "+name)
	return nil
}

func writeExport(t *testing.T, g *graph.Graph) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), g.Stack+".json")
	var buffer bytes.Buffer
	require.NoError(t, g.WriteExport(&buffer))
	require.NoError(t, os.WriteFile(path, buffer.Bytes(), 0o644))
	return path
}

func checkCommand(t *testing.T, stdin string, args ...string) (status int, stdout, stderr string) {
	t.Helper()
	var out, errs bytes.Buffer
	status = runWithInput(append([]string{"check"}, args...), strings.NewReader(stdin), &out, &errs)
	return status, out.String(), errs.String()
}

func TestCheckCleanExport(t *testing.T) {
	t.Parallel()
	path := writeExport(t, exportStack(t, "eu-central-1"))

	status, stdout, stderr := checkCommand(t, "", "--state", path, "--stacks", shippedStacks)
	assert.Equal(t, exitOK, status, stderr)
	assert.Contains(t, stdout, "20 of 20 pass")
}

func TestCheckCrossRegionARN(t *testing.T) {
	t.Parallel()
	exported := exportStack(t, "eu-central-1")
	var seeded string
	for i := range exported.Resources {
		resource := &exported.Resources[i]
		if resource.Type == "aws:apigateway/domainName:DomainName" {
			resource.Inputs["regionalCertificateArn"] = "arn:aws:acm:us-east-1:111111111111:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
			seeded = resource.URN
		}
	}
	require.NotEmpty(t, seeded, "the stack has an API domain name")
	path := writeExport(t, exported)

	status, stdout, stderr := checkCommand(t, "", "--state", path, "--stacks", shippedStacks, "--json")
	assert.Equal(t, exitRuleFailed, status, stderr)
	assert.Contains(t, stdout, `"id": "RES-02"`)
	assert.Contains(t, stdout, `"status": "fail"`)
	assert.Contains(t, stdout, seeded, "the failure names the resource's URN")
}

func TestCheckReadsStandardInput(t *testing.T) {
	t.Parallel()
	var buffer bytes.Buffer
	require.NoError(t, exportStack(t, "cn-north-1").WriteExport(&buffer))

	status, stdout, stderr := checkCommand(t, buffer.String(), "--state", "-", "--stacks", shippedStacks)
	assert.Equal(t, exitOK, status, stderr)
	assert.Contains(t, stdout, "stack cn-north-1")
}

func TestCheckWithoutStackFile(t *testing.T) {
	t.Parallel()
	path := writeExport(t, exportStack(t, "us-east-1"))

	status, stdout, stderr := checkCommand(t, "", "--state", path, "--stacks", t.TempDir())
	assert.Equal(t, exitOK, status, stderr)
	assert.Contains(t, stderr, "no stack file")
	assert.Contains(t, stdout, "20 of 20 pass")
}

func TestCheckInvalidInput(t *testing.T) {
	t.Parallel()
	notJSON := filepath.Join(t.TempDir(), "export.json")
	require.NoError(t, os.WriteFile(notJSON, []byte("not json"), 0o644))
	cases := map[string][]string{
		"missing state flag": {},
		"unreadable file":    {"--state", filepath.Join(t.TempDir(), "absent.json")},
		"not a stack export": {"--state", notJSON},
		"extra argument":     {"--state", notJSON, "extra"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			status, stdout, stderr := checkCommand(t, "", args...)
			assert.Equal(t, exitInvalid, status)
			assert.Empty(t, stdout)
			assert.NotEmpty(t, stderr)
		})
	}
}

func TestEvidenceWritesReports(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var out, errs bytes.Buffer
	status := run([]string{"evidence", "--out", dir, "--stacks", shippedStacks}, &out, &errs)
	require.Equal(t, exitOK, status, errs.String())
	for _, stack := range []string{"eu-central-1", "us-east-1", "cn-north-1"} {
		for _, extension := range []string{".json", ".md"} {
			assert.FileExists(t, filepath.Join(dir, stack+extension))
		}
	}
	markdown, err := os.ReadFile(filepath.Join(dir, "cn-north-1.md"))
	require.NoError(t, err)
	assert.Contains(t, string(markdown), "```mermaid")
	assert.Contains(t, string(markdown), "not legal advice")
	assert.Contains(t, string(markdown), "PIPL Art. 40")
}
