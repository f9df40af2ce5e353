/**
 * One deployment on one time axis: its steps (one entry a step, however many lines it printed),
 * the change set, the stack events, the guarded alarms' transitions, the metric verdicts, the
 * verdict, the rollback and its verification. Pure and import-free at runtime but for the status
 * table, so the CLI, the run panel's host and the tests all build the same entries.
 *
 * Two sources, one shape: `TimelineCollector` folds the engine's events as they happen (the run
 * panel's live model); `timelineFromRecords` reads a finished deployment's record and the record
 * of the rollback that undid it. Every entry says which run and which of its details it comes from
 * (`link`), so a view can jump there.
 */
import { statusRow } from '../deploymentStatus';
import type { EngineEvent, PlannedChange, StackEventFacts } from '../events';
import type { WatchPhase } from '../health/events';
import type { AlarmState } from '../health/types';
import type { DeploymentRecord } from '../history/record';
import type { StepRecord, StepStatus } from '../model';

import type { TimelineEntry, TimelineKind, TimelineTone } from './timelineTypes';

export type { TimelineEntry, TimelineKind, TimelineLink, TimelineTone } from './timelineTypes';
export { TIMELINE_KINDS } from './timelineTypes';

/** A timeline keeps at most this many entries (the newest stack events go first when there are more). */
export const TIMELINE_MAX_ENTRIES = 2_000;

// ───────────────────────────── one entry per fact ─────────────────────────────

export function stepEntry(
  deploymentId: string,
  index: number,
  step: { readonly name: string; readonly status: StepStatus; readonly startedAt: number; readonly durationMs?: number },
  lines: number,
): TimelineEntry {
  const took = step.durationMs !== undefined ? ` in ${seconds(step.durationMs)}` : '';
  const printed = lines > 0 ? ` · ${lines} line${lines === 1 ? '' : 's'}` : '';
  return {
    id: `${deploymentId}:step:${index}`,
    at: step.startedAt,
    kind: 'step',
    tone:
      step.status === 'succeeded'
        ? 'good'
        : step.status === 'running' || step.status === 'pending' || step.status === 'skipped'
          ? 'neutral'
          : 'bad',
    title: `Step ${step.name} ${step.status}${took}`,
    ...(printed ? { detail: printed.slice(3) } : {}),
    link: { deploymentId, tab: 'log', ref: String(index) },
  };
}

export function changeSetEntry(deploymentId: string, at: number, changes: readonly PlannedChange[]): TimelineEntry {
  const replaces = changes.filter((c) => c.replacement === 'True');
  return {
    id: `${deploymentId}:change-set`,
    at,
    kind: 'change-set',
    tone: replaces.length > 0 ? 'warn' : 'neutral',
    title:
      changes.length === 0
        ? 'Change set: no resource changes'
        : `Change set: ${changes.length} resource change${changes.length === 1 ? '' : 's'}`,
    ...(changes.length > 0
      ? { detail: changes.map((c) => `${c.action} ${c.logicalId}${c.replacement === 'True' ? ' [REPLACE]' : ''}`).join(', ') }
      : {}),
    link: { deploymentId, tab: 'stack' },
  };
}

export function stackEventEntry(deploymentId: string, e: StackEventFacts): TimelineEntry {
  const failed = e.status.endsWith('_FAILED');
  return {
    id: `${deploymentId}:stack:${e.eventId}`,
    at: Date.parse(e.timestamp),
    kind: 'stack-event',
    tone: failed ? 'bad' : e.status.includes('ROLLBACK') ? 'warn' : e.status.endsWith('_COMPLETE') ? 'good' : 'neutral',
    title: `${e.logicalId} ${e.status}`,
    ...(e.reason ? { detail: e.reason } : {}),
    link: { deploymentId, tab: 'stack', ref: e.eventId },
  };
}

