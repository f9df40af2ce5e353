/**
 * The verification window after a restore (a rollback record in `verifying-restore`): the restored
 * version is watched under the environment's guarded alarms, and only a restore whose alarms are
 * back out of ALARM at the end of the window becomes a verified version.
 *
 * Unlike the bake, an alarm already in ALARM when the window starts is not excused: it is usually
 * the alarm the undone deployment set off, and the restore must clear it. The verdict rests on a
 * poll taken at or after the end of the window: every guarded alarm OK → verified; any in ALARM →
 * still unhealthy; anything else (INSUFFICIENT_DATA, a missing alarm, no readable answer) →
 * unknown, which is treated like still unhealthy (fail closed: a person looks).
 *
 * The window's start and deadline are written to the rollback record (`healthWatch`) before the
 * first poll, so a reload or a killed CLI resumes the same window instead of starting a new one.
 * One DescribeAlarms call per poll; alarm history is not read (only the end state counts).
 *
 * The undone deployment's guarded metrics are judged too, on the same one GetMetricData call per
 * poll: the window's samples against that deployment's baseline, the one read before it began. Not
 * against its bake: the bake is what went wrong, and a restore that merely matches it is not well.
 * Each read goes to views as a `metric-points` of phase `restore` (live charts, as in the bake),
 * each metric's verdict as a `metric-verdict` of that phase, and the rollback record's health
 * section keeps it with its series.
 */
import type { AwsClients } from '../aws/clients';
import { errorMessage } from '../errors';
import type { DeploymentStatusEvent, EngineEvent } from '../events';
import type { DeploymentRecord } from '../history/record';
import type { StackHistory } from '../history/store';
import type { Logger } from '../logger';
import type { EnvironmentConfig } from '../pipeline/types';
import type { Clock } from '../time';
import { ChartFeed, type CheckpointMetrics, type WatchCheckpoint } from './afterDeploy';
import { cloudWatchAlarmSource, type AlarmSource } from './alarmSource';
import { formatMs, type DecisionInput } from './decide';
import { lazyCloudWatchMetricSource, type MetricSource } from './metricSource';
import { metricVerdictEvents } from './metricVerdictEvents';
import { judgedOnly } from './metricWatch';
import type { Datapoint } from './metrics/samples';
import { AlarmStates, recordedHealth, recordedMetrics, type HealthSection } from './recordedHealth';
import { resolveGuardedAlarms } from './resolve';
import type { Verdict } from './types';
import { watchAlarms, type MetricWatchOptions } from './watcher';

export interface AfterRestoreContext {
  /** The rollback record whose restore is verified (its template and parameters already checked on the stack). */
  readonly record: DeploymentRecord;
  readonly environment: EnvironmentConfig;
  /** The verification window; default the environment's bake (the CLI's --bake sets both). */
  readonly windowMs?: number;
  /** Guarded alarms to watch besides the environment's (the undone deployment's, which may include its stack's). */
  readonly alarms?: readonly string[];
  readonly clients: AwsClients;
  readonly history: StackHistory;
  readonly emit: (event: Exclude<EngineEvent, DeploymentStatusEvent>) => void;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  /**
   * The undone deployment's judged metrics and the baseline read before it began (its
   * `healthWatch.metrics`): the window is judged against that baseline. Kept in this window's
   * checkpoint, so a resumed verification judges the same way.
   */
  readonly metrics?: CheckpointMetrics;
  /** Tests only: read alarms through this instead of the clients. */
  readonly alarmSource?: AlarmSource;
  /** Tests only: read metrics through this instead of the clients. */
  readonly metricSource?: MetricSource;
}

export type AfterRestoreResult =
  /** Nothing can verify it: the environment has no health config or no guarded alarm. */
  | { readonly outcome: 'no-watch' }
  /** Every guarded alarm was OK at the end of the window. */
  | { readonly outcome: 'verified'; readonly reason: string; readonly health: HealthSection }
  /** An alarm still in ALARM (`unhealthy`), or state unknown, at the end of the window. */
  | {
      readonly outcome: 'still-unhealthy';
      readonly verdict: 'unhealthy' | 'unknown';
      readonly reason: string;
      readonly health: HealthSection;
    };

