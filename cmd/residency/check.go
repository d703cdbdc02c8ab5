package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/example/residency/graph"
	"github.com/example/residency/regions"
	"github.com/example/residency/rules"
)

func runCheck(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("check", flag.ContinueOnError)
	flags.SetOutput(stderr)
	state := flags.String("state", "", "file with the output of pulumi stack export; - reads standard input")
	stacksDir := flags.String("stacks", "stacks", "folder with the stack files; the stack's model is read from here when present")
	asJSON := flags.Bool("json", false, "write one JSON document to standard output, in the format of plan --json")
	flags.Usage = func() {
		fmt.Fprintln(stderr, "Usage: residency check --state FILE [--stacks DIR] [--json]")
		flags.PrintDefaults()
	}
	if code, parsed := parseFlags(flags, args); !parsed {
		return code
	}
	if *state == "" || flags.NArg() > 0 {
		fmt.Fprintln(stderr, "residency check: --state FILE is required and takes no other arguments")
		flags.Usage()
		return exitInvalid
	}

	reader := stdin
	if *state != "-" {
		file, err := os.Open(*state)
		if err != nil {
			fmt.Fprintf(stderr, "residency check: opening stack export: %v\n", err)
			return exitInvalid
		}
		defer file.Close()
		reader = file
	}
	exported, err := graph.ReadExport(reader)
	if err != nil {
		fmt.Fprintf(stderr, "residency check: %v\n", err)
		return exitInvalid
	}
	plan, code := checkExport(exported, *stacksDir, stderr)
	if code != exitOK {
		return code
	}
	plans := []planned{plan}
	if *asJSON {
		if code := writePlanJSON(plans, stdout, stderr); code != exitOK {
			return code
		}
		return rulesStatus(plans)
	}
	fmt.Fprintf(stdout, "Checking the export of stack %s (region %s, partition %s, account %s): %d resources\n",
		plan.expect.Stack, plan.expect.Region, plan.expect.Partition, plan.expect.Account, len(exported.Resources))
	writeVerdicts(stdout, plan)
	return rulesStatus(plans)
}

// checkExport runs the rules on an exported graph against the stack's model when its stack file
// is at hand, and otherwise against the region and account of the graph's provider.
func checkExport(exported *graph.Graph, stacksDir string, stderr io.Writer) (planned, int) {
	var expectation rules.Expectation
	plan := planned{graph: exported}
	path := filepath.Join(stacksDir, "Pulumi."+exported.Stack+".yaml")
	if _, err := os.Stat(path); err == nil {
		file, err := regions.LoadFile(path)
		if err == nil {
			if problems := regions.Validate(file.Model); len(problems) > 0 {
				err = problems
			}
		}
		if err != nil {
			return planned{}, reportError(stderr, err)
		}
		expectation = rules.ExpectationFor(file.Model)
		plan.domains, plan.vendor = len(file.Model.Domains), file.Model.Gateway.Vendor
	} else {
		expectation, err = rules.ExpectationFromGraph(exported)
		if err != nil {
			fmt.Fprintf(stderr, "residency check: %v\n", err)
			return planned{}, exitInvalid
		}
		fmt.Fprintf(stderr, "residency check: no stack file %s; checking against the export's provider, as a production stack\n", path)
		plan.domains, plan.vendor = len(expectation.Domains), expectation.GatewayVendor
	}
	plan.expect = expectation
	plan.results = rules.Evaluate(exported, expectation)
	return plan, exitOK
}
