/**
 * The bookkeeping every kind of deployment shares (deploy, rollback, recover, resume): one
 * history record kept on disk as it changes, the write-ahead journal, typed events stamped with
 * the record id, masking, and the mapping from a stack operation's outcome to a final status.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AwsClients } from '../aws/clients';
import { requestTokenFor } from '../aws/requestToken';
import type { StackDeployHooks } from '../aws/stackDeploy';
import type { StackPoller, StackPollers } from '../aws/stackPoller';
import { DeployGuardError, errorMessage, isCancellation } from '../errors';
import type { DeploymentStatusEvent, EngineEvent, EngineEventSink, StackEventFacts } from '../events';
import { derivedVerification } from '../history/ledger';
import { STACK_EVENTS_KEPT, type DeploymentRecord, type JournalPhase, type StepGroup } from '../history/record';
import type { StackHistory } from '../history/backend';
import type { StackLock } from '../history/lock';
import type { Logger } from '../logger';
import { canTransition, isFinal, statusRow, type DeploymentStatus, type ExitCode } from '../deploymentStatus';
import type { Masker } from '../secrets';
import type { OpenStatus, StopFacts } from './inDoubt';

/** Journal phases written just before a call that changes the stack. */
const CHANGES_STACK: ReadonlySet<JournalPhase> = new Set<JournalPhase>([
  'execute-requested',
  'delete-requested',
  'continue-rollback-requested',
  'cancel-requested',
]);

/** How long a status set with `soon` may wait for its save (setStatus). */
const SAVE_SOON_MS = 1_000;

/** What an entry names besides its phase (kept on the record too). */
type JournalFacts = { stackId?: string; changeSetName?: string; changeSetId?: string; stepGroup?: StepGroup };

type Payload<E> = E extends EngineEvent ? Omit<E, 'deploymentId' | 'at'> : never;

/** The exit code a final status maps to (the same for the CLI and every view). */
export function exitCodeFor(status: DeploymentStatus): ExitCode {
  return statusRow(status).exitCode;
}

/**
 * The final status an error thrown during a deployment leaves its record in. Once the run's signal
 * is aborted, whatever the abort made a call throw (an AbortError, or an answer cut off halfway
 * that the SDK then fails to parse) is the cancellation the person asked for.
 */
export function statusForError(err: unknown, signal?: AbortSignal): DeploymentStatus {
  if (isCancellation(err) || signal?.aborted === true) return 'cancelled';
  if (DeployGuardError.is(err, 'StackNeedsAttention', 'CredentialsExpired', 'RollbackFailed', 'LockLost')) return 'needs-attention';
  return 'failed';
}

/**
 * The one owner of a deployment's status: only it emits `deployment-status`, and each change is
 * checked against the transitions table (an illegal one is an Internal error, a bug in the engine).
 */
export class DeploymentRun {
  private readonly startedAtMs: number;
  private exitOverride?: ExitCode | undefined;
  /** The status views last heard (the record's, or a phase the record does not keep: see showStatus). */
  private shown: DeploymentStatus;
  /**
   * CloudFormation accepted this run's stack operation (answered `executing`, or reattached to it):
   * from here a run that stops without its outcome leaves the record in doubt (inDoubt.ts).
   */
  operationSent = false;
  /** The stack lock this run holds, checked before each journal entry (holdsLock). */
  private lock: StackLock | undefined;

  constructor(
    readonly record: DeploymentRecord,
    readonly stackHistory: StackHistory,
    readonly clients: AwsClients,
    private readonly pollers: StackPollers,
    private readonly sink: EngineEventSink,
    readonly masker: Masker,
    readonly logger: Logger,
  ) {
    this.startedAtMs = Date.parse(record.startedAt);
    this.shown = record.status;
  }

  /** The status views last heard. */
  get status(): DeploymentStatus {
    return this.shown;
  }

  get id(): string {
    return this.record.id;
  }

  get startedAt(): number {
    return this.startedAtMs;
  }

  /** Stamps and sends an event; `deployment-status` is not among them: only setStatus, showStatus and finish send it. */
  emit(event: Payload<Exclude<EngineEvent, DeploymentStatusEvent>>): void {
    this.send(event);
  }

  private send(event: Payload<EngineEvent>): void {
    this.sink({ ...event, deploymentId: this.record.id, at: new Date().toISOString() });
  }

