/**
 * One run as the panel shows it: engine events in, a RunSnapshot (and the delta since the last
 * flush) out. No `vscode` import, so it is unit-tested in node.
 *
 * It is a reducer over the engine's typed events and nothing else: the status the panel shows is
 * the engine's status, never something read out of log text.
 *
 * It mutates in place rather than copying: a step printing 100,000 lines must cost O(lines),
 * not O(lines²). Everything it hands out (snapshot, delta) is a fresh array the caller may keep.
 */
import type { EngineEvent } from '../../core/events';
import type { HealthSection } from '../../core/health/recordedHealth';
import { isFinal, isOpenStatus, statusRow } from '../../core/deploymentStatus';
import { MetricCharts } from './metricCharts';
import type { DeploymentKind, DeploymentStatus } from '../../core/model';
import { TimelineCollector, type TimelineEntry } from '../../core/timeline/timeline';
import {
  EVENTS_WINDOW,
  LOG_WINDOW_LINES,
  type AlarmView,
  type ChangeView,
  type HealthView,
  type LogChunk,
  type LogStream,
  type RollbackView,
  type RunActions,
  type RunDelta,
  type RunHeader,
  type RunSnapshot,
  type StackEventView,
  type StepView,
  type VerdictView,
} from '../../shared/protocol';

/**
 * Health facts, in the panel's own words. The health watch's events (core/health/events.ts) map onto these
 * in `applyHealth`'s callers; keeping the panel's shape here means a renamed field there is a
 * one-line change in the adapter, not in the reducer or the webview.
 */
export type HealthInput =
  | { readonly type: 'watch-started'; readonly at: number; readonly endsAt: number; readonly alarms: readonly AlarmView[] }
  | { readonly type: 'alarm-changed'; readonly alarm: AlarmView }
  | { readonly type: 'verdict'; readonly verdict: VerdictView }
  | { readonly type: 'rollback'; readonly rollback: RollbackView };

/** What is known of a run before its first event (from the history record or the caller). */
export interface RunSeed {
  readonly deploymentId: string;
  readonly kind?: DeploymentKind;
  readonly environment?: string;
  readonly stack?: string;
  readonly region?: string;
  readonly account?: string;
  readonly status?: DeploymentStatus;
  readonly live: boolean;
}

/** The parts of a snapshot that changed since the last `takeDelta`. */
interface Dirty {
  header: boolean;
  steps: boolean;
  changes: boolean;
  health: boolean;
  logFile: boolean;
  metrics: boolean;
  timeline: boolean;
}

const NO_DIRT: Dirty = { header: false, steps: false, changes: false, health: false, logFile: false, metrics: false, timeline: false };

export class RunModel {
  private header: RunHeader;
  private steps: StepView[] = [];
  private changes: ChangeView[] = [];
  private health: HealthView | undefined;
  private logFile: string | undefined;
  /** The Health tab's charts; only the ones that changed travel in a delta. */
  private readonly charts = new MetricCharts();
  /** Built from this run's events as they come; replaced by the recorded one once the run is read back from history. */
  private readonly timelineLive: TimelineCollector;
  private timelineRecorded: TimelineEntry[] | undefined;

  /** Recent log chunks; trimmed to LOG_WINDOW_LINES lazily (at 125 %), so trimming is amortised O(1). */
  private log: LogChunk[] = [];
  private logLines = 0;
  private logTotal = 0;
  private readonly events: StackEventView[] = [];
  private readonly eventIds = new Set<string>();

  private dirty: Dirty = { ...NO_DIRT };
  private pendingLog: LogChunk[] = [];
  private pendingLines = 0;
  private pendingEvents: StackEventView[] = [];
  private revision = 0;

  constructor(seed: RunSeed) {
    this.header = {
      deploymentId: seed.deploymentId,
      kind: seed.kind ?? 'deploy',
      environment: seed.environment ?? '',
      stack: seed.stack ?? '',
      ...(seed.region !== undefined ? { region: seed.region } : {}),
      ...(seed.account !== undefined ? { account: seed.account } : {}),
      status: seed.status ?? 'queued',
      live: seed.live,
    };
    this.timelineLive = new TimelineCollector(seed.deploymentId);
  }

  /** The run's timeline: the recorded one when the run was read back from history, else the live one. */
  timeline(): TimelineEntry[] {
    return this.timelineRecorded ? [...this.timelineRecorded] : this.timelineLive.entries();
  }

