/**
 * The AWS SDK modules the engine uses, gathered in one place. esbuild turns this file into its
 * own bundle, dist/aws-sdk.js, so the SDK is neither parsed nor run until the first AWS call
 * (showing history or validating the pipeline never pays for it). Load it through loadAwsSdk().
 *
 * Every service is imported statically, so the whole bundle runs when it loads. That is on
 * purpose: esbuild tree-shakes static ES module imports down to the clients and commands that
 * sdkServices/ names, but keeps every export of a module it has to wrap for a lazy `require`.
 * Measured on the minified bundle: STS, CloudFormation and S3 ready 51 ms after the require
 * (528 KB), where lazily required services took 67 ms (672 KB) — and STS and S3 alone 63 ms, so
 * even a deploy refused at the stack lock is faster with everything loaded.
 */
import * as cloudFormation from './sdkServices/cloudFormation';
import * as cloudWatch from './sdkServices/cloudWatch';
import * as protocols from './sdkServices/protocols';
import * as s3 from './sdkServices/s3';
import * as sns from './sdkServices/sns';
import * as sts from './sdkServices/sts';

export interface AwsSdkModules {
  readonly cloudFormation: typeof cloudFormation;
  readonly cloudWatch: typeof cloudWatch;
  readonly s3: typeof s3;
  readonly sns: typeof sns;
  readonly sts: typeof sts;
  readonly protocols: typeof protocols;
}

export const sdk: AwsSdkModules = { cloudFormation, cloudWatch, s3, sns, sts, protocols };
