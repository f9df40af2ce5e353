/**
 * One deployment record (see ARCHITECTURE.md, 'Record schema'): everything needed to know what was deployed
 * and to deploy exactly that again. Stored as one JSON file per record, schema-versioned.
 */
import type { HolderIdentity } from './holder';
import type { PlannedChange, StackEventFacts } from '../events';
import type { WatchCheckpoint } from '../health/afterDeploy';
import type { HealthPreflight } from '../health/beforeDeploy';
import type { HealthSection } from '../health/recordedHealth';
import type { DeploymentTrigger } from '../deploymentTrigger';
import type { IncidentNote } from '../incident/incidentNote';
import type { DeploymentKind, DeploymentStatus, StepRecord } from '../model';
import type { RollbackRehearsal } from '../rollback/rehearsal';

/**
 * Bump when a stored field changes meaning or place; readers refuse newer versions instead of
 * guessing, and read every older one through migrateRecord (readRecord.ts), never dropping it.
 * 2: the free-form `extra` became the typed sections below (healthPreflight, healthWatch, health,
 * recover, rollbackOf).
 * 3: a stable record always says how it was verified (`verification`), and a deploy or rollback
 * links to the version the stack ran before it (`previous`). Stable records of 1 and 2 get their
 * verification derived on read; their missing links are what marks them as written before links.
 */
export const HISTORY_SCHEMA_VERSION = 3;

/** The journal's line format has its own version: it did not change when the record's did. */
export const JOURNAL_SCHEMA_VERSION = 1;

/** Where a stack lives. History is keyed by all three (stack names are per account and region). */
export interface StackKey {
  readonly account: string;
  readonly region: string;
  readonly stackName: string;
}

/**
 * A value built from `${env:VAR}` (whole or part), which is therefore a secret: where it came
 * from and a fingerprint of it, never the value itself (secrets/envSourced.ts).
 */
export interface EnvSourced {
  /** The environment variables it was built from. */
  readonly fromEnv: readonly string[];
  /** Its text in deployguard.yaml with the built-in variables resolved and `${env:VAR}` kept. */
  readonly source: string;
  /** secretFingerprint(key, value), hex. */
  readonly sha256: string;
}

/**
 * One stack parameter as deployed. NoEcho values are never stored: `value` is absent for them;
 * a value from the environment is kept as its EnvSourced fields instead of `value`.
 */
export interface ParameterRecord extends Partial<EnvSourced> {
  readonly key: string;
  /** Absent for NoEcho parameters, for UsePreviousValue and for values from the environment. */
  readonly value?: string;
  /** The deploy told CloudFormation to keep the stack's current value. */
  readonly usePreviousValue?: boolean;
  /** Declared `NoEcho: true` in the template: the value is secret and never written anywhere. */
  readonly noEcho?: boolean;
}

export interface TemplateRecord {
  /** The exact body as sent (YAML or JSON, intrinsic tags untouched). */
  readonly body: string;
  /** sha256 of the body, hex: cheap equality for "already deployed". */
  readonly sha256: string;
  /** The S3 URL it was deployed from, when it was over the inline size limit. */
  readonly url?: string;
  /**
   * The local code and nested templates packaged into the bucket for it (the body names their
   * keys): the objects a rollback to this version needs, kept because they are content-addressed
   * and never overwritten.
   */
  readonly artifacts?: readonly PackagedArtifact[];
}

/** One local path packaged into the bucket (`aws cloudformation package` style). */
export interface PackagedArtifact {
  /** The resource's logical id; a nested stack's resources as `Parent/Child`. */
  readonly resource: string;
  readonly property: string;
  /** The packaged path, relative to the repository root. */
  readonly path: string;
  readonly key: string;
  /** sha256 of the uploaded bytes, hex (the key is made of it). */
  readonly sha256: string;
  readonly bytes: number;
  /** False when the bucket already held the same content: nothing was sent. */
  readonly uploaded: boolean;
}

