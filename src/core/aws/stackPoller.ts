/**
 * One poller per stack, shared by every view and every operation that follows it: views never poll AWS themselves.
 * Adaptive: fast right after something happened (or after `kick()`), backing off while nothing
 * changes, with jitter so many windows/stacks never poll in lockstep. Never the SDK waiters,
 * which poll every 30–120 s and turn credential errors into silent retries.
 *
 * A failed poll is reported to subscribers and retried with a longer pause; it never ends
 * anything by itself — what a failure means is the subscriber's decision.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { Disposable } from '../disposable';
import { errorMessage, isCancellation } from '../errors';
import type { Logger } from '../logger';
import { sleep } from '../time';
import { classifyAwsError, type AwsErrorClass } from './awsErrors';
import { describeStack, newStackEvents, type StackEventInfo, type StackInfo } from './stackApi';

export interface PollUpdate {
  /** The stack as of this poll; undefined when it no longer exists. */
  readonly stack?: StackInfo;
  /** Events not delivered before, oldest first. */
  readonly events: readonly StackEventInfo[];
  /** Set when the poll failed; `stack`/`events` are then absent/empty. */
  readonly error?: AwsErrorClass & { readonly cause: unknown };
  /** Local time the poll answered (epoch ms). */
  readonly at: number;
}

export interface PollerTiming {
  /** First pause and the pause after anything changed. */
  readonly initialMs: number;
  /** Longest pause while nothing changes. */
  readonly maxMs: number;
  /** Longest pause after failures (throttling, network). */
  readonly maxErrorMs: number;
  readonly factor: number;
  /** ±fraction of each pause, randomised. */
  readonly jitter: number;
}

export const DEFAULT_POLLER_TIMING: PollerTiming = { initialMs: 250, maxMs: 3_000, maxErrorMs: 30_000, factor: 1.5, jitter: 0.2 };

/** The pause before the next poll (exported for the unit test). */
export function nextPauseMs(current: number, changed: boolean, failed: boolean, t: PollerTiming): number {
  if (failed) return Math.min(t.maxErrorMs, Math.max(t.initialMs, current) * 2);
  if (changed) return t.initialMs;
  return Math.min(t.maxMs, current * t.factor);
}

export function withJitter(ms: number, jitter: number, random: () => number = Math.random): number {
  return Math.max(1, Math.round(ms * (1 - jitter + 2 * jitter * random())));
}

type Listener = (update: PollUpdate) => void;

const REPLAY_LIMIT = 200;

export class StackPoller {
  private readonly listeners = new Set<Listener>();
  private readonly seen = new Set<string>();
  /** Recent events, replayed to a subscriber that joins late. */
  private readonly recent: StackEventInfo[] = [];
  private last?: PollUpdate;
  private running?: AbortController | undefined;
  private wake?: AbortController;
  private pauseMs: number;
  private firstPoll = true;

  constructor(
    private readonly client: () => Promise<CloudFormationClient>,
    readonly stackId: string,
    private readonly logger: Logger,
    private readonly timing: PollerTiming = DEFAULT_POLLER_TIMING,
    private readonly random: () => number = Math.random,
  ) {
    this.pauseMs = timing.initialMs;
  }

  /** Receives every poll from now on, after a replay of the recent events. Dispose to leave. */
  subscribe(listener: Listener): Disposable {
    this.listeners.add(listener);
    if (this.last) listener({ ...this.last, events: [...this.recent] });
    if (!this.running) this.start();
    return {
      dispose: () => {
        this.listeners.delete(listener);
        if (this.listeners.size === 0) this.stop();
      },
    };
  }

  /** Polls again right away and resets the backoff (after we started an operation). */
  kick(): void {
    this.pauseMs = this.timing.initialMs;
    this.wake?.abort();
  }

  private start(): void {
    const controller = new AbortController();
    this.running = controller;
    void this.loop(controller.signal);
  }

  private stop(): void {
    this.running?.abort();
    this.running = undefined;
    this.wake?.abort();
  }

  private async loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const update = await this.pollOnce(signal);
      if (signal.aborted) break;
      const changed = update.events.length > 0 || update.stack?.status !== this.last?.stack?.status;
      this.pauseMs = nextPauseMs(this.pauseMs, changed, update.error !== undefined, this.timing);
      if (!update.error) this.last = update;
      for (const listener of [...this.listeners]) {
        // A subscriber's bug must not stop the others, nor the polling; it is logged, not lost.
        try {
          listener(update);
        } catch (err) {
          this.logger.error(`a subscriber of the poller of ${this.stackId} failed: ${errorMessage(err)}`, err);
        }
      }
      this.wake = new AbortController();
      const both = AbortSignal.any([signal, this.wake.signal]);
      try {
        await sleep(withJitter(this.pauseMs, this.timing.jitter, this.random), both);
      } catch {
        /* woken early (kick) or stopped: the loop condition decides */
      }
    }
  }

  private async pollOnce(signal: AbortSignal): Promise<PollUpdate> {
    try {
      const cfn = await this.client();
      const stack = await describeStack(cfn, this.stackId, signal);
      const events = stack ? await newStackEvents(cfn, this.stackId, this.seen, signal, this.firstPoll ? 1 : 10) : [];
      this.firstPoll = false;
      for (const e of events) {
        this.seen.add(e.eventId);
        this.recent.push(e);
      }
      if (this.recent.length > REPLAY_LIMIT) this.recent.splice(0, this.recent.length - REPLAY_LIMIT);
      return { ...(stack ? { stack } : {}), events, at: Date.now() };
    } catch (err) {
      if (isCancellation(err) || signal.aborted) return { events: [], at: Date.now() };
      return { events: [], error: { ...classifyAwsError(err), cause: err }, at: Date.now() };
    }
  }
}

/** The shared pollers, one per (endpoint, region, stack ARN). */
export class StackPollers {
  private readonly pollers = new Map<string, StackPoller>();

  /** `logger`: where a subscriber's failure is reported (it never stops a poller). */
  constructor(
    private readonly logger: Logger,
    private readonly timing: PollerTiming = DEFAULT_POLLER_TIMING,
  ) {}

  get(scope: string, stackId: string, client: () => Promise<CloudFormationClient>): StackPoller {
    const key = `${scope}|${stackId}`;
    let poller = this.pollers.get(key);
    if (!poller) {
      poller = new StackPoller(client, stackId, this.logger, this.timing);
      this.pollers.set(key, poller);
    }
    return poller;
  }
}
