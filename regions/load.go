package regions

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// DisableDefaultProvidersKey is the stack config key that makes the Pulumi engine reject any
// resource that would use a default provider.
const DisableDefaultProvidersKey = "pulumi:disable-default-providers"

// StackFile is a parsed Pulumi.<stack>.yaml: the stack's model and its config as Pulumi passes it
// to the program, with every value a string and structured values as JSON.
type StackFile struct {
	// Model is the decoded model of the stack.
	Model Stack
	// Config maps each namespaced config key ("residency:model") to its value as the Pulumi engine
	// passes it to a program.
	Config map[string]string
	// SecretsProvider is the stack's secrets provider URL, empty when none is named.
	SecretsProvider string
}

// stackFileKeys lists the top-level keys Pulumi accepts in a stack settings file.
var stackFileKeys = map[string]bool{
	"config": true, "secretsprovider": true, "encryptedkey": true, "encryptionsalt": true, "environment": true,
}

// StackNameFromFile returns the stack name of "Pulumi.<stack>.yaml", or false for other names.
func StackNameFromFile(path string) (string, bool) {
	base := filepath.Base(path)
	if !strings.HasPrefix(base, "Pulumi.") || !strings.HasSuffix(base, ".yaml") {
		return "", false
	}
	name := strings.TrimSuffix(strings.TrimPrefix(base, "Pulumi."), ".yaml")
	return name, name != ""
}

// LoadFile reads and decodes one stack file and reads the truststore it names. It does not
// validate the model; LoadDir does.
func LoadFile(path string) (StackFile, error) {
	name, ok := StackNameFromFile(path)
	if !ok {
		return StackFile{}, Errors{{File: path, Value: filepath.Base(path), Problem: "is not a stack file name",
			Fix: "name stack files Pulumi.<stack>.yaml"}}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return StackFile{}, fmt.Errorf("reading stack file (%s): %w", path, err)
	}
	file, problems := parseStackFile(data)
	file.Model.Name = name
	file.Model.File = path
	if len(problems) == 0 && file.Model.Gateway.Apigee != nil && file.Model.Gateway.Apigee.TruststoreFile != "" {
		content, err := ReadTruststore(filepath.Dir(path), file.Model.Gateway.Apigee.TruststoreFile)
		var truststoreProblems Errors
		if errors.As(err, &truststoreProblems) {
			problems = append(problems, truststoreProblems...)
		}
		file.Model.Gateway.Apigee.TruststorePEM = content
	}
	if len(problems) > 0 {
		return file, problems.inFile(path)
	}
	return file, nil
}

