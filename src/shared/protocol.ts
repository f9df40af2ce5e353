/**
 * The one message protocol between the run panel's host (src/extension/runPanel) and its
 * webview (src/webview). Both bundles import it, neither imports the other.
 *
 * Flow: the webview says `ready`; the host answers with a full `snapshot`; then it sends
 * batched `delta`s (at most 10 a second). Deltas carry `baseRev`: a webview whose revision
 * differs (it was hidden and missed messages, or it just reloaded) asks for a new snapshot
 * instead of applying a delta to the wrong base.
 *
 * Everything the panel shows comes from here — from the engine's state — and never from log
 * text: a step that prints "Deploy succeeded" changes nothing but the log.
 */
import type { DeploymentKind, DeploymentStatus, StepStatus } from '../core/model';
import type { TimelineEntry } from '../core/timeline/timelineTypes';
import type { PackedLog } from './logWire';

// ───────────────────────────── the run as the panel sees it ─────────────────────────────

export interface CommitView {
  readonly sha: string;
  readonly message?: string;
  /** Undefined when the run's source does not say (a newer commit replaces the older one's branch). */
  readonly branch?: string | undefined;
  readonly dirty?: boolean | undefined;
}

export interface StepView {
  readonly name: string;
  readonly status: StepStatus;
  /** Epoch milliseconds. */
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly exitCode?: number;
}

export type LogStream = 'stdout' | 'stderr' | 'system';

/**
 * Consecutive lines of output from one stream (and step), already masked by the engine, still
 * raw otherwise: they may carry ANSI escapes and hostile text. The webview sanitises each line
 * (src/webview/ansi.ts) and renders it through text nodes only.
 *
 * Lines travel in chunks, not one object per line: a step printing 100,000 lines then costs the
 * extension host, the message channel and the webview a few hundred small objects, not 100,000.
 */
export interface LogChunk {
  /** Position of `lines[0]` in the run's whole log, from 0; chunks are contiguous. */
  readonly seq: number;
  readonly stream: LogStream;
  /** Index into `steps`, when the lines belong to a step. */
  readonly step?: number;
  readonly lines: readonly string[];
}

export interface LogView {
  /** The most recent lines (a bounded window of LOG_WINDOW_LINES), oldest first. */
  readonly chunks: readonly LogChunk[];
  /** Lines the run has produced in total; the ones before the window are only in the file. */
  readonly total: number;
  /** The full log on disk, when the engine keeps one ("Open Full Log File"). */
  readonly file?: string;
}

export interface StackEventView {
  readonly id: string;
  /** Epoch milliseconds. */
  readonly timestamp: number;
  readonly logicalId: string;
  readonly resourceType: string;
  readonly status: string;
  readonly reason?: string;
  /** Decided by the engine/reducer from the status code (…_FAILED), not from the reason text. */
  readonly failed: boolean;
}

export type ChangeAction = 'Add' | 'Modify' | 'Remove' | 'Import' | 'Dynamic';

export interface ChangeView {
  readonly action: ChangeAction | string;
  readonly logicalId: string;
  readonly resourceType: string;
  /** "True" | "False" | "Conditional" as CloudFormation says; True is shown loudly. */
  readonly replacement?: string;
}

/** CloudWatch's states; MISSING: no longer returned by CloudWatch; UNREAD: not polled yet. */
export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA' | 'MISSING' | 'UNREAD';

export interface AlarmView {
  readonly name: string;
  readonly state: AlarmStateValue;
  /** Epoch milliseconds of the last state change we know of. */
  readonly changedAt?: number;
  /** It was already in ALARM before this deploy began: reported, not blamed. */
  readonly preExisting?: boolean;
  /** Undefined when the newest change gave none (the previous state's reason no longer applies). */
  readonly reason?: string | undefined;
}

export type VerdictKind = 'healthy' | 'unhealthy' | 'unknown';

export interface VerdictView {
  readonly kind: VerdictKind;
  readonly alarm?: string;
  readonly reason?: string;
  readonly at?: number;
}

/** `skipped`: the watch decided not to roll back (policy off, declined, no stable target…). */
export type RollbackPhase = 'started' | 'succeeded' | 'failed' | 'skipped';

