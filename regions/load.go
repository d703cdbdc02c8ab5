package regions

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
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

// maxFileSize is the largest stack file or truststore the loader reads, in bytes, so a path that
// names a device or a huge file cannot exhaust memory. The shipped stack files and CA bundles are
// a few kilobytes each.
const maxFileSize = 1 << 20

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
	file, _, err := loadStackFile(path)
	return file, err
}

// loadStackFile loads a stack file as LoadFile does and also reports whether its model decoded
// without problems, so that LoadDir can validate the model when only the file around it has
// problems.
func loadStackFile(path string) (StackFile, bool, error) {
	name, ok := StackNameFromFile(path)
	if !ok {
		return StackFile{}, false, Errors{{File: path, Value: filepath.Base(path), Problem: "is not a stack file name",
			Fix: "name stack files Pulumi.<stack>.yaml"}}
	}
	data, problem, err := readRegularFile(path, "stack file")
	if err != nil {
		return StackFile{}, false, fmt.Errorf("reading stack file (%s): %w", path, err)
	}
	if problem != nil {
		return StackFile{}, false, Errors{{File: path, Problem: problem.Problem, Fix: problem.Fix, outsideModel: true}}
	}
	file, problems, decoded := parseStack(data)
	file.Model.Name = name
	file.Model.File = path
	if len(problems) == 0 && file.Model.Gateway.Apigee != nil && file.Model.Gateway.Apigee.TruststoreFile != "" {
		content, err := ReadTruststore(filepath.Dir(path), file.Model.Gateway.Apigee.TruststoreFile)
		var truststoreProblems Errors
		switch {
		case errors.As(err, &truststoreProblems):
			problems = append(problems, truststoreProblems...)
		case err != nil:
			return StackFile{}, false, err
		}
		file.Model.Gateway.Apigee.TruststorePEM = content
	}
	if len(problems) > 0 {
		return file, decoded, problems.inFile(path)
	}
	return file, decoded, nil
}

// readRegularFile reads a regular file of at most maxFileSize bytes. A path that is missing,
// unreadable, not a regular file or too large is a problem of the input and comes back with its
// fix. The error is set only for other I/O failures. kind names the file in fixes, such as
// "stack file".
func readRegularFile(path, kind string) ([]byte, *ValidationError, error) {
	reject := func(problem, fix string) ([]byte, *ValidationError, error) {
		return nil, &ValidationError{Problem: problem, Fix: fix}, nil
	}
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if link, linkErr := os.Lstat(path); linkErr == nil && link.Mode()&fs.ModeSymlink != 0 {
			return reject("is a symbolic link to a file that does not exist",
				"point the link at an existing "+kind+" or remove it")
		}
		return reject("does not exist", "create the "+kind+" or correct its path")
	case errors.Is(err, fs.ErrPermission):
		return reject("cannot be read: permission denied", "make the "+kind+" readable by the user that runs the program")
	case err != nil:
		// For example a loop of symbolic links, or a file where the path needs a folder.
		return reject("cannot be read: "+err.Error(), "replace it with a regular "+kind+" file")
	}
	if !info.Mode().IsRegular() {
		return reject("is "+describeFileType(info.Mode())+", not a regular file", "replace it with a regular "+kind+" file")
	}
	if info.Size() > maxFileSize {
		return reject(fmt.Sprintf("is %d bytes, more than the %d bytes (1 MiB) the loader reads", info.Size(), maxFileSize),
			"keep the "+kind+" under 1 MiB")
	}

	opened, err := os.Open(path)
	if errors.Is(err, fs.ErrPermission) {
		return reject("cannot be read: permission denied", "make the "+kind+" readable by the user that runs the program")
	}
	if err != nil {
		return nil, nil, err
	}
	defer opened.Close()
	// The path may have been replaced since os.Stat, so the open file is checked again, and the
	// read stops after maxFileSize bytes whatever the file claims its size to be.
	if info, err = opened.Stat(); err != nil {
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		return reject("is "+describeFileType(info.Mode())+", not a regular file", "replace it with a regular "+kind+" file")
	}
	data, err := io.ReadAll(io.LimitReader(opened, maxFileSize+1))
	if err != nil {
		return nil, nil, err
	}
	if len(data) > maxFileSize {
		return reject(fmt.Sprintf("is more than the %d bytes (1 MiB) the loader reads", maxFileSize),
			"keep the "+kind+" under 1 MiB")
	}
	return data, nil, nil
}

// describeFileType names the type of a file that is not regular, for messages.
func describeFileType(mode fs.FileMode) string {
	switch {
	case mode.IsDir():
		return "a folder"
	case mode&fs.ModeSymlink != 0:
		return "a symbolic link"
	case mode&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case mode&fs.ModeSocket != 0:
		return "a socket"
	case mode&fs.ModeDevice != 0:
		return "a device"
	default:
		return "a special file"
	}
}

func parseStackFile(data []byte) (StackFile, Errors) {
	file, problems, _ := parseStack(data)
	return file, problems
}

