import type { AwsSdkModules } from './sdkModules';

export type AwsSdk = AwsSdkModules;

let sdk: Promise<AwsSdk> | undefined;
let loaded = false;

/**
 * The AWS SDK, loaded on the first AWS call. In the built bundles it is the separate file
 * dist/aws-sdk.js (esbuild defines DEPLOYGUARD_BUNDLED_SDK and drops the other branch); from
 * source (tests, tsx) it is the SDK packages themselves.
 */
export function loadAwsSdk(): Promise<AwsSdk> {
  sdk ??= Promise.resolve().then(() => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const modules = ((process.env.DEPLOYGUARD_BUNDLED_SDK === 'yes' ? require('./aws-sdk.js') : require('./sdkModules')) as { sdk: AwsSdk })
      .sdk;
    /* eslint-enable @typescript-eslint/no-require-imports */
    loaded = true;
    return modules;
  });
  return sdk;
}

/** Whether any AWS SDK code has been loaded in this process (activation checks assert it has not). */
export function isAwsSdkLoaded(): boolean {
  return loaded;
}
