import type { Disposable } from './disposable';

export type Listener<T> = (event: T) => void;

/** A minimal typed event emitter (the engine cannot use vscode.EventEmitter). */
export class Emitter<T> implements Disposable {
  private listeners = new Set<Listener<T>>();

  /** Subscribes; dispose the result to unsubscribe. */
  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(event: T): void {
    for (const listener of [...this.listeners]) {
      // One faulty view must not stop the others from hearing the engine.
      try {
        listener(event);
      } catch {
        /* a listener's own error is its own business */
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}
