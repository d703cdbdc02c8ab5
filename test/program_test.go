package test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/residency/offline"
	"github.com/example/residency/program"
	"github.com/example/residency/regions"
)

// TestProgramWithoutStackFiles runs the program with its model from the config alone, in a folder
// that holds the truststore but no stack file, as the growth benchmark does.
func TestProgramWithoutStackFiles(t *testing.T) {
	t.Parallel()
	files, err := regions.LoadDir(stacksDir)
	require.NoError(t, err)
	var shipped regions.StackFile
	for _, file := range files {
		if file.Model.Name == "eu-central-1" {
			shipped = file
		}
	}
	require.NotEmpty(t, shipped.Model.Name, "shipped eu-central-1 stack")

	dir := t.TempDir()
	pem, err := os.ReadFile(filepath.Join(stacksDir, shipped.Model.Gateway.Apigee.TruststoreFile))
	require.NoError(t, err)
	truststore := filepath.Join(dir, shipped.Model.Gateway.Apigee.TruststoreFile)
	require.NoError(t, os.MkdirAll(filepath.Dir(truststore), 0o755))
	require.NoError(t, os.WriteFile(truststore, pem, 0o644))

	recorded, err := offline.Run(shipped.Model.Name, shipped.Config, program.New(dir))
	require.NoError(t, err)
	assert.NotEmpty(t, recorded.OfType("aws:ec2/vpc:Vpc"), "the program built the stack")
}
