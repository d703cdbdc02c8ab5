// Package evidence writes the compliance evidence of a stack: a JSON report for tools and a
// Markdown report for auditors. Both give each rule's verdict, the law articles it supports and
// the resources it checked, and a diagram of the region's isolation boundaries.
package evidence

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/example/residency/graph"
	"github.com/example/residency/regions"
	"github.com/example/residency/rules"
)

// Disclaimer is stated in every report.
const Disclaimer = "The mapping of rules to law articles is a control mapping for auditors, not legal advice."

// Sources of a report's resource graph.
const (
	SourceOffline = "offline engine"
	SourceLive    = "live deployment"
)

// Report is the evidence of one stack.
type Report struct {
	ProgramCommit string         `json:"programCommit"`
	Stack         string         `json:"stack"`
	Region        string         `json:"region"`
	Partition     string         `json:"partition"`
	Account       string         `json:"account"`
	Jurisdiction  string         `json:"jurisdiction"`
	Laws          []string       `json:"laws"`
	Source        string         `json:"source"`
	GeneratedAt   time.Time      `json:"generatedAt"`
	Disclaimer    string         `json:"disclaimer"`
	Summary       Summary        `json:"summary"`
	Rules         []rules.Result `json:"rules"`
	// Diagram is the Mermaid source of the isolation-boundary diagram.
	Diagram string `json:"diagram"`
}

// Summary counts the verdicts of a report.
type Summary struct {
	Rules  int `json:"rules"`
	Passed int `json:"passed"`
	Failed int `json:"failed"`
}

// NewReport builds the report of a stack whose model is known.
func NewReport(stack regions.Stack, g *graph.Graph, results []rules.Result, source string) Report {
	return NewReportFor(rules.ExpectationFor(stack), g, results, source)
}

// NewReportFor builds the report of a stack from the expectation its rules ran against.
func NewReportFor(expectation rules.Expectation, g *graph.Graph, results []rules.Result, source string) Report {
	facts, _ := regions.Lookup(expectation.Region)
	report := Report{
		ProgramCommit: Commit(),
		Stack:         expectation.Stack,
		Region:        expectation.Region,
		Partition:     expectation.Partition,
		Account:       expectation.Account,
		Jurisdiction:  facts.Jurisdiction,
		Laws:          expectation.Laws,
		Source:        source,
		GeneratedAt:   time.Now().UTC().Truncate(time.Second),
		Disclaimer:    Disclaimer,
		Rules:         results,
		Diagram:       Diagram(expectation, g),
	}
	report.Summary.Rules = len(results)
	for _, result := range results {
		if result.Status == rules.Pass {
			report.Summary.Passed++
		} else {
			report.Summary.Failed++
		}
	}
	return report
}

// Commit returns the program's commit: RESIDENCY_COMMIT or GITHUB_SHA when set, else the checkout's
// HEAD with "-dirty" when files differ from it, else "unknown".
func Commit() string {
	for _, variable := range []string{"RESIDENCY_COMMIT", "GITHUB_SHA"} {
		if value := os.Getenv(variable); value != "" {
			return value
		}
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	commit := strings.TrimSpace(string(head))
	if status, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil &&
		len(strings.TrimSpace(string(status))) > 0 {
		commit += "-dirty"
	}
	return commit
}

// Write writes <stack>.json and <stack>.md into dir, creating it if needed.
func Write(dir string, report Report) (jsonPath, markdownPath string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", fmt.Errorf("creating evidence folder (%s): %w", dir, err)
	}
	encoded, err := json.MarshalIndent(report, "", "  ")
	if err != nil {
		return "", "", fmt.Errorf("encoding evidence of stack (%s): %w", report.Stack, err)
	}
	jsonPath = filepath.Join(dir, report.Stack+".json")
	if err := os.WriteFile(jsonPath, append(encoded, '\n'), 0o644); err != nil {
		return "", "", fmt.Errorf("writing evidence (%s): %w", jsonPath, err)
	}
	markdownPath = filepath.Join(dir, report.Stack+".md")
	if err := os.WriteFile(markdownPath, []byte(Markdown(report)), 0o644); err != nil {
		return "", "", fmt.Errorf("writing evidence (%s): %w", markdownPath, err)
	}
	return jsonPath, markdownPath, nil
}
