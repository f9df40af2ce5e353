/**
 * What a deployment's record keeps of its health watch (`record.health`), so a finished run read
 * back from history shows what a live one showed: each guarded alarm with its last state, the
 * bake window, the verdict and what a rollback restored. Plain JSON, validated (and older shapes
 * migrated) once when the history store reads the record, so readers trust its type.
 */
import type { DeploymentRecord } from '../history/record';
import type { DeploymentStatus } from '../model';
import type { MetricSeriesWindow } from './events';
import type { JudgedMetric } from './metricWatch';
import type { AlarmState, FinalVerdict } from './types';
import type { AlarmChange } from './watcher';

export interface RecordedAlarm {
  readonly name: string;
  readonly state: AlarmState;
  /** Epoch ms of the change the watch saw last (absent: unchanged since the bake began). */
  readonly changedAt?: number;
  readonly reason?: string;
}

/**
 * One change of a guarded alarm's state the watch saw, in order: the timeline and the incident
 * note need when each alarm fired and cleared, not only its last state.
 */
export interface RecordedTransition {
  readonly alarm: string;
  readonly from?: AlarmState;
  readonly to: AlarmState;
  /** Epoch ms of the change (CloudWatch's time when known). */
  readonly at: number;
  /** CloudWatch's StateReason, which names the datapoints that crossed the threshold. */
  readonly reason?: string;
}

/** A watch keeps at most this many transitions (a flapping alarm must not grow the record without bound). */
export const TRANSITIONS_KEPT = 200;

export interface RecordedVerdict {
  readonly kind: FinalVerdict['kind'];
  readonly reason: string;
  /** Epoch ms; absent in records written before the verdict's time was kept. */
  readonly at?: number;
  /** The alarm blamed (unhealthy only). */
  readonly alarm?: string;
}

export interface RecordedRollback {
  readonly phase: 'succeeded' | 'failed' | 'skipped';
  readonly targetDeploymentId: string;
  readonly targetCommit?: string;
  readonly rollbackDeploymentId?: string;
  /** Always written now; absent in records written before the restore's facts were kept. */
  readonly reason?: string;
  readonly at?: number;
}

/** One guarded metric's verdict and the series it rests on (capped at 1,440 points each, for charts). */
export interface RecordedMetric {
  readonly name: string;
  /** The guarded alarm whose metric this is (metricsFromAlarms). */
  readonly alarm?: string;
  readonly verdict: 'pass' | 'regressed' | 'improved' | 'unknown';
  readonly reason: string;
  readonly bad: 'increase' | 'decrease';
  readonly tolerance: number;
  /** The change as a fraction; null when there was nothing to relate it to. */
  readonly relativeChange: number | null;
  /** The change's interval (relative, or in metric units for an often-zero metric); absent when unknown or in older records. */
  readonly interval?: readonly [number, number];
  /** The medians on each side, in metric units; absent when a side had no samples, or in older records. */
  readonly baselineMedian?: number;
  readonly bakeMedian?: number;
  /** The alarm's threshold, for a metric behind a guarded alarm. */
  readonly threshold?: number;
  readonly baseline: MetricSeriesWindow;
  readonly bake: MetricSeriesWindow;
}

/** The metric behind a guarded alarm that was only drawn, never judged (metricsFromAlarms off): its series, for its chart. */
export interface RecordedChart {
  readonly name: string;
  readonly alarm: string;
  readonly bad: 'increase' | 'decrease';
  readonly threshold?: number;
  readonly baseline: MetricSeriesWindow;
  readonly bake: MetricSeriesWindow;
}

export interface HealthSection {
  readonly alarms: readonly RecordedAlarm[];
  /** The bake window, epoch ms; absent when an older record kept neither it nor the watch's checkpoint. */
  readonly bakeStartedAt?: number;
  readonly bakeEndsAt?: number;
  readonly verdict: RecordedVerdict;
  /** What the decision after an unhealthy verdict restored; absent when nothing was to be restored. */
  readonly rollback?: RecordedRollback;
  /** Every guarded metric's verdict; absent when no metric was judged. */
  readonly metrics?: readonly RecordedMetric[];
  /** The series of alarms' metrics that were drawn but not judged; absent when none. */
  readonly charts?: readonly RecordedChart[];
  /** Every alarm change the watch saw, oldest first; absent in records written before they were kept. */
  readonly transitions?: readonly RecordedTransition[];
}

/** The guarded alarms' states during the watch: the baseline, then every change seen. */
export class AlarmStates {
  private readonly alarms = new Map<string, RecordedAlarm>();
  private readonly changes: RecordedTransition[] = [];

