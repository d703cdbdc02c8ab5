package regions_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/residency/regions"
)

// copyStacks copies the named shipped stack files and the certs folder into a new temporary folder
// and returns it.
func copyStacks(t *testing.T, stacks ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, stack := range stacks {
		copyFile(t, filepath.Join("../stacks", "Pulumi."+stack+".yaml"), filepath.Join(dir, "Pulumi."+stack+".yaml"))
	}
	certs, err := filepath.Glob("../stacks/certs/*.pem")
	require.NoError(t, err)
	require.NotEmpty(t, certs)
	require.NoError(t, os.Mkdir(filepath.Join(dir, "certs"), 0o755))
	for _, cert := range certs {
		copyFile(t, cert, filepath.Join(dir, "certs", filepath.Base(cert)))
	}
	return dir
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(to, data, 0o644))
}

// replaceInFile replaces the first occurrence of old, which must be present, with replacement.
func replaceInFile(t *testing.T, path, old, replacement string) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Contains(t, string(data), old, "text to replace in %s", path)
	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(data), old, replacement, 1)), 0o644))
}

// loadProblems loads dir and returns the problems, which must come as a regions.Errors.
func loadProblems(t *testing.T, dir string) regions.Errors {
	t.Helper()
	files, err := regions.LoadDir(dir)
	require.Error(t, err)
	assert.Nil(t, files, "no stack is returned when any file has a problem")
	var problems regions.Errors
	require.True(t, errors.As(err, &problems), "error %T is not a regions.Errors: %v", err, err)
	return problems
}

// writeCertificate writes a self-signed certificate, a CA or not, as PEM.
func writeCertificate(t *testing.T, path string, isCA bool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "apigee-client"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		BasicConstraintsValid: true,
		IsCA:                  isCA,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644))
}

func TestLoadDirShippedStacks(t *testing.T) {
	t.Parallel()
	files, err := regions.LoadDir("../stacks")
	require.NoError(t, err)
	require.Len(t, files, 3)

	var names []string
	for _, file := range files {
		names = append(names, file.Model.Name)
		assert.Equal(t, `["aws"]`, file.Config[regions.DisableDefaultProvidersKey], "%s disables the default provider", file.Model.Name)
		var model map[string]any
		assert.NoError(t, json.Unmarshal([]byte(file.Config[regions.ConfigKey]), &model), "%s passes the model as JSON", file.Model.Name)
		assert.Equal(t, filepath.Join("../stacks", "Pulumi."+file.Model.Name+".yaml"), file.Model.File)
	}
	assert.Equal(t, []string{"cn-north-1", "eu-central-1", "us-east-1"}, names, "sorted by file name")

	frankfurt, beijing := files[1].Model, files[0].Model
	require.NotNil(t, frankfurt.Gateway.Apigee)
	assert.True(t, strings.HasPrefix(frankfurt.Gateway.Apigee.TruststorePEM, "-----BEGIN CERTIFICATE-----"), "the loader reads the truststore")
	require.NotNil(t, beijing.Gateway.Axway)
	assert.Equal(t, []string{"444444444444"}, beijing.Gateway.Axway.AllowedAccountIDs)
}

