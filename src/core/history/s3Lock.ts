/**
 * The stack lock in a shared bucket, on S3's conditional writes (no other coordination exists
 * between machines that share only a bucket):
 *
 * - acquire: PutObject If-None-Match: * — exactly one of any number of contenders creates it;
 * - heartbeat: PutObject If-Match: <the ETag we wrote>, every `heartbeatMs`; a 412 means the lock
 *   was taken over (we stopped answering for longer than the TTL) and the beat stops;
 * - release: DeleteObject If-Match: <our ETag>, so a release never removes somebody else's lock;
 * - takeover: a lock is expired when S3's own LastModified (the last heartbeat, by S3's clock,
 *   never a holder's) is older than the TTL the holder wrote into it (`ttlMs`, believed within
 *   1 s – 24 h: lockTtl.ts; otherwise, or when the body is unreadable, the contender's own TTL), so a
 *   contender with a shorter TTL never robs a holder that beats on a longer one; it is removed only
 *   by a DeleteObject If-Match of the exact ETag judged expired, then created again If-None-Match —
 *   two contenders can never both win, and a holder whose beat landed in between is never robbed
 *   (its ETag changed);
 * - 409 ConditionalRequestConflict is retried (historyBucket.ts); 412 means someone else won.
 *
 * The TTL must outlast several missed beats (a slow network, a laptop lid closed for a minute):
 * default beat 60 s, TTL 5 min, and a bake of hours just keeps beating.
 */
import { startHeartbeat } from './heartbeat';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { BucketFailure, type HistoryBucket } from '../aws/historyBucket';
import { DeployGuardError } from '../errors';
import { heldByWords, lockIdentity, type LockInfo, type LockOptions, type StackLock } from './lock';
import { holderTtlMs } from './lockTtl';

export const S3_LOCK_DEFAULTS = { heartbeatMs: 60_000, ttlMs: 5 * 60_000 } as const;

/** LastModified has one-second precision: a lock is judged expired only past the TTL plus that second. */
const CLOCK_GRAIN_MS = 1_000;

/**
 * Whether a lock last written at `lastModified` (S3's clock) is past `ttlMs` at `now`. Pure. The
 * TTL is the holder's (`lockTtlMs`), never only the contender's own.
 */
export function isLockExpired(lastModified: number, now: number, ttlMs: number): boolean {
  return now - lastModified > ttlMs + CLOCK_GRAIN_MS;
}

/** A lock object's body → LockInfo; undefined when it is not one (then it is judged by its age alone). */
export function parseLockBody(text: string): LockInfo | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockInfo>;
    if (typeof value?.deploymentId === 'string' && typeof value.heartbeatAt === 'string' && typeof value.token === 'string') {
      return value as LockInfo;
    }
  } catch {
    /* judged by age: below */
  }
  return undefined;
}

/**
 * The TTL a contended lock is judged by: the one its holder recorded, when sane; an unreadable lock
 * object recorded none it could be trusted with, so the contender's own.
 */
export function lockTtlMs(holder: LockInfo | undefined, ownTtlMs: number): number {
  return holder ? holderTtlMs(holder, ownTtlMs) : ownTtlMs;
}

function unreadable(lastModified: number): LockInfo {
  const at = new Date(lastModified).toISOString();
  return { pid: -1, host: '?', deploymentId: '?', holder: 'an unreadable lock object', acquiredAt: at, heartbeatAt: at, token: '' };
}

/** `ttlMs`: the TTL the lock is judged by (the holder's, `lockTtlMs`), so the hint says when it may be taken over. */
export function s3LockHeldError(lock: LockInfo, where: string, ttlMs: number): DeployGuardError {
  const who = heldByWords(lock);
  return new DeployGuardError(
    'LockHeld',
    `Another deployment (${lock.deploymentId}) is running on this stack: ${lock.holder}, pid ${lock.pid} on ${lock.host}, since ${lock.acquiredAt}${who} (lock ${where})`,
    {
      hint: `wait for it to finish; a holder that stops heart-beating is taken over ${Math.round(ttlMs / 1000)} s after its last beat`,
    },
  );
}

export interface S3LockOptions extends LockOptions {
  /** For messages: s3://bucket/key. */
  readonly where: string;
  readonly signal?: AbortSignal;
}

