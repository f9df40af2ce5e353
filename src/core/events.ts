/**
 * The engine's typed events: the engine emits them, and the tree, panel, status bar and CLI are
 * views of them. Every event is a plain JSON-serialisable
 * object discriminated by `type`, carries the `deploymentId` it belongs to and the ISO time
 * `at` it happened, so the CLI can print it as one JSON line and the panel can replay it.
 *
 * Views never poll AWS: everything they show arrives here.
 */
import type { DeploymentTrigger } from './deploymentTrigger';
import type { VerificationKind } from './history/record';
import type { DeploymentKind, DeploymentStatus, StepStatus } from './model';

interface EventBase {
  /** The history record id of the deployment this event belongs to. */
  readonly deploymentId: string;
  /** ISO-8601 time the engine observed the event. */
  readonly at: string;
}

/** A deployment (deploy, rollback or baseline capture) has a record and is about to run. */
export interface DeploymentStartedEvent extends EventBase {
  readonly type: 'deployment-started';
  readonly kind: DeploymentKind;
  readonly environment: string;
  readonly stackName: string;
  readonly region: string;
  readonly account: string;
  readonly commit?: string;
  readonly branch?: string;
  /** For a rollback: the stable record being restored. */
  readonly rollbackTargetId?: string;
  /** What started it (`command`, `push`, `save`, `cli`, …), as recorded; views use it to stay quiet for saves. */
  readonly trigger?: DeploymentTrigger;
  /** Step names in order (empty when steps are skipped). */
  readonly steps: readonly string[];
}

/** The record moved to a new lifecycle status (`queued → running-steps → deploying → watching → …`). */
export interface DeploymentStatusEvent extends EventBase {
  readonly type: 'deployment-status';
  readonly status: DeploymentStatus;
  /** Why, in a sentence, when the status is not self-explanatory. */
  readonly reason?: string;
}

/** The record reached a final status; nothing more happens to it. */
export interface DeploymentFinishedEvent extends EventBase {
  readonly type: 'deployment-finished';
  readonly status: DeploymentStatus;
  readonly reason?: string;
  /** The CLI exit code this outcome maps to (0 stable/unchanged, 1 failed, 3 rolled back, 4 needs a person). */
  readonly exitCode: number;
  /** Wall time from start to finish. */
  readonly durationMs: number;
  /**
   * How a `stable` outcome was found good (the record's verification): `unguarded` says the
   * environment has no health checks, so the version went out and nothing verified it.
   */
  readonly verification?: VerificationKind;
}

export interface StepStartedEvent extends EventBase {
  readonly type: 'step-started';
  /** Position in the pipeline's steps, from 0. */
  readonly index: number;
  readonly name: string;
}

export interface StepFinishedEvent extends EventBase {
  readonly type: 'step-finished';
  readonly index: number;
  readonly name: string;
  readonly status: StepStatus;
  readonly exitCode?: number;
  readonly durationMs: number;
  readonly reason?: string;
}

/**
 * Output lines, batched (a chatty step would otherwise flood every view). Lines are already
 * masked (secrets and NoEcho values replaced) and have no trailing newline; ANSI colour is kept.
 */
export interface LogEvent extends EventBase {
  readonly type: 'log';
  /** `stdout`/`stderr` of the running step, or `engine` for the engine's own narration. */
  readonly stream: 'stdout' | 'stderr' | 'engine';
  /** The step's index when the lines come from a step. */
  readonly stepIndex?: number;
  readonly lines: readonly string[];
}

/** One planned resource change from the change set. */
export interface PlannedChange {
  readonly action: 'Add' | 'Modify' | 'Remove' | 'Import' | 'Dynamic';
  readonly logicalId: string;
  readonly resourceType: string;
  readonly physicalId?: string;
  /** `True` means the resource is deleted and recreated: shown loudly. `Conditional` may replace. */
  readonly replacement?: 'True' | 'False' | 'Conditional';
}

/** The change set was created: what the deploy will do before it does it. */
export interface ChangeSetPlannedEvent extends EventBase {
  readonly type: 'change-set-planned';
  readonly changeSetName: string;
  readonly changeSetId?: string;
  /** CREATE for a new stack, UPDATE for an existing one. */
  readonly changeSetType: 'CREATE' | 'UPDATE';
  readonly changes: readonly PlannedChange[];
  /** True when CloudFormation reported that nothing would change (the deploy ends `unchanged`). */
  readonly empty: boolean;
}

/** What a CloudFormation stack event says (read from AWS, announced, and kept in the record). */
export interface StackEventFacts {
  readonly eventId: string;
  /** When CloudFormation says it happened (ISO). */
  readonly timestamp: string;
  readonly logicalId: string;
  readonly resourceType: string;
  readonly physicalId?: string;
  readonly status: string;
  readonly reason?: string;
  /**
   * For a resource of a nested stack: the stacks it lives in, from the root, by logical id
   * (`orders-prod › Database`). Absent for the root stack's own resources.
   */
  readonly stackPath?: string;
}

/** One CloudFormation stack event of *this* operation (filtered by its ClientRequestToken). */
export interface StackEventEvent extends EventBase, StackEventFacts {
  readonly type: 'stack-event';
}

/** The stack's own status changed (as seen by the shared poller). */
export interface StackStatusEvent extends EventBase {
  readonly type: 'stack-status';
  readonly stackName: string;
  readonly stackId?: string;
  readonly status: string;
  readonly reason?: string;
}

/**
 * Something the user should see that is not an error of the deployment: throttling ("retrying"),
 * waiting for another operation, a NoEcho parameter passed as UsePreviousValue, a lock taken over.
 */
export interface NoticeEvent extends EventBase {
  readonly type: 'notice';
  readonly level: 'info' | 'warning' | 'error';
  /** Stable machine-readable tag, e.g. `throttled`, `waiting-for-stack`, `noecho-previous`. */
  readonly code: string;
  readonly message: string;
}

// ---------------------------------------------------------------------------------------------
// Health watch and rollback events: their variants (watch started, alarm changed, verdict,
// rollback started/finished) are added to `HealthEvent` in health/events.ts. Keep them in this
// union so every view handles them exhaustively.
// ---------------------------------------------------------------------------------------------
// Defined in health/events.ts: alarms-checked, watch-started, alarm-changed, metric-verdict,
// watch-verdict, rollback-started, rollback-finished.
import type { HealthEvent } from './health/events';
export type {
  HealthEvent,
  AlarmsCheckedEvent,
  WatchStartedEvent,
  AlarmChangedEvent,
  MetricVerdictEvent,
  MetricSeriesWindow,
  WatchVerdictEvent,
  RollbackStartedEvent,
  RollbackFinishedEvent,
} from './health/events';

/** Every event the engine emits. Switch on `type`; the union is closed. */
export type EngineEvent =
  | DeploymentStartedEvent
  | DeploymentStatusEvent
  | DeploymentFinishedEvent
  | StepStartedEvent
  | StepFinishedEvent
  | LogEvent
  | ChangeSetPlannedEvent
  | StackEventEvent
  | StackStatusEvent
  | NoticeEvent
  | HealthEvent;

export type EngineEventType = EngineEvent['type'];

/** Something that receives engine events (an Emitter's `fire`, the CLI's JSON printer, a test array). */
export type EngineEventSink = (event: EngineEvent) => void;
