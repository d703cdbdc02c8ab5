// Command residency is the Pulumi program of the customer-data platform. Run it through the Pulumi
// CLI: `pulumi up --stack eu-central-1` builds the selected region stack from its stack file.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/example/residency/program"
)

// stacksDir matches stackConfigDir in Pulumi.yaml; the CLI runs the program in the project folder.
const stacksDir = "stacks"

func main() {
	pulumi.Run(program.New(stacksDir))
}
