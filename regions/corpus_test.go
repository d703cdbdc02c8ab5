package regions_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/residency/regions"
)

// corpusDir holds one folder per invalid input: one or two stack files, sometimes a certs/ file,
// and expected.txt with the substrings the error must contain, one per line.
const corpusDir = "testdata/invalid"

// corpusCase is one folder of the corpus.
type corpusCase struct {
	name     string
	dir      string
	expected []string
	// stackFiles lists the Pulumi.<stack>.yaml files of the folder.
	stackFiles []string
}

func corpusCases(t *testing.T) []corpusCase {
	t.Helper()
	entries, err := os.ReadDir(corpusDir)
	require.NoError(t, err)
	var cases []corpusCase
	for _, entry := range entries {
		if !entry.IsDir() {
			continue
		}
		dir := filepath.Join(corpusDir, entry.Name())
		data, err := os.ReadFile(filepath.Join(dir, "expected.txt"))
		require.NoError(t, err, "every corpus case needs an expected.txt")
		var expected []string
		for _, line := range strings.Split(string(data), "\n") {
			if strings.TrimSpace(line) != "" {
				expected = append(expected, line)
			}
		}
		require.NotEmpty(t, expected, "%s/expected.txt lists no substrings", dir)
		stackFiles, err := filepath.Glob(filepath.Join(dir, "Pulumi.*.yaml"))
		require.NoError(t, err)
		cases = append(cases, corpusCase{name: entry.Name(), dir: dir, expected: expected, stackFiles: stackFiles})
	}
	return cases
}

func TestCorpusLoadDirRejects(t *testing.T) {
	t.Parallel()
	cases := corpusCases(t)
	require.GreaterOrEqual(t, len(cases), 40)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			files, err := regions.LoadDir(tc.dir)
			require.Error(t, err)
			assert.Nil(t, files, "LoadDir must return no stack file when any is invalid")
			for _, want := range tc.expected {
				assert.Contains(t, err.Error(), want)
			}

			var problems regions.Errors
			require.ErrorAs(t, err, &problems)
			for _, problem := range problems {
				assert.True(t, strings.HasPrefix(problem.File, tc.dir), "problem names no file of the case: %s", problem)
				assert.NotEmpty(t, problem.Problem, "problem says nothing is wrong: %s", problem)
				assert.NotEmpty(t, problem.Fix, "problem names no fix: %s", problem)
			}
		})
	}
}
