package regions_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/residency/regions"
)

// secretsStackFile writes a copy of a shipped stack file whose secretsprovider line is replaced by
// line (left out when line is empty), with the Apigee truststores beside it, and returns its path.
func secretsStackFile(t *testing.T, stack, line string) string {
	t.Helper()
	shipped, err := os.ReadFile(filepath.Join("..", "stacks", "Pulumi."+stack+".yaml"))
	require.NoError(t, err)
	var kept []string
	for _, text := range strings.Split(string(shipped), "\n") {
		if !strings.HasPrefix(text, "secretsprovider:") {
			kept = append(kept, text)
		}
	}
	content := strings.Join(kept, "\n")
	if line != "" {
		content = line + "\n" + content
	}

	dir := t.TempDir()
	require.NoError(t, os.CopyFS(filepath.Join(dir, "certs"), os.DirFS(filepath.Join("..", "stacks", "certs"))))
	path := filepath.Join(dir, "Pulumi."+stack+".yaml")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// secretsProblems returns the problems that LoadFile reports at the key path "secretsprovider".
func secretsProblems(t *testing.T, err error) []regions.ValidationError {
	t.Helper()
	if err == nil {
		return nil
	}
	var problems regions.Errors
	require.True(t, errors.As(err, &problems), "LoadFile returned %v, which is not a regions.Errors", err)
	var found []regions.ValidationError
	for _, problem := range problems {
		if problem.Path == "secretsprovider" {
			found = append(found, problem)
		}
	}
	return found
}

func TestSecretsProviderAccepted(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		stack string
		line  string
	}{
		{"alias in eu-central-1", "eu-central-1", "secretsprovider: awskms://alias/pulumi-secrets-eu-central-1?region=eu-central-1"},
		{"alias in us-east-1", "us-east-1", "secretsprovider: awskms://alias/pulumi-secrets-us-east-1?region=us-east-1"},
		{"alias in cn-north-1", "cn-north-1", "secretsprovider: awskms://alias/pulumi-secrets-cn-north-1?region=cn-north-1"},
		{"key ID", "eu-central-1", "secretsprovider: awskms://1234abcd-12ab-34cd-56ef-1234567890ab?region=eu-central-1"},
		{"key ARN in aws-cn", "cn-north-1",
			`secretsprovider: "awskms:///arn:aws-cn:kms:cn-north-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab?region=cn-north-1"`},
		{"alias ARN with sdk parameter", "us-east-1",
			`secretsprovider: "awskms:///arn:aws:kms:us-east-1:222222222222:alias/pulumi-secrets?region=us-east-1&awssdk=v2"`},
		{"no secrets provider", "cn-north-1", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			file, err := regions.LoadFile(secretsStackFile(t, tc.stack, tc.line))
			require.NoError(t, err)
			assert.Equal(t, strings.Trim(strings.TrimPrefix(tc.line, "secretsprovider: "), `"`), file.SecretsProvider)
		})
	}
}

func TestSecretsProviderRejected(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		stack   string
		value   string
		problem string
	}{
		{"other region", "eu-central-1", "awskms://alias/pulumi-secrets?region=us-east-1",
			`names region "us-east-1", but the stack is in eu-central-1`},
		{"china stack with a commercial region", "cn-north-1", "awskms://alias/pulumi-secrets?region=eu-central-1",
			`names region "eu-central-1", but the stack is in cn-north-1`},
		{"no region parameter", "us-east-1", "awskms://alias/pulumi-secrets-us-east-1",
			"has no region parameter"},
		{"passphrase provider", "eu-central-1", "passphrase",
			"is not an AWS KMS secrets provider"},
		{"other cloud's key", "us-east-1", "gcpkms://projects/p/locations/us-east1/keyRings/r/cryptoKeys/k",
			"is not an AWS KMS secrets provider"},
		{"no key", "eu-central-1", "awskms://?region=eu-central-1",
			"names no KMS key"},
		{"key ARN of the commercial partition in china", "cn-north-1",
			"awskms:///arn:aws:kms:cn-north-1:333333333333:key/1234abcd?region=cn-north-1",
			`names a key in partition "aws" and region "cn-north-1", but the stack is in cn-north-1 of aws-cn`},
		{"key ARN in another region", "eu-central-1",
			"awskms:///arn:aws:kms:us-east-1:111111111111:key/1234abcd?region=eu-central-1",
			`names a key in partition "aws" and region "us-east-1", but the stack is in eu-central-1 of aws`},
		{"ARN of another service", "eu-central-1",
			"awskms:///arn:aws:s3:eu-central-1:111111111111:bucket?region=eu-central-1",
			"names an ARN that is not a KMS key or alias ARN"},
		{"invalid URL", "us-east-1", "awskms://%zz?region=us-east-1",
			"is not a valid URL"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := secretsStackFile(t, tc.stack, `secretsprovider: "`+tc.value+`"`)
			_, err := regions.LoadFile(path)
			require.Error(t, err)
			problems := secretsProblems(t, err)
			require.Len(t, problems, 1, "problems: %v", err)
			assert.Equal(t, tc.value, problems[0].Value)
			assert.Contains(t, problems[0].Problem, tc.problem)
			assert.NotEmpty(t, problems[0].Fix)
			assert.Contains(t, err.Error(), path+": secretsprovider: ")
		})
	}
}

func TestSecretsProviderNotString(t *testing.T) {
	t.Parallel()
	_, err := regions.LoadFile(secretsStackFile(t, "us-east-1", "secretsprovider:\n  url: awskms://alias/x?region=us-east-1"))
	require.Error(t, err)
	problems := secretsProblems(t, err)
	require.Len(t, problems, 1, "problems: %v", err)
	assert.Equal(t, "is not a string", problems[0].Problem)
	assert.Contains(t, problems[0].Fix, "awskms://")
}

func TestSecretsProviderFixNamesRegion(t *testing.T) {
	t.Parallel()
	_, err := regions.LoadFile(secretsStackFile(t, "cn-north-1", "secretsprovider: awskms://alias/x?region=us-east-1"))
	problems := secretsProblems(t, err)
	require.Len(t, problems, 1, "problems: %v", err)
	assert.Contains(t, problems[0].Fix, "awskms://alias/pulumi-secrets-cn-north-1?region=cn-north-1")
}

func TestShippedSecretsProvidersInRegion(t *testing.T) {
	t.Parallel()
	files, err := regions.LoadDir(filepath.Join("..", "stacks"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(file.Model.Name, func(t *testing.T) {
			assert.Equal(t, "awskms://alias/pulumi-secrets-"+file.Model.Region+"?region="+file.Model.Region,
				file.SecretsProvider)
		})
	}
}
