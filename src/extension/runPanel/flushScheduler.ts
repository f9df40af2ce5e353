/**
 * Coalesces "something changed" into at most one flush per interval (≤ 10 messages a second at
 * 100 ms). The first change after a quiet spell flushes at once, so a lone event is not delayed;
 * a burst (a step printing 100,000 lines) becomes one message per interval.
 *
 * Flow control: after a flush posted a message the caller may `awaitAck()`; no further flush
 * runs until `acknowledged()` (the webview applied it) or ACK_TIMEOUT_MS passed. Changes made
 * meanwhile are coalesced into the next message. Without it a burst queues megabytes of
 * messages in VS Code's one channel from the extension host to the workbench, and everything
 * else on that channel — a command's quick pick — waits behind them (README, panel benchmark).
 * No `vscode` import; timers are injected so tests can drive it.
 */
import type { Disposable } from '../../core/disposable';
import { FLUSH_INTERVAL_MS } from '../../shared/protocol';

/** A webview that never answers (busy, gone) holds deltas back this long at most. */
export const ACK_TIMEOUT_MS = 2000;

export interface SchedulerTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: SchedulerTimers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class FlushScheduler implements Disposable {
  private lastFlush = Number.NEGATIVE_INFINITY;
  private timer: unknown;
  private ackTimer: unknown;
  /** A request came while a message was waiting for its acknowledgement. */
  private heldBack = false;
  /** The gap before the next flush when it is not the usual interval (see `stretchNext`). */
  private nextGap: number | undefined;
  private disposed = false;

  constructor(
    private readonly flush: () => void,
    private readonly intervalMs: number = FLUSH_INTERVAL_MS,
    private readonly timers: SchedulerTimers = realTimers,
    private readonly ackTimeoutMs: number = ACK_TIMEOUT_MS,
  ) {}

  /** Whether a posted message waits for its acknowledgement. */
  get awaiting(): boolean {
    return this.ackTimer !== undefined;
  }

  /** Something changed: flush now, or at the end of the current interval (or once acknowledged). */
  request(): void {
    if (this.disposed) return;
    if (this.ackTimer !== undefined) {
      this.heldBack = true;
      return;
    }
    if (this.timer !== undefined) return;
    const wait = this.lastFlush + (this.nextGap ?? this.intervalMs) - this.timers.now();
    if (wait <= 0) {
      this.run();
      return;
    }
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, wait);
  }

  /**
   * The flush that just ran carried a burst: the next one waits `ms` instead of the interval.
   * A step printing thousands of lines a second then costs the webview (and the workbench it
   * shares a renderer with) a few repaints a second instead of ten, and each message carries
   * more; nobody reads lines scrolling by at that speed, and a quiet run keeps the short interval.
   */
  stretchNext(ms: number): void {
    this.nextGap = Math.max(ms, this.intervalMs);
  }

  /** A message just went out: hold further flushes until it is acknowledged (or timed out). */
  awaitAck(): void {
    if (this.disposed) return;
    if (this.ackTimer !== undefined) this.timers.clearTimeout(this.ackTimer);
    this.ackTimer = this.timers.setTimeout(() => this.acknowledged(), this.ackTimeoutMs);
  }

  /** The webview applied the last message: flush what was held back. */
  acknowledged(): void {
    if (this.ackTimer === undefined) return;
    this.timers.clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    if (this.heldBack) {
      this.heldBack = false;
      this.request();
    }
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    if (this.ackTimer !== undefined) this.timers.clearTimeout(this.ackTimer);
    this.timer = undefined;
    this.ackTimer = undefined;
  }

  private run(): void {
    if (this.disposed) return;
    if (this.ackTimer !== undefined) {
      this.heldBack = true; // a snapshot went out while this flush was pending
      return;
    }
    this.lastFlush = this.timers.now();
    this.nextGap = undefined;
    this.flush();
  }
}
