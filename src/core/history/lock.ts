import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { DeployGuardError } from '../errors';
import { writeFileAtomic } from './atomicFile';
import { startHeartbeat } from './heartbeat';
import { holderIdentity, holderWords, type HolderIdentity } from './holder';
import { holderTtlMs } from './lockTtl';
import { storageFailure } from './storageError';

/** What a lock file says about its holder. */
export interface LockInfo {
  readonly pid: number;
  readonly host: string;
  /** The deployment holding the stack, so a refusal can say which one. */
  readonly deploymentId: string;
  /** `cli`, `vscode`, … */
  readonly holder: string;
  readonly acquiredAt: string;
  heartbeatAt: string;
  /** Random per acquisition: a release or heartbeat never touches somebody else's lock. */
  readonly token: string;
  /** Who: `ana@laptop` or `CI run 4711` (holder.ts); absent in locks written before it was kept. */
  readonly by?: string;
  /** The CI run's page, when a CI run holds it. */
  readonly byUrl?: string;
  /** The environment being deployed, so a refusal can say "prod is being deployed by …". */
  readonly environment?: string;
  /**
   * How long after its last beat the lock may be taken over: the holder's promise to beat within
   * it, written by both locks. Contenders and readers judge the lock by it (lockTtl.ts: believed
   * within 1 s – 24 h); absent in locks written before it was kept, then the contender's own TTL.
   */
  readonly ttlMs?: number;
}

export interface LockOptions {
  readonly deploymentId: string;
  readonly holder: string;
  /** How often the holder refreshes `heartbeatAt`. */
  readonly heartbeatMs?: number;
  /**
   * This holder's TTL, written into the lock: its heartbeat promises to refresh the lock within it.
   * As a contender, the TTL a lock that records none (or none believable) is judged by.
   */
  readonly staleMs?: number;
  readonly environment?: string;
  /** Who is deploying; default: this process's (holder.ts). */
  readonly identity?: HolderIdentity;
}

/** The who-fields of a new lock: the person or CI run, and the environment. */
export function lockIdentity(options: LockOptions): Pick<LockInfo, 'by' | 'byUrl' | 'environment'> {
  const who = options.identity ?? holderIdentity();
  return {
    by: who.name,
    ...(who.url ? { byUrl: who.url } : {}),
    ...(options.environment ? { environment: options.environment } : {}),
  };
}

export interface StackLock {
  readonly info: LockInfo;
  /** Set when the lock was taken over from a dead or silent holder. */
  readonly tookOverFrom?: LockInfo;
  release(): Promise<void>;
  /**
   * Throws LockLost once the lock is no longer this holder's (a shared lock taken over after its
   * heartbeats failed past the TTL): the holder must stop before its next change to the stack.
   * Absent on a lock that is never taken from a live holder.
   */
  assertHeld?(): void;
}

const DEFAULT_HEARTBEAT_MS = 5_000;
const DEFAULT_STALE_MS = 30_000;

/**
 * A per-stack lock shared by the CLI and every editor window on this machine (and any other
 * machine sharing DEPLOYGUARD_HOME): `lock.json` created with O_EXCL, refreshed by a heartbeat.
 * A lock is stale when its holder is a dead process on this host, or when its heartbeat is older
 * than the TTL its holder wrote into it (a crashed host or a frozen window; `isStale`). Taking over a stale lock happens under a
 * short-lived `takeover` mutex, so two contenders cannot both decide the same lock is stale and
 * then delete each other's fresh one.
 */
export async function acquireStackLock(path: string, options: LockOptions): Promise<StackLock> {
  try {
    return await acquire(path, options);
  } catch (err) {
    throw storageFailure(err, dirname(path), 'take the stack lock');
  }
}

async function acquire(path: string, options: LockOptions): Promise<StackLock> {
  await mkdir(dirname(path), { recursive: true });
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  const now = new Date().toISOString();
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    deploymentId: options.deploymentId,
    holder: options.holder,
    acquiredAt: now,
    heartbeatAt: now,
    token: randomBytes(8).toString('hex'),
    ...lockIdentity(options),
    ttlMs: staleMs,
  };

  let tookOverFrom: LockInfo | undefined;
  if (!(await createExclusive(path, info))) {
    const current = await readLock(path);
    if (current && !isStale(current, staleMs)) throw lockHeldError(current, staleMs);
    tookOverFrom = await takeOver(path, info, staleMs);
  }
  return heldLock(path, info, heartbeatMs, tookOverFrom);
}

/**
 * A lock file that cannot be read (empty after a full disk or a crash between create and write,
 * or garbage) is damaged, and stale once it is older than this: younger, it may be a lock another
 * process created a moment ago and is still writing.
 */
const DAMAGED_LOCK_GRACE_MS = 2_000;

/** Reads the lock file; undefined when there is none. A damaged file reads as a holder with pid -1. */
export async function readLock(path: string): Promise<LockInfo | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return damagedStub(path, 'an unreadable lock file');
  }
  try {
    const value = JSON.parse(text) as LockInfo;
    if (typeof value?.pid === 'number' && typeof value.heartbeatAt === 'string') return value;
  } catch {
    /* damaged: below */
  }
  return damagedStub(path, text.length === 0 ? 'an empty lock file (left by a full disk or a crash)' : 'a damaged lock file');
}