/** Watches the restored version through its verification window (or the rest of it, when resumed). */
export async function verifyRestore(ctx: AfterRestoreContext): Promise<AfterRestoreResult> {
  const health = ctx.environment.health;
  if (!health) return { outcome: 'no-watch' };
  const { record, logger } = ctx;
  const source =
    ctx.alarmSource ??
    cloudWatchAlarmSource({ cloudWatch: await ctx.clients.cloudWatch(), cloudFormation: await ctx.clients.cloudFormation() });
  const found = record.healthWatch;
  const resumed = found !== undefined;
  const checkpoint = found ?? (await startWindow(ctx, source));
  if (checkpoint.alarms.length === 0 && !checkpoint.metrics) {
    logger.warn('no guarded alarm or metric to verify the restore with: the restored template and parameters are the only check');
    return { outcome: 'no-watch' };
  }
  if (!resumed) {
    record.healthWatch = checkpoint;
    await ctx.history.write(record);
  }
  const alarmStates = new AlarmStates(checkpoint.alarms, {});
  const iso = (ms: number) => new Date(ms).toISOString();
  ctx.emit({
    type: 'watch-started',
    deploymentId: record.id,
    at: iso(ctx.clock.now()),
    alarms: checkpoint.alarms,
    ...(checkpoint.metrics ? { metrics: checkpoint.metrics.watched.map((m) => m.name) } : {}),
    bakeMs: checkpoint.bakeMs,
    pollSeconds: checkpoint.pollMs / 1000,
    deadline: checkpoint.deadline,
    // A restore is never rolled back: whatever its alarms say, a person decides what comes next.
    rollback: 'off',
    resumed,
    phase: 'restore',
  });
  if (resumed) logger.info(`resuming the verification of restore ${record.id}; the window ends ${checkpoint.deadline}`);
  const result = await watchAlarms({
    source,
    guarded: checkpoint.alarms,
    // Nothing is excused: an alarm in ALARM as the window starts must be cleared by the restore.
    baseline: {},
    deployStartedAt: checkpoint.deployStartedAt,
    bakeStartedAt: checkpoint.bakeStartedAt,
    policy: { bakeMs: checkpoint.bakeMs, unknownLimitMs: unknownLimitMs(checkpoint.pollMs) },
    pollMs: checkpoint.pollMs,
    logger,
    signal: ctx.signal,
    clock: ctx.clock,
    readHistory: false,
    judge: judgeRestore,
    ...(checkpoint.metrics ? { metrics: restoreMetrics(ctx, checkpoint.metrics) } : {}),
    onAlarmChanged: (c) => {
      alarmStates.changed(c);
      ctx.emit({
        type: 'alarm-changed',
        deploymentId: record.id,
        at: iso(ctx.clock.now()),
        alarm: c.name,
        ...(c.from ? { from: c.from } : {}),
        to: c.to,
        changedAt: iso(c.at),
        source: c.source,
        ...(c.reason ? { reason: c.reason } : {}),
        phase: 'restore',
      });
    },
  });
  const { verdict } = result;
  const verdictAt = ctx.clock.now();
  record.healthWatch = { ...checkpoint, verdict };
  await ctx.history.write(record);
  ctx.emit({
    type: 'watch-verdict',
    deploymentId: record.id,
    at: iso(verdictAt),
    verdict: verdict.kind,
    // A metric still regressed blames no alarm: views offer "Open Alarm" only for a real one.
    ...(verdict.kind === 'unhealthy' && verdict.metric === undefined ? { alarm: verdict.alarm } : {}),
    ...(verdict.kind === 'unhealthy' && verdict.metric !== undefined ? { metric: verdict.metric } : {}),
    reason: verdict.reason,
    polls: result.polls,
    phase: 'restore',
  });
  const section: HealthSection = {
    ...recordedHealth({
      alarms: alarmStates.list(),
      transitions: alarmStates.transitions(),
      bakeStartedAt: checkpoint.bakeStartedAt,
      deadline: checkpoint.deadline,
      verdict,
      verdictAt,
    }),
    // The window's metric verdicts and series, so the restore's record draws what was judged.
    ...(result.metrics && result.metrics.length > 0 ? { metrics: recordedMetrics(result.metrics, thresholdsOf(checkpoint.metrics)) } : {}),
  };
  switch (verdict.kind) {
    case 'healthy':
      return { outcome: 'verified', reason: verdict.reason, health: section };
    case 'unhealthy':
    case 'unknown':
      return { outcome: 'still-unhealthy', verdict: verdict.kind, reason: verdict.reason, health: section };
  }
}