  /** The timeline as read from the run's record (and its rollback's): it has what events of this run alone do not. */
  setTimeline(entries: readonly TimelineEntry[]): void {
    this.timelineRecorded = [...entries];
    this.touch('timeline');
  }

  /** Runs the timeline links to besides this one (its rollback): the only other runs the panel may open. */
  get linkedRuns(): readonly string[] {
    const ids = new Set(this.timeline().flatMap((e) => (e.link ? [e.link.deploymentId] : [])));
    ids.delete(this.deploymentId);
    return [...ids];
  }

  /** Logical ids of this run's resources that failed (the only ones the panel may open in the template). */
  get failedResources(): readonly string[] {
    return [...new Set(this.events.filter((e) => e.failed && e.status.endsWith('_FAILED')).map((e) => e.logicalId))];
  }

  get deploymentId(): string {
    return this.header.deploymentId;
  }

  get currentHeader(): RunHeader {
    return this.header;
  }

  /** The full log on disk, if known. */
  get logFilePath(): string | undefined {
    return this.logFile;
  }

  /** Names of the guarded alarms shown (the only ones the panel may open). */
  get alarmNames(): readonly string[] {
    return this.health?.alarms.map((a) => a.name) ?? [];
  }

  get status(): DeploymentStatus {
    return this.header.status;
  }

  /** Increases on every change; deltas say which revision they apply to. */
  get rev(): number {
    return this.revision;
  }

  /** Applies one engine event. Events for other deployments are ignored. */
  apply(event: EngineEvent): void {
    if (event.deploymentId !== this.header.deploymentId) return;
    if (this.timelineLive.apply(event) && !this.timelineRecorded) this.touch('timeline');
    const at = Date.parse(event.at);
    switch (event.type) {
      case 'deployment-started':
        this.setHeader({
          kind: event.kind,
          environment: event.environment,
          stack: event.stackName,
          region: event.region,
          account: event.account,
          commit: event.commit ? { ...this.header.commit, sha: event.commit, branch: event.branch } : this.header.commit,
          rollbackTargetId: event.rollbackTargetId,
          startedAt: this.header.startedAt ?? at,
        });
        if (this.steps.length === 0 && event.steps.length > 0) {
          this.steps = event.steps.map((name) => ({ name, status: 'pending' }));
          this.dirty.steps = true;
        }
        break;
      case 'deployment-status':
        this.setHeader({ status: event.status, reason: event.reason ?? this.header.reason });
        break;
      case 'deployment-finished':
        this.setHeader({ status: event.status, reason: event.reason ?? this.header.reason, finishedAt: at });
        this.finishOpenSteps(at);
        break;
      case 'step-started':
        this.setStep(event.index, { name: event.name, status: 'running', startedAt: at });
        break;
      case 'step-finished': {
        const startedAt = this.steps[event.index]?.startedAt ?? at - event.durationMs;
        this.setStep(event.index, {
          name: event.name,
          status: event.status,
          startedAt,
          finishedAt: startedAt + event.durationMs,
          ...(event.exitCode !== undefined ? { exitCode: event.exitCode } : {}),
        });
        break;
      }
      case 'log':
        this.appendLog(event.lines, event.stream === 'engine' ? 'system' : event.stream, event.stepIndex);
        break;
      case 'change-set-planned':
        this.changes = event.changes.map((c) => ({
          action: c.action,
          logicalId: c.logicalId,
          resourceType: c.resourceType,
          ...(c.replacement !== undefined ? { replacement: c.replacement } : {}),
        }));
        this.dirty.changes = true;
        break;
      case 'stack-event':
        this.addStackEvent({
          id: event.eventId,
          timestamp: Date.parse(event.timestamp),
          // A nested stack's resource is shown with the stacks it lives in: "orders-prod › Database › Table".
          logicalId: event.stackPath ? `${event.stackPath} › ${event.logicalId}` : event.logicalId,
          resourceType: event.resourceType,
          status: event.status,
          ...(event.reason !== undefined ? { reason: event.reason } : {}),
          failed: isFailedResourceStatus(event.status),
        });
        break;
      case 'stack-status':
        this.setHeader({ stackStatus: event.status });
        break;
      case 'notice':
        this.appendLog([`${event.level === 'info' ? 'ℹ' : '⚠'} ${event.message}`], 'system', undefined);
        break;
      case 'alarms-checked': {
        const already = new Set(event.alreadyInAlarm);
        this.patchHealth({
          alarms: event.alarms.map((a) => ({ name: a.name, state: a.state, preExisting: already.has(a.name) })),
          rollbackTriggers: event.rollbackTriggers,
        });
        break;
      }
      case 'watch-started': {
        const known = new Map((this.health?.alarms ?? []).map((a) => [a.name, a]));
        this.patchHealth({
          alarms: event.alarms.map((name) => known.get(name) ?? { name, state: 'UNREAD' }),
          bakeStartedAt: at,
          bakeEndsAt: Date.parse(event.deadline),
          policy: event.rollback,
        });
        break;
      }
      case 'alarm-changed': {
        const previous = this.health?.alarms.find((a) => a.name === event.alarm);
        this.applyHealth({
          type: 'alarm-changed',
          alarm: { ...previous, name: event.alarm, state: event.to, changedAt: Date.parse(event.changedAt), reason: event.reason },
        });
        break;
      }
      case 'watch-verdict':
        this.applyHealth({
          type: 'verdict',
          verdict: { kind: event.verdict, ...(event.alarm !== undefined ? { alarm: event.alarm } : {}), reason: event.reason, at },
        });
        break;
      case 'rollback-started':
        this.applyHealth({
          type: 'rollback',
          rollback: {
            phase: 'started',
            targetDeploymentId: event.targetId,
            ...(event.targetCommit !== undefined ? { targetCommit: event.targetCommit } : {}),
            ...(event.rollbackDeploymentId !== undefined ? { rollbackDeploymentId: event.rollbackDeploymentId } : {}),
            reason: event.reason,
            at,
            startedAt: at,
          },
        });
        break;
      case 'rollback-finished': {
        const started = this.health?.rollback;
        const phase = event.outcome === 'rolled-back' ? 'succeeded' : event.outcome === 'rollback-failed' ? 'failed' : 'skipped';
        const targetDeploymentId = event.targetId ?? started?.targetDeploymentId;
        const rollbackDeploymentId = event.rollbackDeploymentId ?? started?.rollbackDeploymentId;
        this.applyHealth({
          type: 'rollback',
          rollback: {
            ...started,
            phase,
            ...(targetDeploymentId !== undefined ? { targetDeploymentId } : {}),
            ...(rollbackDeploymentId !== undefined ? { rollbackDeploymentId } : {}),
            reason: event.reason,
            at,
          },
        });
        break;
      }
      // The restore's verification reads the same metrics for the version put back: its own
      // charts, never points added to the bake's (which judged the version that went out).
      case 'metric-points':
        if (event.phase === 'restore')
          this.charts.points(
            event.series.map((s) => ({ ...s, metric: restoredChartName(s.metric) })),
            {},
          );
        else this.charts.points(event.series, { start: this.health?.bakeStartedAt, end: this.health?.bakeEndsAt });
        this.touch('metrics');
        break;
      case 'metric-verdict':
        this.charts.verdict(event.phase === 'restore' ? { ...event, metric: restoredChartName(event.metric) } : event);
        this.touch('metrics');
        break;
      default:
        assertNever(event);
    }
  }

