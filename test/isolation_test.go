package test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gruntwork-io/terratest/modules/logger"
	test_structure "github.com/gruntwork-io/terratest/modules/test-structure"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/residency/evidence"
	"github.com/example/residency/rules"
)

// TestShippedStacksPassEveryRule runs each shipped stack under the offline engine, asserts that
// every isolation rule passes, and writes the stack's compliance evidence.
func TestShippedStacksPassEveryRule(t *testing.T) {
	stacks := planShippedStacks(t)
	dir := evidenceDir()
	for _, name := range []string{"eu-central-1", "us-east-1", "cn-north-1"} {
		stack, ok := stacks[name]
		require.True(t, ok, "stack %s is shipped", name)
		t.Run(name, func(t *testing.T) {
			// Stat the reports first: the test cache then reruns this test whenever they are gone.
			for _, extension := range []string{".json", ".md"} {
				_, _ = os.Stat(filepath.Join(dir, name+extension))
			}
			var results []rules.Result
			test_structure.RunTestStage(t, "rules", func() {
				results = rules.Evaluate(stack.graph, rules.ExpectationFor(stack.model))
			})
			require.Len(t, results, len(rules.Catalog()), "one result per rule")
			for _, result := range results {
				assert.Equal(t, rules.Pass, result.Status, "%s %s: %s", name, result.ID, result.Message)
				assert.NotEmpty(t, result.Resources, "%s %s checked no resources", name, result.ID)
				assert.NotEmpty(t, result.Articles, "%s %s maps to no article of %v", name, result.ID, stack.model.Facts().Laws)
			}
			test_structure.RunTestStage(t, "evidence", func() {
				report := evidence.NewReport(stack.model, stack.graph, results, evidence.SourceOffline)
				jsonPath, markdownPath, err := evidence.Write(dir, report)
				require.NoError(t, err)
				logger.Logf(t, "wrote evidence of stack %s: %s, %s", name, jsonPath, markdownPath)
			})
		})
	}
}

// TestCatalogRuleIDsUnique guards the stable rule IDs that reports and tools refer to.
func TestCatalogRuleIDsUnique(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, entry := range rules.Catalog() {
		assert.False(t, seen[entry.ID], "rule ID %s is used twice", entry.ID)
		seen[entry.ID] = true
		assert.NotEmpty(t, entry.Statement, "rule %s has no statement", entry.ID)
		assert.NotEmpty(t, entry.Articles, "rule %s maps to no article", entry.ID)
	}
	assert.GreaterOrEqual(t, len(seen), 20, "rule count")
}