async function damagedStub(path: string, holder: string): Promise<LockInfo> {
  const mtime = await stat(path).then(
    (s) => s.mtime.toISOString(),
    () => new Date(0).toISOString(),
  );
  return { ...staleStub(), holder: `${holder} at ${path}`, heartbeatAt: mtime };
}

function staleStub(): LockInfo {
  return {
    pid: -1,
    host: '?',
    deploymentId: '?',
    holder: 'an unreadable lock file',
    acquiredAt: '',
    heartbeatAt: '1970-01-01T00:00:00.000Z',
    token: '',
  };
}

/**
 * Whether a contender whose own TTL is `staleMs` may take `lock` over. A live holder is judged by the
 * TTL it wrote into the lock (its promise to beat within it; lockTtl.ts), so a contender with a
 * shorter TTL never robs it; `staleMs` only for a lock that records none believable.
 */
export function isStale(lock: LockInfo, staleMs: number, now = Date.now()): boolean {
  if (lock.pid === -1) return now - Date.parse(lock.heartbeatAt) > DAMAGED_LOCK_GRACE_MS;
  if (lock.host === hostname() && !processAlive(lock.pid)) return true;
  return now - Date.parse(lock.heartbeatAt) > holderTtlMs(lock, staleMs);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else — alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** "prod is being deployed by CI run 4711 (URL)", when the lock says who. */
export function heldByWords(lock: LockInfo): string {
  const who = holderWords(lock);
  if (!who) return '';
  return ` — ${lock.environment ?? 'the stack'} is being deployed by ${who}`;
}

/** `staleMs`: the contender's own TTL, for a lock that records none believable. */
function lockHeldError(lock: LockInfo, staleMs: number): DeployGuardError {
  if (lock.pid === -1) {
    return new DeployGuardError('LockHeld', `The stack's lock is ${lock.holder}, written moments ago: another deployment may be starting`, {
      hint: 'try again in a few seconds; a damaged lock file is replaced once it is older than 2 s',
    });
  }
  return new DeployGuardError(
    'LockHeld',
    `Another deployment (${lock.deploymentId}) is running on this stack: ${lock.holder}, pid ${lock.pid} on ${lock.host}, since ${lock.acquiredAt}${heldByWords(lock)}`,
    {
      hint: `wait for it to finish (or stop that process); a dead holder is taken over automatically, a silent one ${Math.round(holderTtlMs(lock, staleMs) / 1000)} s after its last beat`,
    },
  );
}

async function createExclusive(path: string, info: LockInfo): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    await handle.writeFile(JSON.stringify(info, null, 2));
    await handle.sync();
  } catch (err) {
    // The file is ours and empty or partial (a full disk): never leave it for the next run.
    await handle.close().catch(() => undefined);
    await rm(path, { force: true }).catch(() => undefined);
    throw err;
  }
  await handle.close();
  return true;
}

async function takeOver(path: string, info: LockInfo, staleMs: number): Promise<LockInfo> {
  const mutex = `${path}.takeover`;
  // A takeover lasts milliseconds; a mutex older than this was left by a crash mid-takeover.
  try {
    const age = Date.now() - (await stat(mutex)).mtimeMs;
    if (age > 10_000) await rm(mutex, { force: true });
  } catch {
    /* no mutex */
  }
  let mutexHandle;
  try {
    mutexHandle = await open(mutex, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      const current = await readLock(path);
      throw lockHeldError(current ?? staleStub(), staleMs);
    }
    throw err;
  }
  try {
    // Re-check under the mutex: the holder may have refreshed or released in the meantime.
    const current = await readLock(path);
    if (current && !isStale(current, staleMs)) throw lockHeldError(current, staleMs);
    if (current) await rm(path, { force: true });
    if (!(await createExclusive(path, info))) {
      const winner = await readLock(path);
      throw lockHeldError(winner ?? staleStub(), staleMs);
    }
    return current ?? staleStub();
  } finally {
    await mutexHandle.close();
    await rm(mutex, { force: true });
  }
}

function heldLock(path: string, info: LockInfo, heartbeatMs: number, tookOverFrom: LockInfo | undefined): StackLock {
  let released = false;
  const beats = startHeartbeat(async () => {
    if (released) return false;
    const current = await readLock(path);
    if (current?.token !== info.token || released) return false; // lost it (taken over after we froze): stop beating
    info.heartbeatAt = new Date().toISOString();
    await writeFileAtomic(path, JSON.stringify(info, null, 2)).catch(() => undefined);
    return true;
  }, heartbeatMs);
  return {
    info,
    ...(tookOverFrom ? { tookOverFrom } : {}),
    release: async () => {
      if (released) return;
      released = true;
      await beats.stop();
      const current = await readLock(path);
      if (current?.token === info.token) await rm(path, { force: true });
    },
  };
}
