/**
 * Deploying a stack the way a careful engineer would: read the stack's real state,
 * decide create/update/wait/refuse by an exact status match, create a change set, show what it
 * will change, execute it with a ClientRequestToken written to the journal first, and follow the
 * operation's own events until its terminal status.
 */
import type { Capability, CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DeployGuardError, isCancellation } from '../errors';
import type { PlannedChange } from '../events';
import type { JournalPhase } from '../history/record';
import { objectUrl } from './artifactStore';
import { classifyAwsError, isTerminationProtectionRefusal, toDeployGuardError } from './awsErrors';
import { planLiveToTarget, type LiveToTarget, type RehearsalPlan } from './rollbackRehearsal';
import type { AwsClients } from './clients';
import { followOperation, waitUntilSettled, type OperationResult } from './operation';
import type { SdkParameter } from './parameters';
import {
  deleteChangeSet,
  describeChangeSet,
  describeStack,
  isEmptyChangeSet,
  waitForChangeSet,
  type StackEventInfo,
  type StackInfo,
} from './stackApi';
import type { StackPoller } from './stackPoller';
import { interpretStackStatus } from './stackStatus';
import { checkTemplateSize, sha256, type LoadedTemplate } from './template';
import { loadAwsSdk } from './sdk';

/** What the stack deploy tells its caller while it works (the deployment turns these into events). */
export interface StackDeployHooks {
  /** Called (and awaited) before every mutating AWS call: write the journal here. */
  journal(phase: JournalPhase, facts: { stackId?: string; changeSetName?: string; changeSetId?: string }): Promise<void>;
  /**
   * The same entry started ahead of its call, while reads that decide nothing about it go on; the
   * function it returns is called (and awaited) just before the call, and checks again what the
   * entry checked (the lock) as well as waiting for the write.
   */
  journalAhead(phase: JournalPhase, facts: { stackId?: string; changeSetName?: string; changeSetId?: string }): () => Promise<void>;
  /**
   * CloudFormation answered a mutating call: the facts it named, for the journal entries before
   * later calls. No entry is written for an answer (rule at DeploymentRun.answered).
   */
  answered(call: 'change-set-created' | 'executing', facts: { stackId: string; changeSetName: string; changeSetId: string }): void;
  notice(level: 'info' | 'warning' | 'error', code: string, message: string): void;
  changeSetPlanned(info: {
    changeSetName: string;
    changeSetId?: string;
    changeSetType: 'CREATE' | 'UPDATE';
    changes: PlannedChange[];
    empty: boolean;
  }): void;
  stackEvent(event: StackEventInfo): void;
  stackStatus(stack: StackInfo): void;
  /** Ask before executing (prod confirm); undefined = go ahead. */
  confirm?(changes: readonly PlannedChange[]): Promise<boolean>;
  /** The stack's ARN became known. */
  stackKnown?(stackId: string): void;
  /** The template was uploaded to S3 (over the inline limit) and is deployed from this URL. */
  templateUploaded?(url: string): void;
  /** The rollback rehearsal's live → target plan, beside the deploy's planned changes (before `confirm`). */
  rollbackRehearsed?(liveToTarget: LiveToTarget, deployChanges: readonly PlannedChange[]): void;
}

