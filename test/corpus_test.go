package test

import (
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

// corpusDir is the corpus of invalid stack folders, each with an expected.txt that lists the
// substrings the error must contain. regions/corpus_test.go runs the same folders through
// regions.LoadDir. This file runs them through the program, which links the Pulumi packages, and
// those must stay out of package regions so its fuzz test runs fast.
const corpusDir = "../regions/testdata/invalid"

// TestCorpusProgramRegistersNothing runs the program under the offline engine on every
// single-file case whose stack file decodes but fails validation. The program must fail with
// the case's problem before it registers any resource.
func TestCorpusProgramRegistersNothing(t *testing.T) {
	t.Parallel()
	entries, err := os.ReadDir(corpusDir)
	require.NoError(t, err)
	checked := 0
	for _, entry := range entries {
		dir := filepath.Join(corpusDir, entry.Name())
		stackFiles, err := filepath.Glob(filepath.Join(dir, "Pulumi.*.yaml"))
		require.NoError(t, err)
		if !entry.IsDir() || len(stackFiles) != 1 {
			continue
		}
		file, err := regions.LoadFile(stackFiles[0])
		if err != nil {
			continue // rejected while decoding or reading the truststore, before the program could run
		}
		expected := corpusExpected(t, dir)
		checked++

		t.Run(entry.Name(), func(t *testing.T) {
			t.Parallel()
			engine := offline.NewEngine(file.Model.Name, file.Config)
			err := engine.Run(program.New(dir))
			require.Error(t, err)
			for _, want := range expected {
				assert.Contains(t, err.Error(), want)
			}
			var problems regions.Errors
			assert.ErrorAs(t, err, &problems, "the program must fail with the validation problems")

			recorded := engine.Graph().Resources
			require.Len(t, recorded, 1, "the graph holds only the root stack resource")
			assert.Equal(t, graph.StackType, recorded[0].Type)
		})
	}
	require.GreaterOrEqual(t, checked, 40, "too few corpus cases reach validation")
}

// corpusExpected reads the substrings of a case's expected.txt, one per line.
func corpusExpected(t *testing.T, dir string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "expected.txt"))
	require.NoError(t, err)
	var expected []string
	for _, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) != "" {
			expected = append(expected, line)
		}
	}
	require.NotEmpty(t, expected, "%s/expected.txt lists no substrings", dir)
	return expected
}
