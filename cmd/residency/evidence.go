package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/example/residency/evidence"
)

// defaultEvidenceDir is the folder for reports unless --out names another. Git ignores it.
const defaultEvidenceDir = "out/evidence"

func runEvidence(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("evidence", flag.ContinueOnError)
	flags.SetOutput(stderr)
	out := flags.String("out", defaultEvidenceDir, "folder to write <stack>.json and <stack>.md into")
	stacksDir := flags.String("stacks", "stacks", "folder with the Pulumi.<stack>.yaml stack files")
	only := flags.String("stack", "", "write the reports of this stack only")
	flags.Usage = func() {
		fmt.Fprintln(stderr, "Usage: residency evidence [--out DIR] [--stacks DIR] [--stack NAME]")
		flags.PrintDefaults()
	}
	if code, parsed := parseFlags(flags, args); !parsed {
		return code
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "residency evidence: unexpected argument %q\n", flags.Arg(0))
		return exitInvalid
	}
	plans, code := planStacks(*stacksDir, *only, stderr)
	if code != exitOK {
		return code
	}
	for _, plan := range plans {
		report := evidence.NewReportFor(plan.expect, plan.graph, plan.results, evidence.SourceOffline)
		jsonPath, markdownPath, err := evidence.Write(*out, report)
		if err != nil {
			fmt.Fprintf(stderr, "residency evidence: %v\n", err)
			return exitInternal
		}
		fmt.Fprintf(stdout, "stack %s: %d of %d rules pass: wrote %s and %s\n", report.Stack, report.Summary.Passed,
			report.Summary.Rules, jsonPath, markdownPath)
	}
	return rulesStatus(plans)
}