  applyHealth(input: HealthInput): void {
    const health: HealthView = this.health ?? { alarms: [] };
    switch (input.type) {
      case 'watch-started':
        this.health = { ...health, alarms: input.alarms, bakeStartedAt: input.at, bakeEndsAt: input.endsAt };
        break;
      case 'alarm-changed': {
        const others = health.alarms.filter((a) => a.name !== input.alarm.name);
        const index = health.alarms.findIndex((a) => a.name === input.alarm.name);
        const alarms = index < 0 ? [...others, input.alarm] : health.alarms.map((a, k) => (k === index ? input.alarm : a));
        this.health = { ...health, alarms };
        break;
      }
      case 'verdict':
        this.health = { ...health, verdict: input.verdict };
        break;
      case 'rollback':
        this.health = { ...health, rollback: input.rollback };
        break;
      default:
        assertNever(input);
    }
    this.touch('health');
  }

  /** The charts of a record's health section (a run the panel did not watch). */
  setMetricCharts(health: HealthSection): void {
    this.charts.fromRecord(health);
    if (this.charts.size > 0) this.touch('metrics');
  }

  private patchHealth(patch: Partial<HealthView>): void {
    this.health = { alarms: [], ...this.health, ...patch };
    this.touch('health');
  }

  /** Lines that were in the log before the panel saw the run (from the log file of a record). */
  seedLog(lines: readonly string[], total: number, file: string | undefined): void {
    this.log = [];
    this.logLines = 0;
    this.logTotal = Math.max(0, total - lines.length);
    this.appendLog(lines, 'stdout', undefined);
    this.setLogFile(file);
  }

