import { spawn, type ChildProcess } from 'node:child_process';
import { LineSplitter, DEFAULT_MAX_LINE_LENGTH } from './lineSplitter';
import { killProcessGroup, processGroupAlive } from './processGroup';

export type OutputStream = 'stdout' | 'stderr';

export interface RunProcessOptions {
  /** The program; never a shell string. Arguments go in `args`, one per element. */
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** The complete environment of the child (nothing is inherited implicitly). */
  readonly env: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  /** Kill the whole process group after this long. */
  readonly timeoutMs?: number;
  /** Each complete output line, already decoded (invalid UTF-8 replaced) and length-capped. */
  readonly onLine?: (stream: OutputStream, line: string) => void;
  /** Instead of onLine: the complete lines of each chunk the pipe delivered, together. */
  readonly onLines?: (stream: OutputStream, lines: string[]) => void;
  readonly maxLineLength?: number;
  /** How long SIGTERM gets before SIGKILL. */
  readonly killGraceMs?: number;
  /** Called once the child runs, with its pid (the id of its process group). */
  readonly onSpawn?: (pid: number) => void;
}

export type ProcessOutcome =
  | { readonly kind: 'exited'; readonly exitCode: number }
  | { readonly kind: 'signalled'; readonly signal: NodeJS.Signals }
  | { readonly kind: 'timed-out'; readonly timeoutMs: number }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'spawn-failed'; readonly message: string };

const DEFAULT_KILL_GRACE_MS = 3000;
/** After the leader exits, how long its leftover background children may keep the pipes open. */
const DRAIN_AFTER_EXIT_MS = 300;

/**
 * Runs one program in its own process group (so cancel and timeout reach grandchildren too),
 * with stdin closed, and streams its output line by line. Resolves once the process and every
 * process left in its group are gone; never rejects.
 */
export function runProcess(options: RunProcessOptions): Promise<ProcessOutcome> {
  return new Promise<ProcessOutcome>((resolve) => {
    if (options.signal?.aborted) {
      resolve({ kind: 'cancelled' });
      return;
    }
    let child: ChildProcess;
    try {
      child = spawn(options.command, [...options.args], {
        cwd: options.cwd,
        env: options.env,
        // 'ignore' gives the child /dev/null: a read gets EOF at once, so nothing waits on a prompt.
        stdio: ['ignore', 'pipe', 'pipe'],
        // setsid(): a new process group and session, with no controlling terminal to prompt on.
        detached: true,
        windowsHide: true,
      });
    } catch (err) {
      resolve({ kind: 'spawn-failed', message: (err as Error).message });
      return;
    }

    const grace = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    const maxLine = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    const onLines = options.onLines;
    const splitters = {
      stdout: new LineSplitter((line) => options.onLine?.('stdout', line), maxLine, onLines && ((lines) => onLines('stdout', lines))),
      stderr: new LineSplitter((line) => options.onLine?.('stderr', line), maxLine, onLines && ((lines) => onLines('stderr', lines))),
    };
    let stopReason: ProcessOutcome | undefined;
    let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let spawnError: string | undefined;
    let closed = false;
    let settled = false;
    const timers = new Set<NodeJS.Timeout>();
    const later = (ms: number, fn: () => void) => {
      const t = setTimeout(() => {
        timers.delete(t);
        fn();
      }, ms);
      timers.add(t);
    };

    const pid = child.pid;
    if (pid !== undefined) options.onSpawn?.(pid);
    const stopGroup = () => {
      if (pid === undefined) return;
      killProcessGroup(pid, 'SIGTERM');
      // Whatever ignored SIGTERM gets SIGKILL after the grace period.
      later(grace, () => killProcessGroup(pid, 'SIGKILL'));
    };
    const stop = (reason: ProcessOutcome) => {
      if (stopReason || settled) return;
      stopReason = reason;
      stopGroup();
    };

    const onAbort = () => stop({ kind: 'cancelled' });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.timeoutMs !== undefined && options.timeoutMs > 0) {
      const timeoutMs = options.timeoutMs;
      later(timeoutMs, () => stop({ kind: 'timed-out', timeoutMs }));
    }

    // One chunk at a time, then back to the event loop: node reads a busy pipe up to 32 chunks
    // (2 MB) in one go, and handling that many lines at once would keep everything else in the
    // process — in the extension host, a command the user just issued — waiting behind them.
    const relay = (stream: NodeJS.ReadableStream | null, splitter: LineSplitter) => {
      stream?.on('data', (chunk: Buffer) => {
        splitter.push(chunk);
        if (settled) return;
        stream.pause();
        setImmediate(() => stream.resume());
      });
    };
    relay(child.stdout, splitters.stdout);
    relay(child.stderr, splitters.stderr);

    const finish = () => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      splitters.stdout.end();
      splitters.stderr.end();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      if (pid !== undefined) killProcessGroup(pid, 'SIGKILL');
      resolve(outcome());
    };
    const outcome = (): ProcessOutcome => {
      if (spawnError !== undefined) return { kind: 'spawn-failed', message: spawnError };
      if (stopReason) return stopReason;
      if (exitInfo?.code !== null && exitInfo?.code !== undefined) return { kind: 'exited', exitCode: exitInfo.code };
      return { kind: 'signalled', signal: exitInfo?.signal ?? 'SIGKILL' };
    };

    // The run is over when the leader has exited, its pipes are closed and no process is left
    // in its group. Background jobs it left behind get a short drain window, then SIGTERM and,
    // after the grace period, SIGKILL; a hard deadline guarantees we never wait forever (e.g. on
    // a zombie nobody reaps, or a pipe held by a process that left the group).
    let polling = false;
    const maybeFinish = () => {
      if (settled || !exitInfo) return;
      if (closed && !groupAlive()) {
        finish();
        return;
      }
      if (polling) return;
      polling = true;
      const exitedAt = Date.now();
      let termSent = false;
      const poll = () => {
        if (settled) return;
        const alive = groupAlive();
        if (closed && !alive) return finish();
        const waited = Date.now() - exitedAt;
        if (waited > DRAIN_AFTER_EXIT_MS + grace + 200) {
          child.stdout?.destroy();
          child.stderr?.destroy();
          return finish();
        }
        if (alive && !termSent && waited > DRAIN_AFTER_EXIT_MS) {
          termSent = true;
          stopGroup();
        }
        later(20, poll);
      };
      later(5, poll);
    };
    const groupAlive = () => pid !== undefined && processGroupAlive(pid);

    child.once('error', (err) => {
      if (pid === undefined) {
        spawnError = err.message;
        finish();
      }
    });
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      maybeFinish();
    });
    child.once('close', () => {
      closed = true;
      if (!exitInfo) exitInfo = { code: child.exitCode, signal: child.signalCode };
      maybeFinish();
    });
  });
}
