package test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/example/residency/graph"
	"github.com/example/residency/offline"
	"github.com/example/residency/program"
	"github.com/example/residency/regions"
)

// The benchmarks compare the program under the offline engine with a floor. The floor registers
// the same resources, with the same types and inputs, under the same engine, but without
// component logic: no validation, no outputs awaited, no policies built. The floor's
// resources are plain CustomResourceState values, so it also skips the output state that the
// typed pulumi-aws resources build. docs/benchmarks.md records the results.

// benchCustom and benchComponent are the plain resources the floor registers.
type benchCustom struct {
	pulumi.CustomResourceState
}

type benchComponent struct {
	pulumi.ResourceState
}

// benchFloor returns a program that registers the resources of a recorded graph: its AWS
// provider, then every other resource without a parent, each custom resource with the
// provider and its recorded inputs. With typed set, each custom resource is a value of its typed
// pulumi-aws resource, as in the program, instead of a plain CustomResourceState.
func benchFloor(b *testing.B, model regions.Stack, recorded *graph.Graph, typed bool) pulumi.RunFunc {
	b.Helper()
	type registration struct {
		typ, name string
		custom    bool
		inputs    map[string]any
	}
	var registrations []registration
	for _, resource := range recorded.Resources {
		switch resource.Type {
		case graph.StackType, graph.AWSProviderType:
			continue
		}
		registrations = append(registrations, registration{
			typ: resource.Type, name: resource.Name(), custom: resource.Custom, inputs: resource.Inputs,
		})
	}
	if len(recorded.OfType(graph.AWSProviderType)) != 1 {
		b.Fatalf("stack %s has %d AWS providers, expected 1", model.Name, len(recorded.OfType(graph.AWSProviderType)))
	}

	return func(ctx *pulumi.Context) error {
		provider, err := aws.NewProvider(ctx, model.Region, &aws.ProviderArgs{
			Region:            pulumi.String(model.Region),
			AllowedAccountIds: pulumi.StringArray{pulumi.String(model.AccountID)},
		})
		if err != nil {
			return err
		}
		for _, item := range registrations {
			if !item.custom {
				if err := ctx.RegisterComponentResource(item.typ, item.name, &benchComponent{}); err != nil {
					return err
				}
				continue
			}
			var state pulumi.CustomResource = &benchCustom{}
			if create, known := benchTypedResources[item.typ]; typed && known {
				state = create()
			}
			err := ctx.RegisterResource(item.typ, item.name, pulumi.ToMap(item.inputs), state,
				pulumi.Provider(provider))
			if err != nil {
				return err
			}
		}
		return nil
	}
}

// benchCompare runs the program and the floor once per iteration. The benchmark's timer covers
// only the program, so ns/op is the program's time; the floor's time is reported as
// floor-ns/op, and program/floor is their ratio.
func benchCompare(b *testing.B, model regions.Stack, config map[string]string, stacksDir string, domains int) {
	b.Helper()
	run := program.New(stacksDir)
	recorded, err := offline.Run(model.Name, config, run)
	if err != nil {
		b.Fatal(err)
	}
	floor := benchFloor(b, model, recorded, false)
	typedFloor := benchFloor(b, model, recorded, true)
	for _, candidate := range []pulumi.RunFunc{floor, typedFloor} {
		floorGraph, err := offline.Run(model.Name, config, candidate)
		if err != nil {
			b.Fatal(err)
		}
		if len(floorGraph.Resources) != len(recorded.Resources) {
			b.Fatalf("the floor registers %d resources, the program %d", len(floorGraph.Resources), len(recorded.Resources))
		}
	}

	var floorTime, typedFloorTime time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := offline.Run(model.Name, config, run); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		start := time.Now()
		if _, err := offline.Run(model.Name, config, floor); err != nil {
			b.Fatal(err)
		}
		floorTime += time.Since(start)
		start = time.Now()
		if _, err := offline.Run(model.Name, config, typedFloor); err != nil {
			b.Fatal(err)
		}
		typedFloorTime += time.Since(start)
		b.StartTimer()
	}
	programTime := b.Elapsed()
	b.ReportMetric(float64(len(recorded.Resources)), "resources/op")
	b.ReportMetric(float64(floorTime.Nanoseconds())/float64(b.N), "floor-ns/op")
	b.ReportMetric(float64(programTime)/float64(floorTime), "program/floor")
	b.ReportMetric(float64(typedFloorTime.Nanoseconds())/float64(b.N), "typed-floor-ns/op")
	b.ReportMetric(float64(programTime)/float64(typedFloorTime), "program/typed-floor")
	b.ReportMetric(float64(programTime.Nanoseconds())/float64(b.N)/float64(domains), "ns/domain")
}

