/**
 * The thin AWS side of the health watch: DescribeAlarms, DescribeAlarmHistory and the stack's own
 * alarm resources, turned into plain readings. No decisions here (those are in decide.ts).
 *
 * Everything is filtered client-side as well, because an emulator may honour only one
 * DescribeAlarms filter (moto applies the first of ActionPrefix / AlarmNamePrefix / AlarmNames /
 * StateValue and ignores the rest).
 */
// Types only: the SDK's modules are imported where a call is made, so loading the engine (for
// example to show history) never initialises the AWS SDK before the first real AWS call.
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { CloudWatchClient, CompositeAlarm, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { classifyAwsError } from '../aws/awsErrors';
import type { MetricSpec } from '../pipeline/types';
import type { AlarmMetric, AlarmReading, AlarmState, AlarmTransition } from './types';
import { loadAwsSdk } from '../aws/sdk';

/** DescribeAlarms takes at most 100 names per call (and MaxRecords at most 100). */
export const ALARMS_PER_CALL = 100;

export interface AlarmSource {
  /** Reads the named alarms: one DescribeAlarms call per 100 names. Names not returned are absent. */
  read(names: readonly string[], signal?: AbortSignal): Promise<Map<string, AlarmReading>>;
  /** Every alarm whose name starts with `prefix` (paginated). */
  listByPrefix(prefix: string, signal?: AbortSignal): Promise<AlarmReading[]>;
  /** StateUpdate history items since `since` for every alarm (filter by name yourself). */
  history(since: Date, signal?: AbortSignal): Promise<AlarmTransition[]>;
  /** Names of the stack's `AWS::CloudWatch::Alarm` resources; empty when the stack does not exist. */
  stackAlarmNames(stackName: string, signal?: AbortSignal): Promise<string[]>;
}

export interface CloudWatchAlarmSourceOptions {
  readonly cloudWatch: CloudWatchClient;
  /**
   * The client for DescribeAlarmHistory: ideally one with maxAttempts 1 and a short timeout, so a
   * service without history answers fast. Defaults to `cloudWatch`.
   */
  readonly historyClient?: CloudWatchClient;
  readonly cloudFormation: CloudFormationClient;
}

export function cloudWatchAlarmSource(options: CloudWatchAlarmSourceOptions): AlarmSource {
  const cw = options.cloudWatch;
  const historyCw = options.historyClient ?? cw;
  return {
    async read(names, signal) {
      const { DescribeAlarmsCommand } = (await loadAwsSdk()).cloudWatch;
      const wanted = new Set(names);
      const out = new Map<string, AlarmReading>();
      for (let i = 0; i < names.length; i += ALARMS_PER_CALL) {
        const chunk = names.slice(i, i + ALARMS_PER_CALL);
        let nextToken: string | undefined;
        do {
          const page = await cw.send(
            new DescribeAlarmsCommand({
              AlarmNames: [...chunk],
              AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
              MaxRecords: ALARMS_PER_CALL,
              NextToken: nextToken,
            }),
            signal ? { abortSignal: signal } : {},
          );
          for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
            const reading = toReading(alarm);
            if (reading && wanted.has(reading.name)) out.set(reading.name, reading);
          }
          nextToken = page.NextToken;
        } while (nextToken);
      }
      return out;
    },

    async listByPrefix(prefix, signal) {
      const { DescribeAlarmsCommand } = (await loadAwsSdk()).cloudWatch;
      const out: AlarmReading[] = [];
      let nextToken: string | undefined;
      do {
        const page = await cw.send(
          new DescribeAlarmsCommand({
            AlarmNamePrefix: prefix,
            AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
            MaxRecords: ALARMS_PER_CALL,
            NextToken: nextToken,
          }),
          signal ? { abortSignal: signal } : {},
        );
        for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
          const reading = toReading(alarm);
          if (reading && reading.name.startsWith(prefix)) out.push(reading);
        }
        nextToken = page.NextToken;
      } while (nextToken);
      return out;
    },

    async history(since, signal) {
      const { DescribeAlarmHistoryCommand } = (await loadAwsSdk()).cloudWatch;
      const out: AlarmTransition[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const page = await historyCw.send(
          new DescribeAlarmHistoryCommand({
            HistoryItemType: 'StateUpdate',
            StartDate: since,
            ScanBy: 'TimestampAscending',
            MaxRecords: 100,
            NextToken: nextToken,
          }),
          signal ? { abortSignal: signal } : {},
        );
        for (const item of page.AlarmHistoryItems ?? []) {
          if (item.HistoryItemType !== undefined && item.HistoryItemType !== 'StateUpdate') continue;
          const transition = toTransition(item.AlarmName, item.Timestamp, item.HistoryData, item.HistorySummary);
          if (transition) out.push(transition);
        }
        nextToken = page.NextToken;
        pages += 1;
        // A bounded read: the next poll continues from the newest item seen.
      } while (nextToken && pages < 5);
      return out;
    },

    async stackAlarmNames(stackName, signal) {
      const { DescribeStackResourcesCommand } = (await loadAwsSdk()).cloudFormation;
      try {
        const res = await options.cloudFormation.send(
          new DescribeStackResourcesCommand({ StackName: stackName }),
          signal ? { abortSignal: signal } : {},
        );
        return (res.StackResources ?? [])
          .filter((r) => r.ResourceType === 'AWS::CloudWatch::Alarm' || r.ResourceType === 'AWS::CloudWatch::CompositeAlarm')
          .map((r) => r.PhysicalResourceId)
          .filter((id): id is string => typeof id === 'string' && id.length > 0);
      } catch (err) {
        if (isStackMissing(err)) return [];
        throw err;
      }
    },
  };
}