  setLogFile(file: string | undefined): void {
    if (file === this.logFile) return;
    this.logFile = file;
    this.touch('logFile');
    this.touch('header'); // the Open Log File action depends on it
  }

  setSteps(steps: readonly StepView[]): void {
    this.steps = [...steps];
    this.touch('steps');
  }

  setChanges(changes: readonly ChangeView[]): void {
    this.changes = [...changes];
    this.touch('changes');
  }

  setCommitMessage(message: string): void {
    if (!this.header.commit) return;
    this.setHeader({ commit: { ...this.header.commit, message } });
  }

  /** Overwrites header fields (used to seed from a history record). */
  setHeader(patch: Partial<Omit<RunHeader, 'deploymentId'>>): void {
    this.header = { ...this.header, ...patch };
    this.touch('header');
  }

  addStackEvent(view: StackEventView): void {
    if (this.eventIds.has(view.id)) return; // the poller may see an event twice
    this.eventIds.add(view.id);
    this.events.push(view);
    this.pendingEvents.push(view);
    if (this.events.length > EVENTS_WINDOW) this.eventIds.delete(this.events.shift()!.id);
    this.revision++;
  }

  actions(): RunActions {
    const { status, kind, live, region, stack } = this.header;
    return {
      // A record left open (in doubt, live and not verified) has no run to cancel: its run ended.
      canCancel: live && !isFinal(status) && !isOpenStatus(status),
      // "Roll back this deployment": while it is watched, when it went unhealthy, or once stable.
      canRollback: kind === 'deploy' && statusRow(status).canRollBack,
      canOpenConsole: Boolean(region && stack),
      canOpenLogFile: this.logFile !== undefined,
      canOpenIncident: isFinal(status) && ['failed', 'rolled-back', 'needs-person'].includes(statusRow(status).outcome),
    };
  }

  snapshot(): RunSnapshot {
    return {
      header: this.header,
      actions: this.actions(),
      steps: [...this.steps],
      log: {
        chunks: windowOf(this.log, LOG_WINDOW_LINES),
        total: this.logTotal,
        ...(this.logFile !== undefined ? { file: this.logFile } : {}),
      },
      events: [...this.events],
      changes: [...this.changes],
      ...(this.health ? { health: this.health } : {}),
      ...(this.charts.size > 0 ? { metrics: this.charts.list() } : {}),
      timeline: this.timeline(),
    };
  }

  /** The first line of the log window the panel may show (older lines are only in the file). */
  get logStart(): number {
    const first = this.log[0]?.seq ?? this.logTotal;
    return Math.max(first, this.logTotal - LOG_WINDOW_LINES);
  }

  /** Lines [from, to) that are still in the window, as chunks (for the webview's `fetchLog`). */
  logRange(from: number, to: number): LogChunk[] {
    const lo = Math.max(from, this.logStart);
    const hi = Math.min(to, this.logTotal);
    if (hi <= lo) return [];
    // Chunks are contiguous and ordered by seq: find the first one that ends after `lo`.
    let left = 0;
    let right = this.log.length - 1;
    while (left < right) {
      const mid = (left + right) >> 1;
      const chunk = this.log[mid]!;
      if (chunk.seq + chunk.lines.length <= lo) left = mid + 1;
      else right = mid;
    }
    const out: LogChunk[] = [];
    for (let k = left; k < this.log.length; k++) {
      const chunk = this.log[k]!;
      if (chunk.seq >= hi) break;
      const a = Math.max(lo, chunk.seq) - chunk.seq;
      const b = Math.min(hi, chunk.seq + chunk.lines.length) - chunk.seq;
      out.push(a === 0 && b === chunk.lines.length ? chunk : { ...chunk, seq: chunk.seq + a, lines: chunk.lines.slice(a, b) });
    }
    return out;
  }

  /** Marks everything as sent (after a snapshot went out). */
  markSent(): void {
    this.dirty = { ...NO_DIRT };
    this.pendingLog = [];
    this.pendingLines = 0;
    this.pendingEvents = [];
    this.charts.clearChanged();
  }

