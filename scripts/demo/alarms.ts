import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand, type StateValue } from '@aws-sdk/client-cloudwatch';
import { EMULATOR_CREDENTIALS } from './emulator';

/**
 * The guarded alarms of the sample's `prod` environment, created in the emulator with
 * PutMetricAlarm (as a real account would have them) and driven with SetAlarmState, which is
 * how the demo plays "the release went bad".
 */
export const GUARDED_ALARMS = ['orders-prod-5xx', 'orders-prod-latency'] as const;

/** The reason the demo gives CloudWatch when it flips the 5xx alarm, shown in the notification's details. */
export const BAD_RELEASE_REASON = 'Threshold Crossed: 1 datapoint [14.0 (5xx per minute)] was greater than or equal to the threshold (5.0)';

export function cloudWatch(endpoint: string): CloudWatchClient {
  return new CloudWatchClient({
    region: EMULATOR_CREDENTIALS.AWS_REGION,
    endpoint,
    credentials: { accessKeyId: EMULATOR_CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: EMULATOR_CREDENTIALS.AWS_SECRET_ACCESS_KEY },
    maxAttempts: 2,
  });
}

/**
 * Creates the guarded alarms and sets them OK: a fresh alarm is INSUFFICIENT_DATA, which the
 * health watch rightly treats as "not knowing" — a real service's alarms have data.
 */
export async function createGuardedAlarms(cw: CloudWatchClient): Promise<void> {
  const metrics: Record<(typeof GUARDED_ALARMS)[number], { metric: string; threshold: number; statistic: 'Sum' | 'Average' }> = {
    'orders-prod-5xx': { metric: '5xxErrors', threshold: 5, statistic: 'Sum' },
    'orders-prod-latency': { metric: 'LatencyP99', threshold: 800, statistic: 'Average' },
  };
  for (const name of GUARDED_ALARMS) {
    const m = metrics[name];
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        AlarmDescription: `orders-service prod: ${m.metric} guard for Deploy Guard`,
        Namespace: 'OrdersService',
        MetricName: m.metric,
        Dimensions: [{ Name: 'Stage', Value: 'prod' }],
        Statistic: m.statistic,
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: m.threshold,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    );
    await setAlarmState(cw, name, 'OK', 'Threshold Crossed: no datapoints above the threshold');
  }
}

export async function setAlarmState(cw: CloudWatchClient, name: string, state: StateValue, reason: string): Promise<void> {
  await cw.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: reason }));
}