export interface StackDeployInput {
  readonly clients: AwsClients;
  readonly poller: (stackId: string) => StackPoller;
  readonly stackName: string;
  readonly template: LoadedTemplate;
  readonly templateBucket?: string;
  /** Builds parameters once it is known which keys the stack has now (undefined = creating). */
  readonly parameters: (existingKeys: ReadonlySet<string> | undefined) => SdkParameter[];
  readonly tags: Readonly<Record<string, string>>;
  readonly capabilities: readonly string[];
  /** The service role CloudFormation acts as for this change set (RoleARN). */
  readonly roleArn?: string;
  readonly rollbackTriggers?: readonly string[];
  /**
   * SNS topics for the stack's events (NotificationARNs). Absent: not sent, so CloudFormation keeps
   * the topics the stack has (a rollback, which does not know the pipeline's, changes nothing).
   */
  readonly notificationArns?: readonly string[];
  /** ClientRequestToken of this deployment's operation (from the deployment id). */
  readonly token: string;
  readonly changeSetName: string;
  /** Delete and recreate a stack left in ROLLBACK_COMPLETE by a failed create. */
  readonly replaceFailedStack?: boolean;
  /** Wait this long for another operation to finish (0 = refuse at once). */
  readonly waitIfBusyMs: number;
  /** Pause between DescribeChangeSet calls while it is being created (adaptive up to 2 s). */
  readonly changeSetPollMs?: number;
  readonly followTiming?: { readonly lostContactMs?: number; readonly acceptWithoutEventsMs?: number };
  /** Plan the change set a rollback to this version would need, beside the deploy's (updates only). */
  readonly rehearsal?: RehearsalPlan;
  readonly hooks: StackDeployHooks;
  readonly signal: AbortSignal;
}

export type StackDeployResult =
  | { readonly kind: 'unchanged'; readonly stackId: string }
  | { readonly kind: 'declined'; readonly stackId?: string }
  | ({ readonly kind: 'executed'; readonly stackId: string; readonly changes: PlannedChange[] } & OperationResult);

