/**
 * The AWS SDK modules the engine uses, gathered in one place. esbuild turns this file into its
 * own bundle, dist/aws-sdk.js, so the SDK is neither parsed nor run until the first AWS call
 * (showing history or validating the pipeline never pays for it). Load it through loadAwsSdk().
 */
export * as cloudFormation from '@aws-sdk/client-cloudformation';
export * as cloudWatch from '@aws-sdk/client-cloudwatch';
export * as s3 from '@aws-sdk/client-s3';
export * as sns from '@aws-sdk/client-sns';
export * as sts from '@aws-sdk/client-sts';
export * as protocols from '@aws-sdk/core/protocols';
