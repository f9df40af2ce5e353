/** The part of the SDK package the engine uses: only what is named here goes into dist/aws-sdk.js (sdkModules.ts imports it). */
export { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
