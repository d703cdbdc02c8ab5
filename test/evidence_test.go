package test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/residency/evidence"
	"github.com/example/residency/rules"
)

func TestEvidenceReportContents(t *testing.T) {
	t.Parallel()
	stack := planShippedStacks(t)["eu-central-1"]
	results := rules.Evaluate(stack.graph, rules.ExpectationFor(stack.model))
	dir := t.TempDir()

	jsonPath, markdownPath, err := evidence.Write(dir, evidence.NewReport(stack.model, stack.graph, results, evidence.SourceOffline))
	require.NoError(t, err)

	encoded, err := os.ReadFile(jsonPath)
	require.NoError(t, err)
	var report evidence.Report
	require.NoError(t, json.Unmarshal(encoded, &report))
	assert.NotEmpty(t, report.ProgramCommit, "program commit")
	assert.Equal(t, "eu-central-1", report.Stack)
	assert.Equal(t, "EU", report.Jurisdiction)
	assert.Equal(t, []string{"GDPR"}, report.Laws)
	assert.Equal(t, evidence.SourceOffline, report.Source)
	assert.False(t, report.GeneratedAt.IsZero(), "generation time")
	assert.Equal(t, evidence.Disclaimer, report.Disclaimer)
	assert.Len(t, report.Rules, len(rules.Catalog()))
	assert.Equal(t, len(rules.Catalog()), report.Summary.Passed)
	assert.Contains(t, report.Diagram, "flowchart")

	markdown, err := os.ReadFile(markdownPath)
	require.NoError(t, err)
	text := string(markdown)
	assert.Contains(t, text, "```mermaid\nflowchart")
	assert.Contains(t, text, evidence.Disclaimer)
	for _, entry := range rules.Catalog() {
		assert.Contains(t, text, "| "+entry.ID+" |", "rule %s in the table", entry.ID)
	}
	for _, domain := range stack.model.Domains {
		assert.Contains(t, text, "domain "+domain.Name+": VPC "+domain.CIDR, "boundary of %s", domain.Name)
	}
}

func TestEvidenceReportListsFailure(t *testing.T) {
	t.Parallel()
	stack := planShippedStacks(t)["us-east-1"]
	instance := resourceNamed(t, stack.graph, "aws:rds/clusterInstance:ClusterInstance", "consent-records-instance-1")
	instance.Inputs["publiclyAccessible"] = true
	results := rules.Evaluate(stack.graph, rules.ExpectationFor(stack.model))

	report := evidence.NewReport(stack.model, stack.graph, results, evidence.SourceOffline)
	text := evidence.Markdown(report)

	assert.Equal(t, 1, report.Summary.Failed)
	assert.Contains(t, text, "## Failures")
	assert.Contains(t, text, "| LOG-06 |")
	assert.Contains(t, text, instance.URN)
	assert.Contains(t, text, "**FAIL**")
}
