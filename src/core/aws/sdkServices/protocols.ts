/** The part of the SDK package the engine uses: only what is named here goes into dist/aws-sdk.js (sdkModules.ts imports it). */
export { AwsJson1_0Protocol } from '@aws-sdk/core/protocols';