  /**
   * Announces the run, from its record: what views need to show it before anything else happens,
   * including what started it (a deploy on save, or the health watch's own rollback, stays quiet).
   */
  announce(): void {
    const r = this.record;
    this.emit({
      type: 'deployment-started',
      kind: r.kind,
      environment: r.environment,
      stackName: r.stackName,
      region: r.region,
      account: r.account,
      ...(r.commit ? { commit: r.commit } : {}),
      ...(r.branch ? { branch: r.branch } : {}),
      ...(r.rollbackTargetId ? { rollbackTargetId: r.rollbackTargetId } : {}),
      ...(r.trigger ? { trigger: r.trigger } : {}),
      steps: r.steps.map((s) => s.name),
    });
  }

  /** The raw sink (for parts that stamp their own events, like the health watch). */
  get sinkFn(): EngineEventSink {
    return this.sink;
  }

  /** The engine's own narration, appended to the run's log file when the deployment ends. */
  private readonly narration: string[] = [];

  log(line: string): void {
    const masked = this.masker.mask(line);
    if (this.narration.length < 10_000) this.narration.push(`${new Date().toISOString()} ${masked}`);
    this.emit({ type: 'log', stream: 'engine', lines: [masked] });
  }

  private async writeNarration(): Promise<void> {
    const file = this.record.logFile ?? this.stackHistory.logPath(this.record.id);
    this.record.logFile = file;
    const lines = [
      ...this.narration,
      `${new Date().toISOString()} ${this.record.status}${this.record.reason ? `: ${this.record.reason}` : ''}`,
    ];
    await mkdir(dirname(file), { recursive: true });
    await appendFile(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  }

  notice(level: 'info' | 'warning' | 'error', code: string, message: string): void {
    const masked = this.masker.mask(message);
    this.emit({ type: 'notice', level, code, message: masked });
    // Views show notices from the event; the diagnostics log keeps a copy at info level only, so
    // the CLI does not print every warning twice.
    this.logger.info(`[${code}] ${masked}`);
  }

  private saving: Promise<void> = Promise.resolve();
  /** A save promised by setStatus(…, { soon: true }) and not yet made (rule at `setStatus`). */
  private saveSoonTimer: NodeJS.Timeout | undefined;

  /** Writes the record; writes are queued so a late one never overwrites a newer state. */
  save(): Promise<void> {
    this.cancelSaveSoon();
    const snapshot = JSON.parse(JSON.stringify(this.record)) as DeploymentRecord;
    const next = this.saving.then(() => this.stackHistory.write(snapshot));
    this.saving = next.catch(() => undefined);
    return next;
  }

  /**
   * Moves the record to `status`, saves it, then tells views.
   *
   * `soon`: the status is what other windows and machines show, not what a resumed run decides
   * from (the journal entries before each change to the stack carry that), so it is saved with the
   * next save, the next journal entry before a change to the stack, or after SAVE_SOON_MS,
   * whichever comes first. A status another follows at once (a deploy with nothing to watch goes
   * `watching` then `stable`) so costs one write, not two. A failed deferred save is made again by
   * the next.
   */
  async setStatus(status: DeploymentStatus, reason?: string, options: { readonly soon?: boolean } = {}): Promise<void> {
    this.checkTransition(status);
    this.record.status = status;
    if (reason !== undefined) this.record.reason = this.masker.mask(reason);
    if (options.soon === true) this.saveSoon();
    else await this.save();
    this.announceStatus(status, reason !== undefined ? this.masker.mask(reason) : undefined);
  }

  /**
   * Saves the record with the next save, the next journal entry before a change to the stack, or
   * after SAVE_SOON_MS, whichever comes first: for what other windows and machines show, not what
   * a resumed run decides from (rule at `setStatus`).
   */
  saveSoon(): void {
    if (this.saveSoonTimer) return;
    this.saveSoonTimer = setTimeout(() => {
      this.saveSoonTimer = undefined;
      this.save().catch(() => undefined);
    }, SAVE_SOON_MS);
    // A run that ends saves its record itself; a pending status never keeps a process alive.
    this.saveSoonTimer.unref();
  }

  private cancelSaveSoon(): void {
    if (this.saveSoonTimer) clearTimeout(this.saveSoonTimer);
    this.saveSoonTimer = undefined;
  }

  /**
   * Tells views about a phase the record itself does not keep: the health watch's `unhealthy`,
   * `rolling-back` and `verifying-restore` while its record stays `watching`, so that a resumed run comes back to the watch
   * and its checkpoint decides what is left to do.
   */
  showStatus(status: DeploymentStatus, reason: string): void {
    this.checkTransition(status);
    this.announceStatus(status, this.masker.mask(reason));
  }

  private checkTransition(to: DeploymentStatus): void {
    if (!canTransition(this.shown, to))
      throw new DeployGuardError(
        'Internal',
        `Deployment ${this.record.id} cannot go from ${this.shown} to ${to}; this is a bug in Deploy Guard`,
      );
  }

  private announceStatus(status: DeploymentStatus, reason: string | undefined): void {
    this.shown = status;
    this.send({ type: 'deployment-status', status, ...(reason ? { reason } : {}) });
  }

  private changeRequested = false;

  /**
   * Whether a call that changes the stack was journalled (and so may have been made): after
   * that, what the stack did is part of any report of how the run ended.
   */
  get stackChangeRequested(): boolean {
    return this.changeRequested;
  }

  /** The record's first write and the journal's `started` entry (open), which every later entry waits for. */
  private opening: Promise<void> = Promise.resolve();

  /**
   * Starts the run's history: the record's first write beside the journal's `started` entry. Neither
   * is waited for here, so the reads that follow (the stack, the alarms) overlap them; the run's
   * next journal entry, which precedes every step and every call that changes anything, waits for
   * both and throws if either failed. A run that stops between them leaves a record with no
   * journal (it changed nothing) or an entry with no record (the next run closes it,
   * resumeInterrupted.ts).
   */
  open(): void {
    const writes = [this.save(), this.journal('started')];
    this.opening = Promise.allSettled(writes).then((results) => {
      for (const written of results) if (written.status === 'rejected') throw written.reason;
    });
    this.opening.catch(() => undefined); // surfaced by the next entry
  }

  /** Resolves once the writes `open` started have landed; rejects with the first that failed. */
  opened(): Promise<void> {
    return this.opening;
  }

  async journal(phase: JournalPhase, facts: JournalFacts = {}): Promise<void> {
    await this.writeEntry(phase, facts);
    if (CHANGES_STACK.has(phase)) this.changeRequested = true;
  }

  /**
   * Starts the entry now, while reads that decide nothing about it go on; the function returned is
   * called just before the call the entry precedes: the lock is checked again there (it may have
   * been lost meanwhile), the write waited for, and only then is the change requested.
   */
  journalAhead(phase: JournalPhase, facts: JournalFacts = {}): () => Promise<void> {
    const written = this.writeEntry(phase, facts);
    written.catch(() => undefined); // surfaced when the call is about to be made
    return async () => {
      const [entry] = await Promise.allSettled([written]); // nothing of it is left in flight, whatever follows
      this.lock?.assertHeld?.();
      if (entry.status === 'rejected') throw entry.reason;
      if (CHANGES_STACK.has(phase)) this.changeRequested = true;
    };
  }

  private async writeEntry(phase: JournalPhase, facts: JournalFacts): Promise<void> {
    // The journal entry precedes every change to the stack: a run whose lock another machine took
    // over stops here, before that change (its end is still written: `finished` is not checked).
    if (phase !== 'finished') this.lock?.assertHeld?.();
    this.keepFacts(facts);
    // Before a call that changes the stack, a status still waiting for its save goes out beside
    // the entry: a run killed during the change leaves its record saying it was deploying.
    const pendingSave = CHANGES_STACK.has(phase) && this.saveSoonTimer ? this.save() : undefined;
    // Strictly increasing within the run (a store orders entries by it), even within a millisecond.
    const at = Math.max(Date.now(), this.lastJournalAt + 1);
    this.lastJournalAt = at;
    const appended = this.stackHistory.journal.append({
      at: new Date(at).toISOString(),
      deploymentId: this.record.id,
      phase,
      ...(this.record.stackId ? { stackId: this.record.stackId } : {}),
      ...(this.record.clientRequestToken ? { clientRequestToken: this.record.clientRequestToken } : {}),
      ...(this.record.changeSetName ? { changeSetName: this.record.changeSetName } : {}),
      ...(this.record.changeSetId ? { changeSetId: this.record.changeSetId } : {}),
      status: this.record.status,
      ...(facts.stepGroup ? { stepGroup: facts.stepGroup } : {}),
    });
    // Nothing changes before the run's record and first entry are written: an entry may go out
    // beside them, but is not done before they are. The run's last entry is written even when
    // they were not (it closes whatever did land).
    const opened = phase === 'finished' || phase === 'in-doubt' ? this.opening.catch(() => undefined) : this.opening;
    for (const written of await Promise.allSettled([appended, pendingSave, opened]))
      if (written.status === 'rejected') throw written.reason;
  }

  /**
   * What CloudFormation answered a mutating call (the change set's id, the stack's ARN), kept on the
   * record and in the journal entries before later calls. The answer itself is not journalled: a
   * resumed run learns the same from the entry before the call and from CloudFormation (the change
   * set by name, the operation by token), as it must when a run dies between the answer and any
   * entry of it; one write fewer per call. `executing`: from here a run that stops without its
   * outcome leaves the record in doubt (operationSent).
   */
  answered(call: 'change-set-created' | 'executing', facts: { stackId: string; changeSetName: string; changeSetId: string }): void {
    this.keepFacts(facts);
    if (call === 'executing') this.operationSent = true;
  }

  private keepFacts(facts: JournalFacts): void {
    if (facts.stackId) this.record.stackId = facts.stackId;
    if (facts.changeSetName) this.record.changeSetName = facts.changeSetName;
    if (facts.changeSetId) this.record.changeSetId = facts.changeSetId;
  }

  /** The `at` of this run's last journal entry, in ms. */
  private lastJournalAt = 0;

  /** The lock the run works under: once it is lost, the next journal entry throws LockLost. */
  holdsLock(lock: StackLock): void {
    this.lock = lock;
  }

  /** The lock set by holdsLock (a restore this run starts works under it too). */
  get heldLock(): StackLock | undefined {
    return this.lock;
  }

  /** Overrides the exit code the final status would map to (the health watch's `prompt` case). */
  setExitCode(code: ExitCode | undefined): void {
    this.exitOverride = code;
  }

  get exitCode(): ExitCode {
    return this.exitOverride ?? exitCodeFor(this.record.status);
  }

  /** Ends the record: final status, finish time, journal `finished`, the finished event. */
  async finish(status: DeploymentStatus, reason?: string): Promise<DeploymentRecord> {
    if (!isFinal(status)) throw new DeployGuardError('Internal', `finish() with non-final status ${status}`);
    this.checkTransition(status);
    this.record.status = status;
    if (reason !== undefined) this.record.reason = this.masker.mask(reason);
    this.record.finishedAt = new Date().toISOString();
    // A version says how it was found good; a restore's check and a bake's alarms are already on the record.
    if (status === 'stable') this.record.verification ??= derivedVerification(this.record, this.record.finishedAt);
    await this.writeNarration().catch((err: unknown) => this.logger.warn(`could not write the run log: ${errorMessage(err)}`));
    // A team store keeps the log where other machines read it, sent beside the record (neither
    // waits for the other); the record says how the run ended either way. `finished` comes after
    // the record: a journal that says finished over a record that does not would hide the run.
    await Promise.all([
      this.stackHistory
        .storeLog(this.record.id)
        .catch((err: unknown) => this.logger.warn(`could not keep the run log: ${errorMessage(err)}`)),
      this.save(),
    ]);
    await this.journal('finished').catch((err: unknown) => this.logger.warn(`could not write the journal: ${errorMessage(err)}`));
    this.announceStatus(status, this.record.reason);
    this.emit({
      type: 'deployment-finished',
      status,
      ...(this.record.reason ? { reason: this.record.reason } : {}),
      exitCode: this.exitCode,
      durationMs: Date.now() - this.startedAtMs,
      ...(status === 'stable' && this.record.verification ? { verification: this.record.verification.kind } : {}),
    });
    return this.record;
  }

  /** What openEnding (inDoubt.ts) needs to know about this run when it stops. */
  stopFacts(): StopFacts {
    return { status: this.shown, operationSent: this.operationSent, verdictKnown: this.record.healthWatch?.verdict !== undefined };
  }

  /**
   * Ends this run without closing its record: `in-doubt` (the operation's outcome is unknown) or
   * `unverified` (live, its bake stopped). The journal says `in-doubt`, not `finished`, so the next
   * run of the stack, on any machine sharing the history, reattaches to it and watches it.
   */
  async leaveOpen(status: OpenStatus, reason: string): Promise<DeploymentRecord> {
    this.checkTransition(status);
    this.record.status = status;
    this.record.reason = this.masker.mask(reason);
    await this.writeNarration().catch((err: unknown) => this.logger.warn(`could not write the run log: ${errorMessage(err)}`));
    await this.save();
    // Without this line the next run still finds the open record by its status (unverifiedLiveVersion).
    await this.journal('in-doubt').catch((err: unknown) => this.logger.warn(`could not write the journal: ${errorMessage(err)}`));
    this.announceStatus(status, this.record.reason);
    this.emit({
      type: 'deployment-finished',
      status,
      reason: this.record.reason,
      exitCode: this.exitCode,
      durationMs: Date.now() - this.startedAtMs,
    });
    return this.record;
  }

  poller(stackId: string): StackPoller {
    return this.pollers.get(pollerScope(this.clients), stackId, () => this.clients.cloudFormation());
  }

  /** Hooks that connect a stack operation to this record, its journal and its events. */
  stackHooks(confirm?: StackDeployHooks['confirm']): StackDeployHooks {
    return {
      journal: (phase, facts) => this.journal(phase, facts),
      journalAhead: (phase, facts) => this.journalAhead(phase, facts),
      answered: (call, facts) => this.answered(call, facts),
      notice: (level, code, message) => this.notice(level, code, message),
      changeSetPlanned: (info) => {
        this.record.changes = info.changes;
        // The entry before the execute (and the status beside it) may have gone out while the
        // change set was planned: the plan follows with the next save.
        this.saveSoon();
        this.emit({ type: 'change-set-planned', ...info });
        const summary = info.empty
          ? 'Change set: no changes'
          : `Change set ${info.changeSetName} (${info.changeSetType}): ${info.changes.map((c) => `${c.action} ${c.logicalId}${c.replacement === 'True' ? ' [REPLACE]' : ''}`).join(', ') || 'no resource changes'}`;
        this.log(summary);
      },
      stackEvent: (e) => {
        const event: StackEventFacts = {
          eventId: e.eventId,
          timestamp: e.timestamp,
          logicalId: e.logicalId,
          resourceType: e.resourceType,
          ...(e.physicalId ? { physicalId: e.physicalId } : {}),
          status: e.status,
          ...(e.reason ? { reason: this.masker.mask(e.reason) } : {}),
          ...(e.stackPath ? { stackPath: e.stackPath } : {}),
        };
        const kept = (this.record.stackEvents ??= []);
        kept.push(event);
        if (kept.length > STACK_EVENTS_KEPT) kept.splice(0, kept.length - STACK_EVENTS_KEPT);
        this.emit({ type: 'stack-event', ...event });
        const where = e.stackPath ? `${e.stackPath} › ${e.logicalId}` : e.logicalId;
        this.log(`${e.timestamp}  ${where} (${e.resourceType})  ${e.status}${e.reason ? `  ${e.reason}` : ''}`);
      },
      stackStatus: (s) => {
        this.record.stackStatus = s.status;
        this.emit({
          type: 'stack-status',
          stackName: s.stackName,
          stackId: s.stackId,
          status: s.status,
          ...(s.reason ? { reason: this.masker.mask(s.reason) } : {}),
        });
      },
      stackKnown: (stackId) => {
        this.record.stackId = stackId;
      },
      templateUploaded: (url) => {
        (this.record as { template: DeploymentRecord['template'] }).template = { ...this.record.template, url };
      },
      ...(confirm ? { confirm } : {}),
    };
  }
}

/** Pollers are shared per endpoint and region (and then per stack ARN). */
export function pollerScope(clients: AwsClients): string {
  return `${clients.target.endpoint ?? 'aws'}|${clients.target.region}|${clients.target.profile ?? ''}`;
}

/** The ClientRequestToken of a deployment's stack operation (see requestTokenFor). */
export const tokenFor = requestTokenFor;
