package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// corpusDir is the corpus of invalid stack folders that regions/corpus_test.go also runs.
const corpusDir = "../../regions/testdata/invalid"

// TestPlanCorpusExitsInvalid runs `residency plan --stacks` on every folder of the corpus: each
// must exit with status 2, print nothing on standard output, and name the expected problem on
// standard error, with and without --json.
func TestPlanCorpusExitsInvalid(t *testing.T) {
	t.Parallel()
	entries, err := os.ReadDir(corpusDir)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(entries), 40)
	for _, entry := range entries {
		if !entry.IsDir() {
			continue
		}
		dir := filepath.Join(corpusDir, entry.Name())
		data, err := os.ReadFile(filepath.Join(dir, "expected.txt"))
		require.NoError(t, err)
		expected := corpusExpected(string(data))
		require.NotEmpty(t, expected)

		outputs := []struct {
			name string
			args []string
		}{
			{"tree", []string{"plan", "--stacks", dir}},
			{"json", []string{"plan", "--json", "--stacks", dir}},
		}
		for _, output := range outputs {
			t.Run(entry.Name()+"/"+output.name, func(t *testing.T) {
				t.Parallel()
				var stdout, stderr bytes.Buffer
				status := run(output.args, &stdout, &stderr)
				assert.Equal(t, exitInvalid, status, "stderr: %s", stderr.String())
				assert.Empty(t, stdout.String(), "nothing may be printed on standard output")
				for _, want := range expected {
					assert.Contains(t, stderr.String(), want)
				}
			})
		}
	}
}

func corpusExpected(text string) []string {
	var lines []string
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) != "" {
			lines = append(lines, line)
		}
	}
	return lines
}