export async function acquireS3Lock(bucket: HistoryBucket, key: string, options: S3LockOptions): Promise<StackLock> {
  const heartbeatMs = options.heartbeatMs ?? S3_LOCK_DEFAULTS.heartbeatMs;
  const ttlMs = options.staleMs ?? S3_LOCK_DEFAULTS.ttlMs;
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
  };
  let tookOverFrom: LockInfo | undefined;
  let lastSeen: LockInfo | undefined;
  // Each turn either wins, refuses, or saw the lock change under it (released, taken over,
  // deleted by a contender): a few turns settle any race.
  for (let turn = 0; turn < 5; turn++) {
    try {
      const etag = await bucket.put(key, JSON.stringify({ ...info, ttlMs }, null, 2), { ifNoneMatch: '*' }, {}, options.signal);
      return heartbeat(bucket, key, info, etag, { heartbeatMs, ttlMs, where: options.where }, tookOverFrom);
    } catch (err) {
      if (!BucketFailure.is(err, 'precondition')) throw err;
    }
    const current = await bucket.get(key, options.signal);
    if (!current) continue; // released between our put and our read
    const parsed = parseLockBody(current.body);
    const holder = parsed ?? unreadable(current.lastModified);
    // Judged by the holder's promise, not ours: our TTL may be shorter than the one it beats within.
    const holderTtl = lockTtlMs(parsed, ttlMs);
    lastSeen = holder;
    if (!isLockExpired(current.lastModified, Date.now(), holderTtl)) throw s3LockHeldError(holder, options.where, holderTtl);
    try {
      await bucket.delete(key, current.etag, options.signal);
      tookOverFrom = holder;
    } catch (err) {
      // 412: it beat or was taken over since we read it; 404: another contender deleted it first.
      // Either way the next turn's create decides.
      if (!BucketFailure.is(err, 'precondition', 'missing')) throw err;
    }
  }
  const holder = lastSeen ?? unreadable(Date.now());
  throw s3LockHeldError(holder, options.where, holderTtlMs(holder, ttlMs));
}

export async function readS3Lock(bucket: HistoryBucket, key: string): Promise<LockInfo | undefined> {
  const current = await bucket.get(key);
  if (!current) return undefined;
  return parseLockBody(current.body) ?? unreadable(current.lastModified);
}

function heartbeat(
  bucket: HistoryBucket,
  key: string,
  info: LockInfo,
  firstEtag: string,
  timing: { readonly heartbeatMs: number; readonly ttlMs: number; readonly where: string },
  tookOverFrom: LockInfo | undefined,
): StackLock {
  const { heartbeatMs, ttlMs } = timing;
  let etag = firstEtag;
  let released = false;
  let lost = false;
  /** Who holds the lock now that it is not ours (read once, when the beat learned it). */
  let takenBy: LockInfo | undefined;
  const beats = startHeartbeat(async () => {
    if (released || lost) return false;
    const next: LockInfo = { ...info, heartbeatAt: new Date().toISOString() };
    try {
      etag = await bucket.put(key, JSON.stringify({ ...next, ttlMs }, null, 2), { ifMatch: etag });
      info.heartbeatAt = next.heartbeatAt;
    } catch (err) {
      // 412: taken over after we went silent past the TTL; stop beating, never write it back.
      // The new holder is read first, so the refusal names who has the stack now; one GET later than
      // the 412, well inside the beat interval the loss could anyway go unnoticed for.
      if (BucketFailure.is(err, 'precondition', 'missing')) {
        const current = await bucket.get(key).catch(() => undefined);
        takenBy = current ? (parseLockBody(current.body) ?? unreadable(current.lastModified)) : undefined;
        lost = true;
      }
      // Anything else (S3 slow or unreachable for a moment): the next beat tries again, well within the TTL.
    }
    return !lost;
  }, heartbeatMs);
  return {
    info,
    ...(tookOverFrom ? { tookOverFrom } : {}),
    assertHeld: () => {
      if (!lost) return;
      const who = takenBy ? `${takenBy.holder} (${takenBy.deploymentId}, pid ${takenBy.pid} on ${takenBy.host})` : 'another deployment';
      throw new DeployGuardError(
        'LockLost',
        `The stack lock ${timing.where} was taken over by ${who} while deployment ${info.deploymentId} ran: its heartbeats did not reach the bucket for longer than ${Math.round(ttlMs / 1000)} s, so it stopped before changing the stack any further`,
        { hint: 'see what the other deployment did (deployguard history), then check the stack and deploy again if needed' },
      );
    },
    release: async () => {
      if (released) return;
      released = true;
      // Waits for a beat in flight: its If-Match write must not land after our delete.
      await beats.stop();
      if (lost) return;
      try {
        await bucket.delete(key, etag);
      } catch (err) {
        // Not ours any more (412/404), or S3 unreachable: then the lock expires by its TTL. A release
        // runs after the deployment's outcome is known and must not replace it with this failure.
        if (!BucketFailure.is(err)) throw err;
      }
    },
  };
}
