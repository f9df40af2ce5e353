/**
 * The AWS SDK modules the engine uses, gathered in one place. esbuild turns this file into its
 * own bundle, dist/aws-sdk.js, so the SDK is neither parsed nor run until the first AWS call
 * (showing history or validating the pipeline never pays for it). Load it through loadAwsSdk().
 *
 * Each service's module runs on the first use of its getter, not when the bundle loads: a command
 * pays for the clients it uses (a deploy refused at the stack lock runs STS and S3, never
 * CloudFormation, CloudWatch or SNS). esbuild keeps every `require` below a lazy call into the
 * same bundle.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import type * as CloudFormation from './sdkServices/cloudFormation';
import type * as CloudWatch from './sdkServices/cloudWatch';
import type * as S3 from './sdkServices/s3';
import type * as Sns from './sdkServices/sns';
import type * as Sts from './sdkServices/sts';
import type * as Protocols from './sdkServices/protocols';

export interface AwsSdkModules {
  readonly cloudFormation: typeof CloudFormation;
  readonly cloudWatch: typeof CloudWatch;
  readonly s3: typeof S3;
  readonly sns: typeof Sns;
  readonly sts: typeof Sts;
  readonly protocols: typeof Protocols;
}

export const sdk: AwsSdkModules = {
  get cloudFormation() {
    return require('./sdkServices/cloudFormation') as typeof CloudFormation;
  },
  get cloudWatch() {
    return require('./sdkServices/cloudWatch') as typeof CloudWatch;
  },
  get s3() {
    return require('./sdkServices/s3') as typeof S3;
  },
  get sns() {
    return require('./sdkServices/sns') as typeof Sns;
  },
  get sts() {
    return require('./sdkServices/sts') as typeof Sts;
  },
  get protocols() {
    return require('./sdkServices/protocols') as typeof Protocols;
  },
};
