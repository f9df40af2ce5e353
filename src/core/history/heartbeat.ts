/**
 * A lock holder's heartbeat: `beat` runs every `intervalMs` as a self-scheduling loop (never two
 * beats at once) until it answers `false` (the lock is no longer ours) or the loop is stopped.
 * `stop()` waits for a beat in flight: a write that beat started must not land after the caller's
 * release removed the lock (it would leave a lock behind for nobody). A beat that throws ends the
 * loop as `false` does; it never becomes an unhandled rejection.
 */
export interface Heartbeat {
  stop(): Promise<void>;
}

export function startHeartbeat(beat: () => Promise<boolean>, intervalMs: number): Heartbeat {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let beating: Promise<void> | undefined;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      beating = beat()
        .then(
          (goOn) => {
            if (goOn) schedule();
          },
          () => undefined,
        )
        .finally(() => (beating = undefined));
    }, intervalMs);
    timer.unref();
  };
  schedule();
  return {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await beating;
    },
  };
}
