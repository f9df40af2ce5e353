/**
 * The watch phase after a successful stack update (status `watching`):
 * bake the deployment under its guarded alarms, then promote it to `stable`, or hand an unhealthy
 * verdict to the rollback (src/core/rollback/afterUnhealthy.ts), or stop at `needs-attention`
 * when health could not be known.
 *
 * The watch's deadline and baseline are written to the record (`healthWatch`, atomically)
 * before the first poll, so a window reload or a killed CLI resumes the same watch, with the same
 * deadline, instead of starting a new bake or forgetting the baseline. A started rollback is
 * noted there too, and the engine's rollback record (fixed token, written before its first AWS
 * call) lets a resumed watch find it: it never starts a second one.
 */
import { AwsClients } from '../aws/clients';
import { errorMessage } from '../errors';
import type { DeploymentStatusEvent, EngineEvent } from '../events';
import type { DeploymentRecord } from '../history/record';
import type { StackHistory } from '../history/store';
import type { Logger } from '../logger';
import type { DeploymentStatus, ExitCode } from '../model';
import type { EnvironmentConfig, RollbackPolicy } from '../pipeline/types';
import { afterUnhealthy, rollbackTokenFor, type ConfirmRollback, type RestoreStable, type RollbackMark } from '../rollback/afterUnhealthy';
import { readStack } from '../rollback/stackSnapshot';
import type { Clock } from '../time';
import { cloudWatchAlarmSource, type AlarmSource } from './alarmSource';
import type { HealthPreflight } from './beforeDeploy';
import type { MetricPointsSeries, WatchPhase } from './events';
import { lazyCloudWatchMetricSource, type MetricSource } from './metricSource';
import { metricVerdictEvents } from './metricVerdictEvents';
import {
  baselineWindow,
  judgedOnly,
  metricReads,
  seriesOf,
  watchedMetrics,
  type JudgedMetric,
  type SeriesWindow,
  type TimeWindow,
  type WatchedMetric,
} from './metricWatch';
import type { Datapoint } from './metrics/samples';
import { resolveGuardedAlarms } from './resolve';
import {
  AlarmStates,
  recordedHealth,
  recordedMetrics,
  recordedRollback,
  type HealthSection,
  type RecordedChart,
  type RecordedRollback,
} from './recordedHealth';
import type { AlarmReading, AlarmState, FinalVerdict } from './types';
import { watchAlarms, type MetricWatchOptions } from './watcher';

export interface AfterDeployContext {
  /** The deployment being watched (status `watching`, its stack update complete). */
  readonly record: DeploymentRecord;
  readonly environment: EnvironmentConfig;
  /** Overrides health.bakeMs (the CLI's --bake). */
  readonly bakeMs?: number;
  readonly clients: AwsClients;
  readonly history: StackHistory;
  /** Every event but the status, which only the deployment's run sends (through showStatus). */
  readonly emit: (event: Exclude<EngineEvent, DeploymentStatusEvent>) => void;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  /** When the deployment started (epoch ms): alarms already in ALARM before it are not blamed on it. */
  readonly deploymentStartedAt: number;
  /**
   * Redeploys a stable record (the lock is already held by this deployment) with the request's
   * token, reason and signal; returns the new rollback record. Used for the automatic rollback.
   */
  readonly restore: RestoreStable;
  /**
   * Tells views of a phase the record does not keep (`unhealthy`, then `rolling-back`): the
   * deployment's run checks the transition and emits it, the record stays `watching`.
   */
  readonly showStatus: (status: DeploymentStatus, reason: string) => void;
  /**
   * The result of checkAlarmsBeforeDeploy (the baseline). Defaults to `record.healthPreflight`;
   * without either, the states read at the start of the watch are the baseline (logged as a warning).
   */
  readonly preflight?: HealthPreflight;
  /** `rollback: prompt`: asks a person (CLI on a TTY, the editor's notification). Absent = no one to ask. */
  readonly confirmRollback?: ConfirmRollback;
  /** Tests only: read alarms through this instead of the clients. */
  readonly alarmSource?: AlarmSource;
  /** Tests only: read metrics through this instead of the clients. */
  readonly metricSource?: MetricSource;
}