function toReading(alarm: MetricAlarm | CompositeAlarm): AlarmReading | undefined {
  if (!alarm.AlarmName) return undefined;
  const metric = 'ComparisonOperator' in alarm ? alarmMetric(alarm) : undefined;
  return {
    name: alarm.AlarmName,
    state: toState(alarm.StateValue),
    ...(alarm.StateReason !== undefined ? { reason: alarm.StateReason } : {}),
    ...(alarm.StateUpdatedTimestamp ? { updatedAt: alarm.StateUpdatedTimestamp.getTime() } : {}),
    ...(alarm.AlarmArn !== undefined ? { arn: alarm.AlarmArn } : {}),
    ...(metric ? { metric } : {}),
  };
}

/**
 * The metric behind a metric alarm, to judge it before/after too: its single metric with its
 * statistic, or its metric math (the one query that returns data, over the metrics it reads).
 * Anomaly-detection bands and alarms on another account's metrics are left to the alarm alone.
 */
export function alarmMetric(alarm: MetricAlarm): AlarmMetric | undefined {
  const op = alarm.ComparisonOperator ?? '';
  const bad = op.startsWith('GreaterThan')
    ? 'increase'
    : op.startsWith('LessThan') && !op.includes('OrGreaterThan')
      ? 'decrease'
      : undefined;
  if (!bad) return undefined;
  const threshold = alarm.Threshold !== undefined && Number.isFinite(alarm.Threshold) ? { threshold: alarm.Threshold } : {};
  const spec = (
    namespace?: string,
    metric?: string,
    dimensions?: readonly { readonly Name?: string | undefined; readonly Value?: string | undefined }[],
    stat?: string,
  ): MetricSpec | undefined =>
    namespace && metric && stat
      ? {
          namespace,
          metric,
          dimensions: Object.fromEntries((dimensions ?? []).filter((d) => d.Name && d.Value !== undefined).map((d) => [d.Name!, d.Value!])),
          stat,
        }
      : undefined;
  if (alarm.MetricName) {
    const plain = spec(alarm.Namespace, alarm.MetricName, alarm.Dimensions, alarm.ExtendedStatistic ?? alarm.Statistic);
    return plain && alarm.Period ? { query: { kind: 'metric', ...plain }, period: alarm.Period, bad, ...threshold } : undefined;
  }
  const queries = alarm.Metrics ?? [];
  const returned = queries.find((q) => q.ReturnData !== false && q.Expression);
  if (!returned?.Expression || queries.some((q) => q.AccountId)) {
    const single = queries.find((q) => q.ReturnData !== false && q.MetricStat);
    const stat = single?.MetricStat;
    const plain = spec(stat?.Metric?.Namespace, stat?.Metric?.MetricName, stat?.Metric?.Dimensions, stat?.Stat);
    return plain && stat?.Period && !single?.AccountId
      ? { query: { kind: 'metric', ...plain }, period: stat.Period, bad, ...threshold }
      : undefined;
  }
  const using: Record<string, MetricSpec> = {};
  let period = returned.Period;
  for (const q of queries) {
    if (q === returned) continue;
    // Math over math would need the intermediate expressions too: left to the alarm alone.
    if (q.Expression || !q.Id || !q.MetricStat) return undefined;
    const s = q.MetricStat;
    const inner = spec(s.Metric?.Namespace, s.Metric?.MetricName, s.Metric?.Dimensions, s.Stat);
    if (!inner) return undefined;
    using[q.Id] = inner;
    period ??= s.Period;
  }
  return period ? { query: { kind: 'expression', expression: returned.Expression, using }, period, bad, ...threshold } : undefined;
}