export async function deployStack(input: StackDeployInput): Promise<StackDeployResult> {
  const { hooks, signal } = input;
  const where = `stack ${input.stackName}`;
  const placement = checkTemplateSize(input.template, input.templateBucket);
  const cfn = await input.clients.cloudFormation();
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw toDeployGuardError(err, `${what} (${where})`, { ...input.clients.target });
    }
  };

  // The entry before the change set names it, whatever the read finds: written while the stack is read.
  const changeSetRequested = hooks.journalAhead('change-set-requested', { changeSetName: input.changeSetName });
  let stack = await call('Reading the stack', () => describeStack(cfn, input.stackName, signal));
  stack = await settleStartState(input, cfn, stack);
  if (stack) hooks.stackKnown?.(stack.stackId);
  const changeSetType: 'CREATE' | 'UPDATE' = !stack || interpretStackStatus(stack.status).start === 'create' ? 'CREATE' : 'UPDATE';
  const existingKeys = changeSetType === 'UPDATE' && stack ? new Set(stack.parameters.keys()) : undefined;

  const templateSource: { TemplateBody?: string; TemplateURL?: string } =
    placement === 'inline'
      ? { TemplateBody: input.template.body }
      : { TemplateURL: await call('Uploading the template to S3', () => uploadTemplate(input)) };
  if (templateSource.TemplateURL) hooks.templateUploaded?.(templateSource.TemplateURL);

  const { CreateChangeSetCommand, ExecuteChangeSetCommand } = (await loadAwsSdk()).cloudFormation;
  await changeSetRequested();
  const created = await call(`Creating change set ${input.changeSetName}`, () =>
    noopAsUndefined(
      cfn.send(
        new CreateChangeSetCommand({
          StackName: input.stackName,
          ChangeSetName: input.changeSetName,
          ChangeSetType: changeSetType,
          ...templateSource,
          Parameters: input.parameters(existingKeys),
          Capabilities: input.capabilities.length > 0 ? (input.capabilities as Capability[]) : undefined,
          ...(input.roleArn ? { RoleARN: input.roleArn } : {}),
          Tags: Object.entries(input.tags).map(([Key, Value]) => ({ Key, Value })),
          ...(input.rollbackTriggers && input.rollbackTriggers.length > 0
            ? {
                RollbackConfiguration: { RollbackTriggers: input.rollbackTriggers.map((Arn) => ({ Arn, Type: 'AWS::CloudWatch::Alarm' })) },
              }
            : {}),
          ...(input.notificationArns ? { NotificationARNs: [...input.notificationArns] } : {}),
          // Nested stacks' own changes are planned too, so the plan shows (and the confirmation
          // covers) what changes inside them, not only "Modify Database".
          ...(hasNestedStacks(input.template.body) ? { IncludeNestedStacks: true } : {}),
          ClientToken: input.token,
          Description: `Deploy Guard ${input.token}`,
        }),
        { abortSignal: signal },
      ),
    ),
  );
  if (!created) {
    // Some endpoints (and UpdateStack-style checks) refuse an identical template and parameters
    // outright with "No updates are to be performed." instead of a FAILED change set.
    hooks.changeSetPlanned({ changeSetName: input.changeSetName, changeSetType, changes: [], empty: true });
    return { kind: 'unchanged', stackId: stack?.stackId ?? '' };
  }
  const stackId = created.StackId ?? stack?.stackId;
  const changeSetId = created.Id ?? input.changeSetName;
  if (!stackId)
    throw new DeployGuardError(
      'AwsRequestFailed',
      `CloudFormation created change set ${input.changeSetName} but named no stack (${where})`,
    );
  hooks.stackKnown?.(stackId);
  hooks.answered('change-set-created', { stackId, changeSetName: input.changeSetName, changeSetId });
  // Without a question to ask, the entry before the execute is written while the change set is
  // planned: a run stopped before the execute leaves a change set that its resume finds unexecuted
  // and drops, as it would after any entry before the execute.
  const facts = { stackId, changeSetName: input.changeSetName, changeSetId };
  const executeRequested = hooks.confirm ? () => hooks.journal('execute-requested', facts) : hooks.journalAhead('execute-requested', facts);

  // Planned while CloudFormation plans the deploy's own change set: it adds calls, not wall time.
  const rehearsal =
    input.rehearsal && stack && changeSetType === 'UPDATE'
      ? planLiveToTarget(cfn, stack, input.rehearsal, input.changeSetPollMs ?? 200, signal)
      : undefined;
  // It rejects only when the run is cancelled, perhaps while the deploy's own wait is still going:
  // handled at once, so that is never an unhandled rejection; it is awaited below.
  rehearsal?.catch(() => undefined);
  let changeSet;
  let liveToTarget: LiveToTarget | undefined;
  try {
    changeSet = await waitForChangeSet(cfn, changeSetId, stackId, input.changeSetPollMs ?? 200, signal);
    liveToTarget = await rehearsal;
  } catch (err) {
    await deleteChangeSet(cfn, changeSetId, stackId);
    // The rehearsal deletes its own change set; the run does not end before it has.
    await rehearsal?.catch(() => undefined);
    if (isCancellation(err)) throw err;
    throw toDeployGuardError(err, `Waiting for change set ${input.changeSetName} (${where})`);
  }
  const empty = isEmptyChangeSet(changeSet);
  hooks.changeSetPlanned({ changeSetName: input.changeSetName, changeSetId, changeSetType, changes: changeSet.changes, empty });
  if (liveToTarget && !empty && changeSet.status !== 'FAILED') hooks.rollbackRehearsed?.(liveToTarget, changeSet.changes);
  if (empty) {
    await deleteChangeSet(cfn, changeSetId, stackId);
    return { kind: 'unchanged', stackId };
  }
  if (changeSet.status === 'FAILED') {
    await deleteChangeSet(cfn, changeSetId, stackId);
    throw new DeployGuardError(
      'StackFailed',
      `CloudFormation could not plan the change for ${where}: ${changeSet.reason ?? 'no reason given'}`,
      {
        hint: 'fix the template or parameters; the stack was not changed',
      },
    );
  }
  for (const c of changeSet.changes) {
    if (c.replacement === 'True')
      hooks.notice('warning', 'replacement', `${c.logicalId} (${c.resourceType}) will be REPLACED: deleted and created again`);
    else if (c.replacement === 'Conditional')
      hooks.notice(
        'warning',
        'replacement',
        `${c.logicalId} (${c.resourceType}) may be replaced, depending on values known only during the update`,
      );
  }
  if (hooks.confirm && !(await hooks.confirm(changeSet.changes))) {
    await deleteChangeSet(cfn, changeSetId, stackId);
    return { kind: 'declined', stackId };
  }

  await executeRequested();
  const since = Date.now();
  try {
    await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: changeSetId, StackName: stackId, ClientRequestToken: input.token }), {
      abortSignal: signal,
    });
  } catch (err) {
    // The answer was lost but the request may have landed (a reset after the body was sent):
    // the change set's own execution status says whether it did. Never execute something else.
    const executed = await wasExecuted(cfn, changeSetId, stackId);
    if (executed === 'unknown') {
      // Neither answer came back (credentials expired, the network gone): the update may be
      // running. The run stays in doubt; the next one reads the change set again and follows it.
      throw new DeployGuardError(
        'OutcomeUnknown',
        `Executing change set ${input.changeSetName} (${where}): the answer was lost (${classifyAwsError(err).name}) and the change set could not be read to tell whether CloudFormation started the update`,
        { cause: err, hint: 'sign in again and run the same deploy to reattach (nothing is rolled back)' },
      );
    }
    if (executed === 'no') {
      await deleteChangeSet(cfn, changeSetId, stackId);
      throw toDeployGuardError(err, `Executing change set ${input.changeSetName} (${where})`, { ...input.clients.target });
    }
    hooks.notice(
      'info',
      'execute-reconciled',
      'The execute call failed in transit, but CloudFormation had accepted it; following the update',
    );
  }
  hooks.answered('executing', { stackId, changeSetName: input.changeSetName, changeSetId });
  let result: OperationResult;
  try {
    result = await followStack(
      { ...input, ...(hasNestedStacks(input.template.body) ? { nested: { clients: input.clients } } : {}) },
      stackId,
      since,
    );
  } catch (err) {
    // Cancelled by the user while CloudFormation updates: ask it to roll the update back (a
    // create cannot be cancelled; it runs to its end and the next deploy sees how it ended).
    if (isCancellation(err) && changeSetType === 'UPDATE') await requestCancelUpdate(cfn, stackId, input.token, hooks);
    throw err;
  }
  return { kind: 'executed', stackId, changes: changeSet.changes, ...result };
}

