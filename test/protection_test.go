package test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/residency/components"
	"github.com/example/residency/graph"
	"github.com/example/residency/offline"
	"github.com/example/residency/program"
	"github.com/example/residency/regions"
)

// Type tokens of the stateful resources that hold or protect personal data.
const (
	protectionKeyType      = "aws:kms/key:Key"
	protectionClusterType  = "aws:rds/cluster:Cluster"
	protectionLogGroupType = "aws:cloudwatch/logGroup:LogGroup"
	protectionBalancerType = "aws:lb/loadBalancer:LoadBalancer"
)

// protectionRun loads the stack files of dir, runs the named stack under the offline engine and
// returns its model and graph.
func protectionRun(t *testing.T, dir, name string) (regions.Stack, *graph.Graph) {
	t.Helper()
	files, err := regions.LoadDir(dir)
	require.NoError(t, err)
	for _, file := range files {
		if file.Model.Name != name {
			continue
		}
		result, err := offline.Run(file.Model.Name, file.Config, program.New(dir))
		require.NoError(t, err)
		return file.Model, result
	}
	require.FailNow(t, "stack not found", "no stack %s in %s", name, dir)
	return regions.Stack{}, nil
}

// protectionCopyStacks copies the shipped stack files and their certs/ folder into a temporary
// folder, so a test can edit one stack file and still validate it against the others.
func protectionCopyStacks(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	err := filepath.WalkDir(stacksDir, func(path string, entry os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dir, strings.TrimPrefix(path, stacksDir))
		if entry.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	require.NoError(t, err)
	return dir
}

// protectionEdit replaces every occurrence of old in a stack file and requires count of them.
func protectionEdit(t *testing.T, path, old, replacement string, count int) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	text := string(data)
	require.Equal(t, count, strings.Count(text, old), "occurrences of %q in %s", old, path)
	require.NoError(t, os.WriteFile(path, []byte(strings.ReplaceAll(text, old, replacement)), 0o644))
}

// protectionEphemeralCopy returns a copy of the shipped stacks in which eu-central-1 is an
// ephemeral stack. With deletionProtection false it also turns off the clusters' deletion
// protection, the only other model field that relaxes protection.
func protectionEphemeralCopy(t *testing.T, deletionProtection bool) string {
	t.Helper()
	dir := protectionCopyStacks(t)
	path := filepath.Join(dir, "Pulumi.eu-central-1.yaml")
	protectionEdit(t, path, "environment: production", "environment: ephemeral", 1)
	if !deletionProtection {
		protectionEdit(t, path, "deletionProtection: true", "deletionProtection: false", 3)
	}
	return dir
}

// protectionStateful returns the KMS keys, Aurora clusters and log groups of a graph, and
// requires each kind to be present.
func protectionStateful(t *testing.T, g *graph.Graph) []graph.Resource {
	t.Helper()
	var stateful []graph.Resource
	for _, typ := range []string{protectionKeyType, protectionClusterType, protectionLogGroupType} {
		found := g.OfType(typ)
		require.NotEmpty(t, found, "stack %s has no %s", g.Stack, typ)
		stateful = append(stateful, found...)
	}
	return stateful
}

func TestProtectionProductionStateful(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"eu-central-1", "us-east-1", "cn-north-1"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			model, g := protectionRun(t, stacksDir, name)
			require.True(t, model.Production(), "shipped stacks are production stacks")

			stateful := protectionStateful(t, g)
			// A key, a cluster and four log groups (PostgreSQL, flow logs, service, Container
			// Insights) per domain, and the Apigee key, access log group and execution log group.
			expected := 6 * len(model.Domains)
			if model.Gateway.Apigee != nil {
				expected += 3
			}
			assert.Len(t, stateful, expected)
			for _, resource := range stateful {
				assert.True(t, resource.Protect, "%s is not protected", resource.URN)
				assert.True(t, resource.RetainOnDelete, "%s is not retained on delete", resource.URN)
			}
			for _, balancer := range g.OfType(protectionBalancerType) {
				assert.Equal(t, true, balancer.Inputs["enableDeletionProtection"], "%s", balancer.URN)
			}
		})
	}
}

func TestProtectionProductionClusters(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"eu-central-1", "us-east-1", "cn-north-1"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			model, first := protectionRun(t, stacksDir, name)
			_, second := protectionRun(t, stacksDir, name)

			clusters := first.OfType(protectionClusterType)
			require.Len(t, clusters, len(model.Domains))
			snapshots := map[string]string{}
			for _, cluster := range clusters {
				assert.Equal(t, true, cluster.Inputs["deletionProtection"], "%s", cluster.URN)
				assert.GreaterOrEqual(t, cluster.Inputs["backupRetentionPeriod"], 7.0, "%s", cluster.URN)
				assert.Equal(t, false, cluster.Inputs["skipFinalSnapshot"], "%s", cluster.URN)

				snapshot, _ := cluster.Inputs["finalSnapshotIdentifier"].(string)
				require.NotEmpty(t, snapshot, "%s has no final snapshot identifier", cluster.URN)
				if other, taken := snapshots[snapshot]; taken {
					assert.Fail(t, "final snapshot identifier is not unique",
						"%s and %s both name %s", other, cluster.URN, snapshot)
				}
				snapshots[snapshot] = cluster.URN

				again, found := second.ByURN(cluster.URN)
				require.True(t, found, "the second run has no %s", cluster.URN)
				assert.Equal(t, snapshot, again.Inputs["finalSnapshotIdentifier"],
					"the final snapshot identifier of %s changes between runs, so every preview would show a diff", cluster.URN)
			}
		})
	}
}

