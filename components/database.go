package components

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/example/residency/regions"
)

// DomainDatabaseArgs configures the Aurora PostgreSQL cluster of one data domain.
type DomainDatabaseArgs struct {
	// Stack is the validated model of the region stack.
	Stack regions.Stack
	// Domain is the data domain the cluster belongs to.
	Domain regions.Domain
	// KeyARN is the domain's KMS key; it encrypts storage, the master secret, Performance
	// Insights and the PostgreSQL log group.
	KeyARN pulumi.StringInput
	// SubnetIDs lists the domain's isolated database subnets.
	SubnetIDs pulumi.StringArrayInput
	// SecurityGroupID is the database security group, open only to the domain's tasks.
	SecurityGroupID pulumi.StringInput
	// MonitoringRoleARN is the role RDS Enhanced Monitoring uses.
	MonitoringRoleARN pulumi.StringInput
}

// DomainDatabase is an encrypted Aurora PostgreSQL Serverless v2 cluster that accepts only TLS and
// IAM-authenticated connections, with an RDS-managed master password.
type DomainDatabase struct {
	pulumi.ResourceState

	// Cluster is the Aurora cluster.
	Cluster *rds.Cluster
	// Identifier is the cluster identifier, which also names its log group and final snapshot.
	Identifier string
}

// ClusterIdentifier is the identifier of a domain's Aurora cluster.
func ClusterIdentifier(domain string) string {
	return domain + "-aurora"
}

// FinalSnapshotIdentifier names the snapshot RDS takes when the cluster is deleted. It is derived
// from the cluster identifier only, so it is unique per cluster in a region and stays the same
// across updates. A timestamp would show a diff on every preview.
//
// Ephemeral stacks take the final snapshot too, because it does not block a destroy and it is
// the copy left if a stack that holds real data was marked ephemeral by mistake. The snapshot is
// encrypted with the domain key, so it can be restored only until KMS deletes that key, 30 days
// after the stack is destroyed. Deleting a later cluster with the same identifier fails while
// that snapshot exists, so RDS keeps the cluster rather than lose data.
func FinalSnapshotIdentifier(domain string) string {
	return ClusterIdentifier(domain) + "-final"
}