/** Follows this deployment's operation on the stack (also used when resuming after a crash). */
export function followStack(
  input: Pick<StackDeployInput, 'poller' | 'stackName' | 'token' | 'hooks' | 'signal' | 'followTiming'> & {
    /** Follow the nested stacks' events too (the template has nested stacks). */
    readonly nested?: { readonly clients: AwsClients };
  },
  stackId: string,
  since: number,
): Promise<OperationResult> {
  return followOperation({
    ...(input.nested ? { nested: { cfn: () => input.nested!.clients.cloudFormation(), stackId } } : {}),
    poller: input.poller(stackId),
    stackName: input.stackName,
    token: input.token,
    since,
    signal: input.signal,
    onEvent: (e) => input.hooks.stackEvent(e),
    onStatus: (s) => input.hooks.stackStatus(s),
    onPollError: (e) =>
      input.hooks.notice(
        'warning',
        e.kind === 'throttle' ? 'throttled' : 'poll-failed',
        `Reading the stack failed (${e.name}: ${e.message}); retrying`,
      ),
    ...input.followTiming,
  });
}

/** Resolves what the stack's state at the start means: wait, refuse, replace, or go. */
async function settleStartState(
  input: StackDeployInput,
  cfn: CloudFormationClient,
  stack: StackInfo | undefined,
): Promise<StackInfo | undefined> {
  const { hooks } = input;
  for (let round = 0; round < 3; round++) {
    if (!stack) return undefined;
    const meaning = interpretStackStatus(stack.status);
    switch (meaning.start) {
      case 'create':
      case 'update':
        return stack;
      case 'wait': {
        const who = await describeRunningOperation(cfn, stack, input.signal);
        if (input.waitIfBusyMs <= 0) {
          throw new DeployGuardError('StackBusy', `Stack ${stack.stackName} is in ${stack.status}: ${meaning.explain}${who}`, {
            hint: 'wait for that operation to finish, or deploy with a wait (--wait-if-busy)',
          });
        }
        hooks.notice(
          'info',
          'waiting-for-stack',
          `Stack ${stack.stackName} is in ${stack.status}${who}; waiting up to ${Math.round(input.waitIfBusyMs / 1000)} s for it to finish`,
        );
        stack = await waitUntilSettled(input.poller(stack.stackId), input.waitIfBusyMs, input.signal, (s) => hooks.stackStatus(s));
        continue;
      }
      case 'replace': {
        if (!input.replaceFailedStack) {
          throw new DeployGuardError('StackNeedsAttention', `Stack ${stack.stackName} is in ROLLBACK_COMPLETE: ${meaning.explain}`, {
            hint: 'deploy again with --replace-failed-stack to delete it and create it again (its resources are already gone)',
          });
        }
        if (stack.terminationProtection) throw terminationProtected(stack.stackName);
        await replaceFailedStack(input, cfn, stack);
        return undefined;
      }
      case 'attention': {
        const recover = stack.status === 'UPDATE_ROLLBACK_FAILED';
        throw new DeployGuardError('StackNeedsAttention', `Stack ${stack.stackName} is in ${stack.status}: ${meaning.explain}`, {
          hint: recover
            ? 'run "deployguard recover ENV" to continue the rollback (name resources to skip only if you know they are safe to skip)'
            : 'fix it in the CloudFormation console; Deploy Guard will not guess',
        });
      }
      default: {
        const never: never = meaning.start;
        throw new DeployGuardError('Internal', `unhandled start action ${String(never)}`);
      }
    }
  }
  throw new DeployGuardError('StackBusy', `Stack ${input.stackName} kept changing state while Deploy Guard waited`);
}

