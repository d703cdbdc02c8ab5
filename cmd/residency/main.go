// Command residency plans the region stacks offline, checks them against the isolation rules, and
// writes compliance evidence. Run `residency help` for the commands.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// Exit statuses. Other tools read them, so they do not change.
const (
	exitOK = 0
	// exitRuleFailed means the plan or state was built but an isolation rule failed.
	exitRuleFailed = 1
	// exitInvalid means invalid input or usage: nothing was planned.
	exitInvalid = 2
	// exitInternal means the program failed under the offline engine for a reason other than input.
	exitInternal = 3
)

const usage = `Usage: residency <command> [flags]

Commands:
  plan      show what each region stack would create under the offline engine, and the rules' verdicts
  check     run the isolation rules on the export of a deployed stack (pulumi stack export)
  evidence  write the compliance reports of every stack, JSON and Markdown
  help      show this help

Run "residency <command> -h" for the flags of a command.
Exit status: 0 success, 1 an isolation rule failed, 2 invalid input or usage, 3 the program failed.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	return runWithInput(args, os.Stdin, stdout, stderr)
}

func runWithInput(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitInvalid
	}
	switch args[0] {
	case "plan":
		return runPlan(args[1:], stdout, stderr)
	case "check":
		return runCheck(args[1:], stdin, stdout, stderr)
	case "evidence":
		return runEvidence(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "residency: unknown command %q\n\n%s", args[0], usage)
		return exitInvalid
	}
}

// parseFlags parses a command's flags. When it returns false, the command stops with the returned
// exit status: 0 after -h, which printed the usage, and exitInvalid after a bad flag.
func parseFlags(flags *flag.FlagSet, args []string) (int, bool) {
	err := flags.Parse(args)
	switch {
	case err == nil:
		return exitOK, true
	case errors.Is(err, flag.ErrHelp):
		return exitOK, false
	default:
		return exitInvalid, false
	}
}
