/**
 * Coalesces "something changed" into at most one flush per interval (≤ 10 messages a second at
 * 100 ms). The first change after a quiet spell flushes at once, so a lone event is not delayed;
 * a burst (a step printing 100,000 lines) becomes one message per interval.
 * No `vscode` import; timers are injected so tests can drive it.
 */
import type { Disposable } from '../../core/disposable';
import { FLUSH_INTERVAL_MS } from '../../shared/protocol';

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
  private disposed = false;

  constructor(
    private readonly flush: () => void,
    private readonly intervalMs: number = FLUSH_INTERVAL_MS,
    private readonly timers: SchedulerTimers = realTimers,
  ) {}

  /** Something changed: flush now, or at the end of the current interval. */
  request(): void {
    if (this.disposed || this.timer !== undefined) return;
    const wait = this.lastFlush + this.intervalMs - this.timers.now();
    if (wait <= 0) {
      this.run();
      return;
    }
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, wait);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private run(): void {
    if (this.disposed) return;
    this.lastFlush = this.timers.now();
    this.flush();
  }
}