func TestLoadDirStackFileProblem(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		old     string
		new     string
		path    string
		value   string
		problem string
		// shown is how the message names the key: config keys as they are, model keys after
		// "residency:model.".
		shown string
	}{
		{
			name:    "default providers not disabled",
			old:     "  pulumi:disable-default-providers:\n    - aws\n",
			new:     "",
			path:    "config.pulumi:disable-default-providers",
			problem: "is missing",
			shown:   "config.pulumi:disable-default-providers",
		},
		{
			name:    "default providers disabled for another package",
			old:     "  pulumi:disable-default-providers:\n    - aws\n",
			new:     "  pulumi:disable-default-providers:\n    - kubernetes\n",
			path:    "config.pulumi:disable-default-providers",
			value:   `["kubernetes"]`,
			problem: "does not disable the default aws provider",
			shown:   "config.pulumi:disable-default-providers",
		},
		{
			name:    "aws region key",
			old:     "config:\n",
			new:     "config:\n  aws:region: eu-central-1\n",
			path:    "config.aws:region",
			value:   "aws:region",
			problem: "has no effect because the default aws provider is disabled",
			shown:   "config.aws:region",
		},
		{
			name:    "unknown residency key",
			old:     "config:\n",
			new:     "config:\n  residency:owner: customer-platform\n",
			path:    "config.residency:owner",
			value:   "residency:owner",
			problem: "is not a known key",
			shown:   "config.residency:owner",
		},
		{
			name:    "unknown top-level key",
			old:     "config:\n",
			new:     "configuration: {}\nconfig:\n",
			path:    "configuration",
			value:   "configuration",
			problem: "is not a key Pulumi accepts in a stack file",
			shown:   "configuration",
		},
		{
			name:    "unquoted account ID",
			old:     `accountId: "111111111111"`,
			new:     `accountId: 111111111111`,
			path:    "accountId",
			value:   "111111111111",
			problem: "has the wrong type (number)",
			shown:   "residency:model.accountId",
		},
		{
			name:    "misspelled model key",
			old:     "    owner: customer-platform\n",
			new:     "    owner: customer-platform\n    ownr: customer-platform\n",
			path:    "ownr",
			value:   "ownr",
			problem: "is not a known key",
			shown:   "residency:model.ownr",
		},
		{
			name:    "truststore missing",
			old:     "truststoreFile: certs/apigee-emea-client-ca.pem",
			new:     "truststoreFile: certs/missing.pem",
			path:    "gateway.apigee.truststoreFile",
			value:   "certs/missing.pem",
			problem: "cannot be read",
			shown:   "residency:model.gateway.apigee.truststoreFile",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := copyStacks(t, "eu-central-1")
			file := filepath.Join(dir, "Pulumi.eu-central-1.yaml")
			replaceInFile(t, file, tc.old, tc.new)

			problem := problemAt(t, loadProblems(t, dir), tc.path)
			assert.Equal(t, file, problem.File, "file")
			assert.Equal(t, tc.value, problem.Value, "value")
			assert.Contains(t, problem.Problem, tc.problem, "problem")
			assert.NotEmpty(t, problem.Fix, "fix")
			assert.True(t, strings.HasPrefix(problem.Error(), file+": "+tc.shown), "message %q", problem.Error())
		})
	}
}

func TestLoadDirTruststoreNotCA(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		write   func(t *testing.T, path string)
		problem string
	}{
		{
			name:    "leaf certificate",
			write:   func(t *testing.T, path string) { writeCertificate(t, path, false) },
			problem: `contains "apigee-client", which is not a CA certificate`,
		},
		{
			name: "private key",
			write: func(t *testing.T, path string) {
				block := &pem.Block{Type: "PRIVATE KEY", Bytes: []byte("not a key")}
				require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(block), 0o644))
			},
			problem: `contains a PEM block of type "PRIVATE KEY"`,
		},
		{
			name: "not PEM",
			write: func(t *testing.T, path string) {
				require.NoError(t, os.WriteFile(path, []byte("Apigee client CA goes here\n"), 0o644))
			},
			problem: "contains no PEM certificates",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := copyStacks(t, "eu-central-1")
			tc.write(t, filepath.Join(dir, "certs", "apigee-emea-client-ca.pem"))

			problem := problemAt(t, loadProblems(t, dir), "gateway.apigee.truststoreFile")
			assert.Equal(t, filepath.Join(dir, "Pulumi.eu-central-1.yaml"), problem.File, "file")
			assert.Equal(t, "certs/apigee-emea-client-ca.pem", problem.Value, "value")
			assert.Contains(t, problem.Problem, tc.problem, "problem")
		})
	}
}

func TestLoadDirCAAccepted(t *testing.T) {
	t.Parallel()
	dir := copyStacks(t, "eu-central-1")
	writeCertificate(t, filepath.Join(dir, "certs", "apigee-emea-client-ca.pem"), true)
	files, err := regions.LoadDir(dir)
	require.NoError(t, err)
	require.Len(t, files, 1)
	assert.Contains(t, files[0].Model.Gateway.Apigee.TruststorePEM, "-----BEGIN CERTIFICATE-----")
}

func TestLoadDirInvalidYAML(t *testing.T) {
	t.Parallel()
	dir := copyStacks(t, "eu-central-1")
	file := filepath.Join(dir, "Pulumi.eu-central-1.yaml")
	replaceInFile(t, file, "config:\n", "config: [\n")

	problems := loadProblems(t, dir)
	require.Len(t, problems, 1)
	assert.Equal(t, file, problems[0].File)
	assert.Contains(t, problems[0].Problem, "is not valid YAML")
}