// parseStack parses a stack file as parseStackFile does and also reports whether its model
// decoded without problems.
func parseStack(data []byte) (StackFile, Errors, bool) {
	file := StackFile{Config: map[string]string{}}
	var problems Errors
	var document map[string]any
	if err := yaml.Unmarshal(data, &document); err != nil {
		if kind := documentKind(data); kind != "" {
			problems = append(problems, fileError("", "", "is a YAML "+kind+", but a stack file must be a mapping",
				"write the stack file as a mapping with a top-level config key"))
			return file, problems, false
		}
		// yaml.v3 puts each problem on its own indented line, so the message joins them into one line.
		message := strings.ReplaceAll(err.Error(), "\n  ", " ")
		problems = append(problems, fileError("", "", "is not valid YAML: "+message, "fix the syntax of the stack file"))
		return file, problems, false
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
		return file, problems, false
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
		return file, problems, false
	}
	decoded := true
	if err := Decode([]byte(model), &file.Model); err != nil {
		decoded = false
		var decodeProblems Errors
		if errors.As(err, &decodeProblems) {
			showLiterals(data, decodeProblems)
			problems = append(problems, decodeProblems...)
		}
	}
	if file.SecretsProvider != "" && file.Model.Region != "" {
		problems = append(problems, validateSecretsProvider(file.SecretsProvider, file.Model)...)
	}
	return file, problems, decoded
}

// documentKind returns "list", "string", "number", "boolean" or "scalar" when a YAML document
// parses but is not a mapping, and "" otherwise.
func documentKind(data []byte) string {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil || len(root.Content) == 0 {
		return ""
	}
	node := root.Content[0]
	switch node.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		switch node.Tag {
		case "!!str":
			return "string"
		case "!!int", "!!float":
			return "number"
		case "!!bool":
			return "boolean"
		}
		return "scalar"
	}
	return ""
}

// showLiterals replaces the value of each out-of-range problem with the number as written in the
// stack file's YAML. The model reaches Decode as JSON, in which yaml.v3 has already turned a
// whole number too large for 64 bits into a float such as 1e+23.
func showLiterals(data []byte, problems Errors) {
	var root *yaml.Node
	for i := range problems {
		if problems[i].Problem != outOfRangeProblem {
			continue
		}
		if root == nil {
			root = &yaml.Node{}
			if err := yaml.Unmarshal(data, root); err != nil {
				return
			}
		}
		if node := nodeAt(root, "config", ConfigKey, problems[i].Path); node != nil && node.Kind == yaml.ScalarNode {
			problems[i].Value = node.Value
		}
	}
}

// nodeAt returns the YAML node at config key key of mapping section, then at a model key path
// such as "domains[0].records", or nil if there is none.
func nodeAt(root *yaml.Node, section, key, path string) *yaml.Node {
	node := mappingValue(documentContent(root), section)
	node = mappingValue(node, key)
	if path == "" {
		return node
	}
	for _, segment := range strings.Split(path, ".") {
		name, indexes, _ := strings.Cut(segment, "[")
		node = mappingValue(node, name)
		if indexes == "" {
			continue
		}
		for _, index := range strings.Split(strings.TrimSuffix(indexes, "]"), "][") {
			node = sequenceItem(node, index)
		}
	}
	return node
}

func documentContent(root *yaml.Node) *yaml.Node {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return nil
	}
	return root.Content[0]
}

func mappingValue(node *yaml.Node, key string) *yaml.Node {
	node = resolveAlias(node)
	if node == nil || node.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		if node.Content[i].Value == key {
			return resolveAlias(node.Content[i+1])
		}
	}
	return nil
}

func sequenceItem(node *yaml.Node, index string) *yaml.Node {
	node = resolveAlias(node)
	position, err := strconv.Atoi(index)
	if node == nil || node.Kind != yaml.SequenceNode || err != nil || position < 0 || position >= len(node.Content) {
		return nil
	}
	return resolveAlias(node.Content[position])
}