export function alarmEntry(
  deploymentId: string,
  change: { readonly alarm: string; readonly from?: AlarmState; readonly to: AlarmState; readonly at: number; readonly reason?: string },
  phase?: WatchPhase,
): TimelineEntry {
  return {
    id: `${deploymentId}:alarm:${change.alarm}:${change.at}:${change.to}`,
    at: change.at,
    kind: 'alarm',
    tone: change.to === 'ALARM' ? 'bad' : change.to === 'OK' ? 'good' : 'warn',
    title: `Alarm ${change.alarm} ${change.from ? `${change.from} → ` : ''}${change.to}${phase === 'restore' ? ' (verifying the restore)' : ''}`,
    ...(change.reason ? { detail: change.reason } : {}),
    link: { deploymentId, tab: 'health', ref: change.alarm },
  };
}

export function metricEntry(
  deploymentId: string,
  at: number,
  metric: { readonly name: string; readonly verdict: 'pass' | 'regressed' | 'improved' | 'unknown'; readonly reason: string },
): TimelineEntry {
  return {
    id: `${deploymentId}:metric:${metric.name}`,
    at,
    kind: 'metric',
    tone: metric.verdict === 'regressed' ? 'bad' : metric.verdict === 'unknown' ? 'warn' : 'good',
    title: `Metric ${metric.name}: ${metric.verdict}`,
    detail: metric.reason,
    link: { deploymentId, tab: 'health', ref: metric.name },
  };
}

export function verdictEntry(
  deploymentId: string,
  at: number,
  verdict: { readonly kind: 'healthy' | 'unhealthy' | 'unknown'; readonly reason: string; readonly blamed?: string },
  phase?: WatchPhase,
): TimelineEntry {
  const restore = phase === 'restore';
  const words = {
    healthy: restore ? 'restore verified' : 'healthy',
    unhealthy: restore ? 'restore still unhealthy' : 'unhealthy',
    unknown: 'health unknown',
  }[verdict.kind];
  return {
    id: `${deploymentId}:verdict:${phase ?? 'bake'}`,
    at,
    kind: restore ? 'verification' : 'verdict',
    tone: verdict.kind === 'healthy' ? 'good' : verdict.kind === 'unhealthy' ? 'bad' : 'warn',
    title: `Verdict: ${words}${verdict.blamed ? ` (${verdict.blamed})` : ''}`,
    detail: verdict.reason,
    link: { deploymentId, tab: 'health', ...(verdict.blamed ? { ref: verdict.blamed } : {}) },
  };
}

export function rollbackEntry(
  deploymentId: string,
  at: number,
  what: { readonly phase: 'started' | 'succeeded' | 'failed' | 'skipped'; readonly targetId?: string; readonly reason?: string },
  rollbackDeploymentId?: string,
): TimelineEntry {
  const target = what.targetId ? `deployment ${what.targetId}` : 'the last stable version';
  const title = {
    started: `Rollback started: restoring ${target}`,
    succeeded: `Rollback done: ${target} restored`,
    failed: `Rollback failed: ${target} not restored`,
    skipped: `Not rolled back (target ${target})`,
  }[what.phase];
  return {
    id: `${deploymentId}:rollback:${what.phase}`,
    at,
    kind: 'rollback',
    tone: what.phase === 'succeeded' ? 'good' : what.phase === 'started' ? 'warn' : 'bad',
    title,
    ...(what.reason ? { detail: what.reason } : {}),
    link: { deploymentId: rollbackDeploymentId ?? deploymentId, tab: rollbackDeploymentId ? 'stack' : 'health' },
  };
}

export function statusEntry(
  deploymentId: string,
  at: number,
  what: 'started' | 'finished' | 'verifying' | 'bake',
  words: string,
  tone: TimelineTone,
  detail?: string,
): TimelineEntry {
  return {
    id: `${deploymentId}:status:${what}`,
    at,
    kind: what === 'verifying' ? 'verification' : 'status',
    tone,
    title: words,
    ...(detail ? { detail } : {}),
    link: { deploymentId, tab: what === 'bake' || what === 'verifying' ? 'health' : 'log' },
  };
}

function finishedEntry(deploymentId: string, at: number, status: DeploymentRecord['status'], reason: string | undefined, kind: string) {
  const row = statusRow(status);
  const tone: TimelineTone = row.tone === 'good' ? 'good' : row.tone === 'bad' ? 'bad' : row.tone === 'warn' ? 'warn' : 'neutral';
  return statusEntry(deploymentId, at, 'finished', `${capital(kind)} ${row.words}`, tone, reason);
}

