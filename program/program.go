// Package program is the Pulumi program of a region stack. main.go runs it under the Pulumi CLI,
// and the offline engine runs the same function under mocks.
package program

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/example/residency/components"
	"github.com/example/residency/regions"
)

// New returns the program. It reads the selected stack's model from the stack config, validates
// it together with the other stack files in stacksDir (CIDRs must not overlap across stacks), and
// registers nothing if any problem is found.
func New(stacksDir string) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		stack, err := LoadModel(ctx, stacksDir)
		if err != nil {
			return err
		}
		region, err := components.NewRegionStack(ctx, stack.Region, &components.RegionStackArgs{Stack: stack})
		if err != nil {
			return err
		}
		exportOutputs(ctx, stack, region)
		return nil
	}
}

// LoadModel decodes the model from the stack config, checks the stack's own file when it is in
// stacksDir, and validates the model with every other stack file there.
func LoadModel(ctx *pulumi.Context, stacksDir string) (regions.Stack, error) {
	file := filepath.Join(stacksDir, "Pulumi."+ctx.Stack()+".yaml")
	raw := config.Get(ctx, regions.ConfigKey)
	if raw == "" {
		return regions.Stack{}, regions.Errors{{File: file, Problem: "is missing from the stack config",
			Fix: "add the stack's model under " + regions.ConfigKey}}
	}
	var stack regions.Stack
	if err := regions.Decode([]byte(raw), &stack); err != nil {
		return regions.Stack{}, withFile(err, file)
	}
	stack.Name, stack.File = ctx.Stack(), file

	// The stack file also carries checks outside the model (the secrets provider, no aws: keys,
	// default providers disabled), which `residency plan` applies, so `pulumi up` applies them too.
	if _, err := os.Stat(file); err == nil {
		if _, err := loadFile(file); err != nil {
			return regions.Stack{}, err
		}
	}
	others, err := siblings(stacksDir, ctx.Stack())
	if err != nil {
		return regions.Stack{}, err
	}
	if stack.Gateway.Apigee != nil {
		pem, err := regions.ReadTruststore(stacksDir, stack.Gateway.Apigee.TruststoreFile)
		if err != nil {
			return regions.Stack{}, withFile(err, file)
		}
		stack.Gateway.Apigee.TruststorePEM = pem
	}
	if problems := regions.ValidateAll(append(others, stack)); len(problems) > 0 {
		return regions.Stack{}, problems
	}
	return stack, nil
}

// siblings loads the models of the other stack files, which must be valid on their own.
func siblings(stacksDir, selected string) ([]regions.Stack, error) {
	// A folder without other stack files, or none at all, leaves nothing to validate against.
	entries, err := os.ReadDir(stacksDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("listing stack files (%s): %w", stacksDir, err)
	}
	var paths []string
	for _, entry := range entries {
		if _, ok := regions.StackNameFromFile(entry.Name()); ok {
			paths = append(paths, filepath.Join(stacksDir, entry.Name()))
		}
	}
	var stacks []regions.Stack
	for _, path := range paths {
		if name, _ := regions.StackNameFromFile(path); name == selected {
			continue
		}
		file, err := loadFile(path)
		if err != nil {
			return nil, err
		}
		stacks = append(stacks, file.Model)
	}
	return stacks, nil
}

func withFile(err error, file string) error {
	var problems regions.Errors
	if errors.As(err, &problems) {
		for i := range problems {
			if problems[i].File == "" {
				problems[i].File = file
			}
		}
		return problems
	}
	return err
}

// exportOutputs exports what the live suite and operators read back from a deployed stack.
func exportOutputs(ctx *pulumi.Context, stack regions.Stack, region *components.RegionStack) {
	ctx.Export("region", pulumi.String(stack.Region))
	ctx.Export("partition", pulumi.String(stack.Partition))
	ctx.Export("accountId", pulumi.String(stack.AccountID))
	domains := pulumi.Map{}
	for _, domain := range stack.Domains {
		built := region.Domains[domain.Name]
		domains[domain.Name] = pulumi.Map{
			"vpcId":             built.Network.VPC.ID(),
			"appSubnetIds":      built.Network.AppSubnetIDs,
			"databaseSubnetIds": built.Network.DatabaseSubnetIDs,
			"keyArn":            built.Key.Key.Arn,
			"clusterIdentifier": pulumi.String(built.Database.Identifier),
			"clusterArn":        built.Database.Cluster.Arn,
			"ecsClusterName":    pulumi.String(domain.Name),
			"ecsServiceName":    built.Service.Service.Name,
			"loadBalancerArn":   built.Service.LoadBalancer.Arn,
		}
	}
	ctx.Export("domains", domains)
}

// fileKey identifies one version of a stack file.
type fileKey struct {
	path     string
	size     int64
	modified time.Time
}

// loadedFiles caches stack files that loaded without problems, so planning several stacks in one
// process reads and validates each sibling file once. A file that changes gets a new key.
var loadedFiles sync.Map

// loadFile loads a stack file, from the cache when the file is unchanged since it was loaded.
func loadFile(path string) (regions.StackFile, error) {
	info, err := os.Stat(path)
	if err != nil {
		return regions.LoadFile(path)
	}
	key := fileKey{path: path, size: info.Size(), modified: info.ModTime()}
	if cached, ok := loadedFiles.Load(key); ok {
		return cached.(regions.StackFile), nil
	}
	file, err := regions.LoadFile(path)
	if err == nil {
		loadedFiles.Store(key, file)
	}
	return file, err
}