/**
 * The watcher's metric options: the window judged against the undone deployment's pre-deploy
 * baseline, each read and each verdict told to views as events of the restore's phase.
 */
function restoreMetrics(ctx: AfterRestoreContext, metrics: CheckpointMetrics): MetricWatchOptions {
  // Each read goes to views as it arrives, as the bake's do: the charts follow the window live.
  const charts = new ChartFeed({ record: ctx.record, emit: ctx.emit, clock: ctx.clock, phase: 'restore' }, metrics);
  const points = new Map<string, Datapoint[]>();
  for (const m of metrics.watched)
    points.set(
      m.key,
      (metrics.baseline.series[m.key] ?? []).map(([at, value]) => ({ at, value })),
    );
  return {
    source: ctx.metricSource ?? lazyCloudWatchMetricSource(() => ctx.clients.cloudWatch()),
    watched: metrics.watched,
    baseline: { window: { start: metrics.baseline.start, end: metrics.baseline.end }, points },
    onRead: (window, read) => charts.read(window, read),
    onJudged: (judged) => {
      const facts = { deploymentId: ctx.record.id, at: new Date(ctx.clock.now()).toISOString(), thresholds: thresholdsOf(metrics) };
      for (const event of metricVerdictEvents(judged, { ...facts, phase: 'restore' })) ctx.emit(event);
    },
  };
}

/** Each watched metric's alarm threshold, by key (for a metric behind a guarded alarm's chart). */
function thresholdsOf(metrics: CheckpointMetrics | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of metrics?.watched ?? []) if (m.threshold !== undefined) out.set(m.key, m.threshold);
  return out;
}

/**
 * The verification's rule, in the shape of `decide` (the watcher calls it after every poll):
 * nothing is final before the end of the window; then the first poll taken at or after it
 * decides. Polls that fail past the end are retried for a few intervals, then the answer is unknown.
 * With guarded metrics, an alarm still in ALARM decides first; then a metric still regressed
 * against the pre-deploy baseline is still unhealthy, one that could not be judged is unknown, and
 * metrics not read by the limit are unknown too (fail closed).
 */
export function judgeRestore(input: DecisionInput): Verdict {
  const alarms = judgeRestoreAlarms(input);
  if (!input.metrics || alarms.kind === 'continue' || alarms.kind === 'unhealthy') return alarms;
  const window = formatMs(input.policy.bakeMs);
  const judged = input.metrics.judged;
  if (!judged) {
    const end = input.bakeStartedAt + input.policy.bakeMs;
    return input.now - end >= input.policy.unknownLimitMs
      ? { kind: 'unknown', alarms: [], reason: `the guarded metrics could not be read at the end of the ${window} verification window` }
      : { kind: 'continue', unknown: [] };
  }
  const regressed = judged.find((m) => m.verdict.kind === 'regressed');
  if (regressed) {
    return {
      kind: 'unhealthy',
      alarm: regressed.name,
      metric: regressed.name,
      at: input.now,
      reason: `metric ${regressed.name} is still regressed against the baseline before the undone deployment at the end of the ${window} verification window: ${regressed.verdict.reason}`,
    };
  }
  const unknown = judged.filter((m) => m.verdict.kind === 'unknown');
  if (unknown.length > 0) {
    return { kind: 'unknown', alarms: [], reason: unknown.map((m) => m.verdict.reason).join('; ') };
  }
  if (alarms.kind === 'unknown') return alarms;
  const n = judged.length;
  return {
    kind: 'healthy',
    reason: `${alarms.reason}; ${n} guarded metric${n === 1 ? ' was' : 's were'} back within tolerance of the baseline before the undone deployment`,
  };
}