func TestLoadDirOverlapAcrossFiles(t *testing.T) {
	t.Parallel()
	dir := copyStacks(t, "eu-central-1", "us-east-1")
	file := filepath.Join(dir, "Pulumi.us-east-1.yaml")
	replaceInFile(t, file, "cidr: 10.22.0.0/16", "cidr: 10.12.0.0/16")

	problem := problemAt(t, loadProblems(t, dir), "domains[2].cidr")
	assert.Equal(t, file, problem.File)
	assert.Equal(t, "10.12.0.0/16", problem.Value)
	assert.Contains(t, problem.Problem, "of stack eu-central-1")
}

func TestLoadFileBadName(t *testing.T) {
	t.Parallel()
	dir := copyStacks(t)
	path := filepath.Join(dir, "eu-central-1.yaml")
	copyFile(t, "../stacks/Pulumi.eu-central-1.yaml", path)

	_, err := regions.LoadFile(path)
	var problems regions.Errors
	require.True(t, errors.As(err, &problems), "error %T is not a regions.Errors: %v", err, err)
	require.Len(t, problems, 1)
	assert.Equal(t, path, problems[0].File)
	assert.Equal(t, "eu-central-1.yaml", problems[0].Value)
	assert.Contains(t, problems[0].Problem, "is not a stack file name")
	assert.Contains(t, problems[0].Fix, "Pulumi.<stack>.yaml")
}

func TestLoadDirEmptyStackName(t *testing.T) {
	t.Parallel()
	dir := copyStacks(t)
	path := filepath.Join(dir, "Pulumi..yaml")
	copyFile(t, "../stacks/Pulumi.eu-central-1.yaml", path)

	problems := loadProblems(t, dir)
	require.Len(t, problems, 1)
	assert.Equal(t, path, problems[0].File)
	assert.Contains(t, problems[0].Problem, "is not a stack file name")
}

func TestLoadDirIgnoresOtherFiles(t *testing.T) {
	t.Parallel()
	dir := copyStacks(t, "cn-north-1")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.yaml"), []byte("not: [a stack"), 0o644))
	files, err := regions.LoadDir(dir)
	require.NoError(t, err)
	require.Len(t, files, 1)
	assert.Equal(t, "cn-north-1", files[0].Model.Name)
}

func TestLoadDirEmptyFolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	problems := loadProblems(t, dir)
	require.Len(t, problems, 1)
	assert.Equal(t, dir, problems[0].File)
	assert.Contains(t, problems[0].Problem, "contains no stack files")
	assert.Contains(t, problems[0].Fix, "--stacks")
}

func TestLoadDirTruststoreOutsideFolder(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		value   string
		problem string
	}{
		{
			name:    "parent folders",
			value:   "../../../../etc/ssl/certs/ca-certificates.crt",
			problem: "is outside the stack file's folder",
		},
		{
			name:    "parent folder after a subfolder",
			value:   "certs/../../apigee-emea-client-ca.pem",
			problem: "is outside the stack file's folder",
		},
		{
			name:    "absolute path",
			value:   "/etc/ssl/certs/ca-certificates.crt",
			problem: "is an absolute path",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := copyStacks(t, "eu-central-1")
			file := filepath.Join(dir, "Pulumi.eu-central-1.yaml")
			replaceInFile(t, file, "truststoreFile: certs/apigee-emea-client-ca.pem", "truststoreFile: "+tc.value)

			problem := problemAt(t, loadProblems(t, dir), "gateway.apigee.truststoreFile")
			assert.Equal(t, file, problem.File, "file")
			assert.Equal(t, tc.value, problem.Value, "value")
			assert.Equal(t, tc.problem, problem.Problem, "problem")
			assert.Contains(t, problem.Fix, "inside the stack file's folder", "fix")
		})
	}
}

// symlinkOrSkip creates a symbolic link, or skips the test where the system does not allow it.
func symlinkOrSkip(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("creating a symbolic link: %v", err)
	}
}

func TestLoadDirTruststoreSymlinkOutside(t *testing.T) {
	t.Parallel()
	outside := filepath.Join(t.TempDir(), "ca.pem")
	writeCertificate(t, outside, true)
	dir := copyStacks(t, "eu-central-1")
	truststore := filepath.Join(dir, "certs", "apigee-emea-client-ca.pem")
	require.NoError(t, os.Remove(truststore))
	symlinkOrSkip(t, outside, truststore)

	problem := problemAt(t, loadProblems(t, dir), "gateway.apigee.truststoreFile")
	assert.Equal(t, "certs/apigee-emea-client-ca.pem", problem.Value, "value")
	assert.Contains(t, problem.Problem, "is a symbolic link to "+outside, "problem")
	assert.Contains(t, problem.Problem, "outside the stack file's folder", "problem")
	assert.Contains(t, problem.Fix, "copy the truststore into the stack file's folder", "fix")
}