export type AfterDeployResult =
  /** The environment has no health config: the deployment is stable as soon as the stack is. */
  | { readonly outcome: 'no-watch' }
  /** The watch ended: `status` is the deployment's final status (stable, rolled-back, …). */
  | {
      readonly outcome: 'finished';
      readonly status: DeploymentStatus;
      readonly reason?: string;
      /** What to keep on the record (alarms, verdict, what was restored). */
      readonly health?: HealthSection;
      /**
       * The CLI exit code this outcome maps to, when it is not the usual one for `status`
       * (`rollback: prompt` with no terminal to ask: needs-attention, but exit 3, the exit code of an
       * unhealthy release).
       */
      readonly exitCode?: ExitCode;
    };

/** What is persisted on the record while watching (`record.healthWatch`). Plain JSON. */
export interface WatchCheckpoint {
  readonly version: 1;
  readonly deployStartedAt: number;
  readonly bakeStartedAt: number;
  /** ISO end of the bake. */
  readonly deadline: string;
  readonly bakeMs: number;
  readonly pollMs: number;
  readonly alarms: readonly string[];
  readonly baseline: Readonly<Record<string, AlarmState>>;
  readonly historySupported?: boolean;
  /** The guarded metrics and their baseline, read once when the watch began (a resumed watch does not read it again). */
  readonly metrics?: CheckpointMetrics;
  verdict?: FinalVerdict;
  rollback?: RollbackMark;
}

export interface CheckpointMetrics {
  readonly watched: readonly WatchedMetric[];
  /** The baseline window and each metric's datapoints in it, by key, as [epoch ms, value] pairs. */
  readonly baseline: TimeWindow & { readonly series: Readonly<Record<string, readonly (readonly [number, number])[]>> };
}