/** A failed stack Deploy Guard may not delete: its termination protection is for its owner to lift. */
function terminationProtected(stackName: string, cause?: unknown): DeployGuardError {
  return new DeployGuardError(
    'StackNeedsAttention',
    `Stack ${stackName} is in ROLLBACK_COMPLETE and has termination protection, so it cannot be deleted`,
    {
      ...(cause !== undefined ? { cause } : {}),
      hint: 'turn termination protection off yourself (Deploy Guard never does), then deploy with --replace-failed-stack',
    },
  );
}

async function replaceFailedStack(input: StackDeployInput, cfn: CloudFormationClient, stack: StackInfo): Promise<void> {
  const { DeleteStackCommand } = (await loadAwsSdk()).cloudFormation;
  input.hooks.notice(
    'warning',
    'replacing-failed-stack',
    `Deleting stack ${stack.stackName} (ROLLBACK_COMPLETE after a failed create) to create it again, as asked`,
  );
  const token = `${input.token}-delete`.slice(0, 128);
  await input.hooks.journal('delete-requested', { stackId: stack.stackId });
  const since = Date.now();
  try {
    await cfn.send(new DeleteStackCommand({ StackName: stack.stackId, ClientRequestToken: token }), { abortSignal: input.signal });
  } catch (err) {
    // Protection turned on after the stack was read: the owner's guard against this delete, never lifted here.
    if (isTerminationProtectionRefusal(err)) throw terminationProtected(stack.stackName, err);
    throw toDeployGuardError(err, `Deleting stack ${stack.stackName}`);
  }
  const result = await followOperation({
    poller: input.poller(stack.stackId),
    stackName: stack.stackName,
    token,
    since,
    signal: input.signal,
    onEvent: (e) => input.hooks.stackEvent(e),
    onStatus: (s) => input.hooks.stackStatus(s),
    ...input.followTiming,
  });
  if (result.outcome !== 'deleted') {
    throw new DeployGuardError(
      'StackNeedsAttention',
      `Deleting stack ${stack.stackName} ended in ${result.status}: ${result.reason ?? ''}`,
    );
  }
}