func TestProtectionKeyDeletionWindow(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"eu-central-1", "us-east-1", "cn-north-1"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, g := protectionRun(t, stacksDir, name)
			keys := g.OfType(protectionKeyType)
			require.NotEmpty(t, keys)
			for _, key := range keys {
				assert.Equal(t, 30.0, key.Inputs["deletionWindowInDays"], "%s", key.URN)
			}
		})
	}
}

// TestProtectionEphemeralRelaxes shows that an ephemeral stack with deletionProtection false can
// be destroyed: nothing is protected or retained and no cluster refuses deletion. The final
// snapshot stays, because it does not block a destroy.
func TestProtectionEphemeralRelaxes(t *testing.T) {
	t.Parallel()
	dir := protectionEphemeralCopy(t, false)
	model, g := protectionRun(t, dir, "eu-central-1")
	require.False(t, model.Production())

	for _, resource := range protectionStateful(t, g) {
		assert.False(t, resource.Protect, "%s is protected", resource.URN)
		assert.False(t, resource.RetainOnDelete, "%s is retained on delete", resource.URN)
	}
	for _, cluster := range g.OfType(protectionClusterType) {
		assert.Equal(t, false, cluster.Inputs["deletionProtection"], "%s", cluster.URN)
		assert.Equal(t, false, cluster.Inputs["skipFinalSnapshot"], "%s", cluster.URN)
		assert.NotEmpty(t, cluster.Inputs["finalSnapshotIdentifier"], "%s", cluster.URN)
	}
	for _, balancer := range g.OfType(protectionBalancerType) {
		assert.Equal(t, false, balancer.Inputs["enableDeletionProtection"], "%s", balancer.URN)
	}
	for _, key := range g.OfType(protectionKeyType) {
		assert.Equal(t, 30.0, key.Inputs["deletionWindowInDays"], "%s keeps the longest deletion window", key.URN)
	}

	// The edit relaxes only the stack it names.
	_, other := protectionRun(t, dir, "us-east-1")
	for _, resource := range protectionStateful(t, other) {
		assert.True(t, resource.Protect, "%s is not protected", resource.URN)
	}
}

// TestProtectionEphemeralKeepsDeletionProtection shows that the environment alone does not turn
// off a cluster's deletion protection: that takes deletionProtection false in the model.
func TestProtectionEphemeralKeepsDeletionProtection(t *testing.T) {
	t.Parallel()
	dir := protectionEphemeralCopy(t, true)
	_, g := protectionRun(t, dir, "eu-central-1")

	clusters := g.OfType(protectionClusterType)
	require.NotEmpty(t, clusters)
	for _, cluster := range clusters {
		assert.Equal(t, true, cluster.Inputs["deletionProtection"], "%s", cluster.URN)
		assert.False(t, cluster.Protect, "%s is protected", cluster.URN)
	}
}

// TestProtectionProductionRejectsRelaxing shows that a production stack cannot drop a
// cluster's deletion protection: the program fails before it registers anything.
func TestProtectionProductionRejectsRelaxing(t *testing.T) {
	t.Parallel()
	dir := protectionCopyStacks(t)
	path := filepath.Join(dir, "Pulumi.eu-central-1.yaml")
	protectionEdit(t, path, "deletionProtection: true", "deletionProtection: false", 3)

	file, err := regions.LoadFile(path)
	require.NoError(t, err, "the file must decode, so that validation is what rejects it")
	engine := offline.NewEngine(file.Model.Name, file.Config)
	err = engine.Run(program.New(dir))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `residency:model.domains[0].database.deletionProtection: "false" is off in a production stack`)
	assert.Len(t, engine.Graph().Resources, 1, "only the root stack resource is recorded")
}

// TestProtectionSnapshotNames pins the final snapshot identifier to the cluster identifier, which
// the live suite uses to delete the snapshots of its ephemeral stacks.
func TestProtectionSnapshotNames(t *testing.T) {
	t.Parallel()
	_, g := protectionRun(t, stacksDir, "eu-central-1")
	for _, cluster := range g.OfType(protectionClusterType) {
		identifier, _ := cluster.Inputs["clusterIdentifier"].(string)
		domain := strings.TrimSuffix(identifier, "-aurora")
		assert.Equal(t, components.FinalSnapshotIdentifier(domain), cluster.Inputs["finalSnapshotIdentifier"], "%s", cluster.URN)
	}
}