export async function watchAfterDeploy(ctx: AfterDeployContext): Promise<AfterDeployResult> {
  const health = ctx.environment.health;
  if (!health) return { outcome: 'no-watch' };
  const { record, logger } = ctx;
  // A rollback's own record is watched like any deploy, but never rolled back automatically.
  const policy: RollbackPolicy = record.kind === 'rollback' ? 'off' : health.rollback;
  const historyClients = new AwsClients(ctx.clients.target, { maxAttempts: 1, requestTimeoutMs: 3000 });
  try {
    const source =
      ctx.alarmSource ??
      cloudWatchAlarmSource({
        cloudWatch: await ctx.clients.cloudWatch(),
        historyClient: await historyClients.cloudWatch(),
        cloudFormation: await ctx.clients.cloudFormation(),
      });

    const metricSource = ctx.metricSource ?? lazyCloudWatchMetricSource(() => ctx.clients.cloudWatch());
    const found = record.healthWatch;
    const resumed = found !== undefined;
    const checkpoint = new CheckpointWrites(ctx, found ?? (await startCheckpoint(ctx, source, metricSource)));
    if (!resumed) await checkpoint.save();

    // The rollback target is read now, off the critical path between an ALARM and the rollback:
    // this deployment holds the stack's lock for the whole bake, so no Deploy Guard record of
    // this stack can appear meanwhile (and the compare-and-swap catches anyone else).
    const recordsAtStart = ctx.history.list();
    recordsAtStart.catch(() => undefined); // awaited below when needed
    const alarmStates = new AlarmStates(checkpoint.current.alarms, checkpoint.current.baseline);
    const charts = new ChartFeed(ctx, checkpoint.current.metrics);
    const known = checkpoint.current.verdict;
    const {
      verdict,
      at: verdictAt,
      metrics,
    } = known
      ? { verdict: known, at: ctx.clock.now(), metrics: undefined }
      : await bake(ctx, { checkpoint, source, metricSource, policy, alarmStates, resumed, charts });

    const finalVerdict = verdict;
    const { bakeStartedAt, deadline } = checkpoint.current;
    const recorded = (rollback?: RecordedRollback) => ({
      ...recordedHealth({
        alarms: alarmStates.list(),
        transitions: alarmStates.transitions(),
        bakeStartedAt,
        deadline,
        verdict: finalVerdict,
        verdictAt,
        ...(rollback ? { rollback } : {}),
      }),
      ...(metrics && metrics.length > 0 ? { metrics: recordedMetrics(metrics, charts.thresholds) } : {}),
      ...charts.recorded(),
    });
    switch (verdict.kind) {
      case 'healthy':
        await checkpoint.done();
        return { outcome: 'finished', status: 'stable', reason: verdict.reason, health: recorded() };
      case 'unknown':
        await checkpoint.done();
        return { outcome: 'finished', status: 'needs-attention', reason: `health unknown: ${verdict.reason}`, health: recorded() };
      case 'unhealthy': {
        // Views hear the lifecycle (`unhealthy → rolling-back`); the record keeps `watching` until the
        // final status, so a resumed run comes back here and the checkpoint decides what is left to do.
        ctx.showStatus('unhealthy', verdict.reason);
        const cloudFormation = await ctx.clients.cloudFormation();
        // Read the history and the stack at once: every millisecond here delays the rollback.
        const stackNow = readStack(cloudFormation, record.stackId ?? record.stackName, ctx.signal);
        stackNow.catch(() => undefined); // awaited (and its error handled) inside afterUnhealthy
        const { records } = await recordsAtStart;
        const alreadyStarted = checkpoint.current.rollback ?? startedRollback(records, record);
        const outcome = await afterUnhealthy({
          deployment: record,
          alarm: verdict.alarm,
          ...(verdict.metric !== undefined ? { metric: verdict.metric } : {}),
          reason: verdict.reason,
          policy,
          records,
          cloudFormation,
          stackNow,
          restore: ctx.restore,
          ...(ctx.confirmRollback ? { confirm: ctx.confirmRollback } : {}),
          ...(alreadyStarted ? { alreadyStarted } : {}),
          markStarted: async (mark) => {
            // At most one rollback survives a crash without waiting for this write: the engine
            // writes the rollback's own record (with this deployment's fixed token) durably before
            // its first AWS call, and a resumed watch finds it (startedRollback). So the mark is
            // written beside the rollback, not in front of it (detection latency).
            checkpoint.set({ rollback: mark });
            void checkpoint.save();
            ctx.showStatus('rolling-back', `restoring stable deployment ${mark.targetId}`);
          },
          emit: ctx.emit,
          verifying: () => ctx.showStatus('verifying-restore', 'watching the restored version under the guarded alarms'),
          logger,
          signal: ctx.signal,
        });
        await checkpoint.done();
        // Without a rollback (policy, no target, someone else's deploy) the verdict is written here.
        if (!checkpoint.current.rollback) await checkpoint.save();
        return {
          outcome: 'finished',
          status: outcome.status,
          reason: outcome.reason,
          exitCode: outcome.exitCode,
          health: recorded(recordedRollback(outcome, records, ctx.clock.now())),
        };
      }
    }
  } finally {
    historyClients.dispose();
  }
}

/**
 * The watch's checkpoint and its writes to the record: each write starts after the one before
 * (a late write never overwrites a newer checkpoint), and `done()` waits for all of them.
 */
class CheckpointWrites {
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: AfterDeployContext,
    private value: WatchCheckpoint,
  ) {}

  get current(): WatchCheckpoint {
    return this.value;
  }

  /** Changes the checkpoint in memory; the next save() writes it. */
  set(patch: Partial<Omit<WatchCheckpoint, 'version'>>): void {
    this.value = { ...this.value, ...patch };
  }

  /** Writes the checkpoint as it is now, after any write still under way. */
  save(): Promise<void> {
    const snapshot = this.value;
    this.writes = this.writes.then(() => persist(this.ctx, snapshot));
    return this.writes;
  }

  done(): Promise<void> {
    return this.writes;
  }
}

