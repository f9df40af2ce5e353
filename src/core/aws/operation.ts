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

export interface OperationResult {
  readonly status: string;
  readonly outcome: Exclude<Outcome, 'running'>;
  /** The first failed resource's reason, or the stack's status reason. */
  readonly reason?: string;
  readonly stack?: StackInfo;
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
}

// Some emulators (moto) put no ClientRequestToken on events; then the event's time decides.
function isOurs(e: StackEventInfo, token: string, since: number): boolean {
  if (e.clientRequestToken !== undefined) return e.clientRequestToken === token;
  return Date.parse(e.timestamp) >= since - 250;
}

const SECONDARY_REASON = /cancelled|canceled/i;

/** The first failed resource's reason; "Resource creation cancelled" only if nothing better. */
export function firstFailureReason(events: readonly StackEventInfo[], stackName: string): string | undefined {
  const failed = events.filter((e) => e.status.endsWith('_FAILED') && e.reason);
  const resource = failed.filter((e) => e.logicalId !== stackName);
  const best = resource.find((e) => !SECONDARY_REASON.test(e.reason!)) ?? resource[0] ?? failed[0];
  return best ? `${best.logicalId} (${best.resourceType}): ${best.reason}` : undefined;
}

export function followOperation(options: FollowOptions): Promise<OperationResult> {
  const lostContactMs = options.lostContactMs ?? 5 * 60_000;
  const acceptAfter = options.acceptWithoutEventsMs ?? 10_000;
  const ours: StackEventInfo[] = [];
  let sawOurStackEvent = false;
  let sawRunning = false;
  let failingSince: number | undefined;
  let lastStatus: string | undefined;

  return new Promise<OperationResult>((resolve, reject) => {
    let done = false;
    // Assigned after subscribe(), which may call back synchronously (replay) before it returns.
    // eslint-disable-next-line prefer-const
    let subscription: { dispose(): void } | undefined;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      subscription?.dispose();
      options.signal.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => finish(() => reject(new DeployGuardError('Cancelled', 'Following the stack operation was cancelled')));

    const onUpdate = (update: PollUpdate) => {
      if (done) return;
      if (update.error) {
        if (update.error.kind === 'aborted') return;
        failingSince ??= update.at;
        const k = update.error.kind;
        if (k === 'auth' || k === 'authExpired' || k === 'noCredentials') {
          finish(() =>
            reject(
              new DeployGuardError(
                'CredentialsExpired',
                `Lost access to the stack while following it: ${update.error!.name}: ${update.error!.message}`,
                {
                  cause: update.error!.cause,
                  hint: 'CloudFormation continues on its own; sign in again and run the same deploy to reattach (nothing is rolled back)',
                },
              ),
            ),
          );
          return;
        }
        options.onPollError?.(update.error);
        if (update.at - failingSince > lostContactMs) {
          finish(() =>
            reject(
              new DeployGuardError(
                'StackNeedsAttention',
                `Could not read the stack for ${Math.round(lostContactMs / 1000)} s (${update.error!.name}: ${update.error!.message})`,
                {
                  cause: update.error!.cause,
                  hint: 'CloudFormation continues on its own; run the same deploy again to reattach',
                },
              ),
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
        finish(() => resolve({ status: 'DELETE_COMPLETE', outcome: 'deleted', reason: 'The stack no longer exists' }));
        return;
      }
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
      const failure = firstFailureReason(ours, options.stackName);
      const reason = meaning.outcome === 'succeeded' ? undefined : (failure ?? stack.reason ?? meaning.explain);
      finish(() =>
        resolve({ status: stack.status, outcome: meaning.outcome as Exclude<Outcome, 'running'>, ...(reason ? { reason } : {}), stack }),
      );
    };

    if (options.signal.aborted) {
      done = true;
      reject(new DeployGuardError('Cancelled', 'Following the stack operation was cancelled'));
      return;
    }
    options.signal.addEventListener('abort', onAbort, { once: true });
    subscription = options.poller.subscribe(onUpdate);
    if (done) subscription.dispose();
    else options.poller.kick();
  });
}

/** Waits (bounded) until the stack is not busy; returns its settled info. */
export async function waitUntilSettled(
  poller: StackPoller,
  timeoutMs: number,
  signal: AbortSignal,
  onStatus?: (stack: StackInfo) => void,
): Promise<StackInfo | undefined> {
  return new Promise((resolve, reject) => {
    let last: string | undefined;
    // eslint-disable-next-line prefer-const
    let sub: { dispose(): void } | undefined;
    let settled = false;
    const timer = setTimeout(() => {
      sub?.dispose();
      reject(
        new DeployGuardError(
          'StackBusy',
          `The stack was still busy (${last ?? 'unknown'}) after waiting ${Math.round(timeoutMs / 1000)} s`,
          {
            hint: 'another operation is running on it; try again when it has finished',
          },
        ),
      );
    }, timeoutMs);
    const onAbort = () => {
      clearTimeout(timer);
      sub?.dispose();
      reject(new DeployGuardError('Cancelled', 'Waiting for the stack was cancelled'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = (value: StackInfo | undefined) => {
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      sub?.dispose();
      resolve(value);
    };
    sub = poller.subscribe((u) => {
      if (u.error || settled) return;
      if (!u.stack) {
        settle(undefined);
        return;
      }
      if (u.stack.status !== last) {
        last = u.stack.status;
        onStatus?.(u.stack);
      }
      if (interpretStackStatus(u.stack.status).start !== 'wait') settle(u.stack);
    });
    if (settled) sub.dispose();
    else poller.kick();
  });
}

export type { CloudFormationClient };
