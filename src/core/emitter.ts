import type { Disposable } from './disposable';
import { errorMessage } from './errors';
import type { Logger } from './logger';

export type Listener<T> = (event: T) => void;

/** A minimal typed event emitter (the engine cannot use vscode.EventEmitter). */
export class Emitter<T> implements Disposable {
  private listeners = new Set<Listener<T>>();

  /**
   * `logger`: where a listener's failure is reported. A function, read only when one fails, so
   * an owner can pass `() => this.logger` from a field initializer before its constructor ran.
   */
  constructor(private readonly logger: () => Logger) {}

  /** Subscribes; dispose the result to unsubscribe. */
  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(event: T): void {
    for (const listener of [...this.listeners]) {
      // One faulty view must not stop the others from hearing the engine; its bug is logged.
      try {
        listener(event);
      } catch (err) {
        this.logger().error(`an event listener failed: ${errorMessage(err)}`, err);
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}
