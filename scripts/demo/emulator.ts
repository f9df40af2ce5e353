import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import type { ProcessGroups } from './processes';

/**
 * The local AWS emulator the demo deploys to: moto's server, on a free 127.0.0.1 port. When
 * `moto_server` is missing it is installed with pip first (`pip install 'moto[server]'`), so a
 * fresh machine with Python needs nothing else.
 */

/** Fake credentials moto accepts; its account is 123456789012. */
export const EMULATOR_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_REGION: 'us-east-1',
} as const;

export interface Emulator {
  readonly endpoint: string;
  readonly process: ChildProcess;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

const works = (command: string, args: readonly string[]) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;

/** A PATH lookup, not `moto_server --help`: importing moto takes seconds. */
const onPath = (command: string) =>
  (process.env['PATH'] ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, command)));

/** The command that starts moto's server: `moto_server`, or `python3 -m moto.server` after a pip install. */
export function motoCommand(say: (line: string) => void): { command: string; args: string[] } {
  if (onPath('moto_server')) return { command: 'moto_server', args: [] };
  if (works('python3', ['-c', 'import moto.server, flask'])) return { command: 'python3', args: ['-m', 'moto.server'] };
  say("moto_server is not installed: installing it with `python3 -m pip install 'moto[server]'` (once)");
  let pip = spawnSync('python3', ['-m', 'pip', 'install', '--quiet', 'moto[server]'], { stdio: 'inherit' });
  if (pip.status !== 0) {
    // Debian's system Python refuses pip installs (PEP 668) unless told it is meant.
    pip = spawnSync('python3', ['-m', 'pip', 'install', '--quiet', '--user', '--break-system-packages', 'moto[server]'], {
      stdio: 'inherit',
    });
  }
  if (pip.status !== 0) {
    throw new Error(
      "could not install moto: run `python3 -m pip install 'moto[server]'` yourself (it needs Python 3 and pip), then try again",
    );
  }
  if (onPath('moto_server')) return { command: 'moto_server', args: [] };
  return { command: 'python3', args: ['-m', 'moto.server'] };
}

/** Starts moto on 127.0.0.1 and waits until it answers. */
export async function startEmulator(groups: ProcessGroups, say: (line: string) => void): Promise<Emulator> {
  const { command, args } = motoCommand(say);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let output = '';
  const child = groups.start('moto', command, [...args, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...EMULATOR_CREDENTIALS },
  });
  // Drained all along (a full pipe would stall moto); only the tail is kept, for errors.
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.status < 500) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`moto did not answer on ${endpoint} within 30 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { endpoint, process: child };
}
