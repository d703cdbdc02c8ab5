package rules

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/example/residency/regions"
)

func TestForeignReferences(t *testing.T) {
	t.Parallel()
	beijing := Expectation{Region: "cn-north-1", Partition: "aws-cn"}
	frankfurt := Expectation{Region: "eu-central-1", Partition: "aws"}
	cases := []struct {
		name    string
		expect  Expectation
		value   string
		foreign bool
	}{
		{"same-region ARN", frankfurt, "arn:aws:kms:eu-central-1:111111111111:key/abc", false},
		{"global IAM ARN", frankfurt, "arn:aws:iam::111111111111:role/task", false},
		{"ARN of another region", frankfurt, "arn:aws:kms:us-east-1:111111111111:key/abc", true},
		{"ARN of another partition", beijing, "arn:aws:iam::333333333333:root", true},
		{"China ARN in China", beijing, "arn:aws-cn:logs:cn-north-1:333333333333:log-group:/x", false},
		{"ARN inside a policy", frankfurt, `{"Resource":["arn:aws:s3:::b","arn:aws:logs:eu-west-1:111111111111:x"]}`, true},
		{"zone of another region", frankfurt, "us-east-1a", true},
		{"zone of the region", beijing, "cn-north-1d", false},
		{"endpoint service name of another region", beijing, "com.amazonaws.eu-central-1.logs", true},
		{"China endpoint service name", beijing, "cn.com.amazonaws.cn-north-1.ecr.api", false},
		{"regional principal of the region", beijing, "logs.cn-north-1.amazonaws.com.cn", false},
		{"commercial regional host in China", beijing, "logs.cn-north-1.amazonaws.com", true},
		{"global principal kept in China", beijing, "ecs-tasks.amazonaws.com", false},
		{"EC2 principal without the China suffix", beijing, "ec2.amazonaws.com", true},
		{"China EC2 principal", beijing, "ec2.amazonaws.com.cn", false},
		{"China host in the aws partition", frankfurt, "ecr.cn-north-1.amazonaws.com.cn", true},
		{"plain text", frankfurt, "Customer accounts and profiles", false},
	}
	for _, current := range cases {
		t.Run(current.name, func(t *testing.T) {
			t.Parallel()
			problems := foreignReferences(current.value, current.expect, regions.Partitions[current.expect.Partition])
			if current.foreign {
				assert.NotEmpty(t, problems, "%q in %s", current.value, current.expect.Region)
			} else {
				assert.Empty(t, problems, "%q in %s", current.value, current.expect.Region)
			}
		})
	}
}
