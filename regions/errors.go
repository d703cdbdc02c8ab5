package regions

import (
	"fmt"
	"strings"
)

// ValidationError is one problem in a stack model, with the key path of the offending value.
type ValidationError struct {
	// File is the stack file the model came from, when known.
	File string
	// Path is the key path inside the model, for example "domains[1].database.engineVersion".
	Path string
	// Value is the offending value as written, or the key for an unknown key.
	Value string
	// Problem is the reason the value is invalid.
	Problem string
	// Fix is the change that makes the value valid.
	Fix string
	// outsideModel marks a problem in the stack file around the model, whose path does not start
	// at the model's key.
	outsideModel bool
}

func (e ValidationError) Error() string {
	var message strings.Builder
	if e.File != "" {
		message.WriteString(e.File + ": ")
	}
	switch {
	case e.outsideModel:
		message.WriteString(e.Path)
	case e.Path == "":
		message.WriteString(ConfigKey)
	default:
		message.WriteString(ConfigKey + "." + e.Path)
	}
	if e.Value != "" {
		fmt.Fprintf(&message, ": %q", e.Value)
	}
	// A problem of the whole stack file has neither path nor value and follows the file name.
	if message.Len() > 0 && !strings.HasSuffix(message.String(), ": ") {
		message.WriteString(" ")
	}
	message.WriteString(e.Problem)
	if e.Fix != "" {
		message.WriteString("; " + e.Fix)
	}
	return message.String()
}

// Errors is every problem found in a set of stack models. Callers that need one problem's path
// use errors.As to get an Errors value and range over it.
type Errors []ValidationError

func (e Errors) Error() string {
	lines := make([]string, len(e))
	for i, problem := range e {
		lines[i] = problem.Error()
	}
	return strings.Join(lines, "\n")
}

func (e *Errors) add(path, value, problem, fix string) {
	*e = append(*e, ValidationError{Path: path, Value: value, Problem: problem, Fix: fix})
}

// inFile sets the file of every problem that has none.
func (e Errors) inFile(file string) Errors {
	for i := range e {
		if e[i].File == "" {
			e[i].File = file
		}
	}
	return e
}
