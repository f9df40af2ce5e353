/**
 * Every deployment status and everything that depends on it, in one table: whether it ends the
 * record, how each surface words and draws it, the CLI exit code, and which statuses may follow
 * it. Adding a status is its name in the union, its row in STATUS and in TRANSITIONS (the compiler
 * refuses a status without either), plus the phase that sets it. Pure and import-free at runtime,
 * so the webview bundle reads it too.
 */

/**
 * queued → running-steps → deploying → watching → stable, with the exits in TRANSITIONS below.
 * Only `stable` records may be rollback targets. `in-doubt` and `unverified` are not final: a run
 * that cannot know its stack operation's outcome, or is stopped during the bake, leaves its record
 * open in them, and the next run of the stack reattaches to it and watches it.
 */
export type DeploymentStatus =
  | 'queued'
  | 'running-steps'
  | 'deploying'
  | 'watching'
  | 'stable'
  | 'unchanged'
  | 'failed'
  | 'cancelled'
  | 'unhealthy'
  | 'rolling-back'
  | 'verifying-restore'
  | 'rolled-back'
  | 'rolled-back-unhealthy'
  | 'rollback-failed'
  | 'needs-attention'
  | 'in-doubt'
  | 'unverified';

/** CLI exit codes, the same for the CLI and every view: 0 ok, 1 failed, 2 usage, 3 rolled back, 4 needs a person. */
export const ExitCode = {
  Ok: 0,
  Failed: 1,
  Usage: 2,
  RolledBack: 3,
  NeedsPerson: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** How a status looks in the run panel (and, as a colour family, everywhere). */
export type StatusTone = 'running' | 'good' | 'bad' | 'warn' | 'neutral';

/**
 * What a status means to a person, which decides the notification and the environment's row:
 * `good` (it worked, or nothing needed doing), `quiet` (stopped on purpose: nothing to say),
 * `failed`, `rolled-back` (unhealthy and restored), `needs-person`, and `in-progress` (not over:
 * a record left in it was interrupted).
 */
export type StatusOutcome = 'good' | 'quiet' | 'failed' | 'rolled-back' | 'needs-person' | 'in-progress';

export interface StatusRow {
  /** Nothing more happens to a record in this status. */
  readonly final: boolean;
  /** Work is under way that a progress notification follows (the bake is shown elsewhere). */
  readonly busy: boolean;
  /** Words inside a sentence, e.g. `rolled back`, `needs attention`. */
  readonly words: string;
  /** The run panel's badge, e.g. `Rolled back`, `Watching health`. */
  readonly label: string;
  /** Codicon id for tree rows and the status bar. */
  readonly icon: string;
  /** Theme colour id of that icon; absent = the default foreground. */
  readonly iconColor?: string;
  readonly tone: StatusTone;
  readonly outcome: StatusOutcome;
  /** The CLI exit code of a run that ends here (a status that is not final maps to Failed). */
  readonly exitCode: ExitCode;
  /** A record in this status may be restored by a rollback. */
  readonly rollbackTarget: boolean;
  /** "Roll back this deployment" is offered for a deploy in this status. */
  readonly canRollBack: boolean;
}

const PASSED = 'testing.iconPassed';
const FAILED = 'testing.iconFailed';
const WARNING = 'list.warningForeground';

export const STATUS: Readonly<Record<DeploymentStatus, StatusRow>> = {
  queued: {
    final: false,
    busy: true,
    words: 'queued',
    label: 'Queued',
    icon: 'clock',
    tone: 'running',
    outcome: 'in-progress',
    exitCode: ExitCode.Failed,
    rollbackTarget: false,
    canRollBack: false,
  },
  'running-steps': {
    final: false,
    busy: true,
    words: 'running steps',
    label: 'Running steps',
    icon: 'sync~spin',
    tone: 'running',
    outcome: 'in-progress',
    exitCode: ExitCode.Failed,
    rollbackTarget: false,
    canRollBack: false,
  },
  deploying: {
    final: false,
    busy: true,
    words: 'deploying',
    label: 'Deploying',
    icon: 'sync~spin',
    tone: 'running',
    outcome: 'in-progress',
    exitCode: ExitCode.Failed,
    rollbackTarget: false,
    canRollBack: false,
  },
  watching: {
    final: false,
    busy: false,
    words: 'watching',
    label: 'Watching health',
    icon: 'eye',
    tone: 'running',
    outcome: 'in-progress',
    exitCode: ExitCode.Failed,
    rollbackTarget: false,
    canRollBack: true,
  },
  stable: {
    final: true,
    busy: false,
    words: 'stable',
    label: 'Stable',
    icon: 'pass',
    iconColor: PASSED,
    tone: 'good',
    outcome: 'good',
    exitCode: ExitCode.Ok,
    rollbackTarget: true,
    canRollBack: true,
  },
  unchanged: {
    final: true,
    busy: false,
    words: 'unchanged',
    label: 'No changes',
    icon: 'circle-slash',
    tone: 'good',
    outcome: 'good',
    exitCode: ExitCode.Ok,
    rollbackTarget: false,
    canRollBack: false,
  },
  failed: {
    final: true,
    busy: false,
    words: 'failed',
    label: 'Failed',
    icon: 'error',
    iconColor: FAILED,
    tone: 'bad',
    outcome: 'failed',
    exitCode: ExitCode.Failed,
    rollbackTarget: false,
    canRollBack: false,
  },
  cancelled: {
    final: true,
    busy: false,
    words: 'cancelled',
    label: 'Cancelled',
    icon: 'circle-slash',
    tone: 'neutral',
    outcome: 'quiet',
    exitCode: ExitCode.Failed,
    rollbackTarget: false,
    canRollBack: false,
  },
  unhealthy: {
    final: false,
    busy: false,
    words: 'unhealthy',
    label: 'Unhealthy',
    icon: 'warning',
    iconColor: WARNING,
    tone: 'bad',
    outcome: 'needs-person',
    exitCode: ExitCode.NeedsPerson,
    rollbackTarget: false,
    canRollBack: true,
  },
  'rolling-back': {
    final: false,
    busy: true,
    words: 'rolling back',
    label: 'Rolling back',
    icon: 'sync~spin',
    tone: 'running',
    outcome: 'in-progress',
    exitCode: ExitCode.Failed,
    rollbackTarget: false,
    canRollBack: false,
  },
  // The restored version watched under the guarded alarms for the verification window; the
  // countdown is shown like the bake's, so no progress notification follows it.
  'verifying-restore': {
    final: false,
    busy: false,
    words: 'verifying restore',
    label: 'Verifying restore',
    icon: 'eye',
    tone: 'running',
    outcome: 'in-progress',
    exitCode: ExitCode.Failed,
    rollbackTarget: false,
    canRollBack: false,
  },
  'rolled-back': {
    final: true,
    busy: false,
    words: 'rolled back',
    label: 'Rolled back',
    icon: 'warning',
    iconColor: WARNING,
    tone: 'warn',
    outcome: 'rolled-back',
    exitCode: ExitCode.RolledBack,
    rollbackTarget: false,
    canRollBack: false,
  },
  // The previous version is back but its alarms did not recover in the verification window (or
  // could not be read): the cause may lie elsewhere, so a person decides; never a second rollback.
  'rolled-back-unhealthy': {
    final: true,
    busy: false,
    words: 'rolled back, still unhealthy',
    label: 'Rolled back, still unhealthy',
    icon: 'report',
    iconColor: FAILED,
    tone: 'bad',
    outcome: 'needs-person',
    exitCode: ExitCode.NeedsPerson,
    rollbackTarget: false,
    canRollBack: false,
  },
  'rollback-failed': {
    final: true,
    busy: false,
    words: 'rollback failed',
    label: 'Rollback failed',
    icon: 'report',
    iconColor: FAILED,
    tone: 'bad',
    outcome: 'needs-person',
    exitCode: ExitCode.NeedsPerson,
    rollbackTarget: false,
    canRollBack: false,
  },
  'needs-attention': {
    final: true,
    busy: false,
    words: 'needs attention',
    label: 'Needs attention',
    icon: 'report',
    iconColor: FAILED,
    tone: 'bad',
    outcome: 'needs-person',
    exitCode: ExitCode.NeedsPerson,
    rollbackTarget: false,
    canRollBack: false,
  },
  // The stack operation went out but its outcome is unknown (credentials expired while following
  // it, the execute's answer lost and the change set unreadable): the record stays open, and the
  // next run of this stack reattaches by stack ARN and token, then bakes what went out.
  'in-doubt': {
    final: false,
    busy: false,
    words: 'in doubt',
    label: 'In doubt',
    icon: 'question',
    iconColor: WARNING,
    tone: 'warn',
    outcome: 'needs-person',
    exitCode: ExitCode.NeedsPerson,
    rollbackTarget: false,
    canRollBack: false,
  },
  // The version is live but its bake never ended (cancelled, or the run stopped during it): never
  // `unchanged`, never a rollback target; the next run of this stack watches it.
  unverified: {
    final: false,
    busy: false,
    words: 'live, not verified',
    label: 'Live, not verified',
    icon: 'eye-closed',
    iconColor: WARNING,
    tone: 'warn',
    outcome: 'needs-person',
    exitCode: ExitCode.NeedsPerson,
    rollbackTarget: false,
    canRollBack: false,
  },
};

export const DEPLOYMENT_STATUSES = Object.keys(STATUS) as readonly DeploymentStatus[];

/** Statuses after which nothing more happens to a record. */
export const FINAL_STATUSES: ReadonlySet<DeploymentStatus> = new Set(DEPLOYMENT_STATUSES.filter((s) => STATUS[s].final));

export function isFinal(status: DeploymentStatus): boolean {
  return FINAL_STATUSES.has(status);
}

/**
 * A record left open by its run: `in-doubt` (its stack operation's outcome unknown) or
 * `unverified` (live, its bake stopped). The next run of the stack reattaches to it and watches
 * it; views offer "Watch the Live Version".
 */
export function isOpenStatus(status: DeploymentStatus): status is 'in-doubt' | 'unverified' {
  return status === 'in-doubt' || status === 'unverified';
}

/** The row of a status; a value no row knows (a record from a newer version) reads as `needs-attention`. */
export function statusRow(status: DeploymentStatus): StatusRow {
  return STATUS[status] ?? STATUS['needs-attention'];
}

/** Ways out of any status that is not final: an error, a cancellation, or a stack left for a person. */
const ENDS_BADLY: readonly DeploymentStatus[] = ['failed', 'cancelled', 'needs-attention'];

/**
 * Which status may follow which, as views hear them. Every status may be stated again (a resumed
 * run reattaches in the phase it was left in, with a new reason); a final status is followed by
 * nothing. The health watch's `unhealthy → rolling-back → verifying-restore` belongs to the
 * deployment it undoes; the restore itself is a rollback record of its own (queued → deploying →
 * verifying-restore → stable, or rolled-back-unhealthy when its alarms do not recover).
 */
export const TRANSITIONS: Readonly<Record<DeploymentStatus, readonly DeploymentStatus[]>> = {
  queued: ['running-steps', 'deploying', 'rolling-back', ...ENDS_BADLY],
  'running-steps': ['deploying', ...ENDS_BADLY],
  // A stack operation ends in a final status or the watch; a resumed rollback record says `rolling-back`.
  deploying: ['watching', 'rolling-back', 'verifying-restore', 'stable', 'unchanged', 'rollback-failed', 'in-doubt', ...ENDS_BADLY],
  watching: ['unhealthy', 'stable', 'unverified', ...ENDS_BADLY],
  // A resumed watch whose restore already ended goes from `unhealthy` straight to the outcome.
  unhealthy: ['rolling-back', 'rolled-back', 'rolled-back-unhealthy', 'rollback-failed', ...ENDS_BADLY],
  'rolling-back': ['verifying-restore', 'rolled-back', 'rolled-back-unhealthy', 'rollback-failed', 'stable', ...ENDS_BADLY],
  'verifying-restore': ['stable', 'rolled-back', 'rolled-back-unhealthy', 'rollback-failed', ...ENDS_BADLY],
  // Reattached by the next run: followed to the end of its operation, then baked like a fresh deploy.
  'in-doubt': ['deploying', 'watching', 'stable', 'unverified', ...ENDS_BADLY],
  // Watched by the next run (a fresh bake), or closed when the stack no longer runs it.
  unverified: ['watching', 'stable', ...ENDS_BADLY],
  stable: [],
  unchanged: [],
  failed: [],
  cancelled: [],
  'rolled-back': [],
  'rolled-back-unhealthy': [],
  'rollback-failed': [],
  'needs-attention': [],
};

export function canTransition(from: DeploymentStatus, to: DeploymentStatus): boolean {
  return (from === to && !isFinal(from)) || (TRANSITIONS[from]?.includes(to) ?? false);
}