  /** What changed since the last snapshot or delta; undefined when nothing did. */
  takeDelta(): RunDelta | undefined {
    const d = this.dirty;
    const hasLog = this.pendingLog.length > 0;
    const hasEvents = this.pendingEvents.length > 0;
    if (!d.header && !d.steps && !d.changes && !d.health && !d.logFile && !d.metrics && !d.timeline && !hasLog && !hasEvents)
      return undefined;
    const charts = d.metrics ? this.charts.takeChanged() : [];
    const delta: RunDelta = {
      ...(d.header ? { header: this.header, actions: this.actions() } : {}),
      ...(d.steps ? { steps: [...this.steps] } : {}),
      ...(d.changes ? { changes: [...this.changes] } : {}),
      ...(d.health && this.health ? { health: this.health } : {}),
      ...(d.logFile && this.logFile !== undefined ? { logFile: this.logFile } : {}),
      ...(hasLog ? { appendLog: windowOf(this.pendingLog, LOG_WINDOW_LINES), logTotal: this.logTotal } : {}),
      ...(hasEvents ? { appendEvents: this.pendingEvents } : {}),
      ...(charts.length > 0 ? { metrics: charts } : {}),
      ...(d.timeline ? { timeline: this.timeline() } : {}),
    };
    this.markSent();
    return delta;
  }

  private appendLog(lines: readonly string[], stream: LogStream, step: number | undefined): void {
    if (lines.length === 0) return;
    // One chunk per engine batch, shared by the window and the pending delta (never mutated).
    const chunk: LogChunk =
      step === undefined ? { seq: this.logTotal, stream, lines: [...lines] } : { seq: this.logTotal, stream, step, lines: [...lines] };
    this.logTotal += lines.length;
    this.log.push(chunk);
    this.logLines += lines.length;
    this.pendingLog.push(chunk);
    this.pendingLines += lines.length;
    if (this.logLines > LOG_WINDOW_LINES * 1.25) {
      this.log = windowOf(this.log, LOG_WINDOW_LINES);
      this.logLines = countLines(this.log);
    }
    if (this.pendingLines > LOG_WINDOW_LINES * 1.25) {
      this.pendingLog = windowOf(this.pendingLog, LOG_WINDOW_LINES);
      this.pendingLines = countLines(this.pendingLog);
    }
    this.revision++;
  }

  private setStep(index: number, step: StepView): void {
    if (!Number.isInteger(index) || index < 0 || index > 1000) return;
    while (this.steps.length <= index) this.steps.push({ name: `step ${this.steps.length + 1}`, status: 'pending' });
    this.steps[index] = step;
    this.touch('steps');
  }

  /** A run that ended mid-step (cancelled, crashed) must not show a step spinning forever. */
  private finishOpenSteps(at: number): void {
    if (!this.steps.some((s) => s.status === 'running')) return;
    this.steps = this.steps.map((s) => (s.status === 'running' ? { ...s, status: 'cancelled', finishedAt: at } : s));
    this.touch('steps');
  }

  private touch(part: keyof Dirty): void {
    this.dirty[part] = true;
    this.revision++;
  }
}

/** The newest `max` lines of `chunks` (the oldest chunk cut to fit), as a new array. */
export function windowOf(chunks: readonly LogChunk[], max: number): LogChunk[] {
  const out: LogChunk[] = [];
  let count = 0;
  for (let k = chunks.length - 1; k >= 0 && count < max; k--) {
    const chunk = chunks[k]!;
    const room = max - count;
    if (chunk.lines.length <= room) {
      out.push(chunk);
      count += chunk.lines.length;
    } else {
      const cut = chunk.lines.length - room;
      out.push({ ...chunk, seq: chunk.seq + cut, lines: chunk.lines.slice(cut) });
      count = max;
    }
  }
  return out.reverse();
}

export function countLines(chunks: readonly LogChunk[]): number {
  let count = 0;
  for (const chunk of chunks) count += chunk.lines.length;
  return count;
}

/** A resource status CloudFormation uses for a failure: CREATE_FAILED, UPDATE_FAILED, DELETE_FAILED… */
export function isFailedResourceStatus(status: string): boolean {
  return status.endsWith('_FAILED') || (status.includes('ROLLBACK') && status.endsWith('_IN_PROGRESS') && !status.includes('CLEANUP'));
}

function assertNever(value: never): void {
  void value; // a new event type the panel does not show yet: ignored, never a crash
}

/** The chart of a metric as the restore's verification reads it (after the rollback), beside the bake's. */
export function restoredChartName(metric: string): string {
  return `${metric} (after the rollback)`;
}
