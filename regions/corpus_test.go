package regions_test

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

// TestCorpusProgramRegistersNothing runs the program under the offline engine on every
// single-file case whose stack file decodes but fails validation. The program must fail with
// the same problem before it registers any resource.
func TestCorpusProgramRegistersNothing(t *testing.T) {
	t.Parallel()
	checked := 0
	for _, tc := range corpusCases(t) {
		if len(tc.stackFiles) != 1 {
			continue
		}
		file, err := regions.LoadFile(tc.stackFiles[0])
		if err != nil {
			continue // rejected while decoding or reading the truststore; TestCorpusLoadDirRejects covers it
		}
		checked++
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			engine := offline.NewEngine(file.Model.Name, file.Config)
			err := engine.Run(program.New(tc.dir))
			require.Error(t, err)
			for _, want := range tc.expected {
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
