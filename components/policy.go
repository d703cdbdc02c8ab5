// Package components holds the Pulumi component resources that build a region stack: one per
// concern of a data domain (roles, key, network, database, service), the gateway integrations,
// and the region component that composes them.
package components

import (
	"encoding/json"
	"fmt"
)

// PolicyDocument is an IAM policy document. Policies are built as typed values and marshalled, so
// no policy is ever assembled from JSON text.
type PolicyDocument struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a PolicyDocument.
type Statement struct {
	Sid       string     `json:"Sid,omitempty"`
	Effect    string     `json:"Effect"`
	Principal *Principal `json:"Principal,omitempty"`
	Action    []string   `json:"Action,omitempty"`
	NotAction []string   `json:"NotAction,omitempty"`
	Resource  []string   `json:"Resource,omitempty"`
	Condition Condition  `json:"Condition,omitempty"`
}

// Principal names who a resource policy's statement applies to.
type Principal struct {
	AWS     []string `json:"AWS,omitempty"`
	Service []string `json:"Service,omitempty"`
}

// Condition maps a condition operator ("StringEquals") to condition keys and their values.
type Condition map[string]map[string][]string

// policyVersion is the current IAM policy language version.
const policyVersion = "2012-10-17"

// NewPolicy returns a policy document with the given statements.
func NewPolicy(statements ...Statement) PolicyDocument {
	return PolicyDocument{Version: policyVersion, Statement: statements}
}

// JSON marshals the document for a resource's policy input.
func (d PolicyDocument) JSON() (string, error) {
	encoded, err := json.Marshal(d)
	if err != nil {
		return "", fmt.Errorf("marshalling policy document: %w", err)
	}
	return string(encoded), nil
}

// denyOtherRegions denies every request to a region other than the stack's own.
func denyOtherRegions(region string) Statement {
	return Statement{
		Sid:       "DenyRequestsToOtherRegions",
		Effect:    "Deny",
		Action:    []string{"*"},
		Resource:  []string{"*"},
		Condition: Condition{"StringNotEquals": {"aws:RequestedRegion": {region}}},
	}
}