export function toState(value: string | undefined): AlarmState {
  switch (value) {
    case 'OK':
    case 'ALARM':
    case 'INSUFFICIENT_DATA':
      return value;
    case undefined:
    default:
      // A state this code does not know is not knowing, never OK.
      return 'INSUFFICIENT_DATA';
  }
}

const SUMMARY = /from (OK|ALARM|INSUFFICIENT_DATA) to (OK|ALARM|INSUFFICIENT_DATA)/;

/** Parses one StateUpdate item; HistoryData is JSON with oldState/newState, the summary a fallback. */
export function toTransition(
  name: string | undefined,
  timestamp: Date | undefined,
  data: string | undefined,
  summary: string | undefined,
): AlarmTransition | undefined {
  if (!name || !timestamp) return undefined;
  let from: AlarmState | undefined;
  let to: AlarmState | undefined;
  let reason: string | undefined;
  try {
    const parsed = JSON.parse(data ?? '') as {
      oldState?: { stateValue?: string };
      newState?: { stateValue?: string; stateReason?: string };
    };
    if (parsed.oldState?.stateValue) from = toState(parsed.oldState.stateValue);
    if (parsed.newState?.stateValue) to = toState(parsed.newState.stateValue);
    reason = parsed.newState?.stateReason;
  } catch {
    /* fall back to the summary text below */
  }
  if (!to) {
    const match = SUMMARY.exec(summary ?? '');
    if (!match) return undefined;
    from = toState(match[1]);
    to = toState(match[2]);
  }
  const said = reason ?? summary;
  return { name, at: timestamp.getTime(), ...(from !== undefined ? { from } : {}), to, ...(said !== undefined ? { summary: said } : {}) };
}

function isStackMissing(err: unknown): boolean {
  return classifyAwsError(err).kind === 'notFound';
}

/**
 * Whether an error means "this service has no alarm history" (an emulator): learn it once and stop
 * asking. Throttling, timeouts and network errors are passing trouble, not this.
 */
export function isHistoryUnsupported(err: unknown): boolean {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  if (status === 404 || status === 501) return true;
  if (e?.name && /^(UnknownOperationException|InvalidAction|NotImplemented|UnsupportedOperation)$/.test(e.name)) return true;
  // moto answers 500 with an HTML page, which the SDK fails to parse as the JSON it expects.
  return status !== undefined && status >= 500 && (e?.name === 'SyntaxError' || /Deserialization error/.test(e?.message ?? ''));
}