  constructor(names: readonly string[], baseline: Readonly<Record<string, AlarmState>>) {
    for (const name of names) this.alarms.set(name, { name, state: baseline[name] ?? 'MISSING' });
  }

  changed(change: AlarmChange): void {
    this.alarms.set(change.name, {
      name: change.name,
      state: change.to,
      changedAt: change.at,
      ...(change.reason ? { reason: change.reason } : {}),
    });
    this.changes.push({
      alarm: change.name,
      ...(change.from !== undefined ? { from: change.from } : {}),
      to: change.to,
      at: change.at,
      ...(change.reason ? { reason: change.reason } : {}),
    });
    // The first changes (what fired) and the newest are what a person reads; the middle of a flap is not.
    if (this.changes.length > TRANSITIONS_KEPT) this.changes.splice(TRANSITIONS_KEPT / 2, 1);
  }

  list(): RecordedAlarm[] {
    return [...this.alarms.values()];
  }

  transitions(): RecordedTransition[] {
    return [...this.changes];
  }
}

export function recordedHealth(facts: {
  readonly alarms: readonly RecordedAlarm[];
  readonly bakeStartedAt: number;
  readonly deadline: string;
  readonly verdict: FinalVerdict;
  readonly verdictAt: number;
  readonly rollback?: RecordedRollback;
  readonly transitions?: readonly RecordedTransition[];
}): HealthSection {
  const { verdict } = facts;
  return {
    alarms: facts.alarms,
    bakeStartedAt: facts.bakeStartedAt,
    bakeEndsAt: Date.parse(facts.deadline),
    verdict: {
      kind: verdict.kind,
      reason: verdict.reason,
      at: facts.verdictAt,
      ...(verdict.kind === 'unhealthy' ? { alarm: verdict.alarm } : {}),
    },
    ...(facts.rollback ? { rollback: facts.rollback } : {}),
    ...(facts.transitions && facts.transitions.length > 0 ? { transitions: facts.transitions } : {}),
  };
}

export function recordedMetrics(judged: readonly JudgedMetric[], thresholds: ReadonlyMap<string, number> = new Map()): RecordedMetric[] {
  return judged.map((j) => {
    const v = j.verdict;
    const threshold = thresholds.get(j.key);
    return {
      name: j.name,
      ...(j.alarm !== undefined ? { alarm: j.alarm } : {}),
      verdict: v.kind,
      reason: v.reason,
      bad: v.bad,
      tolerance: v.tolerance,
      relativeChange: v.relativeChange !== null && Number.isFinite(v.relativeChange) ? v.relativeChange : null,
      ...(finiteInterval(v.interval) ? { interval: [v.interval[0], v.interval[1]] as const } : {}),
      ...(Number.isFinite(v.baselineMedian) ? { baselineMedian: v.baselineMedian } : {}),
      ...(Number.isFinite(v.candidateMedian) ? { bakeMedian: v.candidateMedian } : {}),
      ...(threshold !== undefined ? { threshold } : {}),
      baseline: j.baseline,
      bake: j.bake,
    };
  });
}

/** An interval both of whose ends are numbers (JSON has no NaN or Infinity). */
export function finiteInterval(interval: readonly [number, number]): boolean {
  return Number.isFinite(interval[0]) && Number.isFinite(interval[1]);
}

/** What the decision after an unhealthy verdict leaves in the record; nothing without a target. */
export function recordedRollback(
  outcome: {
    readonly status: DeploymentStatus;
    readonly targetId?: string;
    readonly rollbackDeploymentId?: string;
    readonly reason: string;
  },
  records: readonly DeploymentRecord[],
  at: number,
): RecordedRollback | undefined {
  if (!outcome.targetId) return undefined;
  const targetCommit = records.find((r) => r.id === outcome.targetId)?.commit;
  return {
    // Restored but still unhealthy is a restore that happened: what it led to is the record's status.
    phase:
      outcome.status === 'rolled-back' || outcome.status === 'rolled-back-unhealthy'
        ? 'succeeded'
        : outcome.status === 'rollback-failed'
          ? 'failed'
          : 'skipped',
    targetDeploymentId: outcome.targetId,
    ...(targetCommit ? { targetCommit } : {}),
    ...(outcome.rollbackDeploymentId ? { rollbackDeploymentId: outcome.rollbackDeploymentId } : {}),
    reason: outcome.reason,
    at,
  };
}

/** The alarm a deployment's health watch blamed, when its verdict was unhealthy. */
export function blamedAlarm(record: DeploymentRecord): string | undefined {
  const verdict = record.healthWatch?.verdict;
  return verdict?.kind === 'unhealthy' ? verdict.alarm : undefined;
}