func TestLoadDirTruststoreSymlinkToDevice(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero on this system")
	}
	dir := copyStacks(t, "eu-central-1")
	truststore := filepath.Join(dir, "certs", "apigee-emea-client-ca.pem")
	require.NoError(t, os.Remove(truststore))
	symlinkOrSkip(t, "/dev/zero", truststore)

	problem := problemAt(t, loadProblems(t, dir), "gateway.apigee.truststoreFile")
	assert.Contains(t, problem.Problem, "outside the stack file's folder", "the link is rejected before the device is read")
}

func TestLoadDirTruststoreSymlinkInside(t *testing.T) {
	t.Parallel()
	dir := copyStacks(t, "eu-central-1")
	symlinkOrSkip(t, "apigee-emea-client-ca.pem", filepath.Join(dir, "certs", "link.pem"))
	file := filepath.Join(dir, "Pulumi.eu-central-1.yaml")
	replaceInFile(t, file, "truststoreFile: certs/apigee-emea-client-ca.pem", "truststoreFile: certs/link.pem")

	// The folder itself is reached through a link as well, which must not count as outside.
	linkedDir := filepath.Join(t.TempDir(), "stacks")
	symlinkOrSkip(t, dir, linkedDir)
	files, err := regions.LoadDir(linkedDir)
	require.NoError(t, err)
	require.Len(t, files, 1)
	assert.Contains(t, files[0].Model.Gateway.Apigee.TruststorePEM, "-----BEGIN CERTIFICATE-----")
}

func TestLoadDirTruststoreNotRegular(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		create  func(t *testing.T, path string)
		problem string
	}{
		{
			name:    "folder",
			create:  func(t *testing.T, path string) { require.NoError(t, os.Mkdir(path, 0o755)) },
			problem: "is a folder, not a regular file",
		},
		{
			name: "named pipe",
			create: func(t *testing.T, path string) {
				mkfifo, err := exec.LookPath("mkfifo")
				if err != nil {
					t.Skip("no mkfifo on this system")
				}
				require.NoError(t, exec.Command(mkfifo, path).Run())
			},
			problem: "is a named pipe (FIFO), not a regular file",
		},
		{
			name: "larger than 1 MiB",
			create: func(t *testing.T, path string) {
				require.NoError(t, os.WriteFile(path, make([]byte, 1<<20+1), 0o644))
			},
			problem: "is 1048577 bytes, more than the 1048576 bytes (1 MiB) the loader reads",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := copyStacks(t, "eu-central-1")
			truststore := filepath.Join(dir, "certs", "apigee-emea-client-ca.pem")
			require.NoError(t, os.Remove(truststore))
			tc.create(t, truststore)

			// A loader that opens a named pipe blocks until a writer appears, so the load runs
			// with a deadline.
			loaded := make(chan regions.Errors, 1)
			go func() {
				_, err := regions.LoadDir(dir)
				var problems regions.Errors
				errors.As(err, &problems)
				loaded <- problems
			}()
			var problems regions.Errors
			select {
			case problems = <-loaded:
			case <-time.After(10 * time.Second):
				require.FailNow(t, "LoadDir did not return within 10 seconds")
			}
			problem := problemAt(t, problems, "gateway.apigee.truststoreFile")
			assert.Equal(t, tc.problem, problem.Problem, "problem")
			assert.NotEmpty(t, problem.Fix, "fix")
		})
	}
}

