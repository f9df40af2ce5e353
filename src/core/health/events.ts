/**
 * The health watch's and the automatic rollback's events, part of the engine's
 * closed `EngineEvent` union (src/core/events.ts). Plain JSON, discriminated by `type`, each with
 * the `deploymentId` it belongs to and the ISO time `at` the engine observed it.
 */
import type { AlarmState } from './types';

interface HealthEventBase {
  readonly deploymentId: string;
  readonly at: string;
}

/**
 * Which watch a watch event belongs to: absent for a deployment's bake; `restore` for a rollback
 * record's verification window (the restored version watched until its alarms are back out of
 * ALARM and its metrics back near the baseline read before the undone deployment).
 */
export type WatchPhase = 'restore';

/** Before the deploy: which alarms guard it, which are already firing, what CloudFormation watches. */
export interface AlarmsCheckedEvent extends HealthEventBase {
  readonly type: 'alarms-checked';
  readonly alarms: readonly { readonly name: string; readonly state: AlarmState }[];
  /** Guarded alarms already in ALARM before the deploy: reported, never blamed on it. */
  readonly alreadyInAlarm: readonly string[];
  /** The (at most 5) alarms handed to CloudFormation as RollbackConfiguration triggers. */
  readonly rollbackTriggers: readonly string[];
  /** Which alarms became triggers and why the others did not. */
  readonly rollbackTriggersWhy: string;
}

/** The bake began (or resumed after a reload / killed CLI). */
export interface WatchStartedEvent extends HealthEventBase {
  readonly type: 'watch-started';
  readonly alarms: readonly string[];
  /** The guarded metrics judged at the end of the bake (absent when none). */
  readonly metrics?: readonly string[];
  readonly bakeMs: number;
  readonly pollSeconds: number;
  /** ISO time the bake ends (the watch may run longer while alarm state is unknown). */
  readonly deadline: string;
  readonly rollback: 'auto' | 'prompt' | 'off';
  readonly resumed: boolean;
  readonly phase?: WatchPhase;
}

/** A guarded alarm changed state (seen by a poll or in the alarm history). */
export interface AlarmChangedEvent extends HealthEventBase {
  readonly type: 'alarm-changed';
  readonly alarm: string;
  readonly from?: AlarmState;
  readonly to: AlarmState;
  /** ISO time of the change. */
  readonly changedAt: string;
  readonly source: 'poll' | 'history';
  readonly reason?: string;
  readonly phase?: WatchPhase;
}

/** The watch's final word. */
export interface WatchVerdictEvent extends HealthEventBase {
  readonly type: 'watch-verdict';
  readonly verdict: 'healthy' | 'unhealthy' | 'unknown';
  /** The alarm blamed, for `unhealthy` by an alarm. */
  readonly alarm?: string;
  /** The metric that regressed, for `unhealthy` by a metric verdict (then no alarm is blamed). */
  readonly metric?: string;
  readonly reason: string;
  readonly polls: number;
  readonly phase?: WatchPhase;
}

/** A window of a metric's series, for charts: [epoch ms, value] pairs, oldest first, at most 1,440. */
export interface MetricSeriesWindow {
  /** Epoch ms, inclusive. */
  readonly start: number;
  /** Epoch ms, exclusive. */
  readonly end: number;
  readonly points: readonly (readonly [number, number])[];
}

/**
 * One guarded metric judged at the end of the bake, or of a restore's verification window (then
 * `bake` is that window, judged against the baseline read before the undone deployment): the
 * verdict, its numbers and the series it rests on.
 */
export interface MetricVerdictEvent extends HealthEventBase {
  readonly type: 'metric-verdict';
  /** The metric's name as configured (or the alarm it stands behind, with the metric). */
  readonly metric: string;
  /** The guarded alarm whose metric this is (metricsFromAlarms). */
  readonly alarm?: string;
  readonly verdict: 'pass' | 'regressed' | 'improved' | 'unknown';
  /** One sentence: "Latency Average rose 38 % (98 % CI +22 % … +51 %), allowed +10 %". */
  readonly reason: string;
  readonly bad: 'increase' | 'decrease';
  /** The tolerance applied, as a fraction. */
  readonly tolerance: number;
  /** The change as a fraction; null when there is nothing to relate it to. */
  readonly relativeChange: number | null;
  /** The change's interval: relative for `shift`, in metric units for `often-zero`; null when unknown. */
  readonly interval: readonly [number, number] | null;
  readonly scale: 'shift' | 'often-zero';
  readonly baselineN: number;
  readonly candidateN: number;
  /** The medians the change is measured against (metric units); null when a side had no samples. */
  readonly baselineMedian?: number | null;
  readonly bakeMedian?: number | null;
  /** The alarm's threshold, for a metric behind a guarded alarm. */
  readonly threshold?: number;
  readonly baseline: MetricSeriesWindow;
  readonly bake: MetricSeriesWindow;
  readonly phase?: WatchPhase;
}

/** One watched metric's new points, for a live chart. */
export interface MetricPointsSeries {
  /** The metric's name, as in `metric-verdict`. */
  readonly metric: string;
  readonly alarm?: string;
  readonly bad: 'increase' | 'decrease';
  readonly threshold?: number;
  /** False for the metric behind a guarded alarm that is only drawn (metricsFromAlarms off). */
  readonly judged: boolean;
  /** The baseline window and its points: in a watch's first `metric-points` only (it is read once). */
  readonly baseline?: MetricSeriesWindow;
  /**
   * The bake's points from the last one sent before on (CloudWatch may still revise the newest
   * period), oldest first: a view replaces its points from the first of these on.
   */
  readonly points: readonly (readonly [number, number])[];
}

/** The guarded metrics as just read (one GetMetricData call), for live charts. */
export interface MetricPointsEvent extends HealthEventBase {
  readonly type: 'metric-points';
  readonly series: readonly MetricPointsSeries[];
  /** Absent for the bake's reads; `restore` for a restore's verification window (its deploymentId is the rollback record's). */
  readonly phase?: WatchPhase;
}

/** An automatic (or confirmed) rollback to the last stable deployment began. */
export interface RollbackStartedEvent extends HealthEventBase {
  readonly type: 'rollback-started';
  /** The stable record being restored. */
  readonly targetId: string;
  /** Its commit, when it was deployed from one. */
  readonly targetCommit?: string;
  /** The new record of the rollback itself, once it exists. */
  readonly rollbackDeploymentId?: string;
  readonly clientRequestToken: string;
  readonly reason: string;
}

/** How the health watch's rollback handling ended (including when it decided not to roll back). */
export interface RollbackFinishedEvent extends HealthEventBase {
  readonly type: 'rollback-finished';
  /**
   * rolled-back: the stable version is back (GetTemplate matches); rollback-failed: it is not;
   * not-rolled-back: nothing was done (policy off, declined, no stable target, stack changed by someone else).
   */
  readonly outcome: 'rolled-back' | 'rollback-failed' | 'not-rolled-back';
  readonly targetId?: string;
  readonly rollbackDeploymentId?: string;
  readonly reason: string;
}

export type HealthEvent =
  | AlarmsCheckedEvent
  | WatchStartedEvent
  | AlarmChangedEvent
  | MetricVerdictEvent
  | MetricPointsEvent
  | WatchVerdictEvent
  | RollbackStartedEvent
  | RollbackFinishedEvent;