/** Bakes the deployment under its alarms until a verdict, telling views as it goes; returns the verdict and when it came. */
async function bake(
  ctx: AfterDeployContext,
  watch: {
    readonly checkpoint: CheckpointWrites;
    readonly source: AlarmSource;
    readonly metricSource: MetricSource;
    readonly policy: RollbackPolicy;
    readonly alarmStates: AlarmStates;
    readonly resumed: boolean;
    readonly charts: ChartFeed;
  },
): Promise<{ verdict: FinalVerdict; at: number; metrics: readonly JudgedMetric[] | undefined }> {
  const { record, logger } = ctx;
  const { checkpoint, alarmStates } = watch;
  const { bakeMs, alarms, deadline } = checkpoint.current;
  const judged = judgedOnly(checkpoint.current.metrics?.watched ?? []);
  ctx.emit({
    type: 'watch-started',
    deploymentId: record.id,
    at: iso(ctx.clock.now()),
    alarms,
    ...(judged.length > 0 ? { metrics: judged.map((m) => m.name) } : {}),
    bakeMs,
    pollSeconds: checkpoint.current.pollMs / 1000,
    deadline,
    rollback: watch.policy,
    resumed: watch.resumed,
  });
  if (watch.resumed) logger.info(`resuming the health watch of ${record.id}; the bake ends ${deadline}`);
  const result = await watchAlarms({
    source: watch.source,
    guarded: alarms,
    baseline: checkpoint.current.baseline,
    deployStartedAt: checkpoint.current.deployStartedAt,
    bakeStartedAt: checkpoint.current.bakeStartedAt,
    policy: { bakeMs, unknownLimitMs: bakeMs },
    pollMs: checkpoint.current.pollMs,
    logger,
    signal: ctx.signal,
    clock: ctx.clock,
    readHistory: checkpoint.current.historySupported !== false,
    onAlarmChanged: (c) => {
      alarmStates.changed(c);
      ctx.emit({
        type: 'alarm-changed',
        deploymentId: record.id,
        at: iso(ctx.clock.now()),
        alarm: c.name,
        ...(c.from !== undefined ? { from: c.from } : {}),
        to: c.to,
        changedAt: iso(c.at),
        source: c.source,
        ...(c.reason !== undefined ? { reason: c.reason } : {}),
      });
    },
    ...(checkpoint.current.metrics ? { metrics: metricOptions(ctx, checkpoint.current.metrics, watch.metricSource, watch.charts) } : {}),
    onHistoryUnsupported: (why) =>
      ctx.emit({
        type: 'notice',
        deploymentId: record.id,
        at: iso(ctx.clock.now()),
        level: 'info',
        code: 'alarm-history-unavailable',
        message: why,
      }),
  });
  const { verdict } = result;
  const at = ctx.clock.now();
  checkpoint.set({ verdict, historySupported: result.historySupported });
  // An unhealthy verdict is written together with the rollback's intent (one durable write
  // between the ALARM and the rollback, not two); other verdicts are written now, and the write
  // overlaps the rest (the caller awaits checkpoint.done() before anything else is written or returned).
  if (verdict.kind !== 'unhealthy') void checkpoint.save();
  ctx.emit({
    type: 'watch-verdict',
    deploymentId: record.id,
    at: iso(ctx.clock.now()),
    verdict: verdict.kind,
    // A metric regression blames no alarm: views offer "Open Alarm" only for a real one.
    ...(verdict.kind === 'unhealthy' && verdict.metric === undefined ? { alarm: verdict.alarm } : {}),
    ...(verdict.kind === 'unhealthy' && verdict.metric !== undefined ? { metric: verdict.metric } : {}),
    reason: verdict.reason,
    polls: result.polls,
  });
  return { verdict, at, metrics: result.metrics };
}

/** The watcher's metric options from the checkpoint: the baseline as read at the start, each read and the verdicts told to views. */
function metricOptions(ctx: AfterDeployContext, metrics: CheckpointMetrics, source: MetricSource, charts: ChartFeed): MetricWatchOptions {
  const points = new Map<string, Datapoint[]>();
  for (const m of metrics.watched)
    points.set(
      m.key,
      (metrics.baseline.series[m.key] ?? []).map(([at, value]) => ({ at, value })),
    );
  return {
    source,
    watched: metrics.watched,
    baseline: { window: { start: metrics.baseline.start, end: metrics.baseline.end }, points },
    onRead: (window, read) => charts.read(window, read),
    onJudged: (judged) => {
      const facts = { deploymentId: ctx.record.id, at: iso(ctx.clock.now()), thresholds: charts.thresholds };
      for (const event of metricVerdictEvents(judged, facts)) ctx.emit(event);
    },
  };
}

