import { readdirSync, readFileSync } from 'node:fs';

/**
 * Process-group helpers. A child started with `detached: true` leads its own group whose id is
 * its pid, so signalling `-pid` reaches it and every descendant that did not leave the group.
 */
export function killProcessGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone. EPERM cannot happen for our own children.
  }
}

/**
 * Whether any process of the group still runs. kill(-pgid, 0) also succeeds for zombies, and
 * in containers whose init never reaps orphans a killed grandchild stays a zombie forever; on
 * Linux the answer is therefore confirmed from /proc, where zombies do not count.
 */
export function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return process.platform === 'linux' ? liveMemberInProc(pgid) : true;
}

/**
 * What tells a process apart from a later one that got the same pid: its start time (clock ticks
 * after boot, /proc/<pid>/stat field 22) and its command line.
 */
export interface ProcessIdentity {
  readonly pid: number;
  readonly startTime: string;
  readonly command: string;
}

/**
 * The identity of a running (or not yet reaped) process, from /proc; undefined when it is gone or
 * the system has no /proc (then nothing can prove a pid is still the same process).
 */
export function processIdentity(pid: number): ProcessIdentity | undefined {
  const stat = procStat(pid);
  if (!stat) return undefined;
  let command = '';
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter(Boolean).join(' ');
  } catch {
    // Exited while we looked: the stat read is still its identity.
  }
  return { pid, startTime: stat.startTime, command };
}

function procStat(pid: number): { startTime: string; pgrp: number } | undefined {
  if (process.platform !== 'linux' || !Number.isInteger(pid) || pid <= 1) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Parse after the last ')': comm may hold spaces. fields[0] is field 3 (state), so field N is fields[N - 3].
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTime = fields[19];
    const pgrp = Number(fields[2]);
    return startTime ? { startTime, pgrp } : undefined;
  } catch {
    return undefined;
  }
}

/** How ending a recorded process group went. */
export type GroupEnding =
  /** It was still there, still the recorded one, and it is gone now. */
  | 'ended'
  /** Still there after SIGKILL (a process stuck in the kernel): reported, nothing more to do. */
  | 'survived'
  /** Its leader no longer runs: nothing to end. */
  | 'gone'
  /** The pid now belongs to another process, or the leader left the group: never signalled. */
  | 'not-same';

/**
 * Ends a process group another process started and recorded, after proving it is still that
 * group: its leader (pid = pgid) runs with the recorded start time and still leads the group.
 * A pid whose start time differs is another process and is never signalled. SIGTERM first,
 * SIGKILL to whatever is left after the grace period.
 */
export async function endRecordedProcessGroup(recorded: ProcessIdentity, graceMs: number): Promise<GroupEnding> {
  const now = procStat(recorded.pid);
  if (!now) return 'gone';
  if (now.startTime !== recorded.startTime || now.pgrp !== recorded.pid) return 'not-same';
  // While a group has members its id is not given to a new process, so once proven it stays ours.
  killProcessGroup(recorded.pid, 'SIGTERM');
  if (await groupGoneWithin(recorded.pid, graceMs)) return 'ended';
  killProcessGroup(recorded.pid, 'SIGKILL');
  return (await groupGoneWithin(recorded.pid, 2_000)) ? 'ended' : 'survived';
}

async function groupGoneWithin(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (!processGroupAlive(pgid)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function liveMemberInProc(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true; // no /proc: trust kill()
  }
  for (const entry of entries) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid pgrp …": comm may contain spaces and parentheses, so parse after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
  }
  return false;
}