func parseStackFile(data []byte) (StackFile, Errors) {
	file := StackFile{Config: map[string]string{}}
	var problems Errors
	var document map[string]any
	if err := yaml.Unmarshal(data, &document); err != nil {
		// yaml.v3 puts each problem on its own indented line, so the message joins them into one line.
		message := strings.ReplaceAll(err.Error(), "\n  ", " ")
		problems = append(problems, fileError("", "", "is not valid YAML: "+message, "fix the syntax of the stack file"))
		return file, problems
	}
	for key := range document {
		if !stackFileKeys[key] {
			problems = append(problems, fileError(key, key, "is not a key Pulumi accepts in a stack file",
				"use config, secretsprovider, encryptedkey, encryptionsalt or environment"))
		}
	}
	if raw, present := document["secretsprovider"]; present {
		provider, isString := raw.(string)
		if !isString {
			problems = append(problems, fileError("secretsprovider", describe(raw), "is not a string",
				"set it to the URL of an AWS KMS key in the stack's region, for example "+exampleSecretsProvider))
		}
		file.SecretsProvider = provider
	}
	config, ok := document["config"].(map[string]any)
	if !ok {
		problems = append(problems, fileError("config", "", "is missing or not a mapping",
			"put the stack config under a top-level config key"))
		return file, problems
	}
	keys := make([]string, 0, len(config))
	for key := range config {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		value := config[key]
		switch {
		case key == ConfigKey:
		case key == DisableDefaultProvidersKey:
			if !disablesAWS(value) {
				problems = append(problems, fileError("config."+key, describe(value), "does not disable the default aws provider",
					"set it to [aws] so no resource can land in another region or account through a default provider"))
			}
		case strings.HasPrefix(key, "residency:"):
			problems = append(problems, fileError("config."+key, key, "is not a known key",
				"put every setting of the stack inside "+ConfigKey))
		case strings.HasPrefix(key, "aws:"):
			problems = append(problems, fileError("config."+key, key,
				"has no effect because the default aws provider is disabled",
				"remove it; the stack's provider takes its region and account from "+ConfigKey))
		}
		encoded, err := configValue(value)
		if err != nil {
			path, offending := unencodable("config."+key, value)
			problems = append(problems, fileError(path, offending, "cannot be passed to Pulumi: "+err.Error(),
				"use strings, numbers, booleans, lists and mappings"))
			continue
		}
		file.Config[key] = encoded
	}
	if _, present := config[DisableDefaultProvidersKey]; !present {
		problems = append(problems, fileError("config."+DisableDefaultProvidersKey, "", "is missing",
			"add it with the value [aws] so no resource can use a default provider"))
	}
	model, present := file.Config[ConfigKey]
	if !present {
		if _, written := config[ConfigKey]; !written {
			problems = append(problems, fileError("config."+ConfigKey, "", "is missing", "add the stack's model"))
		}
		return file, problems
	}
	if err := Decode([]byte(model), &file.Model); err != nil {
		var decodeProblems Errors
		if errors.As(err, &decodeProblems) {
			problems = append(problems, decodeProblems...)
		}
	}
	if file.SecretsProvider != "" && file.Model.Region != "" {
		problems = append(problems, validateSecretsProvider(file.SecretsProvider, file.Model)...)
	}
	return file, problems
}

// exampleSecretsProvider is the secrets provider URL that error messages suggest, with the region
// left for the reader to fill in.
const exampleSecretsProvider = "awskms://alias/pulumi-secrets-<region>?region=<region>"

// validateSecretsProvider checks that a stack file's secrets provider is an AWS KMS key in the
// stack's own region and partition. Pulumi wraps the stack's data key with that KMS key and
// encrypts every secret in config and state with the data key, so a key in another region would
// put every decryption outside the jurisdiction. The URL has the form of gocloud.dev's awskms
// opener, which Pulumi uses: "awskms://<key ID or alias>?region=<region>" or
// "awskms:///<key or alias ARN>?region=<region>".
func validateSecretsProvider(provider string, stack Stack) Errors {
	expected := "awskms://alias/pulumi-secrets-" + stack.Region + "?region=" + stack.Region
	reject := func(problem, fix string) Errors {
		return Errors{fileError("secretsprovider", provider, problem, fix)}
	}

	parsed, err := url.Parse(provider)
	if err != nil {
		return reject("is not a valid URL: "+err.Error(), "set it to an AWS KMS key URL such as "+expected)
	}
	if parsed.Scheme != "awskms" {
		return reject("is not an AWS KMS secrets provider",
			"encrypt the stack's secrets with a KMS key in "+stack.Region+", for example "+expected)
	}

	key := strings.TrimPrefix(parsed.Host+parsed.Path, "/")
	if key == "" {
		return reject("names no KMS key", "name the key or alias after awskms://, for example "+expected)
	}

	region := parsed.Query().Get("region")
	if region == "" {
		return reject("has no region parameter",
			"add ?region="+stack.Region+", because without it the AWS SDK takes the region from the environment, which may be another one")
	}
	if region != stack.Region {
		return reject(fmt.Sprintf("names region %q, but the stack is in %s", region, stack.Region),
			"use a KMS key in "+stack.Region+" with ?region="+stack.Region+", for example "+expected)
	}

	if strings.HasPrefix(key, "arn:") {
		parts := strings.SplitN(key, ":", 6)
		if len(parts) != 6 || parts[2] != "kms" {
			return reject("names an ARN that is not a KMS key or alias ARN", "use arn:"+stack.Partition+":kms:"+stack.Region+":<account>:key/<key ID> or an alias")
		}
		if parts[1] != stack.Partition || parts[3] != stack.Region {
			return reject(fmt.Sprintf("names a key in partition %q and region %q, but the stack is in %s of %s", parts[1], parts[3], stack.Region, stack.Partition),
				"use a KMS key of partition "+stack.Partition+" in "+stack.Region)
		}
	}
	return nil
}

