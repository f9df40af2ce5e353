/** The part of the SDK package the engine uses: only what is named here goes into dist/aws-sdk.js (sdkModules.ts imports it). */
export { CloudWatchClient, DescribeAlarmHistoryCommand, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