/** What a ChartFeed needs of its watch: where its events go, whose they are, and which watch it is. */
export interface ChartFeedContext {
  readonly record: { readonly id: string };
  readonly emit: (event: Exclude<EngineEvent, DeploymentStatusEvent>) => void;
  readonly clock: Clock;
  /** Absent for a bake; `restore` for a restore's verification window, so views can tell its points from the bake's. */
  readonly phase?: WatchPhase;
}

/**
 * The watched metrics' series as a watch reads them (the bake, or a restore's verification
 * window): each read told to views as `metric-points` (the baseline with the first, then only the
 * points from the last one sent on, so a live chart costs the message channel its new points, not
 * the whole series again), and the last read kept for the record's charts of metrics that are only
 * drawn.
 */
export class ChartFeed {
  /** Each watched metric's alarm threshold, by key. */
  readonly thresholds = new Map<string, number>();
  private readonly lastSent = new Map<string, number>();
  private readonly bake = new Map<string, SeriesWindow>();
  private baselineSent = false;

  constructor(
    private readonly ctx: ChartFeedContext,
    private readonly metrics: CheckpointMetrics | undefined,
  ) {
    for (const m of metrics?.watched ?? []) if (m.threshold !== undefined) this.thresholds.set(m.key, m.threshold);
  }

  read(window: TimeWindow, points: ReadonlyMap<string, readonly Datapoint[]>): void {
    const metrics = this.metrics;
    if (!metrics) return;
    const withBaseline = !this.baselineSent;
    this.baselineSent = true;
    const series = metrics.watched.map((m): MetricPointsSeries => {
      const all = seriesOf(points.get(m.key) ?? [], window);
      this.bake.set(m.key, all);
      const since = this.lastSent.get(m.key);
      const fresh = since === undefined ? all.points : all.points.filter(([at]) => at >= since);
      const last = all.points.at(-1);
      if (last) this.lastSent.set(m.key, last[0]);
      return {
        metric: m.name,
        ...(m.alarm !== undefined ? { alarm: m.alarm } : {}),
        bad: m.bad,
        ...(m.threshold !== undefined ? { threshold: m.threshold } : {}),
        judged: m.chartOnly !== true,
        ...(withBaseline
          ? { baseline: { start: metrics.baseline.start, end: metrics.baseline.end, points: metrics.baseline.series[m.key] ?? [] } }
          : {}),
        points: fresh,
      };
    });
    const phase = this.ctx.phase !== undefined ? { phase: this.ctx.phase } : {};
    this.ctx.emit({ type: 'metric-points', deploymentId: this.ctx.record.id, at: iso(this.ctx.clock.now()), series, ...phase });
  }

  /** The record's charts: the metrics only drawn, with their baseline and the bake as last read. */
  recorded(): { charts?: RecordedChart[] } {
    const charts = (this.metrics?.watched ?? []).flatMap((m): RecordedChart[] => {
      if (m.chartOnly !== true || m.alarm === undefined) return [];
      const baseline = {
        start: this.metrics!.baseline.start,
        end: this.metrics!.baseline.end,
        points: this.metrics!.baseline.series[m.key] ?? [],
      };
      const bake = this.bake.get(m.key);
      if (!bake) return [];
      return [
        { name: m.name, alarm: m.alarm, bad: m.bad, ...(m.threshold !== undefined ? { threshold: m.threshold } : {}), baseline, bake },
      ];
    });
    return charts.length > 0 ? { charts } : {};
  }
}

/**
 * The metrics a watch judges and their baseline, read once: one GetMetricData call (per 500
 * queries) for the whole baseline window. A baseline that cannot be read is left empty, and the
 * verdict on each metric is then unknown (fail closed), never a pass.
 */
async function startMetrics(
  ctx: AfterDeployContext,
  source: MetricSource,
  readings: readonly AlarmReading[],
  bake: { readonly bakeStartedAt: number; readonly bakeMs: number },
): Promise<CheckpointMetrics | undefined> {
  const health = ctx.environment.health!;
  const watched = watchedMetrics(health, readings);
  if (watched.length === 0) return undefined;
  const window = baselineWindow(health.compareWith ?? 'before', { deployStartedAt: ctx.deploymentStartedAt, ...bake });
  const series: Record<string, (readonly [number, number])[]> = {};
  try {
    const points = await source.read(metricReads(watched), window, ctx.signal);
    for (const m of watched) series[m.key] = seriesOf(points.get(m.key) ?? [], window).points.slice();
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    ctx.logger.warn(`could not read the guarded metrics' baseline (${errorMessage(err)}); their verdicts will be unknown`);
  }
  return { watched, baseline: { ...window, series } };
}