// fileError reports a problem outside the model; its path is shown without the model's key.
func fileError(path, value, problem, fix string) ValidationError {
	return ValidationError{Path: path, Value: value, Problem: problem, Fix: fix, outsideModel: true}
}

func disablesAWS(value any) bool {
	items, ok := value.([]any)
	if !ok {
		return false
	}
	for _, item := range items {
		if item == "aws" || item == "*" {
			return true
		}
	}
	return false
}

// unencodable returns the key path and text of the first value inside a config value that JSON
// cannot encode: a NaN or infinite number, or a mapping with a key that is not a string.
func unencodable(path string, value any) (string, string) {
	switch typed := value.(type) {
	case float64:
		if math.IsNaN(typed) || math.IsInf(typed, 0) {
			return path, fmt.Sprint(typed)
		}
	case map[string]any:
		keys := make([]string, 0, len(typed))
		for key := range typed {
			keys = append(keys, key)
		}
		sort.Strings(keys)
		for _, key := range keys {
			if found, text := unencodable(path+"."+key, typed[key]); text != "" {
				return found, text
			}
		}
	case []any:
		for i, item := range typed {
			if found, text := unencodable(fmt.Sprintf("%s[%d]", path, i), item); text != "" {
				return found, text
			}
		}
	case map[any]any:
		for key := range typed {
			if _, isString := key.(string); !isString {
				return path, fmt.Sprint(key)
			}
		}
	}
	return path, ""
}

// configValue encodes a config value the way the Pulumi engine passes it: strings as they are,
// everything else as JSON.
func configValue(value any) (string, error) {
	if text, ok := value.(string); ok {
		return text, nil
	}
	encoded, err := json.Marshal(value)
	if err != nil {
		return "", err
	}
	return string(encoded), nil
}

// ReadTruststore reads the PEM bundle of Apigee's client CA, named relative to the stacks folder,
// and checks that it holds only CA certificates.
func ReadTruststore(stacksDir, name string) (string, error) {
	if name == "" {
		return "", nil
	}
	content, problem := readTruststore(filepath.Join(stacksDir, name))
	if problem != "" {
		return "", Errors{{Path: "gateway.apigee.truststoreFile", Value: name, Problem: problem,
			Fix: "put the PEM bundle of Apigee's client CA there, relative to the stack file"}}
	}
	return content, nil
}

func readTruststore(path string) (string, string) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", "cannot be read: " + err.Error()
	}
	rest := data
	count := 0
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return "", fmt.Sprintf("contains a PEM block of type %q", block.Type)
		}
		certificate, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return "", "contains a certificate that cannot be parsed: " + err.Error()
		}
		if !certificate.IsCA {
			return "", fmt.Sprintf("contains %q, which is not a CA certificate", certificate.Subject.CommonName)
		}
		count++
	}
	if count == 0 {
		return "", "contains no PEM certificates"
	}
	return string(data), ""
}

// LoadDir loads every Pulumi.<stack>.yaml in a folder and validates them together. The error, if
// any, is an Errors value that lists every problem in every file.
func LoadDir(dir string) ([]StackFile, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "Pulumi.*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("listing stack files (%s): %w", dir, err)
	}
	if len(paths) == 0 {
		return nil, Errors{{File: dir, Problem: "contains no stack files",
			Fix: "point --stacks at the folder with the Pulumi.<stack>.yaml files", outsideModel: true}}
	}
	sort.Strings(paths)
	var files []StackFile
	var problems Errors
	for _, path := range paths {
		file, err := LoadFile(path)
		var fileProblems Errors
		switch {
		case errors.As(err, &fileProblems):
			problems = append(problems, fileProblems...)
		case err != nil:
			return nil, err
		default:
			files = append(files, file)
		}
	}
	models := make([]Stack, len(files))
	for i, file := range files {
		models[i] = file.Model
	}
	problems = append(problems, ValidateAll(models)...)
	if len(problems) > 0 {
		return nil, problems
	}
	return files, nil
}
