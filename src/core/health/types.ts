/**
 * The health watch's vocabulary: what an alarm looked like when we read it, and what the
 * decision function answers. Shared by the pure decision (decide.ts), the AWS adapter
 * (alarmSource.ts), the watcher and the events.
 */
import type { MetricQuery } from '../pipeline/types';

/** CloudWatch's three alarm states, plus MISSING when a guarded alarm is no longer returned. */
export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA' | 'MISSING';

/** The metric (or metric math) behind a metric alarm, and which way it fires. */
export interface AlarmMetric {
  readonly query: MetricQuery;
  /** Seconds per datapoint, the alarm's own. */
  readonly period: number;
  /** GreaterThan… alarms fire on an increase, LessThan… on a decrease. */
  readonly bad: 'increase' | 'decrease';
  /** The alarm's threshold, in the metric's units (drawn on its chart). */
  readonly threshold?: number;
}

/** One alarm as read by one DescribeAlarms poll. */
export interface AlarmReading {
  readonly name: string;
  readonly state: AlarmState;
  /** CloudWatch's StateReason, for the notification ("Threshold Crossed: 1 datapoint …"). */
  readonly reason?: string;
  /** When CloudWatch says the state last changed (epoch ms). */
  readonly updatedAt?: number;
  readonly arn?: string;
  /** Absent for composite alarms, anomaly-detection bands and metrics this code cannot read again. */
  readonly metric?: AlarmMetric;
}

/**
 * One poll of the guarded alarms. `readings` is absent when the poll failed (throttling, network,
 * credentials): a failed poll is *not knowing*, never a failure of the deployment.
 */
export interface AlarmPoll {
  /** Local time the poll's answer arrived (epoch ms). */
  readonly at: number;
  readonly readings?: ReadonlyMap<string, AlarmReading>;
  readonly error?: string;
}

/** One StateUpdate item from DescribeAlarmHistory: catches an ALARM shorter than a poll interval. */
export interface AlarmTransition {
  readonly name: string;
  /** CloudWatch's timestamp of the change (epoch ms). */
  readonly at: number;
  readonly from?: AlarmState;
  readonly to: AlarmState;
  readonly summary?: string;
}

/** How the watch judges; everything time-like in milliseconds. */
export interface HealthPolicy {
  /** How long the guarded alarms must stay OK after the update completed. */
  readonly bakeMs: number;
  /**
   * How long "not knowing" (INSUFFICIENT_DATA, a missing alarm, failing polls) may last before the
   * watch gives up as `unknown` (→ needs-attention). The watch sets it to the bake's length: not
   * knowing for a whole bake means nothing was judged.
   */
  readonly unknownLimitMs: number;
}

/** What the decision function answers after each observation. */
export type Verdict =
  | { readonly kind: 'continue'; readonly unknown: readonly string[] }
  | { readonly kind: 'healthy'; readonly reason: string }
  /** `alarm` names what fired: the alarm, or for a metric regression the metric (then `metric` is set too). */
  | { readonly kind: 'unhealthy'; readonly alarm: string; readonly reason: string; readonly at: number; readonly metric?: string }
  | { readonly kind: 'unknown'; readonly reason: string; readonly alarms: readonly string[] };

export type FinalVerdict = Exclude<Verdict, { kind: 'continue' }>;
