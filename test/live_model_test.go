package test

// The part of the live suite that needs no AWS account: the settings it reads from the
// environment, and the ephemeral model and stack file it derives from a shipped stack. It has no
// build tag, so the offline suite proves that every ephemeral model is valid and passes the rules.

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/example/residency/offline"
	"github.com/example/residency/program"
	"github.com/example/residency/regions"
	"github.com/example/residency/rules"
)

// Environment variables that select the sandbox accounts. A region's subtest runs only when its
// partition's profile and its account are set; docs/live-suite.md describes them.
const (
	// liveAWSProfileVariable names the AWS CLI profile of the aws-partition sandbox account.
	// AWS_PROFILE is used when it is unset.
	liveAWSProfileVariable = "RESIDENCY_LIVE_AWS_PROFILE"
	// liveAWSCNProfileVariable names the AWS CLI profile of the aws-cn sandbox account. AWS_PROFILE
	// is never used for aws-cn, because commercial credentials are not valid there.
	liveAWSCNProfileVariable = "RESIDENCY_LIVE_AWS_CN_PROFILE"
	// liveAccountPrefix starts the variable with the sandbox account of a region, for example
	// RESIDENCY_LIVE_ACCOUNT_EU_CENTRAL_1.
	liveAccountPrefix = "RESIDENCY_LIVE_ACCOUNT_"
	// liveCertificatePrefix starts the variable with the ACM certificate ARN of an Apigee region's
	// custom domain in the sandbox account.
	liveCertificatePrefix = "RESIDENCY_LIVE_CERTIFICATE_ARN_"
	// liveDomainNamePrefix starts the variable with the custom domain that the certificate covers.
	liveDomainNamePrefix = "RESIDENCY_LIVE_DOMAIN_NAME_"
	// liveAxwayAccountPrefix starts the optional variable with the account that may connect to an
	// Axway region's endpoint services. The shipped stack file's accounts are used when it is unset.
	liveAxwayAccountPrefix = "RESIDENCY_LIVE_AXWAY_ACCOUNT_"
	// liveBackendPrefix starts the optional variable with the state backend URL of a region, for
	// example an S3 bucket in the region. A file backend under out/live is used when it is unset.
	liveBackendPrefix = "RESIDENCY_LIVE_BACKEND_URL_"
)

// liveStackInfix marks the names of the ephemeral stacks, "<region>-live-<id>".
const liveStackInfix = "-live-"

// liveSettings is what one region's subtest needs from the environment.
type liveSettings struct {
	profile        string
	account        string
	certificateARN string
	domainName     string
	axwayAccount   string
	backendURL     string
}

// liveRegionSuffix turns a region into the suffix of its variables: eu-central-1 becomes
// EU_CENTRAL_1.
func liveRegionSuffix(region string) string {
	return strings.ToUpper(strings.ReplaceAll(region, "-", "_"))
}

// liveSettingsFor reads a region's settings and returns the names of the required variables
// that are unset.
func liveSettingsFor(stack regions.Stack) (liveSettings, []string) {
	suffix := liveRegionSuffix(stack.Region)
	settings := liveSettings{
		account:      os.Getenv(liveAccountPrefix + suffix),
		axwayAccount: os.Getenv(liveAxwayAccountPrefix + suffix),
		backendURL:   os.Getenv(liveBackendPrefix + suffix),
	}
	var missing []string
	switch stack.Partition {
	case "aws-cn":
		settings.profile = os.Getenv(liveAWSCNProfileVariable)
		if settings.profile == "" {
			missing = append(missing, liveAWSCNProfileVariable)
		}
	default:
		settings.profile = os.Getenv(liveAWSProfileVariable)
		if settings.profile == "" {
			settings.profile = os.Getenv("AWS_PROFILE")
		}
		if settings.profile == "" {
			missing = append(missing, liveAWSProfileVariable+" (or AWS_PROFILE)")
		}
	}
	if settings.account == "" {
		missing = append(missing, liveAccountPrefix+suffix)
	}
	if stack.Gateway.Apigee != nil {
		settings.certificateARN = os.Getenv(liveCertificatePrefix + suffix)
		settings.domainName = os.Getenv(liveDomainNamePrefix + suffix)
		if settings.certificateARN == "" {
			missing = append(missing, liveCertificatePrefix+suffix)
		}
		if settings.domainName == "" {
			missing = append(missing, liveDomainNamePrefix+suffix)
		}
	}
	return settings, missing
}