export interface RollbackView {
  readonly phase: RollbackPhase;
  /** The stable deployment that was (being) restored. */
  readonly targetDeploymentId?: string;
  readonly targetCommit?: string;
  /** The rollback's own deployment record (its stack events are on that run). */
  readonly rollbackDeploymentId?: string;
  readonly reason?: string;
  readonly at?: number;
  /** Epoch ms the rollback began (its chart marks the rollback and verification from here to `at`). */
  readonly startedAt?: number;
}

/** A window of a metric's series: [epoch ms, value] pairs, oldest first, at most METRIC_CHART_POINTS. */
export interface SeriesView {
  /** Epoch ms, inclusive. */
  readonly start: number;
  /** Epoch ms, exclusive. */
  readonly end: number;
  readonly points: readonly (readonly [number, number])[];
}

/** A metric's verdict with its numbers, for the chart's caption and its text for screen readers. */
export interface MetricVerdictView {
  readonly kind: 'pass' | 'regressed' | 'improved' | 'unknown';
  /** "Latency Average rose 38 % (98 % CI +22 % … +51 %), allowed +10 %". */
  readonly reason: string;
  readonly relativeChange: number | null;
  readonly baselineMedian?: number;
  readonly bakeMedian?: number;
}

/**
 * One chart of the Health tab: a guarded metric (or the metric behind a guarded alarm), its
 * baseline and bake series, the alarm's threshold and, once judged, its verdict. `name` is unique
 * in a run and names the chart in deltas.
 */
export interface MetricChartView {
  readonly name: string;
  readonly alarm?: string;
  readonly bad: 'increase' | 'decrease';
  readonly threshold?: number;
  /** False for an alarm's metric that is only drawn (the alarm alone decides). */
  readonly judged: boolean;
  readonly verdict?: MetricVerdictView;
  /** Absent until the first read arrives. */
  readonly baseline?: SeriesView;
  readonly bake: SeriesView;
}

/** Points a chart keeps of each series: a day of minute points. */
export const METRIC_CHART_POINTS = 1440;

export interface HealthView {
  readonly alarms: readonly AlarmView[];
  /** Alarms also handed to CloudFormation as rollback triggers during the update (at most 5). */
  readonly rollbackTriggers?: readonly string[];
  readonly policy?: 'auto' | 'prompt' | 'off';
  readonly bakeStartedAt?: number;
  readonly bakeEndsAt?: number;
  readonly verdict?: VerdictView;
  readonly rollback?: RollbackView;
}

export interface RunHeader {
  readonly deploymentId: string;
  readonly kind: DeploymentKind;
  readonly environment: string;
  readonly stack: string;
  readonly region?: string;
  readonly account?: string;
  // Header fields are set by patches (RunModel.setHeader); a patch's undefined clears what it names.
  readonly commit?: CommitView | undefined;
  readonly status: DeploymentStatus;
  readonly reason?: string | undefined;
  /** The stack's own CloudFormation status as last seen (UPDATE_IN_PROGRESS…). */
  readonly stackStatus?: string | undefined;
  /** For a rollback: the stable deployment it restores. */
  readonly rollbackTargetId?: string | undefined;
  readonly startedAt?: number | undefined;
  readonly finishedAt?: number | undefined;
  /** False when the panel shows a recorded history entry rather than a run it is watching. */
  readonly live: boolean;
  /** For a stable record: how it was verified, in the words the tree and the CLI use. */
  readonly verified?: VerifiedView;
  /** The stack's outputs after the run (masked), from its record. */
  readonly outputs?: Readonly<Record<string, string>> | undefined;
}

export interface VerifiedView {
  /** `alarms` and `restored` were verified; `unguarded` and `as-found` never were. */
  readonly kind: 'alarms' | 'restored' | 'unguarded' | 'as-found';
  /** e.g. "stable · verified by 2 alarms", "deployed, not verified", "as found (never verified)". */
  readonly words: string;
}

/** Which header buttons make sense right now (decided by the host from the engine's state). */
export interface RunActions {
  readonly canCancel: boolean;
  readonly canRollback: boolean;
  readonly canOpenConsole: boolean;
  readonly canOpenLogFile: boolean;
  /** The run ended badly: its incident note can be opened and copied. */
  readonly canOpenIncident?: boolean;
}