export interface DeploymentRecord {
  readonly schemaVersion: typeof HISTORY_SCHEMA_VERSION;
  /** Sortable by time: `20261126T223000123Z-ab12cd` (UTC start time + random suffix). */
  readonly id: string;
  readonly kind: DeploymentKind;
  readonly environment: string;
  readonly stackName: string;
  readonly region: string;
  readonly account: string;
  /** The stack's ARN once known (unique, unlike the name, which is reused after a delete). */
  stackId?: string;
  readonly commit?: string;
  readonly branch?: string;
  /** Whether the working tree had uncommitted changes. */
  readonly dirty?: boolean;
  /** Who started it: `cli`, `command`, `push`, `save`, `health` (automatic rollback)… */
  readonly trigger?: DeploymentTrigger;
  /** Where it ran: `ana@laptop`, or `CI run 4711` with its URL (a team's history mixes machines). */
  readonly startedBy?: HolderIdentity;
  readonly template: TemplateRecord;
  parameters: readonly ParameterRecord[];
  /** The tags whose values are not secret; those from the environment are in `secretTags`. */
  readonly tags: Readonly<Record<string, string>>;
  /** Tags whose values came from `${env:VAR}`: where from and a fingerprint, never the value. */
  readonly secretTags?: Readonly<Record<string, EnvSourced>>;
  readonly capabilities: readonly string[];
  /** The service role CloudFormation acted as (RoleARN); a rollback to this version uses it again. */
  readonly roleArn?: string;
  /** Alarm ARNs handed to CloudFormation as RollbackConfiguration triggers. */
  rollbackTriggers?: readonly string[];
  /** For kind `rollback`: the stable record restored. */
  readonly rollbackTargetId?: string;
  /** Whether a rollback was started by the health watch rather than a person. */
  readonly automatic?: boolean;
  /** The ClientRequestToken of the stack operation; every stack event of it carries this token. */
  clientRequestToken?: string;
  changeSetName?: string;
  changeSetId?: string;
  changes?: PlannedChange[];
  status: DeploymentStatus;
  /** Why it ended that way (first failed resource's reason, the step that failed, the alarm…). */
  reason?: string;
  readonly startedAt: string;
  finishedAt?: string;
  steps: StepRecord[];
  /** Absolute path of the run's log file, if one was written. */
  logFile?: string;
  /** The last stack status observed for this operation. */
  stackStatus?: string;
  /**
   * The stack events of this operation (its ClientRequestToken), oldest first, reasons masked,
   * so a finished run's panel shows them without asking AWS. Bounded by STACK_EVENTS_KEPT.
   */
  stackEvents?: StackEventFacts[];
  /** The stack's outputs after a successful operation (masked like the log). */
  outputs?: Record<string, string>;

  // The optional sections other parts add. Each is validated when the store reads the record
  // (readRecord.ts): a malformed one is left out and reported, and the record is kept.

  /** The alarm check before the deploy: the baseline the health watch judges against. */
  healthPreflight?: HealthPreflight;
  /** The health watch in progress: its deadline and baseline, then the verdict and a started rollback. */
  healthWatch?: WatchCheckpoint;
  /** What the finished health watch saw, for a run read back from history. */
  health?: HealthSection;
  /** For a recover (ContinueUpdateRollback): the resources CloudFormation was told to skip. */
  readonly recover?: RecoverSection;
  /** For an automatic rollback: the deployment whose unhealthy verdict started it. */
  readonly rollbackOf?: string;
  /**
   * For a deploy or a rollback: the version the stack ran just before it started. The links make
   * the ledger's order (ledger.ts): never the ids or one machine's clock. Absent on a baseline
   * (nothing came before it) and on records written before links existed.
   */
  readonly previous?: PreviousVersion;
  /** For a stable record: how it was found good. */
  verification?: Verification;
  /** For a deploy: what a rollback to the version before it would do, planned before it ran. */
  rollbackRehearsal?: RollbackRehearsal;
  /**
   * For a rollback: when the restored template and parameters were checked back on the stack
   * (ISO), before its verification window began. The timeline's "restore complete".
   */
  restoredAt?: string;
  /**
   * For a deployment that was rolled back, failed or needs a person: what fired, when, what
   * changed, what was restored and what to look at next, written when it finished.
   */
  incident?: IncidentNote;
  /**
   * For a CDK app's stack (`stack.cdk`): the assembly stack it came from and the file assets its
   * template names, with the exact bucket and key each went to, so a rollback can check the
   * built version's code is still there (the template body above is the one that went out).
   */
  cdk?: CdkSection;
}

/**
 * The version a stack ran when a deployment started: the ledger's current version (its record),
 * and what the stack really held then, which differs from that record when it drifted or an
 * unverified deploy was left live.
 */