// ───────────────────────────── live: from the engine's events ─────────────────────────────

/**
 * Folds one run's engine events into its timeline. Entries are kept by id (a step's entry is
 * replaced as it runs and ends); `entries()` sorts them by time. `changed` tells whether the last
 * `apply` changed anything a view shows (log lines only count toward their step's entry, and are
 * shown when the step ends, so a chatty step does not resend the timeline).
 */
export class TimelineCollector {
  private readonly byId = new Map<string, TimelineEntry>();
  private readonly steps = new Map<number, { name: string; startedAt: number; lines: number }>();
  private kind = 'deploy';

  constructor(private readonly deploymentId: string) {}

  /** Applies one event; returns whether the timeline changed. */
  apply(event: EngineEvent): boolean {
    if (event.deploymentId !== this.deploymentId) return false;
    const id = this.deploymentId;
    const at = Date.parse(event.at);
    switch (event.type) {
      case 'deployment-started':
        this.kind = event.kind;
        return this.put(
          statusEntry(
            id,
            at,
            'started',
            `${capital(event.kind)} started${event.commit ? ` from ${event.commit.slice(0, 7)}` : ''}`,
            'neutral',
          ),
        );
      case 'deployment-status':
        if (event.status === 'verifying-restore')
          return this.put(statusEntry(id, at, 'verifying', 'Verifying the restore', 'neutral', event.reason));
        return false;
      case 'deployment-finished':
        return this.put(finishedEntry(id, at, event.status, event.reason, this.kind));
      case 'step-started':
        this.steps.set(event.index, { name: event.name, startedAt: at, lines: 0 });
        return this.put(stepEntry(id, event.index, { name: event.name, status: 'running', startedAt: at }, 0));
      case 'step-finished': {
        const step = this.steps.get(event.index) ?? { name: event.name, startedAt: at - event.durationMs, lines: 0 };
        return this.put(
          stepEntry(
            id,
            event.index,
            { name: event.name, status: event.status, startedAt: step.startedAt, durationMs: event.durationMs },
            step.lines,
          ),
        );
      }
      case 'log': {
        const step = event.stepIndex !== undefined ? this.steps.get(event.stepIndex) : undefined;
        if (step) step.lines += event.lines.length;
        return false;
      }
      case 'change-set-planned':
        return this.put(changeSetEntry(id, at, event.changes));
      case 'stack-event':
        return this.put(stackEventEntry(id, event));
      case 'alarms-checked':
        if (event.alreadyInAlarm.length === 0) return false;
        return this.put({
          id: `${id}:already-in-alarm`,
          at,
          kind: 'alarm',
          tone: 'warn',
          title: `Already in ALARM before the deploy: ${event.alreadyInAlarm.join(', ')}`,
          detail: 'reported, never blamed on this deployment',
          link: { deploymentId: id, tab: 'health' },
        });
      case 'watch-started':
        if (event.phase === 'restore') return false;
        return this.put(
          statusEntry(
            id,
            at,
            'bake',
            `Bake started: ${seconds(event.bakeMs)} under ${event.alarms.length} alarm${event.alarms.length === 1 ? '' : 's'}`,
            'neutral',
          ),
        );
      case 'alarm-changed':
        return this.put(
          alarmEntry(
            id,
            {
              alarm: event.alarm,
              ...(event.from ? { from: event.from } : {}),
              to: event.to,
              at: Date.parse(event.changedAt),
              ...(event.reason ? { reason: event.reason } : {}),
            },
            event.phase,
          ),
        );
      case 'metric-verdict':
        return this.put(metricEntry(id, at, { name: event.metric, verdict: event.verdict, reason: event.reason }));
      case 'watch-verdict':
        return this.put(
          verdictEntry(id, at, { kind: event.verdict, reason: event.reason, ...blamed(event.alarm ?? event.metric) }, event.phase),
        );
      case 'rollback-started':
        return this.put(
          rollbackEntry(id, at, { phase: 'started', targetId: event.targetId, reason: event.reason }, event.rollbackDeploymentId),
        );
      case 'rollback-finished': {
        const phase = event.outcome === 'rolled-back' ? 'succeeded' : event.outcome === 'rollback-failed' ? 'failed' : 'skipped';
        return this.put(
          rollbackEntry(
            id,
            at,
            { phase, ...(event.targetId ? { targetId: event.targetId } : {}), reason: event.reason },
            event.rollbackDeploymentId,
          ),
        );
      }
      // Raw points are the Health tab's charts; the timeline has their verdict.
      case 'metric-points':
      case 'stack-status':
      case 'notice':
        return false;
    }
  }

