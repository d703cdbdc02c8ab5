#!/usr/bin/env bash
# Creates the self-managed Pulumi backend of one region stack in that region. That is a KMS key
# with the alias that the stack file's secretsprovider names, and an S3 state bucket with
# versioning, SSE-KMS under that key, every public access blocked and a policy that rejects
# requests without TLS. Run it once per region with credentials of the stack's account, which are
# aws-cn credentials for cn-north-1. It prints every AWS CLI command before it runs it, and with
# --dry-run it only prints them. Existing keys and buckets are kept, and their settings are
# applied again.
#
# Usage: scripts/bootstrap-backend.sh <region> <account-id> [--dry-run]
set -euo pipefail

usage() {
  echo "Usage: $0 <region> <account-id> [--dry-run]" >&2
  echo "  region      AWS region of the stack, for example eu-central-1 or cn-north-1" >&2
  echo "  account-id  12-digit AWS account of the stack; the credentials must belong to it" >&2
  echo "  --dry-run   print the commands without running them" >&2
  exit 2
}

if [[ $# -lt 2 || $# -gt 3 ]]; then
  usage
fi
region=$1
account=$2
dry_run=false
if [[ $# -eq 3 ]]; then
  if [[ "$3" != --dry-run ]]; then
    usage
  fi
  dry_run=true
fi
if [[ ! "$region" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]$ ]]; then
  echo "region \"$region\" is not an AWS region code such as eu-central-1" >&2
  exit 2
fi
if [[ ! "$account" =~ ^[0-9]{12}$ ]]; then
  echo "account \"$account\" is not a 12-digit AWS account ID" >&2
  exit 2
fi

# The China regions form the aws-cn partition, whose ARNs differ and whose accounts are separate.
partition=aws
if [[ "$region" == cn-* ]]; then
  partition=aws-cn
fi
alias_name="alias/pulumi-secrets-$region"
bucket="pulumi-state-$account-$region"

# run prints a command and runs it unless this is a dry run.
run() {
  printf '+'
  printf ' %q' "$@"
  printf '\n'
  if [[ "$dry_run" == false ]]; then
    "$@"
  fi
}

# capture prints a command and runs it for its output, or in a dry run returns the placeholder
# given as the first argument.
capture() {
  local placeholder=$1
  shift
  printf '+' >&2
  printf ' %q' "$@" >&2
  printf '\n' >&2
  if [[ "$dry_run" == true ]]; then
    echo "$placeholder"
  else
    "$@"
  fi
}

echo "Bootstrapping the Pulumi backend of $region (partition $partition, account $account)"
if [[ "$dry_run" == true ]]; then
  echo "Dry run: nothing is changed."
fi

caller=$(capture "$account" aws sts get-caller-identity --region "$region" --query Account --output text)
if [[ "$caller" != "$account" ]]; then
  echo "the credentials belong to account $caller, not $account; use the $partition credentials of the stack's account" >&2
  exit 1
fi

echo "--- KMS key $alias_name"
key_arn=""
if [[ "$dry_run" == false ]]; then
  key_arn=$(aws kms describe-key --region "$region" --key-id "$alias_name" --query KeyMetadata.Arn --output text 2>/dev/null || true)
fi
if [[ -n "$key_arn" ]]; then
  echo "Key $key_arn already has alias $alias_name"
else
  key_id=$(capture "<key-id>" aws kms create-key --region "$region" \
    --description "Pulumi secrets and state of the $region stacks" \
    --key-usage ENCRYPT_DECRYPT --key-spec SYMMETRIC_DEFAULT --no-multi-region \
    --query KeyMetadata.KeyId --output text)
  run aws kms create-alias --region "$region" --alias-name "$alias_name" --target-key-id "$key_id"
  key_arn="arn:$partition:kms:$region:$account:key/$key_id"
fi
run aws kms enable-key-rotation --region "$region" --key-id "$key_arn"

echo "--- S3 bucket $bucket"
exists=false
if [[ "$dry_run" == false ]] && aws s3api head-bucket --region "$region" --bucket "$bucket" --expected-bucket-owner "$account" 2>/dev/null; then
  exists=true
fi
if [[ "$exists" == true ]]; then
  echo "Bucket $bucket already exists"
elif [[ "$region" == us-east-1 ]]; then
  # us-east-1 is the one region whose buckets take no location constraint.
  run aws s3api create-bucket --region "$region" --bucket "$bucket"
else
  run aws s3api create-bucket --region "$region" --bucket "$bucket" \
    --create-bucket-configuration "LocationConstraint=$region"
fi
run aws s3api put-bucket-ownership-controls --region "$region" --bucket "$bucket" \
  --ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'
run aws s3api put-public-access-block --region "$region" --bucket "$bucket" \
  --public-access-block-configuration 'BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true'
run aws s3api put-bucket-versioning --region "$region" --bucket "$bucket" \
  --versioning-configuration Status=Enabled
run aws s3api put-bucket-encryption --region "$region" --bucket "$bucket" \
  --server-side-encryption-configuration "{\"Rules\":[{\"ApplyServerSideEncryptionByDefault\":{\"SSEAlgorithm\":\"aws:kms\",\"KMSMasterKeyID\":\"$key_arn\"},\"BucketKeyEnabled\":true}]}"
bucket_arn="arn:$partition:s3:::$bucket"
policy="{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"DenyRequestsWithoutTLS\",\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":[\"$bucket_arn\",\"$bucket_arn/*\"],\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}}]}"
run aws s3api put-bucket-policy --region "$region" --bucket "$bucket" --policy "$policy"

echo "--- Done"
echo "State backend: pulumi login 's3://$bucket?region=$region&awssdk=v2'"
echo "Secrets provider (stacks/Pulumi.$region.yaml): awskms://$alias_name?region=$region"