/** ", started by <token>: <latest reason>" — who is running the operation we found. */
async function describeRunningOperation(cfn: CloudFormationClient, stack: StackInfo, signal: AbortSignal): Promise<string> {
  try {
    const { DescribeStackEventsCommand } = (await loadAwsSdk()).cloudFormation;
    const out = await cfn.send(new DescribeStackEventsCommand({ StackName: stack.stackId }), { abortSignal: signal });
    const latest = out.StackEvents?.find((e) => e.LogicalResourceId === stack.stackName);
    if (!latest) return '';
    const by = latest.ClientRequestToken ? ` (operation ${latest.ClientRequestToken}` : ' (operation';
    return `${by} since ${latest.Timestamp?.toISOString() ?? '?'}${latest.ResourceStatusReason ? `: ${latest.ResourceStatusReason}` : ''})`;
  } catch {
    return '';
  }
}

async function requestCancelUpdate(cfn: CloudFormationClient, stackId: string, token: string, hooks: StackDeployHooks): Promise<void> {
  const { CancelUpdateStackCommand } = (await loadAwsSdk()).cloudFormation;
  try {
    await hooks.journal('cancel-requested', { stackId });
    await cfn.send(new CancelUpdateStackCommand({ StackName: stackId, ClientRequestToken: `${token}-cancel`.slice(0, 128) }), {
      abortSignal: AbortSignal.timeout(15_000),
    });
    hooks.notice(
      'warning',
      'cancel-requested',
      'Cancel requested: CloudFormation rolls the update back to the previous version (UPDATE_ROLLBACK_IN_PROGRESS → UPDATE_ROLLBACK_COMPLETE)',
    );
  } catch (err) {
    hooks.notice(
      'error',
      'cancel-failed',
      `Could not cancel the update (${classifyAwsError(err).name}: ${classifyAwsError(err).message}); it continues in CloudFormation`,
    );
  }
}

/** Whether a template declares nested stacks (a resource of type AWS::CloudFormation::Stack). */
export function hasNestedStacks(body: string): boolean {
  return /["']?Type["']?\s*:\s*["']?AWS::CloudFormation::Stack\b/.test(body);
}

/** The bucket of a template URL, virtual-hosted (`b.s3.region.amazonaws.com/k`) or path style. */
export function bucketOfTemplateUrl(text: string): string | undefined {
  try {
    const url = new URL(text);
    const virtual = /^(.+)\.s3[.-]/.exec(url.hostname);
    if (virtual && url.hostname.endsWith('.amazonaws.com')) return virtual[1];
    return url.pathname.split('/').filter(Boolean)[0];
  } catch {
    return undefined;
  }
}

/** Resolves undefined for a "no updates are to be performed" refusal. */
async function noopAsUndefined<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch (err) {
    if (classifyAwsError(err).kind === 'noop') return undefined;
    throw err;
  }
}

/** Whether a change set was executed, by its own execution status: `unknown` when it cannot be read. */
async function wasExecuted(cfn: CloudFormationClient, id: string, stackId: string): Promise<'yes' | 'no' | 'unknown'> {
  try {
    const state = await describeChangeSet(cfn, id, stackId);
    return state.executionStatus !== undefined && state.executionStatus.startsWith('EXECUTE_') ? 'yes' : 'no';
  } catch (err) {
    // A change set that no longer exists was consumed by an execution.
    return classifyAwsError(err).kind === 'changeSetNotFound' ? 'yes' : 'unknown';
  }
}

async function uploadTemplate(input: StackDeployInput): Promise<string> {
  const bucket = input.templateBucket!;
  const key = `deployguard/${input.stackName}/${sha256(input.template.body)}.template`;
  const s3 = await input.clients.s3();
  const { PutObjectCommand } = (await loadAwsSdk()).s3;
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: input.template.body, ContentType: 'text/plain' }), {
    abortSignal: input.signal,
  });
  return objectUrl(input.clients.target, bucket, key);
}