// liveModel derives the ephemeral stack's model from a shipped one: the sandbox account, no
// protection against deletion, the smallest minimum sizes the validation allows (the maximums
// stay, because the validation sizes them for the expected load), CIDRs that overlap no
// shipped stack (10.<200+10*index+domain>.0.0/16), and domain names with the stack's random ID,
// because the names of clusters, final snapshots, keys and load balancers derive from them.
func liveModel(t *testing.T, shipped regions.Stack, name string, settings liveSettings, index int) regions.Stack {
	t.Helper()
	encoded, err := json.Marshal(shipped)
	require.NoError(t, err)
	var model regions.Stack
	require.NoError(t, regions.Decode(encoded, &model), "decoding a copy of %s", shipped.Name)
	model.Name = name
	model.AccountID = settings.account
	model.Environment = regions.EnvironmentEphemeral

	id := name[strings.LastIndex(name, "-")+1:]
	require.Less(t, len(shipped.Domains), 10, "domains of %s: the CIDR scheme has room for 9", shipped.Name)
	for i := range model.Domains {
		domain := &model.Domains[i]
		base := domain.Name
		if room := 20 - 1 - len(id); len(base) > room {
			base = strings.TrimRight(base[:room], "-")
		}
		domain.Name = base + "-" + id
		domain.CIDR = fmt.Sprintf("10.%d.0.0/16", 200+10*index+i)
		domain.Database.DeletionProtection = false
		domain.Database.Instances = 1
		domain.Database.MinCapacity = 0.5
		domain.Database.BackupRetentionDays = 1
		domain.Service.MinTasks = 1
	}
	if model.Gateway.Apigee != nil {
		model.Gateway.Apigee.CertificateARN = settings.certificateARN
		model.Gateway.Apigee.DomainName = settings.domainName
	}
	if model.Gateway.Axway != nil && settings.axwayAccount != "" {
		model.Gateway.Axway.AllowedAccountIDs = []string{settings.axwayAccount}
	}
	return model
}

// liveWriteStackFile writes the ephemeral stack's file into the folder of the shipped ones, where
// the Pulumi CLI looks for it (stackConfigDir). It loads the file back with every file there, so
// the ephemeral model passes the same validation as a shipped one before anything is deployed.
// The destroy stage of the live suite deletes the file.
func liveWriteStackFile(t *testing.T, stacksDir string, shipped regions.StackFile, model regions.Stack) string {
	t.Helper()
	encoded, err := json.Marshal(model)
	require.NoError(t, err)
	var modelValue map[string]any
	require.NoError(t, json.Unmarshal(encoded, &modelValue))
	document := map[string]any{
		"secretsprovider": shipped.SecretsProvider,
		"config": map[string]any{
			regions.DisableDefaultProvidersKey: []string{"aws"},
			regions.ConfigKey:                  modelValue,
		},
	}
	content, err := yaml.Marshal(document)
	require.NoError(t, err)
	path := filepath.Join(stacksDir, "Pulumi."+model.Name+".yaml")
	// `pulumi stack init` adds the encrypted data key to an existing file, so a rerun with
	// SKIP_setup keeps the file it finds.
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		header := "# Ephemeral stack of the live suite (test/live_test.go). Its destroy stage deletes this file.\n"
		require.NoError(t, os.WriteFile(path, append([]byte(header), content...), 0o644))
	}

	loaded, err := regions.LoadDir(filepath.Dir(path))
	require.NoError(t, err, "validating the ephemeral stack file with the shipped ones")
	found := slices.ContainsFunc(loaded, func(file regions.StackFile) bool { return file.Model.Name == model.Name })
	require.True(t, found, "stack file %s is loaded", path)
	return path
}