func resolveAlias(node *yaml.Node) *yaml.Node {
	// YAML anchors only nodes that are not aliases, so one step reaches the content.
	if node != nil && node.Kind == yaml.AliasNode {
		return node.Alias
	}
	return node
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

// truststoreFix is the fix for a truststore that cannot be read or holds the wrong content.
const truststoreFix = "put the PEM bundle of Apigee's client CA there, relative to the stack file's folder"

// ReadTruststore reads the PEM bundle of Apigee's client CA and checks that it holds only CA
// certificates. name is relative to stacksDir, the folder of the stack file, and must stay
// inside it after symbolic links are resolved. The file must be a regular file of at most 1 MiB.
func ReadTruststore(stacksDir, name string) (string, error) {
	if name == "" {
		return "", nil
	}
	content, problem, err := readTruststore(stacksDir, name)
	if err != nil {
		return "", fmt.Errorf("reading truststore (%s): %w", filepath.Join(stacksDir, name), err)
	}
	if problem != nil {
		return "", Errors{{Path: "gateway.apigee.truststoreFile", Value: name, Problem: problem.Problem, Fix: problem.Fix}}
	}
	return content, nil
}

// readTruststore returns the truststore's content, or the problem with it and its fix. err is
// set only for I/O failures that are not a problem of the input.
func readTruststore(stacksDir, name string) (string, *ValidationError, error) {
	reject := func(problem, fix string) (string, *ValidationError, error) {
		return "", &ValidationError{Problem: problem, Fix: fix}, nil
	}
	const insideFix = "keep the truststore inside the stack file's folder and name it relative to that folder, for example certs/apigee-client-ca.pem"
	if filepath.IsAbs(name) {
		return reject("is an absolute path", insideFix)
	}
	folder, err := filepath.Abs(stacksDir)
	if err != nil {
		return "", nil, err
	}
	path := filepath.Join(folder, name)
	if !isInside(folder, path) {
		return reject("is outside the stack file's folder", insideFix)
	}

	// A symbolic link inside the folder may still point out of it, so both paths are compared
	// again after every link is resolved.
	realFolder, err := filepath.EvalSymlinks(folder)
	if err != nil {
		return reject("cannot be read, because the stack file's folder cannot be resolved: "+err.Error(), truststoreFix)
	}
	realPath, err := filepath.EvalSymlinks(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return reject("cannot be read: the file does not exist", truststoreFix)
	case errors.Is(err, fs.ErrPermission):
		return reject("cannot be read: permission denied", "make the truststore readable by the user that runs the program")
	case err != nil:
		return reject("cannot be read: "+err.Error(), truststoreFix)
	}
	if !isInside(realFolder, realPath) {
		return reject("is a symbolic link to "+realPath+", outside the stack file's folder",
			"copy the truststore into the stack file's folder instead of linking to it")
	}

	data, problem, err := readRegularFile(realPath, "truststore")
	if problem != nil || err != nil {
		return "", problem, err
	}
	if problem := checkTruststore(data); problem != "" {
		return reject(problem, truststoreFix)
	}
	return string(data), nil, nil
}

// isInside reports whether path is folder or lies below it. Both must be absolute and clean.
func isInside(folder, path string) bool {
	relative, err := filepath.Rel(folder, path)
	return err == nil && relative != ".." && !strings.HasPrefix(relative, ".."+string(filepath.Separator))
}

// checkTruststore returns what is wrong with a PEM bundle of CA certificates, or "".
func checkTruststore(data []byte) string {
	rest := data
	count := 0
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return fmt.Sprintf("contains a PEM block of type %q", block.Type)
		}
		certificate, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return "contains a certificate that cannot be parsed: " + err.Error()
		}
		if !certificate.IsCA {
			return fmt.Sprintf("contains %q, which is not a CA certificate", certificate.Subject.CommonName)
		}
		count++
	}
	if count == 0 {
		return "contains no PEM certificates"
	}
	return ""
}

// LoadDir loads every Pulumi.<stack>.yaml in a folder and validates them together. The error, if
// any, is an Errors value that lists every problem in every file.
//
// A file whose model decoded is validated even when the file has other problems, such as a
// secrets provider in another region, so that every problem is reported at once.
func LoadDir(dir string) ([]StackFile, error) {
	paths, err := stackFilePaths(dir)
	if err != nil {
		return nil, err
	}
	var files []StackFile
	var models []Stack
	var problems Errors
	for _, path := range paths {
		file, decoded, err := loadStackFile(path)
		var fileProblems Errors
		switch {
		case errors.As(err, &fileProblems):
			problems = append(problems, fileProblems...)
			if decoded {
				models = append(models, file.Model)
			}
		case err != nil:
			return nil, err
		default:
			files = append(files, file)
			models = append(models, file.Model)
		}
	}
	problems = append(problems, ValidateAll(models)...)
	if len(problems) > 0 {
		sort.SliceStable(problems, func(i, j int) bool { return problems[i].File < problems[j].File })
		return nil, problems
	}
	return files, nil
}

// stackFilePaths lists the Pulumi.*.yaml entries of a folder, sorted by name as os.ReadDir returns
// them. A missing folder, a file in place of the folder or a folder without stack files is a
// problem of the input.
func stackFilePaths(dir string) ([]string, error) {
	const fix = "point --stacks at the folder with the Pulumi.<stack>.yaml files"
	reject := func(problem string) ([]string, error) {
		return nil, Errors{{File: dir, Problem: problem, Fix: fix, outsideModel: true}}
	}
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return reject("does not exist")
	case errors.Is(err, fs.ErrPermission):
		return reject("cannot be read: permission denied")
	case err != nil:
		if info, statErr := os.Stat(dir); statErr == nil && !info.IsDir() {
			return reject("is not a folder")
		}
		return nil, fmt.Errorf("listing stack files (%s): %w", dir, err)
	}
	var paths []string
	for _, entry := range entries {
		if matched, _ := filepath.Match("Pulumi.*.yaml", entry.Name()); matched {
			paths = append(paths, filepath.Join(dir, entry.Name()))
		}
	}
	if len(paths) == 0 {
		return reject("contains no stack files")
	}
	return paths, nil
}