// BenchmarkShippedStack runs each shipped stack under the offline engine against its floor.
func BenchmarkShippedStack(b *testing.B) {
	files, err := regions.LoadDir(stacksDir)
	if err != nil {
		b.Fatal(err)
	}
	for _, file := range files {
		b.Run(file.Model.Name, func(b *testing.B) {
			benchCompare(b, file.Model, file.Config, stacksDir, len(file.Model.Domains))
		})
	}
}

// BenchmarkLoadShippedStacks loads and validates every shipped stack file, about the work that
// the program's LoadModel does on every run before it registers anything.
func BenchmarkLoadShippedStacks(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := regions.LoadDir(stacksDir); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDomainGrowth runs generated eu-central-1 stacks of 10, 30 and 100 domains, each a copy
// of the shipped customer-identity domain with its own name and a /16 of 10.0.0.0/8.
func BenchmarkDomainGrowth(b *testing.B) {
	files, err := regions.LoadDir(stacksDir)
	if err != nil {
		b.Fatal(err)
	}
	var shipped regions.StackFile
	for _, file := range files {
		if file.Model.Name == "eu-central-1" {
			shipped = file
		}
	}
	if shipped.Model.Name == "" {
		b.Fatal("no shipped eu-central-1 stack")
	}

	for _, count := range []int{10, 30, 100} {
		b.Run(fmt.Sprintf("domains=%d", count), func(b *testing.B) {
			dir, config := benchGeneratedStack(b, shipped, count)
			benchCompare(b, shipped.Model, config, dir, count)
		})
	}
}

// benchGeneratedStack writes the truststore of a shipped stack into a temporary folder and
// returns the folder and the config of a stack with count copies of its first domain. The folder
// holds no stack file, so the program validates the generated model on its own.
func benchGeneratedStack(b *testing.B, shipped regions.StackFile, count int) (string, map[string]string) {
	b.Helper()
	if count > 256 {
		b.Fatalf("%d domains do not fit one /16 each in 10.0.0.0/8", count)
	}
	dir := b.TempDir()
	truststore := shipped.Model.Gateway.Apigee.TruststoreFile
	if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(truststore)), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, truststore), []byte(shipped.Model.Gateway.Apigee.TruststorePEM), 0o644); err != nil {
		b.Fatal(err)
	}

	model := shipped.Model
	template := model.Domains[0]
	model.Domains = make([]regions.Domain, count)
	for i := range model.Domains {
		domain := template
		domain.Name = fmt.Sprintf("domain-%03d", i)
		domain.CIDR = fmt.Sprintf("10.%d.0.0/16", i)
		model.Domains[i] = domain
	}
	if problems := regions.Validate(model); len(problems) > 0 {
		b.Fatalf("the generated model of %d domains is invalid:\n%v", count, problems)
	}
	encoded, err := json.Marshal(model)
	if err != nil {
		b.Fatal(err)
	}
	config := map[string]string{}
	for key, value := range shipped.Config {
		config[key] = value
	}
	config[regions.ConfigKey] = string(encoded)
	return dir, config
}