export interface RunSnapshot {
  readonly header: RunHeader;
  readonly actions: RunActions;
  readonly steps: readonly StepView[];
  readonly log: LogView;
  readonly events: readonly StackEventView[];
  readonly changes: readonly ChangeView[];
  readonly health?: HealthView;
  /** The Health tab's charts; absent when no metric was read. */
  readonly metrics?: readonly MetricChartView[];
  /** The run on one time axis (src/core/timeline/timeline.ts), oldest first. */
  readonly timeline?: readonly TimelineEntry[];
}

/** The panel keeps this many recent lines; the rest are in the log file. */
export const LOG_WINDOW_LINES = 100_000;
/**
 * A snapshot or delta carries at most this many of its newest lines: more than a screen, so a
 * panel following the tail always has what it shows. The rest of the window is fetched by the
 * webview (`fetchLog`) when it scrolls there, filters, or is idle. So what crosses VS Code's
 * message channel while a step prints does not grow with the output (README, panel benchmark).
 */
export const LOG_TAIL_LINES = 1_000;
/** Lines one `fetchLog` may ask for. */
export const LOG_FETCH_MAX_LINES = 20_000;
/** Stack events kept per run (an operation has far fewer; this bounds a runaway). */
export const EVENTS_WINDOW = 5_000;
/** Deltas are flushed at most this often: ≤ 10 messages a second. */
export const FLUSH_INTERVAL_MS = 100;

// ───────────────────────────── host → webview ─────────────────────────────

/**
 * What changed since the previous message. Small sections are replaced whole (simple and
 * always consistent); the log and stack events, which grow, are appended.
 */
export interface RunDelta {
  readonly header?: RunHeader;
  readonly actions?: RunActions;
  readonly steps?: readonly StepView[];
  readonly appendLog?: readonly LogChunk[];
  readonly logTotal?: number;
  readonly logFile?: string;
  readonly appendEvents?: readonly StackEventView[];
  readonly changes?: readonly ChangeView[];
  readonly health?: HealthView;
  /** The charts whose series or verdict changed, each whole (replacing the one of the same name). */
  readonly metrics?: readonly MetricChartView[];
  /** The whole timeline, replaced (it is bounded, and entries change as steps end). */
  readonly timeline?: readonly TimelineEntry[];
}

/**
 * A snapshot as posted: the newest LOG_TAIL_LINES of its log window, packed into one byte array
 * (src/shared/logWire.ts); `start` is the first line of the window (older ones are only in the
 * file), so the webview knows which lines it may fetch.
 */
export interface WireSnapshot extends Omit<RunSnapshot, 'log'> {
  readonly log: { readonly packed: PackedLog; readonly start: number; readonly total: number; readonly file?: string };
}

/** A delta as posted: the newest LOG_TAIL_LINES of its new lines, packed; `logStart` as above. */
export interface WireDelta extends Omit<RunDelta, 'appendLog'> {
  readonly appendLog?: PackedLog;
  readonly logStart?: number;
}

export type HostToWebview =
  | { readonly type: 'snapshot'; readonly rev: number; readonly snapshot: WireSnapshot }
  | { readonly type: 'delta'; readonly baseRev: number; readonly rev: number; readonly delta: WireDelta }
  /** The answer to `fetchLog`: the lines of the asked range still in the window (maybe none). */
  | { readonly type: 'logLines'; readonly packed: PackedLog; readonly start: number }
  /** The run could not be found (e.g. a restored panel whose record is gone). */
  | { readonly type: 'missing'; readonly deploymentId: string; readonly message: string };

// ───────────────────────────── webview → host ─────────────────────────────

/**
 * Untrusted: a webview is a web page. The host accepts only these shapes (isWebviewMessage),
 * and never takes the deployment id from the message: a panel acts on its own run only.
 */