/** The guarded alarms' part of the verification's rule. */
function judgeRestoreAlarms(input: DecisionInput): Verdict {
  const end = input.bakeStartedAt + input.policy.bakeMs;
  if (input.now < end) return { kind: 'continue', unknown: [] };
  const window = formatMs(input.policy.bakeMs);
  const latest = input.polls.at(-1);
  if (latest?.readings && latest.at >= end) {
    const readings = latest.readings;
    const stateOf = (name: string) => readings.get(name)?.state ?? 'MISSING';
    const firing = input.guarded.find((name) => stateOf(name) === 'ALARM');
    if (firing !== undefined) {
      const why = readings.get(firing)?.reason;
      return {
        kind: 'unhealthy',
        alarm: firing,
        at: latest.at,
        reason: `alarm ${firing} is still in ALARM at the end of the ${window} verification window${why ? `: ${why}` : ''}`,
      };
    }
    const unknown = input.guarded.filter((name) => stateOf(name) !== 'OK');
    if (unknown.length === 0) {
      const n = input.guarded.length;
      return {
        kind: 'healthy',
        reason: `${n} guarded alarm${n === 1 ? ' was' : 's were'} OK at the end of the ${window} verification window`,
      };
    }
    return {
      kind: 'unknown',
      alarms: unknown,
      reason: `alarm state unknown for ${unknown.map((name) => `${name} (${stateOf(name)})`).join(', ')} at the end of the ${window} verification window`,
    };
  }
  if (input.now - end >= input.policy.unknownLimitMs) {
    return {
      kind: 'unknown',
      alarms: [...input.guarded],
      reason: `the guarded alarms could not be read at the end of the ${window} verification window (${latest?.error ?? 'no answer'})`,
    };
  }
  return { kind: 'continue', unknown: [] };
}

/** How long past the window's end failing polls are retried: a few intervals, at least 5 s. */
function unknownLimitMs(pollMs: number): number {
  return Math.max(5_000, 3 * pollMs);
}

/** The window starts now; its alarms are the environment's guarded ones plus those passed in. */
async function startWindow(ctx: AfterRestoreContext, source: AlarmSource): Promise<WatchCheckpoint> {
  const health = ctx.environment.health!;
  const now = ctx.clock.now();
  const windowMs = ctx.windowMs ?? health.bakeMs;
  let alarms = [...(ctx.alarms ?? [])];
  try {
    const guarded = await resolveGuardedAlarms({ source, health, stackName: ctx.record.stackName, logger: ctx.logger, signal: ctx.signal });
    alarms = [...new Set([...alarms, ...guarded.names])].sort();
  } catch (err) {
    // A read error now leaves the alarms the environment names (and any passed in): the watch
    // treats alarms it cannot read as unknown, which never verifies the restore.
    ctx.logger.warn(`could not resolve the guarded alarms for the restore's verification (${errorMessage(err)})`);
    alarms = [...new Set([...alarms, ...health.alarms])].sort();
  }
  // Only the judged metrics: the alarms' metrics that were only drawn have no say here either.
  const watched = judgedOnly(ctx.metrics?.watched ?? []);
  return {
    version: 1,
    deployStartedAt: now,
    bakeStartedAt: now,
    deadline: new Date(now + windowMs).toISOString(),
    bakeMs: windowMs,
    pollMs: Math.max(100, Math.round(health.pollSeconds * 1000)),
    alarms,
    baseline: {},
    ...(ctx.metrics && watched.length > 0 ? { metrics: { watched, baseline: ctx.metrics.baseline } } : {}),
  };
}
