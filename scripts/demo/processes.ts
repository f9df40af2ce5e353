import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';

/**
 * Every long-lived process the demo starts (moto, code-server, a running deploy) runs in its own
 * process group, so stopping it takes its children with it (the extension host, pipeline steps).
 * `stopAll()` kills every group and then asks `ps` whether anything of them is left, which is
 * what the demo's "nothing left running" line reports.
 */
export class ProcessGroups {
  private readonly groups = new Map<number, string>();

  /** Starts `command` as the leader of a new process group, remembered under `name`. */
  start(name: string, command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn(command, args, { ...options, detached: true });
    // Kept until stop(): the leader may exit while its group (a step, the extension host) lives on.
    if (child.pid !== undefined) this.groups.set(child.pid, name);
    return child;
  }

  /** Kills one group (TERM, then KILL after a grace period) and forgets it. */
  async stop(child: ChildProcess, graceMs = 3000): Promise<void> {
    const pid = child.pid;
    if (pid === undefined) return;
    signalGroup(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (groupMembers(pid).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    signalGroup(pid, 'SIGKILL');
    const killDeadline = Date.now() + 2000;
    while (groupMembers(pid).length > 0 && Date.now() < killDeadline) await new Promise((r) => setTimeout(r, 50));
    this.groups.delete(pid);
  }

  /** Stops every group still known; returns what `ps` still shows of them (empty when clean). */
  async stopAll(): Promise<string[]> {
    const known = [...this.groups];
    await Promise.all(known.map(([pid]) => this.stop({ pid } as ChildProcess)));
    return known.flatMap(([pid, name]) => groupMembers(pid).map((line) => `${line} (left from ${name})`));
  }

  /** Synchronous last resort for process exit: SIGKILL every known group. */
  killAllNow(): void {
    for (const pid of this.groups.keys()) signalGroup(pid, 'SIGKILL');
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* the group is already gone */
  }
}

/** `pid command` lines of the processes in a group, from ps (zombies excluded: they hold nothing). */
export function groupMembers(pgid: number): string[] {
  const ps = spawnSync('ps', ['-eo', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' });
  if (ps.status !== 0) return [];
  return ps.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length >= 4 && Number(cols[1]) === pgid && !cols[2]!.startsWith('Z'))
    .map((cols) => `${cols[0]} ${cols.slice(3).join(' ').slice(0, 120)}`);
}

/** Runs a command to completion with inherited or captured output; throws with its output on failure. */
export function runOrThrow(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; quiet?: boolean } = {},
): string {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    stdio: options.quiet === false ? 'inherit' : 'pipe',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(
      `\`${command} ${args.join(' ')}\` failed (${result.error?.message ?? `exit ${result.status}`})${output ? `:\n${output}` : ''}`,
    );
  }
  return result.stdout ?? '';
}