export type WebviewToHost =
  | { readonly type: 'ready' }
  | { readonly type: 'requestSnapshot' }
  | { readonly type: 'cancel' }
  | { readonly type: 'rollback' }
  | { readonly type: 'openConsole' }
  | { readonly type: 'openLogFile' }
  | { readonly type: 'openAlarm'; readonly alarm: string }
  | { readonly type: 'openIncidentNote' }
  | { readonly type: 'copyIncidentNote' }
  /** Opens the template at a resource of this run that failed (the host checks it is one). */
  | { readonly type: 'openInTemplate'; readonly logicalId: string }
  /** Opens another run this run's timeline links to (its rollback; the host checks it is one). */
  | { readonly type: 'openRun'; readonly deploymentId: string }
  /** Flow control: the webview applied the snapshot or delta of this revision (FlushScheduler). */
  | { readonly type: 'applied'; readonly rev: number }
  /** Log lines [from, to) of the window, which the webview has not got (at most LOG_FETCH_MAX_LINES). */
  | { readonly type: 'fetchLog'; readonly from: number; readonly to: number };

const NO_PAYLOAD = new Set([
  'ready',
  'requestSnapshot',
  'cancel',
  'rollback',
  'openConsole',
  'openLogFile',
  'openIncidentNote',
  'copyIncidentNote',
]);
/** CloudWatch alarm names are at most 255 characters. */
const MAX_ALARM_NAME = 255;

/** Accepts exactly the shapes of WebviewToHost: no extra keys, bounded strings. */
export function isWebviewMessage(value: unknown): value is WebviewToHost {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  const type = record.type;
  if (typeof type !== 'string') return false;
  if (NO_PAYLOAD.has(type)) return keys.length === 1;
  if (type === 'applied') {
    const rev = record.rev;
    return keys.length === 2 && typeof rev === 'number' && Number.isSafeInteger(rev) && rev >= 0;
  }
  if (type === 'fetchLog') {
    const { from, to } = record;
    return (
      keys.length === 3 &&
      typeof from === 'number' &&
      typeof to === 'number' &&
      Number.isSafeInteger(from) &&
      Number.isSafeInteger(to) &&
      from >= 0 &&
      to > from &&
      to - from <= LOG_FETCH_MAX_LINES
    );
  }
  if (type === 'openInTemplate') {
    // CloudFormation logical ids are alphanumeric, at most 255 characters.
    const logicalId = record.logicalId;
    return keys.length === 2 && typeof logicalId === 'string' && /^[A-Za-z0-9]{1,255}$/.test(logicalId);
  }
  if (type === 'openRun') {
    const deploymentId = record.deploymentId;
    return keys.length === 2 && typeof deploymentId === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(deploymentId);
  }
  if (type === 'openAlarm') {
    const alarm = record.alarm;
    return (
      keys.length === 2 &&
      typeof alarm === 'string' &&
      alarm.length > 0 &&
      alarm.length <= MAX_ALARM_NAME &&
      // eslint-disable-next-line no-control-regex
      !/[\u0000-\u001f\u007f]/.test(alarm)
    );
  }
  return false;
}

/** What the webview persists with setState, so a reload restores the same run and view. */
export interface PanelUiState {
  readonly deploymentId: string;
  // Read back from untrusted persisted state: undefined where a value was missing or not valid.
  readonly filter?: string | undefined;
  readonly follow?: boolean | undefined;
  readonly tab?: string | undefined;
  /** Timeline kinds the user filtered out. */
  readonly hiddenKinds?: readonly string[] | undefined;
}

/** Validates persisted state handed back by VS Code on restore (also untrusted). */
export function readPanelUiState(value: unknown): PanelUiState | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const id = (value as { deploymentId?: unknown }).deploymentId;
  if (typeof id !== 'string' || !/^[A-Za-z0-9._:-]{1,128}$/.test(id)) return undefined;
  const { filter, follow, tab, hiddenKinds } = value as { filter?: unknown; follow?: unknown; tab?: unknown; hiddenKinds?: unknown };
  return {
    deploymentId: id,
    filter: typeof filter === 'string' ? filter.slice(0, 200) : undefined,
    follow: typeof follow === 'boolean' ? follow : undefined,
    tab: typeof tab === 'string' ? tab.slice(0, 40) : undefined,
    ...(Array.isArray(hiddenKinds)
      ? { hiddenKinds: hiddenKinds.filter((k): k is string => typeof k === 'string' && /^[a-z-]{1,20}$/.test(k)).slice(0, 20) }
      : {}),
  };
}