  entries(): TimelineEntry[] {
    return ordered([...this.byId.values()]);
  }

  private put(entry: TimelineEntry): boolean {
    if (!Number.isFinite(entry.at)) return false;
    this.byId.set(entry.id, entry);
    return true;
  }
}

// ───────────────────────────── from history ─────────────────────────────

/**
 * A finished (or interrupted) deployment's timeline from its record, and from the record of the
 * rollback that restored it when there was one (its start, its stack events, the time the
 * restored version was back, and its verification window), on the same axis.
 */
export function timelineFromRecords(record: DeploymentRecord, rollback?: DeploymentRecord): TimelineEntry[] {
  const entries = [...recordEntries(record)];
  if (rollback) {
    for (const entry of recordEntries(rollback)) {
      // The rollback's own start and end say what the undone deployment's rollback entries say already.
      if (entry.kind === 'status' && entry.id.endsWith(':status:started')) continue;
      entries.push(entry);
    }
    if (rollback.restoredAt) {
      entries.push({
        id: `${rollback.id}:restored`,
        at: Date.parse(rollback.restoredAt),
        kind: 'rollback',
        tone: 'good',
        title: `Restored version back on the stack (deployment ${rollback.rollbackTargetId ?? '?'})`,
        link: { deploymentId: rollback.id, tab: 'stack' },
      });
    }
  }
  return ordered(entries.filter((e) => Number.isFinite(e.at)));
}

function* recordEntries(record: DeploymentRecord): Generator<TimelineEntry> {
  const id = record.id;
  const started = Date.parse(record.startedAt);
  yield statusEntry(
    id,
    started,
    'started',
    `${capital(record.kind)} started${record.commit ? ` from ${record.commit.slice(0, 7)}` : ''}`,
    'neutral',
  );
  yield* stepEntries(id, record.steps);
  if (record.changes) {
    // The change set is planned before the first stack event; the record keeps no time of its own for it.
    const firstEvent = stackEventsOf(record)[0];
    const stepsEnd = Math.max(started, ...record.steps.map((s) => Date.parse(s.finishedAt ?? '')).filter(Number.isFinite));
    yield changeSetEntry(
      id,
      firstEvent ? Math.min(Date.parse(firstEvent.timestamp) - 1, Math.max(stepsEnd, started)) : stepsEnd,
      record.changes,
    );
  }
  for (const e of stackEventsOf(record)) yield stackEventEntry(id, e);
  const preflight = record.healthPreflight;
  if (preflight && preflight.alreadyInAlarm.length > 0) {
    yield {
      id: `${id}:already-in-alarm`,
      at: preflight.checkedAt,
      kind: 'alarm',
      tone: 'warn',
      title: `Already in ALARM before the deploy: ${preflight.alreadyInAlarm.join(', ')}`,
      detail: 'reported, never blamed on this deployment',
      link: { deploymentId: id, tab: 'health' },
    };
  }
  const restore = record.kind === 'rollback';
  const phase: WatchPhase | undefined = restore ? 'restore' : undefined;
  const health = record.health;
  if (health?.bakeStartedAt !== undefined) {
    if (restore) yield statusEntry(id, health.bakeStartedAt, 'verifying', 'Verifying the restore', 'neutral');
    else
      yield statusEntry(
        id,
        health.bakeStartedAt,
        'bake',
        `Bake started under ${health.alarms.length} alarm${health.alarms.length === 1 ? '' : 's'}`,
        'neutral',
      );
  }
  if (health?.transitions) {
    for (const t of health.transitions) yield alarmEntry(id, t, phase);
  } else if (health) {
    // Written before transitions were kept: the last change of each alarm is all there is.
    for (const a of health.alarms) {
      if (a.changedAt !== undefined)
        yield alarmEntry(id, { alarm: a.name, to: a.state, at: a.changedAt, ...(a.reason ? { reason: a.reason } : {}) }, phase);
    }
  }
  const decidedAt = health?.verdict.at ?? health?.bakeEndsAt;
  for (const m of health?.metrics ?? []) yield metricEntry(id, decidedAt ?? m.bake.end, m);
  if (health && decidedAt !== undefined) {
    const metric = health.metrics?.find(
      (m) => m.verdict === 'regressed' && health.verdict.kind === 'unhealthy' && health.verdict.alarm === m.name,
    );
    yield verdictEntry(
      id,
      decidedAt,
      { kind: health.verdict.kind, reason: health.verdict.reason, ...blamed(metric?.name ?? health.verdict.alarm) },
      phase,
    );
  }
  const mark = record.healthWatch?.rollback;
  const recorded = health?.rollback;
  if (mark)
    yield rollbackEntry(id, Date.parse(mark.startedAt), { phase: 'started', targetId: mark.targetId }, recorded?.rollbackDeploymentId);
  if (recorded && recorded.at !== undefined) {
    yield rollbackEntry(
      id,
      recorded.at,
      { phase: recorded.phase, targetId: recorded.targetDeploymentId, ...(recorded.reason ? { reason: recorded.reason } : {}) },
      recorded.rollbackDeploymentId,
    );
  }
  if (record.finishedAt) yield finishedEntry(id, Date.parse(record.finishedAt), record.status, record.reason, record.kind);
}

