/**
 * Following one stack operation to its end: the events of *this* operation only (filtered by its
 * ClientRequestToken), until the stack reaches a terminal status for it. Shared by a fresh deploy
 * and by a resume after a crash (which knows only the stack ARN and the token).
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DeployGuardError } from '../errors';
import { interpretStackStatus, type Outcome } from './stackStatus';
import type { StackEventInfo, StackInfo } from './stackApi';
import type { PollUpdate, StackPoller } from './stackPoller';
import type { AwsErrorClass } from './awsErrors';
import { NestedStackFollower, PATH_SEPARATOR } from './nestedStacks';

export interface OperationResult {
  readonly status: string;
  readonly outcome: Exclude<Outcome, 'running'>;
  /** The first failed resource's reason, or the stack's status reason. */
  readonly reason?: string;
  /** The failed resource `reason` names, when a resource's failure was the reason. */
  readonly failedResource?: FailedResource;
  readonly stack?: StackInfo;
}

export interface FailedResource {
  readonly logicalId: string;
  readonly resourceType: string;
  readonly reason: string;
  /** Set when it failed inside a nested stack: the path of stacks down to it. */
  readonly stackPath?: string;
}

export interface FollowOptions {
  readonly poller: StackPoller;
  readonly stackName: string;
  /** Only events carrying this token belong to the operation. */
  readonly token: string;
  /** When the operation was requested (epoch ms): token-less events before it are not ours. */
  readonly since: number;
  readonly signal: AbortSignal;
  readonly onEvent?: (event: StackEventInfo) => void;
  readonly onStatus?: (stack: StackInfo) => void;
  /** A poll failed and will be retried (throttling, network…). */
  readonly onPollError?: (error: AwsErrorClass) => void;
  /** Give up (needs a person) after failing polls for this long. Default 5 min. */
  readonly lostContactMs?: number;
  /**
   * Accept a terminal status without having seen an event of ours after this long (an emulator
   * may not put tokens on events, and a real stack answers with events within seconds). Default 10 s.
   */
  readonly acceptWithoutEventsMs?: number;
  /** The root stack has nested stacks: follow their events too (see nestedStacks.ts). */
  readonly nested?: { readonly cfn: () => Promise<CloudFormationClient>; readonly stackId: string };
}

// Some emulators (moto) put no ClientRequestToken on events; then the event's time decides.
function isOurs(e: StackEventInfo, token: string, since: number): boolean {
  if (e.clientRequestToken !== undefined) return e.clientRequestToken === token;
  return Date.parse(e.timestamp) >= since - 250;
}

const SECONDARY_REASON = /cancelled|canceled/i;

/**
 * The first failed resource's reason; "Resource creation cancelled" only if nothing better. A
 * resource that failed inside a nested stack is named with its path and wins over the nested
 * stack's own "embedded stack was not successfully updated" (the deepest one first):
 * `orders-prod › Database › Table: reason`.
 */
export function firstFailureReason(events: readonly StackEventInfo[], stackName: string): string | undefined {
  const best = firstFailure(events, stackName);
  return best ? describeFailure(best) : undefined;
}

function describeFailure(failed: FailedResource): string {
  return failed.stackPath
    ? `${failed.stackPath}${PATH_SEPARATOR}${failed.logicalId}: ${failed.reason}`
    : `${failed.logicalId} (${failed.resourceType}): ${failed.reason}`;
}

function failedResourceOf(e: StackEventInfo): FailedResource {
  return {
    logicalId: e.logicalId,
    resourceType: e.resourceType,
    reason: e.reason ?? '',
    ...(e.stackPath ? { stackPath: e.stackPath } : {}),
  };
}

/** The failed event `firstFailureReason` tells of. */
function firstFailure(events: readonly StackEventInfo[], stackName: string): FailedResource | undefined {
  const failed = events.filter((e) => e.status.endsWith('_FAILED') && e.reason);
  const depth = (e: StackEventInfo) => (e.stackPath ? e.stackPath.split(PATH_SEPARATOR).length : 0);
  const inside = failed
    .filter((e) => e.stackPath && e.resourceType !== 'AWS::CloudFormation::Stack' && !SECONDARY_REASON.test(e.reason!))
    .sort((a, b) => depth(b) - depth(a));
  const deepest = inside[0];
  if (deepest) return failedResourceOf(deepest);
  const resource = failed.filter((e) => e.logicalId !== stackName && !e.stackPath);
  const best = resource.find((e) => !SECONDARY_REASON.test(e.reason!)) ?? resource[0] ?? failed[0];
  return best ? failedResourceOf(best) : undefined;
}

/** Ends a wait on a stack poller: the first call wins, later ones do nothing. */
interface Settle<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

/**
 * Listens to a stack poller until `onUpdate` settles, exactly once: the first of resolve, reject,
 * cancellation (`signal`) or the timeout wins, and whichever wins unsubscribes, removes the abort
 * listener and clears the timer. Updates after that are not delivered.
 */
function untilSettled<T>(options: {
  readonly poller: StackPoller;
  readonly signal: AbortSignal;
  /** What was cancelled, for the Cancelled error. */
  readonly cancelled: string;
  readonly timeout?: { readonly ms: number; readonly error: () => Error };
  readonly onUpdate: (update: PollUpdate, settle: Settle<T>) => void;
}): Promise<T> {
  const { poller, signal } = options;
  return new Promise<T>((resolve, reject) => {
    let done = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Assigned after subscribe(), which may call back synchronously (replay) before it returns.
    // eslint-disable-next-line prefer-const
    let subscription: { dispose(): void } | undefined;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      subscription?.dispose();
      signal.removeEventListener('abort', onAbort);
      fn();
    };
    const settle: Settle<T> = { resolve: (value) => finish(() => resolve(value)), reject: (error) => finish(() => reject(error)) };
    const onAbort = () => settle.reject(new DeployGuardError('Cancelled', options.cancelled));

    if (signal.aborted) {
      done = true;
      reject(new DeployGuardError('Cancelled', options.cancelled));
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    if (options.timeout) {
      const { ms, error } = options.timeout;
      timer = setTimeout(() => settle.reject(error()), ms);
    }
    subscription = poller.subscribe((update) => {
      if (!done) options.onUpdate(update, settle);
    });
    if (done) subscription.dispose();
    else poller.kick();
  });
}

