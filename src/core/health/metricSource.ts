/**
 * The thin AWS side of the metric verdicts: GetMetricData for every guarded metric of a stack in
 * one call (CloudWatch takes up to 500 queries per call; more are split into as few calls as
 * fit), paginated with NextToken, oldest datapoint first. No judging here (verdict.ts does that).
 */
// Types only: the SDK's modules are imported where a call is made (see alarmSource.ts).
import type { CloudWatchClient, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { loadAwsSdk } from '../aws/sdk';
import { renameExpressionIds } from '../pipeline/metricRules';
import type { MetricQuery, MetricSpec } from '../pipeline/types';
import type { Datapoint } from './metrics/samples';

/** GetMetricData takes at most 500 queries (metrics and expressions together) per call. */
export const QUERIES_PER_CALL = 500;

/** One metric to read: `key` names it in the answer. */
export interface MetricRead {
  readonly key: string;
  readonly query: MetricQuery;
  /** Seconds per datapoint. */
  readonly period: number;
}

export interface MetricSource {
  /** The datapoints of every metric in [start, end), oldest first, by key (an empty list for a metric with none). */
  read(
    metrics: readonly MetricRead[],
    window: { readonly start: number; readonly end: number },
    signal?: AbortSignal,
  ): Promise<Map<string, Datapoint[]>>;
}

/** The sending half of a CloudWatch client: all a reader needs (a unit test records through a stub). */
export type MetricClient = Pick<CloudWatchClient, 'send'>;

/** A source that makes its client on the first read: a watch with no guarded metrics never asks for one. */
export function lazyCloudWatchMetricSource(client: () => Promise<MetricClient>): MetricSource {
  let source: Promise<MetricSource> | undefined;
  return {
    async read(metrics, window, signal) {
      source ??= client().then(cloudWatchMetricSource);
      return (await source).read(metrics, window, signal);
    },
  };
}

export function cloudWatchMetricSource(cloudWatch: MetricClient): MetricSource {
  return {
    async read(metrics, window, signal) {
      const { GetMetricDataCommand } = (await loadAwsSdk()).cloudWatch;
      const out = new Map<string, Datapoint[]>();
      const ids = new Map<string, string>();
      const batches = batchQueries(
        metrics.map((m, i) => {
          const id = `m${i}`;
          ids.set(id, m.key);
          out.set(m.key, []);
          return toQueries(id, m);
        }),
      );
      for (const batch of batches) {
        let nextToken: string | undefined;
        do {
          const page = await cloudWatch.send(
            new GetMetricDataCommand({
              MetricDataQueries: batch,
              StartTime: new Date(window.start),
              EndTime: new Date(window.end),
              ScanBy: 'TimestampAscending',
              ...(nextToken ? { NextToken: nextToken } : {}),
            }),
            signal ? { abortSignal: signal } : {},
          );
          for (const result of page.MetricDataResults ?? []) {
            const key = result.Id ? ids.get(result.Id) : undefined;
            if (key === undefined) continue;
            const points = out.get(key)!;
            const times = result.Timestamps ?? [];
            const values = result.Values ?? [];
            for (let i = 0; i < Math.min(times.length, values.length); i++) {
              const at = times[i]!.getTime();
              if (at >= window.start && at < window.end) points.push({ at, value: values[i]! });
            }
          }
          nextToken = page.NextToken;
        } while (nextToken);
      }
      for (const points of out.values()) points.sort((a, b) => a.at - b.at);
      return out;
    },
  };
}

function metricStat(spec: MetricSpec, period: number): MetricDataQuery['MetricStat'] {
  return {
    Metric: {
      Namespace: spec.namespace,
      MetricName: spec.metric,
      Dimensions: Object.entries(spec.dimensions).map(([Name, Value]) => ({ Name, Value })),
    },
    Period: period,
    Stat: spec.stat,
  };
}

/**
 * The queries of one guarded metric: a plain one is one query; an expression is its own query
 * plus one per metric it uses, their ids prefixed with the expression's so that two expressions
 * may both call a metric `errors` in one call.
 */
export function toQueries(id: string, read: MetricRead): MetricDataQuery[] {
  const { query, period } = read;
  if (query.kind === 'metric') return [{ Id: id, MetricStat: metricStat(query, period), ReturnData: true }];
  const inner = (name: string): string => `${id}_${name}`;
  return [
    ...Object.entries(query.using).map(([name, spec]) => ({ Id: inner(name), MetricStat: metricStat(spec, period), ReturnData: false })),
    { Id: id, Expression: renameExpressionIds(query.expression, inner), Period: period, ReturnData: true },
  ];
}

/** Groups each metric's queries (kept together: an expression needs its metrics in its call) into calls of at most 500. */
export function batchQueries(groups: readonly MetricDataQuery[][]): MetricDataQuery[][] {
  const batches: MetricDataQuery[][] = [];
  let current: MetricDataQuery[] = [];
  for (const group of groups) {
    if (current.length + group.length > QUERIES_PER_CALL && current.length > 0) {
      batches.push(current);
      current = [];
    }
    current.push(...group);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