// NewDomainDatabase registers a domain's Aurora cluster and its instances.
func NewDomainDatabase(ctx *pulumi.Context, name string, args *DomainDatabaseArgs, opts ...pulumi.ResourceOption) (*DomainDatabase, error) {
	component := &DomainDatabase{Identifier: ClusterIdentifier(args.Domain.Name)}
	if err := ctx.RegisterComponentResource("residency:database:DomainDatabase", name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering domain database (%s): %w", name, err)
	}
	stack, domain, database := args.Stack, args.Domain, args.Domain.Database
	parent := pulumi.Parent(component)
	tags := func(suffix string) pulumi.StringMap {
		return domainTags(domain.Name, domain.Classification, name+"-"+suffix)
	}
	major, _, _ := strings.Cut(database.EngineVersion, ".")

	// RDS creates the export log group unencrypted unless it exists, so it is created first with
	// the domain's key ("Publishing Aurora PostgreSQL logs to CloudWatch Logs", Aurora user guide).
	logGroup, err := cloudwatch.NewLogGroup(ctx, name+"-postgresql-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.Sprintf("/aws/rds/cluster/%s/postgresql", component.Identifier),
		KmsKeyId:        args.KeyARN,
		RetentionInDays: pulumi.Int(stack.LogRetentionDays),
		Tags:            tags("postgresql-logs"),
	}, append([]pulumi.ResourceOption{parent}, protection(stack)...)...)
	if err != nil {
		return nil, fmt.Errorf("creating log group (%s-postgresql-logs): %w", name, err)
	}

	subnets, err := rds.NewSubnetGroup(ctx, name+"-subnets", &rds.SubnetGroupArgs{
		Name:        pulumi.String(component.Identifier),
		Description: pulumi.String("Isolated database subnets of " + domain.Name),
		SubnetIds:   args.SubnetIDs,
		Tags:        tags("subnets"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating DB subnet group (%s-subnets): %w", name, err)
	}

	parameters, err := rds.NewClusterParameterGroup(ctx, name+"-parameters", &rds.ClusterParameterGroupArgs{
		Name:        pulumi.String(component.Identifier + "-pg" + major),
		Family:      pulumi.String("aurora-postgresql" + major),
		Description: pulumi.String("TLS-only connections for " + domain.Name),
		Parameters: rds.ClusterParameterGroupParameterArray{
			rds.ClusterParameterGroupParameterArgs{Name: pulumi.String("rds.force_ssl"), Value: pulumi.String("1")},
			rds.ClusterParameterGroupParameterArgs{Name: pulumi.String("ssl_min_protocol_version"), Value: pulumi.String("TLSv1.2")},
			rds.ClusterParameterGroupParameterArgs{Name: pulumi.String("log_connections"), Value: pulumi.String("1")},
		},
		Tags: tags("parameters"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating DB cluster parameter group (%s-parameters): %w", name, err)
	}

	clusterOptions := append([]pulumi.ResourceOption{parent, pulumi.DependsOn([]pulumi.Resource{logGroup})},
		protection(stack)...)
	cluster, err := rds.NewCluster(ctx, name+"-cluster", &rds.ClusterArgs{
		ClusterIdentifier:                pulumi.String(component.Identifier),
		Engine:                           pulumi.String("aurora-postgresql"),
		EngineMode:                       pulumi.String("provisioned"),
		EngineVersion:                    pulumi.String(database.EngineVersion),
		DatabaseName:                     pulumi.String(database.DatabaseName),
		MasterUsername:                   pulumi.String(database.MasterUsername),
		ManageMasterUserPassword:         pulumi.Bool(true),
		MasterUserSecretKmsKeyId:         args.KeyARN,
		IamDatabaseAuthenticationEnabled: pulumi.Bool(true),
		StorageEncrypted:                 pulumi.Bool(true),
		KmsKeyId:                         args.KeyARN,
		DbSubnetGroupName:                subnets.Name,
		VpcSecurityGroupIds:              pulumi.StringArray{args.SecurityGroupID},
		DbClusterParameterGroupName:      parameters.Name,
		Serverlessv2ScalingConfiguration: &rds.ClusterServerlessv2ScalingConfigurationArgs{
			MinCapacity: pulumi.Float64(database.MinCapacity),
			MaxCapacity: pulumi.Float64(database.MaxCapacity),
		},
		BackupRetentionPeriod:        pulumi.Int(database.BackupRetentionDays),
		PreferredBackupWindow:        pulumi.String("01:00-02:00"),
		PreferredMaintenanceWindow:   pulumi.String("sun:03:00-sun:04:00"),
		CopyTagsToSnapshot:           pulumi.Bool(true),
		DeletionProtection:           pulumi.Bool(database.DeletionProtection),
		SkipFinalSnapshot:            pulumi.Bool(false),
		FinalSnapshotIdentifier:      pulumi.String(FinalSnapshotIdentifier(domain.Name)),
		EnabledCloudwatchLogsExports: pulumi.StringArray{pulumi.String("postgresql")},
		Tags:                         tags("cluster"),
	}, clusterOptions...)
	if err != nil {
		return nil, fmt.Errorf("creating DB cluster (%s-cluster): %w", name, err)
	}
	component.Cluster = cluster

	for i := 0; i < database.Instances; i++ {
		instanceName := fmt.Sprintf("%s-instance-%d", name, i+1)
		_, err := rds.NewClusterInstance(ctx, instanceName, &rds.ClusterInstanceArgs{
			Identifier:                         pulumi.Sprintf("%s-%d", component.Identifier, i+1),
			ClusterIdentifier:                  cluster.ID(),
			InstanceClass:                      pulumi.String("db.serverless"),
			Engine:                             cluster.Engine,
			EngineVersion:                      cluster.EngineVersion,
			AvailabilityZone:                   pulumi.String(stack.Zones[i%len(stack.Zones)]),
			DbSubnetGroupName:                  subnets.Name,
			PubliclyAccessible:                 pulumi.Bool(false),
			PerformanceInsightsEnabled:         pulumi.Bool(true),
			PerformanceInsightsKmsKeyId:        args.KeyARN,
			PerformanceInsightsRetentionPeriod: pulumi.Int(7),
			// NOTE: Enhanced Monitoring writes OS metrics, not table data, to the account's shared
			// RDSOSMetrics log group, which RDS creates without a customer managed key.
			MonitoringInterval:      pulumi.Int(60),
			MonitoringRoleArn:       args.MonitoringRoleARN,
			AutoMinorVersionUpgrade: pulumi.Bool(true),
			CaCertIdentifier:        pulumi.String("rds-ca-rsa2048-g1"),
			PromotionTier:           pulumi.Int(i),
			Tags:                    tags(fmt.Sprintf("instance-%d", i+1)),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("creating DB cluster instance (%s): %w", instanceName, err)
		}
	}
	return component, registerOutputs(ctx, component, "domain database", name, pulumi.Map{
		"clusterArn": cluster.Arn,
		"endpoint":   cluster.Endpoint,
	})
}
