#!/usr/bin/env bash
# Imports the offline plan of every region stack into a file backend with the real Pulumi CLI.
# `pulumi stack import` checks what a deployment would store: URNs, parents, provider references
# and the order of resources, so this catches an offline graph that Pulumi itself would reject.
# It needs no cloud account and no AWS plugin.
#
# Usage: scripts/pulumi-import-check.sh
# Set PULUMI_CLI to a pulumi binary to use it. Without it, the CLI v3.276.0 is built from its Go
# module and kept in ~/.cache/residency. The first build took about 5 minutes on two cores here.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=v3.276.0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cli=${PULUMI_CLI:-}
if [[ -z "$cli" ]]; then
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/residency"
  cli="$cache/pulumi-$version"
  if [[ ! -x "$cli" ]]; then
    echo "building the Pulumi CLI $version into $cli"
    mkdir -p "$cache" "$work/cli"
    # pkg/v3 replaces atotto/clipboard in its own go.mod; a replace applies only in the main
    # module, so the wrapper module repeats it.
    cat >"$work/cli/go.mod" <<MOD
module pulumicli

go 1.26

require (
	github.com/pulumi/pulumi/pkg/v3 $version
	github.com/pulumi/pulumi/sdk/v3 $version
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
MOD
    printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"\n' >"$work/cli/tools.go"
    (cd "$work/cli" && go mod tidy >/dev/null && go build -o "$cli.partial" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
    mv "$cli.partial" "$cli"
  fi
fi

export PULUMI_HOME="$work/home" PULUMI_SKIP_UPDATE_CHECK=true PULUMI_CONFIG_PASSPHRASE=offline-import-check

echo "writing the offline plan of every stack as stack exports"
(cd "$root" && go run ./cmd/residency plan --export "$work/exports" >/dev/null)

mkdir -p "$work/project" "$work/state"
printf 'name: residency\nruntime: go\n' >"$work/project/Pulumi.yaml"
cd "$work/project"
"$cli" login "file://$work/state" >/dev/null
for export in "$work"/exports/*.json; do
  stack=$(basename "$export" .json)
  "$cli" stack init "$stack" --secrets-provider passphrase >/dev/null
  "$cli" stack import --stack "$stack" --file "$export"
  count=$("$cli" stack export --stack "$stack" | grep -c '"urn":')
  echo "stack $stack: imported $count resources"
done