func TestLoadDirStackFileNotRegular(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		create  func(t *testing.T, path string)
		problem string
	}{
		{
			name:    "folder",
			create:  func(t *testing.T, path string) { require.NoError(t, os.Mkdir(path, 0o755)) },
			problem: "is a folder, not a regular file",
		},
		{
			name:    "dangling symbolic link",
			create:  func(t *testing.T, path string) { symlinkOrSkip(t, "Pulumi.missing.yaml", path) },
			problem: "is a symbolic link to a file that does not exist",
		},
		{
			name: "link to a device",
			create: func(t *testing.T, path string) {
				if _, err := os.Stat("/dev/zero"); err != nil {
					t.Skip("no /dev/zero on this system")
				}
				symlinkOrSkip(t, "/dev/zero", path)
			},
			problem: "is a device, not a regular file",
		},
		{
			name: "larger than 1 MiB",
			create: func(t *testing.T, path string) {
				data, err := os.ReadFile("../stacks/Pulumi.us-east-1.yaml")
				require.NoError(t, err)
				padding := "# " + strings.Repeat("x", 1<<20) + "\n"
				require.NoError(t, os.WriteFile(path, append([]byte(padding), data...), 0o644))
			},
			problem: "more than the 1048576 bytes (1 MiB) the loader reads",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := copyStacks(t, "eu-central-1")
			path := filepath.Join(dir, "Pulumi.us-east-1.yaml")
			tc.create(t, path)

			problems := loadProblems(t, dir)
			require.Len(t, problems, 1, "only the broken file has a problem: %v", problems)
			assert.Equal(t, path, problems[0].File, "file")
			assert.Contains(t, problems[0].Problem, tc.problem, "problem")
			assert.NotEmpty(t, problems[0].Fix, "fix")
			assert.True(t, strings.HasPrefix(problems[0].Error(), path+": is "), "message %q", problems[0].Error())
		})
	}
}

func TestLoadDirStacksFolderMissing(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "missing")
	problems := loadProblems(t, dir)
	require.Len(t, problems, 1)
	assert.Equal(t, dir, problems[0].File)
	assert.Equal(t, "does not exist", problems[0].Problem)
	assert.Contains(t, problems[0].Fix, "--stacks")
}

func TestLoadDirStacksFolderIsFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(copyStacks(t, "eu-central-1"), "Pulumi.eu-central-1.yaml")
	problems := loadProblems(t, path)
	require.Len(t, problems, 1)
	assert.Equal(t, path, problems[0].File)
	assert.Equal(t, "is not a folder", problems[0].Problem)
	assert.Contains(t, problems[0].Fix, "--stacks")
}

func TestLoadDirFileAndModelProblems(t *testing.T) {
	t.Parallel()
	dir := copyStacks(t, "eu-central-1")
	file := filepath.Join(dir, "Pulumi.eu-central-1.yaml")
	replaceInFile(t, file, "    region: eu-central-1\n", "    region: eu-west-1\n")

	problems := loadProblems(t, dir)
	secrets := problemAt(t, problems, "secretsprovider")
	assert.Contains(t, secrets.Problem, `names region "eu-central-1", but the stack is in eu-west-1`)
	region := problemAt(t, problems, "region")
	assert.Equal(t, file, region.File, "file")
	assert.Equal(t, "is not a known region", region.Problem, "the model is validated despite the file's problem")
}

func TestLoadDirStackFileNotMapping(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"list":   "- config\n- secretsprovider\n",
		"string": "config\n",
		"number": "42\n",
	}
	for kind, content := range cases {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "Pulumi.eu-central-1.yaml")
			require.NoError(t, os.WriteFile(path, []byte(content), 0o644))

			problems := loadProblems(t, dir)
			require.Len(t, problems, 1)
			assert.Equal(t, path, problems[0].File)
			assert.Equal(t, "is a YAML "+kind+", but a stack file must be a mapping", problems[0].Problem)
			assert.Contains(t, problems[0].Fix, "top-level config key")
		})
	}
}

func TestLoadDirNumberAsWritten(t *testing.T) {
	t.Parallel()
	dir := copyStacks(t, "eu-central-1")
	file := filepath.Join(dir, "Pulumi.eu-central-1.yaml")
	replaceInFile(t, file, "records: 40000000", "records: 100000000000000000000000")

	problem := problemAt(t, loadProblems(t, dir), "domains[0].records")
	assert.Equal(t, "100000000000000000000000", problem.Value, "the number as written in YAML, not 1e+23")
	assert.Equal(t, "is out of range for a 64-bit whole number", problem.Problem)
}

func TestLoadDirStackNameOtherRegion(t *testing.T) {
	t.Parallel()
	dir := copyStacks(t)
	path := filepath.Join(dir, "Pulumi.eu-central-1.yaml")
	copyFile(t, "../stacks/Pulumi.us-east-1.yaml", path)

	problem := problemAt(t, loadProblems(t, dir), "region")
	assert.Equal(t, path, problem.File, "file")
	assert.Equal(t, "us-east-1", problem.Value, "value")
	assert.Contains(t, problem.Problem, "does not match stack eu-central-1 of file Pulumi.eu-central-1.yaml")
	assert.Contains(t, problem.Fix, "Pulumi.us-east-1.yaml")
}
