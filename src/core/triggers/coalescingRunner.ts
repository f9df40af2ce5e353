import type { Disposable } from '../disposable';
import { CancelledError } from '../errors';

export interface CoalescingRunnerOptions<T> {
  readonly task: (value: T, signal: AbortSignal) => Promise<void>;
  /** A task's failure; the runner carries on with the pending follow-up, if any. */
  readonly onError: (err: unknown) => void;
  /** How a newer request combines with the one already pending (default: the newer wins). */
  readonly merge?: (pending: T, newer: T) => T;
  /** After every change of `isRunning` / `hasPending`. */
  readonly onStateChange?: () => void;
}

/**
 * Runs one task at a time. A request while a task runs becomes the single pending follow-up;
 * later requests replace (or merge into) it, so the follow-up always carries the newest state and
 * stale work never queues up. Never two at once, never a queue.
 */
export class CoalescingRunner<T> implements Disposable {
  private running: Promise<void> | undefined;
  private pending: { value: T } | undefined;
  private readonly controller = new AbortController();
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: CoalescingRunnerOptions<T>) {}

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  get hasPending(): boolean {
    return this.pending !== undefined;
  }

  request(value: T): void {
    if (this.controller.signal.aborted) return;
    if (this.running) {
      const merge = this.options.merge ?? ((_p: T, newer: T) => newer);
      this.pending = this.pending ? { value: merge(this.pending.value, value) } : { value };
      this.options.onStateChange?.();
      return;
    }
    this.start(value);
  }

  /** Resolves once nothing runs and nothing is pending. */
  whenIdle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops the pending follow-up and aborts the running task's signal. */
  dispose(): void {
    this.pending = undefined;
    this.controller.abort(new CancelledError('Deploy trigger'));
  }

  private start(value: T): void {
    const run = (async () => {
      try {
        await this.options.task(value, this.controller.signal);
      } catch (err) {
        this.options.onError(err);
      }
    })();
    this.running = run;
    this.options.onStateChange?.();
    void run.then(() => {
      this.running = undefined;
      const next = this.pending;
      this.pending = undefined;
      if (next && !this.controller.signal.aborted) {
        this.start(next.value);
        return;
      }
      this.options.onStateChange?.();
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    });
  }
}