// TestLiveModelPassesRules derives the ephemeral model of every shipped stack as the live suite
// does, writes its stack file beside copies of the shipped ones, and runs it under the offline
// engine: each must load, validate with the shipped stacks and pass every isolation rule.
func TestLiveModelPassesRules(t *testing.T) {
	t.Parallel()
	files, err := regions.LoadDir(stacksDir)
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS(stacksDir)))

	for index, file := range files {
		shipped := file.Model
		name := shipped.Region + liveStackInfix + "ab12cd"
		// aws-cn accounts are separate from aws accounts, so each partition gets its own sandbox.
		settings := liveSettings{account: "999999999999"}
		if shipped.Partition == "aws-cn" {
			settings.account = "888888888888"
		}
		if shipped.Gateway.Apigee != nil {
			settings.certificateARN = fmt.Sprintf("arn:%s:acm:%s:%s:certificate/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
				shipped.Partition, shipped.Region, settings.account)
			settings.domainName = "api.live.example.com"
		}
		model := liveModel(t, shipped, name, settings, index)

		assert.Equal(t, regions.EnvironmentEphemeral, model.Environment, "%s environment", name)
		assert.Equal(t, settings.account, model.AccountID, "%s account", name)
		for i, domain := range model.Domains {
			assert.LessOrEqual(t, len(domain.Name), 20, "%s domain name %s", name, domain.Name)
			assert.True(t, strings.HasSuffix(domain.Name, "-ab12cd"), "%s domain name %s carries the stack ID", name, domain.Name)
			assert.False(t, domain.Database.DeletionProtection, "%s domain %s deletion protection", name, domain.Name)
			assert.NotEqual(t, shipped.Domains[i].CIDR, domain.CIDR, "%s domain %s CIDR", name, domain.Name)
		}
		assert.NotEqual(t, shipped.Domains[0].Name, model.Domains[0].Name, "the shipped model is not changed")

		path := liveWriteStackFile(t, dir, file, model)
		loaded, err := regions.LoadFile(path)
		require.NoError(t, err)
		assert.Equal(t, file.SecretsProvider, loaded.SecretsProvider, "%s secrets provider", name)
		readBack := loaded.Model
		readBack.File = ""
		if readBack.Gateway.Apigee != nil {
			assert.NotEmpty(t, readBack.Gateway.Apigee.TruststorePEM, "%s truststore", name)
			readBack.Gateway.Apigee.TruststorePEM = ""
		}
		assert.Equal(t, model, readBack, "%s model read back from %s", name, path)
	}

	// Every ephemeral file now sits beside the shipped ones, so their CIDRs must not overlap
	// across all six stacks.
	all, err := regions.LoadDir(dir)
	require.NoError(t, err)
	require.Len(t, all, 2*len(files))
	for _, file := range all {
		if !strings.Contains(file.Model.Name, liveStackInfix) {
			continue
		}
		t.Run(file.Model.Name, func(t *testing.T) {
			recorded, err := offline.Run(file.Model.Name, file.Config, program.New(dir))
			require.NoError(t, err)
			results := rules.Evaluate(recorded, rules.ExpectationFor(file.Model))
			require.NotEmpty(t, results)
			for _, result := range results {
				assert.Equal(t, rules.Pass, result.Status, "%s %s: %s", file.Model.Name, result.ID, result.Message)
			}
		})
	}
}

func TestLiveSettingsMissing(t *testing.T) {
	t.Setenv(liveAWSProfileVariable, "")
	t.Setenv(liveAWSCNProfileVariable, "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv(liveAccountPrefix+"CN_NORTH_1", "")
	t.Setenv(liveAccountPrefix+"EU_CENTRAL_1", "")
	t.Setenv(liveCertificatePrefix+"EU_CENTRAL_1", "")
	t.Setenv(liveDomainNamePrefix+"EU_CENTRAL_1", "")
	files, err := regions.LoadDir(stacksDir)
	require.NoError(t, err)
	models := map[string]regions.Stack{}
	for _, file := range files {
		models[file.Model.Name] = file.Model
	}
	require.Contains(t, models, "cn-north-1")
	require.Contains(t, models, "eu-central-1")

	_, missing := liveSettingsFor(models["cn-north-1"])
	assert.Equal(t, []string{"RESIDENCY_LIVE_AWS_CN_PROFILE", "RESIDENCY_LIVE_ACCOUNT_CN_NORTH_1"}, missing)
	_, missing = liveSettingsFor(models["eu-central-1"])
	assert.Equal(t, []string{"RESIDENCY_LIVE_AWS_PROFILE (or AWS_PROFILE)", "RESIDENCY_LIVE_ACCOUNT_EU_CENTRAL_1",
		"RESIDENCY_LIVE_CERTIFICATE_ARN_EU_CENTRAL_1", "RESIDENCY_LIVE_DOMAIN_NAME_EU_CENTRAL_1"}, missing)

	// AWS_PROFILE serves the aws partition but never aws-cn, whose credentials are separate.
	t.Setenv("AWS_PROFILE", "sandbox")
	t.Setenv(liveAccountPrefix+"CN_NORTH_1", "333333333333")
	settings, missing := liveSettingsFor(models["cn-north-1"])
	assert.Equal(t, []string{"RESIDENCY_LIVE_AWS_CN_PROFILE"}, missing)
	assert.Empty(t, settings.profile)
	settings, _ = liveSettingsFor(models["eu-central-1"])
	assert.Equal(t, "sandbox", settings.profile)
}
