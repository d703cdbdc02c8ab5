package rules

import (
	"github.com/example/residency/graph"
)

var recoveryArticles = map[string][]string{
	"GDPR":  {"Art. 32(1)(b)", "Art. 32(1)(c)"},
	"VCDPA": {"§ 59.1-578(A)(3)"},
	"PIPL":  {"Art. 51"},
}

var protectionRules = []rule{
	{
		id:        "DP-01",
		statement: "In production stacks every Aurora cluster has deletion protection, at least 7 days of backups and a final snapshot unique to the cluster.",
		articles:  recoveryArticles,
		check:     checkAuroraRecovery,
	},
	{
		id:        "DP-02",
		statement: "In production stacks KMS keys, Aurora clusters and log groups are protected from deletion by Pulumi, and KMS keys are retained when removed from the stack.",
		articles:  recoveryArticles,
		check:     checkProtectedState,
	},
	{
		id:        "DP-03",
		statement: "Every Aurora cluster accepts only TLS connections (rds.force_ssl = 1) and IAM database authentication.",
		articles: map[string][]string{
			"GDPR":  {"Art. 32(1)(a)"},
			"VCDPA": {"§ 59.1-578(A)(3)"},
			"PIPL":  {"Art. 51"},
		},
		check: checkDatabaseTLS,
	},
	{
		id:        "DP-04",
		statement: "Every VPC records all traffic in flow logs, kept in the region in an encrypted log group.",
		articles: map[string][]string{
			"GDPR":  {"Art. 32(1)(d)", "Art. 33"},
			"VCDPA": {"§ 59.1-578(A)(3)"},
			"PIPL":  {"Art. 51", "Art. 57"},
		},
		check: checkFlowLogs,
	},
}

func checkAuroraRecovery(c *checker) {
	snapshots := map[string]string{}
	for _, cluster := range c.ofType(clusterType) {
		c.look(cluster)
		if !c.expect.Production {
			continue
		}
		if protected, _ := flag(cluster.Inputs, "deletionProtection"); !protected {
			c.fail(cluster, "has deletion protection off")
		}
		if days, _ := number(cluster.Inputs, "backupRetentionPeriod"); days < 7 {
			c.fail(cluster, "keeps backups for %v days, fewer than 7", days)
		}
		if skip, _ := flag(cluster.Inputs, "skipFinalSnapshot"); skip {
			c.fail(cluster, "skips the final snapshot")
		}
		snapshot := text(cluster.Inputs, "finalSnapshotIdentifier")
		switch other, taken := snapshots[snapshot]; {
		case snapshot == "":
			c.fail(cluster, "names no final snapshot")
		case taken:
			c.fail(cluster, "shares final snapshot %q with %s", snapshot, other)
		default:
			snapshots[snapshot] = cluster.Name()
		}
	}
	if !c.expect.Production {
		c.note("not required in an ephemeral stack")
	}
}

func checkProtectedState(c *checker) {
	for _, typ := range []string{kmsKeyType, clusterType, logGroupType} {
		for _, resource := range c.ofType(typ) {
			c.look(resource)
			if !c.expect.Production {
				continue
			}
			if !resource.Protect {
				c.fail(resource, "is not protected, so `pulumi destroy` or a removed line would delete it")
			}
			if typ == kmsKeyType && !resource.RetainOnDelete {
				c.fail(resource, "is not retained on delete, so removing it from the stack schedules the key for deletion")
			}
		}
	}
	if !c.expect.Production {
		c.note("not required in an ephemeral stack")
	}
}

func checkDatabaseTLS(c *checker) {
	for _, cluster := range c.ofType(clusterType) {
		c.look(cluster)
		if iam, _ := flag(cluster.Inputs, "iamDatabaseAuthenticationEnabled"); !iam {
			c.fail(cluster, "does not enable IAM database authentication")
		}
		name := text(cluster.Inputs, "dbClusterParameterGroupName")
		var group graph.Resource
		found := false
		for _, candidate := range c.ofType(parameterGroupType) {
			if candidate.ID == name {
				group, found = candidate, true
			}
		}
		if !found {
			c.fail(cluster, "uses parameter group %q, which is not in the stack, so TLS is not enforced", name)
			continue
		}
		c.look(group)
		forced := false
		if parameters, ok := group.Inputs["parameters"].([]any); ok {
			for _, parameter := range parameters {
				values, _ := parameter.(map[string]any)
				// The last setting of a parameter is the one RDS applies.
				if text(values, "name") == "rds.force_ssl" {
					forced = text(values, "value") == "1"
				}
			}
		}
		if !forced {
			c.fail(group, "does not set rds.force_ssl to 1")
		}
	}
}

func checkFlowLogs(c *checker) {
	for _, vpc := range c.ofType(vpcType) {
		c.look(vpc)
		found := false
		for _, flowLog := range c.ofType(flowLogType) {
			if text(flowLog.Inputs, "vpcId") != vpc.ID {
				continue
			}
			found = true
			c.look(flowLog)
			if traffic := text(flowLog.Inputs, "trafficType"); traffic != "ALL" {
				c.fail(flowLog, "records %s traffic, not ALL", traffic)
			}
			c.checkEncryptedLogGroup(flowLog, text(flowLog.Inputs, "logDestination"), "flow logs")
		}
		if !found {
			c.fail(vpc, "records no flow logs")
		}
	}
}