export function followOperation(options: FollowOptions): Promise<OperationResult> {
  const lostContactMs = options.lostContactMs ?? 5 * 60_000;
  const acceptAfter = options.acceptWithoutEventsMs ?? 10_000;
  const ours: StackEventInfo[] = [];
  let sawOurStackEvent = false;
  let sawRunning = false;
  let failingSince: number | undefined;
  let lastStatus: string | undefined;
  let finishing = false;
  const nested = options.nested
    ? new NestedStackFollower({
        cfn: options.nested.cfn,
        rootId: options.nested.stackId,
        rootName: options.stackName,
        isOurs: (e) => isOurs(e, options.token, options.since),
        onEvent: (e) => {
          ours.push(e);
          options.onEvent?.(e);
        },
        signal: options.signal,
      })
    : undefined;

  return untilSettled<OperationResult>({
    poller: options.poller,
    signal: options.signal,
    cancelled: 'Following the stack operation was cancelled',
    onUpdate: (update, settle) => {
      if (finishing) return;
      if (update.error) {
        if (update.error.kind === 'aborted') return;
        failingSince ??= update.at;
        const k = update.error.kind;
        if (k === 'auth' || k === 'authExpired' || k === 'noCredentials') {
          settle.reject(
            new DeployGuardError(
              'CredentialsExpired',
              `Lost access to the stack while following it: ${update.error.name}: ${update.error.message}`,
              {
                cause: update.error.cause,
                hint: 'CloudFormation continues on its own; sign in again and run the same deploy to reattach (nothing is rolled back)',
              },
            ),
          );
          return;
        }
        options.onPollError?.(update.error);
        if (update.at - failingSince > lostContactMs) {
          settle.reject(
            new DeployGuardError(
              'StackNeedsAttention',
              `Could not read the stack for ${Math.round(lostContactMs / 1000)} s (${update.error.name}: ${update.error.message})`,
              {
                cause: update.error.cause,
                hint: 'CloudFormation continues on its own; run the same deploy again to reattach',
              },
            ),
          );
        }
        return;
      }
      failingSince = undefined;
      for (const e of update.events) {
        if (!isOurs(e, options.token, options.since)) continue;
        ours.push(e);
        if (e.logicalId === options.stackName && e.resourceType === 'AWS::CloudFormation::Stack') sawOurStackEvent = true;
        options.onEvent?.(e);
      }
      const stack = update.stack;
      if (!stack) {
        settle.resolve({ status: 'DELETE_COMPLETE', outcome: 'deleted', reason: 'The stack no longer exists' });
        return;
      }
      nested?.poke(update.at);
      if (stack.status !== lastStatus) {
        lastStatus = stack.status;
        options.onStatus?.(stack);
      }
      const meaning = interpretStackStatus(stack.status);
      if (meaning.outcome === 'running') {
        sawRunning = true;
        return;
      }
      // Terminal — but is it ours, or the previous operation's end still showing?
      const confident = sawOurStackEvent || sawRunning || update.at - options.since > acceptAfter;
      if (!confident) return;
      const outcome: Exclude<Outcome, 'running'> = meaning.outcome;
      const resolve = () => {
        const failed = outcome === 'succeeded' ? undefined : firstFailure(ours, options.stackName);
        const failure = failed ? describeFailure(failed) : undefined;
        const reason = outcome === 'succeeded' ? undefined : (failure ?? stack.reason ?? meaning.explain);
        settle.resolve({
          status: stack.status,
          outcome,
          ...(reason ? { reason } : {}),
          // A resource of this stack's own template (what a stack policy names, what a person edits).
          ...(failed && failed.logicalId !== options.stackName && !failed.stackPath ? { failedResource: failed } : {}),
          stack,
        });
      };
      if (!nested) return resolve();
      // The nested stacks' last events are read before the result is decided (a failure inside
      // one is what the result names).
      finishing = true;
      void nested.settle().then(resolve);
    },
  });
}

/** Waits (bounded) until the stack is not busy; returns its settled info. */
export async function waitUntilSettled(
  poller: StackPoller,
  timeoutMs: number,
  signal: AbortSignal,
  onStatus?: (stack: StackInfo) => void,
): Promise<StackInfo | undefined> {
  let last: string | undefined;
  return untilSettled<StackInfo | undefined>({
    poller,
    signal,
    cancelled: 'Waiting for the stack was cancelled',
    timeout: {
      ms: timeoutMs,
      error: () =>
        new DeployGuardError(
          'StackBusy',
          `The stack was still busy (${last ?? 'unknown'}) after waiting ${Math.round(timeoutMs / 1000)} s`,
          {
            hint: 'another operation is running on it; try again when it has finished',
          },
        ),
    },
    onUpdate: (u, settle) => {
      if (u.error) return;
      if (!u.stack) {
        settle.resolve(undefined);
        return;
      }
      if (u.stack.status !== last) {
        last = u.stack.status;
        onStatus?.(u.stack);
      }
      if (interpretStackStatus(u.stack.status).start !== 'wait') settle.resolve(u.stack);
    },
  });
}

export type { CloudFormationClient };