/** Reads the guarded alarms again at the start of the bake: the update may have added stack alarms. */
async function startCheckpoint(ctx: AfterDeployContext, source: AlarmSource, metricSource: MetricSource): Promise<WatchCheckpoint> {
  const health = ctx.environment.health!;
  const preflight = ctx.preflight ?? ctx.record.healthPreflight;
  const now = ctx.clock.now();
  const bakeMs = ctx.bakeMs ?? health.bakeMs;
  let alarms = preflight?.alarms ?? [];
  let baseline: Record<string, AlarmState> = { ...(preflight?.baseline ?? {}) };
  let readings: AlarmReading[] = [];
  try {
    const guarded = await resolveGuardedAlarms({ source, health, stackName: ctx.record.stackName, logger: ctx.logger, signal: ctx.signal });
    await reportGoneAlarms(ctx, source, alarms, guarded.names);
    alarms = [...new Set([...alarms, ...guarded.names])].sort();
    readings = [...guarded.readings.values()];
    if (!preflight) {
      ctx.logger.warn('no alarm baseline from before the deploy: alarms in ALARM now are treated as already firing and not blamed');
      baseline = { ...guarded.baseline };
    }
  } catch (err) {
    // The preflight already validated the configuration; an error now is a read error, and the
    // watch itself treats read errors as "not knowing" (fail closed), never as healthy.
    if (!preflight) throw err;
    ctx.logger.warn(
      `could not re-read the guarded alarms at the start of the bake (${errorMessage(err)}); watching the ones checked before the deploy`,
    );
  }
  const metrics = await startMetrics(ctx, metricSource, readings, { bakeStartedAt: now, bakeMs });
  return {
    version: 1,
    deployStartedAt: ctx.deploymentStartedAt,
    bakeStartedAt: now,
    deadline: iso(now + bakeMs),
    bakeMs,
    pollMs: Math.max(100, Math.round(health.pollSeconds * 1000)),
    alarms,
    baseline,
    ...(metrics ? { metrics } : {}),
  };
}

/**
 * Says which alarms that guarded the stack before the deploy are gone after it (a stack alarm the
 * deploy removed, or one deleted meanwhile). They stay guarded: an alarm that cannot be read leaves
 * the health unknown, so a person decides; this notice says why.
 */
async function reportGoneAlarms(
  ctx: AfterDeployContext,
  source: AlarmSource,
  before: readonly string[],
  after: readonly string[],
): Promise<void> {
  const dropped = before.filter((name) => !after.includes(name));
  if (dropped.length === 0) return;
  const found = await source.read(dropped, ctx.signal);
  for (const name of dropped.filter((n) => !found.has(n))) {
    ctx.emit({
      type: 'notice',
      deploymentId: ctx.record.id,
      at: iso(ctx.clock.now()),
      level: 'warning',
      code: 'guarded-alarm-gone',
      message: `alarm ${name} guarded stack ${ctx.record.stackName} before this deploy and is gone after it (the deploy removed it, or it was deleted): it cannot vouch for this deployment, so its health stays unknown until a person decides`,
    });
  }
}

/** A rollback of this deployment the engine already recorded (found by its fixed token). */
function startedRollback(records: readonly DeploymentRecord[], deployment: DeploymentRecord): RollbackMark | undefined {
  const token = rollbackTokenFor(deployment.id);
  const found = records.find((r) => r.kind === 'rollback' && r.clientRequestToken === token);
  return found?.rollbackTargetId ? { token, targetId: found.rollbackTargetId, startedAt: found.startedAt } : undefined;
}

/** Writes the checkpoint on the record atomically, before the next thing it protects happens. */
async function persist(ctx: AfterDeployContext, checkpoint: WatchCheckpoint): Promise<void> {
  ctx.record.healthWatch = checkpoint;
  await ctx.history.write(ctx.record);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