function* stepEntries(deploymentId: string, steps: readonly StepRecord[]): Generator<TimelineEntry> {
  for (const [index, step] of steps.entries()) {
    const startedAt = Date.parse(step.startedAt ?? '');
    if (!Number.isFinite(startedAt)) continue; // never ran
    const finishedAt = Date.parse(step.finishedAt ?? '');
    yield stepEntry(
      deploymentId,
      index,
      { name: step.name, status: step.status, startedAt, ...(Number.isFinite(finishedAt) ? { durationMs: finishedAt - startedAt } : {}) },
      0,
    );
  }
}

// ───────────────────────────── helpers ─────────────────────────────

/**
 * The record's stack events that are stack events: the history store does not check this list,
 * and a record written by another version may hold anything there.
 */
export function stackEventsOf(record: DeploymentRecord): StackEventFacts[] {
  const events: unknown = record.stackEvents;
  if (!Array.isArray(events)) return [];
  return events.filter(
    (e: unknown): e is StackEventFacts =>
      typeof e === 'object' &&
      e !== null &&
      typeof (e as StackEventFacts).eventId === 'string' &&
      typeof (e as StackEventFacts).logicalId === 'string' &&
      typeof (e as StackEventFacts).status === 'string' &&
      typeof (e as StackEventFacts).timestamp === 'string',
  );
}

/**
 * By time; at the same millisecond in the order a deployment moves (a verdict before the
 * rollback it starts). Bounded: beyond TIMELINE_MAX_ENTRIES the oldest stack events go first,
 * never a verdict, an alarm or a rollback.
 */
function ordered(entries: TimelineEntry[]): TimelineEntry[] {
  const rank = (e: TimelineEntry) => (e.kind === 'status' && e.id.endsWith(':status:finished') ? 1 : 0);
  const sorted = entries.sort((a, b) => a.at - b.at || rank(a) - rank(b) || KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
  let excess = sorted.length - TIMELINE_MAX_ENTRIES;
  if (excess <= 0) return sorted;
  return sorted.filter((e) => !(e.kind === 'stack-event' && excess-- > 0));
}

const KIND_ORDER: Record<TimelineKind, number> = {
  status: 0,
  step: 1,
  'change-set': 2,
  'stack-event': 3,
  alarm: 4,
  metric: 5,
  verdict: 6,
  rollback: 7,
  verification: 8,
};

function blamed(name: string | undefined): { blamed?: string } {
  return name ? { blamed: name } : {};
}

function capital(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function seconds(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}