export interface PreviousVersion {
  /**
   * The ledger's current version when the deployment started (for an automatic rollback, the
   * deployment it undoes: what the stack ran); absent when there was none.
   */
  readonly deploymentId?: string;
  /** sha256 of the template the stack ran; absent when the stack did not exist. */
  readonly templateSha256?: string;
  /** sha256 of the stack's parameter values (NoEcho ones as the masked value AWS shows). */
  readonly parametersFingerprint?: string;
}

/**
 * How a stable record was verified, strongest first as rollback targets:
 * - `alarms`: its guarded alarms (listed) were watched through the bake and stayed healthy;
 * - `restored`: a rollback whose restored template and parameters were checked on the stack;
 * - `unguarded`: the environment has no health checks, so it was deployed but never verified;
 * - `as-found`: the stack as Deploy Guard first found it, never verified by anyone.
 */
export type VerificationKind = 'alarms' | 'restored' | 'unguarded' | 'as-found';

export interface Verification {
  readonly kind: VerificationKind;
  /** For `alarms`: the guarded alarms that were watched. */
  readonly alarms?: readonly string[];
  /** For `alarms`: the guarded metrics judged against their baseline through the bake (absent: none). */
  readonly metrics?: readonly string[];
  /** When it was verified (or found). */
  readonly at: string;
}

export interface RecoverSection {
  readonly resourcesToSkip: readonly string[];
}

/** Stack events kept in a record: the newest ones (where a failure shows) when there are more. */
export const STACK_EVENTS_KEPT = 500;

/**
 * Journal phases, written before each mutating AWS call (`*-requested`). `change-set-created` and
 * `executing`, written after the call by earlier versions, are still read (a resumed run treats
 * them like the entry before). `in-doubt`:
 * the run ended without knowing its outcome, or stopped during the bake; its record stays open
 * (`in-doubt` or `unverified`) for the next run of the stack to reattach to and watch.
 */
export type JournalPhase =
  | 'started'
  | 'step-started'
  | 'change-set-requested'
  | 'change-set-created'
  | 'execute-requested'
  | 'executing'
  | 'delete-requested'
  | 'continue-rollback-requested'
  | 'cancel-requested'
  | 'in-doubt'
  | 'finished';

/** One write-ahead journal line: enough to reattach to the operation after a crash. */
export interface JournalEntry {
  readonly schemaVersion: typeof JOURNAL_SCHEMA_VERSION;
  readonly at: string;
  readonly deploymentId: string;
  readonly phase: JournalPhase;
  readonly stackId?: string;
  readonly clientRequestToken?: string;
  readonly changeSetName?: string;
  readonly changeSetId?: string;
  /** pid@host of the writer, to tell a crashed writer from a live one. */
  readonly owner: string;
  readonly status?: DeploymentStatus;
  /** With `step-started`: the step's process group, so a later run can end it if the writer dies. */
  readonly stepGroup?: StepGroup;
}

/**
 * A step's process group as its writer saw it: the pgid (its leader's pid) and what proves a pid
 * is still that leader later (start time, command), on the host where it runs.
 */
export interface StepGroup {
  readonly stepIndex: number;
  readonly pgid: number;
  /** The leader's start time, /proc/<pid>/stat field 22. */
  readonly startTime: string;
  /** The leader's command line, masked and shortened: for people, never compared. */
  readonly command: string;
  readonly host: string;
}

/**
 * A file or line that could not be read, moved aside (never deleted) and reported; or a section
 * left out of a record that was read (`movedTo` absent: the file is left as it is).
 */
export interface DamagedEntry {
  /** Where it was found. */
  readonly path: string;
  /** Where it was moved (for a whole file) or copied (for a bad journal line). */
  readonly movedTo?: string;
  readonly problem: string;
}

/** One file asset of a CDK deploy, where it went. */
export interface CdkAssetRecord {
  readonly id: string;
  readonly displayName: string;
  readonly bucket: string;
  readonly key: string;
  /** False when the object was already there (same key, same content): nothing was sent. */
  readonly uploaded: boolean;
}

export interface CdkSection {
  /** The stack in the cloud assembly (its display name). */
  readonly stack: string;
  readonly assets: readonly CdkAssetRecord[];
}
