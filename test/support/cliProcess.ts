/**
 * The `deployguard` CLI as its own process, run from source (node --import tsx src/cli.ts), for
 * tests that kill it mid-run (SIGKILL: a crash, a closed terminal, a window reload) and start it
 * again. Its `--json` events are parsed as they are printed, so a test can wait for one.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MOTO_ENV } from './moto';

const CLI = resolve(__dirname, '../../src/cli.ts');
// Absolute, because the CLI runs in the test repository (where tsx is not installed).
const TSX = pathToFileURL(resolve(__dirname, '../../node_modules/tsx/dist/loader.mjs')).href;

export interface CliEvent {
  readonly type: string;
  readonly [key: string]: unknown;
}

export interface CliExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly events: CliEvent[];
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliProcess {
  readonly pid: number;
  readonly done: Promise<CliExit>;
  /** Resolves with the first event of this type (matching `match`) printed so far or later; rejects if the CLI exits first. */
  waitFor(type: string, match?: (e: CliEvent) => boolean): Promise<CliEvent>;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<CliExit>;
}

/** Starts `deployguard ARGS` in `cwd` with its history under `home` and moto's credentials. */
export function spawnCli(args: readonly string[], options: { cwd: string; home: string; env?: Record<string, string> }): CliProcess {
  const child = spawn(process.execPath, ['--no-warnings', '--import', TSX, CLI, ...args], {
    cwd: options.cwd,
    env: {
      ...process.env,
      ...MOTO_ENV,
      DEPLOYGUARD_HOME: options.home,
      DEPLOYGUARD_POLL_MS: '50',
      AWS_ENDPOINT_URL: '',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: CliEvent[] = [];
  const waiters: { type: string; match: (e: CliEvent) => boolean; resolve: (e: CliEvent) => void }[] = [];
  let buffer = '';
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    stdout += text;
    buffer += text;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      try {
        const event = JSON.parse(line) as CliEvent;
        events.push(event);
        for (const w of waiters.filter((x) => x.type === event.type && x.match(event))) w.resolve(event);
      } catch {
        /* not an event line */
      }
    }
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<CliExit>((res) => child.on('exit', (code, signal) => res({ code, signal, events, stdout, stderr })));
  return {
    pid: child.pid!,
    done,
    waitFor: (type, match = () => true) =>
      new Promise((res, rej) => {
        const hit = events.find((e) => e.type === type && match(e));
        if (hit) return res(hit);
        waiters.push({ type, match, resolve: res });
        void done.then((d) => rej(new Error(`the CLI exited (${d.code ?? d.signal}) before ${type}:\n${d.stderr}`)));
      }),
    kill: () => {
      child.kill('SIGKILL');
      return done;
    },
  };
}

/** Polls `probe` every 20 ms until it returns a value. */
export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
