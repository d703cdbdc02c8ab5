package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/example/residency/graph"
	"github.com/example/residency/offline"
	"github.com/example/residency/program"
	"github.com/example/residency/regions"
	"github.com/example/residency/rules"
)

// stackPlan is one stack in the JSON output of plan.
type stackPlan struct {
	Stack     string           `json:"stack"`
	Region    string           `json:"region"`
	Partition string           `json:"partition"`
	Account   string           `json:"account"`
	Resources []graph.Resource `json:"resources"`
	Rules     []rules.Result   `json:"rules"`
}

// planDocument is the JSON output of plan.
type planDocument struct {
	Stacks []stackPlan `json:"stacks"`
}

// planned is one stack's expectation, the graph recorded for it, and the rules' verdicts.
type planned struct {
	expect  rules.Expectation
	domains int
	vendor  string
	graph   *graph.Graph
	results []rules.Result
}

// rulesStatus returns exitRuleFailed when any rule failed on any stack.
func rulesStatus(plans []planned) int {
	for _, plan := range plans {
		if len(rules.Failed(plan.results)) > 0 {
			return exitRuleFailed
		}
	}
	return exitOK
}

func runPlan(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("plan", flag.ContinueOnError)
	flags.SetOutput(stderr)
	stacksDir := flags.String("stacks", "stacks", "folder with the Pulumi.<stack>.yaml stack files")
	only := flags.String("stack", "", "plan only this stack (all stacks are still validated together)")
	asJSON := flags.Bool("json", false, "write one JSON document to standard output instead of the tree")
	exportDir := flags.String("export", "", "also write each stack's graph to DIR/<stack>.json as a document that pulumi stack import accepts")
	flags.Usage = func() {
		fmt.Fprintln(stderr, "Usage: residency plan [--stacks DIR] [--stack NAME] [--json] [--export DIR]")
		flags.PrintDefaults()
	}
	if code, parsed := parseFlags(flags, args); !parsed {
		return code
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "residency plan: unexpected argument %q\n", flags.Arg(0))
		flags.Usage()
		return exitInvalid
	}

	plans, code := planStacks(*stacksDir, *only, stderr)
	if code != exitOK {
		return code
	}
	if *exportDir != "" {
		if code := writeExports(*exportDir, plans, stderr); code != exitOK {
			return code
		}
	}
	if *asJSON {
		if code := writePlanJSON(plans, stdout, stderr); code != exitOK {
			return code
		}
		return rulesStatus(plans)
	}
	for i, plan := range plans {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		writeTree(stdout, plan)
		writeVerdicts(stdout, plan)
	}
	return rulesStatus(plans)
}

// planStacks loads and validates every stack file, then runs the selected stacks under the offline
// engine. Nothing is returned unless every selected stack planned.
func planStacks(stacksDir, only string, stderr io.Writer) ([]planned, int) {
	files, err := regions.LoadDir(stacksDir)
	if err != nil {
		return nil, reportError(stderr, err)
	}
	var plans []planned
	for _, file := range files {
		if only != "" && file.Model.Name != only {
			continue
		}
		result, err := offline.Run(file.Model.Name, file.Config, program.New(stacksDir))
		if err != nil {
			return nil, reportError(stderr, err)
		}
		expectation := rules.ExpectationFor(file.Model)
		plans = append(plans, planned{
			expect:  expectation,
			domains: len(file.Model.Domains),
			vendor:  file.Model.Gateway.Vendor,
			graph:   result,
			results: rules.Evaluate(result, expectation),
		})
	}
	if only != "" && len(plans) == 0 {
		fmt.Fprintf(stderr, "residency plan: stack %q not found: no file Pulumi.%s.yaml in %s\n", only, only, stacksDir)
		return nil, exitInvalid
	}
	return plans, exitOK
}

// reportError writes an error to standard error and returns the exit status for it.
func reportError(stderr io.Writer, err error) int {
	var problems regions.Errors
	var validation regions.ValidationError
	if errors.As(err, &problems) || errors.As(err, &validation) {
		if len(problems) == 0 {
			problems = regions.Errors{validation}
		}
		fmt.Fprintf(stderr, "residency: %d problem(s) in the stack files; nothing was planned:\n", len(problems))
		for _, problem := range problems {
			fmt.Fprintf(stderr, "  %s\n", problem.Error())
		}
		return exitInvalid
	}
	fmt.Fprintf(stderr, "residency: %v\n", err)
	return exitInternal
}

func writePlanJSON(plans []planned, stdout, stderr io.Writer) int {
	document := planDocument{Stacks: []stackPlan{}}
	for _, plan := range plans {
		document.Stacks = append(document.Stacks, stackPlan{
			Stack:     plan.expect.Stack,
			Region:    plan.expect.Region,
			Partition: plan.expect.Partition,
			Account:   plan.expect.Account,
			Resources: plan.graph.Resources,
			Rules:     plan.results,
		})
	}
	encoder := json.NewEncoder(stdout)
	encoder.SetIndent("", "  ")
	if err := encoder.Encode(document); err != nil {
		fmt.Fprintf(stderr, "residency plan: writing JSON: %v\n", err)
		return exitInternal
	}
	return exitOK
}

// writeExports writes each planned graph as a stack export, which `pulumi stack import` loads into
// a stack of a file backend for browsing with the Pulumi CLI.
func writeExports(dir string, plans []planned, stderr io.Writer) int {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(stderr, "residency plan: creating export folder: %v\n", err)
		return exitInternal
	}
	for _, plan := range plans {
		path := filepath.Join(dir, plan.expect.Stack+".json")
		file, err := os.Create(path)
		if err != nil {
			fmt.Fprintf(stderr, "residency plan: writing stack export: %v\n", err)
			return exitInternal
		}
		err = plan.graph.WriteExport(file)
		if closeErr := file.Close(); err == nil {
			err = closeErr
		}
		if err != nil {
			fmt.Fprintf(stderr, "residency plan: writing stack export (%s): %v\n", path, err)
			return exitInternal
		}
	}
	return exitOK
}
