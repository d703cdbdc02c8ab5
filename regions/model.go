package regions

// Environments a stack can be. A production stack keeps every protection against data loss; an
// ephemeral stack (the live test suite's) turns them off so it can be destroyed.
const (
	EnvironmentProduction = "production"
	EnvironmentEphemeral  = "ephemeral"
)

// Data classifications a domain can carry in its tags.
var Classifications = []string{"personal", "sensitive-personal", "pseudonymous"}

// ConfigKey is the stack config key that holds a Stack model.
const ConfigKey = "residency:model"

// Stack is the model of one region stack: everything the program needs to build it. Fields without
// "omitempty" in their JSON tag are required.
type Stack struct {
	// Name is the Pulumi stack name. It comes from the stack file name, not from the model.
	Name string `json:"-"`
	// File is the stack file the model was read from, for error messages.
	File string `json:"-"`
	// Region is the AWS region code, for example "eu-central-1".
	Region string `json:"region"`
	// Partition is the AWS partition of the region: "aws" or "aws-cn".
	Partition string `json:"partition"`
	// AccountID is the 12-digit AWS account the stack deploys to. The provider refuses any other.
	AccountID string `json:"accountId"`
	// Environment is "production" or "ephemeral".
	Environment string `json:"environment"`
	// Owner is the team responsible for the stack, at most 64 characters. It goes into every
	// resource's tags.
	Owner string `json:"owner"`
	// Zones lists the availability zones that every domain spreads its subnets over.
	Zones []string `json:"zones"`
	// LogRetentionDays is how long log groups keep events; it must be a value CloudWatch Logs
	// accepts, and at least 365 in production stacks.
	LogRetentionDays int `json:"logRetentionDays"`
	// Domains lists the data domains, each isolated in its own VPC with its own key and database.
	Domains []Domain `json:"domains"`
	// Gateway configures the external API gateway's side of the platform.
	Gateway Gateway `json:"gateway"`
}

// Domain is one data domain, for example customer identity from the web portal.
type Domain struct {
	// Name is DNS-safe (lowercase letters, digits and hyphens) because it becomes part of resource
	// names, the log group path and the API path.
	Name string `json:"name"`
	// Description is the kind of data the domain stores, without any personal data.
	Description string `json:"description"`
	// Classification is one of Classifications.
	Classification string `json:"classification"`
	// CIDR is the IPv4 block of the domain's VPC, from /16 to /22.
	CIDR string `json:"cidr"`
	// Records is the expected number of records the domain stores. With DailyRequests it sizes
	// the domain: EstimateCapacity derives the capacity it needs, and validation rejects a
	// maxCapacity, maxTasks or gateway rate limit that cannot carry twice the estimated peak.
	Records int64 `json:"records"`
	// DailyRequests is the expected number of API requests a day that reach the domain.
	DailyRequests int64 `json:"dailyRequests"`
	// Database configures the domain's Aurora PostgreSQL cluster.
	Database Database `json:"database"`
	// Service configures the domain's ECS service on Fargate.
	Service Service `json:"service"`
}

// Database configures an Aurora PostgreSQL cluster on Serverless v2.
type Database struct {
	// EngineVersion is the Aurora PostgreSQL version in major.minor form, for example "16.8".
	EngineVersion string `json:"engineVersion"`
	// MinCapacity is the Serverless v2 minimum in Aurora capacity units (ACUs), in steps of 0.5.
	MinCapacity float64 `json:"minCapacity"`
	// MaxCapacity is the Serverless v2 maximum in ACUs, at most 256.
	MaxCapacity float64 `json:"maxCapacity"`
	// Instances is the number of cluster instances: one writer and the rest readers, spread over
	// the zones.
	Instances int `json:"instances"`
	// BackupRetentionDays is how long automated backups are kept, 1 to 35 days.
	BackupRetentionDays int `json:"backupRetentionDays"`
	// DeletionProtection must be true in production stacks.
	DeletionProtection bool `json:"deletionProtection"`
	// DatabaseName is the name of the database created in the cluster.
	DatabaseName string `json:"databaseName"`
	// MasterUsername is the master user, at most 16 characters; RDS manages its password in
	// Secrets Manager.
	MasterUsername string `json:"masterUsername"`
	// IAMUsername is the database user the service connects as with IAM authentication.
	IAMUsername string `json:"iamUsername"`
}

// Service configures a domain's containers on ECS Fargate.
type Service struct {
	// ImageTag is the tag of the image in the domain's ECR repository.
	ImageTag string `json:"imageTag"`
	// CPU is the task's CPU in CPU units (1024 units are one vCPU).
	CPU int `json:"cpu"`
	// Memory is the task's memory in MiB; it must be valid for the CPU on Fargate.
	Memory int `json:"memory"`
	// Architecture is "X86_64" or "ARM64".
	Architecture string `json:"architecture"`
	// ContainerPort is the port the container listens on for HTTP.
	ContainerPort int `json:"containerPort"`
	// MinTasks is the autoscaling minimum and the service's starting task count.
	MinTasks int `json:"minTasks"`
	// MaxTasks is the autoscaling maximum.
	MaxTasks int `json:"maxTasks"`
	// TargetCPUPercent is the average CPU utilization that target tracking holds.
	TargetCPUPercent int `json:"targetCpuPercent"`
}

// Gateway configures the side of the platform that the external API gateway calls.
type Gateway struct {
	// Vendor is "apigee" or "axway"; it must be the one the jurisdiction prescribes.
	Vendor string `json:"vendor"`
	// Apigee is set when Vendor is "apigee".
	Apigee *Apigee `json:"apigee,omitempty"`
	// Axway is set when Vendor is "axway".
	Axway *Axway `json:"axway,omitempty"`
}

// Apigee configures a regional API Gateway REST API that Apigee calls over the internet with
// mutual TLS.
type Apigee struct {
	// DomainName is the custom domain Apigee calls, for example "api.eu.portal.example.com".
	DomainName string `json:"domainName"`
	// CertificateARN is the ACM certificate for DomainName, issued in the stack's region.
	CertificateARN string `json:"certificateArn"`
	// TruststoreFile is the PEM bundle of the CA that signs Apigee's client certificates, relative
	// to the folder of the stack file. It must stay inside that folder.
	TruststoreFile string `json:"truststoreFile"`
	// TruststorePEM is the content of TruststoreFile, read by the loader.
	TruststorePEM string `json:"-"`
	// AllowedCIDRs lists Apigee's egress (NAT) addresses; the API's resource policy denies others.
	AllowedCIDRs []string `json:"allowedCidrs"`
	// StageName is the API Gateway stage, for example "v1".
	StageName string `json:"stageName"`
	// RateLimit is the stage's steady-state request limit per second.
	RateLimit float64 `json:"rateLimit"`
	// BurstLimit is the stage's burst limit in requests.
	BurstLimit int `json:"burstLimit"`
}

// Axway configures PrivateLink endpoint services that the Axway gateway, running in the region,
// connects to.
type Axway struct {
	// AllowedAccountIDs lists the AWS accounts of the Axway gateway, in the stack's partition.
	AllowedAccountIDs []string `json:"allowedAccountIds"`
}

// Production reports whether the stack keeps every protection against data loss.
func (s Stack) Production() bool {
	return s.Environment == EnvironmentProduction
}

// Facts returns the facts of the stack's region. It is only valid after validation.
func (s Stack) Facts() Region {
	return Known[s.Region]
}
