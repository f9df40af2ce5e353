/**
 * The team's history in an S3 bucket (layout: s3Keys.ts), with the guarantees of the local folder:
 *
 * - a record is created with If-None-Match: * and updated with If-Match: <the ETag this process last
 *   wrote or read>; a write that finds another writer's version is never overwritten: the same body
 *   is adopted (a rerun), this process's own earlier write is followed, anything else is refused;
 * - one journal object per entry (created If-None-Match), written before each mutating AWS call
 *   like the local journal, so a run killed on one machine is finished by the next on any other;
 * - the lock is s3Lock.ts; the run's log is uploaded at its end, capped;
 * - listing reads keys newest first and GETs only records this machine has not already read at
 *   that ETag (a local cache), so its cost follows what is shown, not the length of the history;
 * - the cache is also what a view shows, marked stale, when the bucket cannot be reached. A
 *   deployment never decides from it: a deploy fails closed instead;
 * - a deploy's cost is a handful of round trips on top of the local store's: a write that would
 *   store the body already there is not sent, the ledger is read once while the run starts under
 *   its lock (rule at `window`), and a finished deployment's journal entries are removed in one
 *   request while the lock is released.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BucketFailure, type HistoryBucket, type ListedObject, type PutCondition } from '../aws/historyBucket';
import { DeployGuardError, errorMessage } from '../errors';
import type { HistoryBackend, HistoryJournal, HistoryListing, ListOptions, StackHistory } from './backend';
import { openOperationsOf, ownerTag, parseEntry, type JournalReadResult } from './journal';
import { currentVersion, isVerified } from './ledger';
import type { LockInfo, LockOptions, StackLock } from './lock';
import { isDeploymentId } from './paths';
import { migrateRecord } from './readRecord';
import { JOURNAL_SCHEMA_VERSION, type DamagedEntry, type DeploymentRecord, type JournalEntry, type StackKey } from './record';
import { acquireS3Lock, readS3Lock } from './s3Lock';
import {
  deploymentOfJournalKey,
  idOfRecordKey,
  journalKey,
  journalPrefix,
  lockKey,
  logKey,
  recordKey,
  stackOfKey,
  stackPrefix,
} from './s3Keys';

/** A run's log is uploaded up to this size; the rest stays in the local file. */
export const S3_LOG_MAX_BYTES = 5 * 1024 * 1024;

/** Records read per page while looking for the ledger's newest verified version. */
const LEDGER_PAGE = 10;

/** How far back links are followed past that page (rollback targets, `previous`). */
const LINK_HOPS = 3;

/** GETs in flight at once while reading a listing. */
const READ_CONCURRENCY = 16;

/**
 * How long the ledger read when the lock was taken stands in for a new read (rule at `window`):
 * the phases that open a run read it within a few seconds of each other; a later reader (a
 * rollback after an hour's bake) reads again.
 */
const WINDOW_REUSE_MS = 30_000;

/**
 * Marks this process's record writes (S3 user metadata): a 412 on a write this process itself made
 * through another handle is followed, one from anywhere else is a lost update and refused.
 */
const WRITER = `${ownerTag()}-${randomBytes(4).toString('hex')}`;

export interface S3HistoryOptions {
  readonly bucket: HistoryBucket;
  readonly prefix: string;
  /** Where this machine keeps its copy of what it read and wrote (under DEPLOYGUARD_HOME). */
  readonly cacheRoot: string;
}

/** The stack histories of one bucket and prefix. */
export class S3HistoryStore implements HistoryBackend {
  private readonly stacks = new Map<string, S3StackHistory>();

  constructor(private readonly options: S3HistoryOptions) {}

  get url(): string {
    return `s3://${this.options.bucket.bucket}${this.options.prefix ? `/${this.options.prefix}` : ''}`;
  }

  /** One handle per stack per store, so every writer in this process shares the ETags it knows. */
  stack(key: StackKey): S3StackHistory {
    const prefix = stackPrefix(this.options.prefix, key);
    let found = this.stacks.get(prefix);
    if (!found) {
      const cacheDir = join(this.options.cacheRoot, this.options.bucket.bucket, this.options.prefix || '_', prefix);
      found = new S3StackHistory(key, this.options.bucket, prefix, cacheDir, (err) => this.refusal(err));
      this.stacks.set(prefix, found);
    }
    return found;
  }

  /** Where every stack's folder is: `PREFIX/stacks/`. */
  private get stacksPrefix(): string {
    return stackPrefix(this.options.prefix, { account: 'x', region: 'x', stackName: 'x' }).replace(/x\/x\/x\/$/, '');
  }

  async listStacks(): Promise<StackKey[]> {
    const base = this.stacksPrefix;
    try {
      const out: StackKey[] = [];
      for (const account of await this.options.bucket.folders(base)) {
        for (const region of await this.options.bucket.folders(`${base}${account}/`)) {
          for (const stackName of await this.options.bucket.folders(`${base}${account}/${region}/`)) {
            const key = stackOfKey(this.options.prefix, `${base}${account}/${region}/${stackName}/`);
            if (key) out.push(key);
          }
        }
      }
      return out;
    } catch (err) {
      throw historyError(err, this.url, 'list the stacks');
    }
  }

  /**
   * The bucket answers, for this account (`history push`, before it writes anything). A
   * deployment does not ask first: taking the stack lock is its first call, and a refusal of it
   * is explained the same way (`refusal`), one round trip fewer.
   */
  async check(signal?: AbortSignal): Promise<void> {
    try {
      await this.options.bucket.check(this.stacksPrefix, signal);
    } catch (err) {
      throw await this.refusal(err, { checked: true, ...(signal ? { signal } : {}) });
    }
  }

  /**
   * What a person is told when the bucket refuses the first call of a command about to change a
   * stack; fails closed either way. A 403 is told apart: another account owns the bucket (it
   * refuses a listing under the prefix with our account as ExpectedBucketOwner and answers it
   * without), or these credentials may not do what was asked. `checked`: the refused call was
   * that listing (`check`).
   */
  async refusal(err: unknown, options: { readonly checked?: boolean; readonly signal?: AbortSignal } = {}): Promise<unknown> {
    const b = this.options.bucket;
    if (BucketFailure.is(err, 'denied') && (await this.ownedElsewhere(options))) {
      return new DeployGuardError(
        'HistoryBucketForeign',
        // S3 never tells which account owns a bucket (no read-only call answers an owner account; GetBucketAcl's
        // owner is a canonical user ID, not an account, and needs READ_ACP): only ours is named.
        `The history bucket ${b.bucket} belongs to an account other than ${b.owner}, the account of your credentials (S3 does not say which account owns it): nothing was written there and nothing was deployed`,
        {
          hint: `use a bucket in account ${b.owner} (history: s3://BUCKET/PREFIX in deployguard.yaml, --history or DEPLOYGUARD_HISTORY), or the credentials of the account that owns ${b.bucket}`,
        },
      );
    }
    // Refused on a write or a listing, a 404 is the bucket's.
    if (BucketFailure.is(err, 'missing')) {
      return new DeployGuardError(
        'HistoryUnreachable',
        `The history bucket ${b.bucket} does not exist (or is in another partition); nothing was deployed`,
        {
          cause: err,
          hint: `create it in account ${b.owner} (README: "Team history on S3"), or point history: at an existing bucket`,
        },
      );
    }
    return historyError(err, this.url, 'reach the team history', 'nothing was changed on the stack');
  }

  /** After a 403: the bucket refuses our account as its owner, yet answers without an owner named. */
  private async ownedElsewhere(options: { readonly checked?: boolean; readonly signal?: AbortSignal }): Promise<boolean> {
    const b = this.options.bucket;
    if (options.checked !== true) {
      try {
        await b.check(this.stacksPrefix, options.signal);
        return false; // ours: the refused call needs a permission these credentials lack
      } catch (err) {
        if (!BucketFailure.is(err, 'denied')) return false;
      }
    }
    return b.answersWithoutOwner(this.stacksPrefix, options.signal);
  }
}

export class S3StackHistory implements StackHistory {
  readonly journal: S3Journal;
  /**
   * The ETag and body of each record as this process last wrote or read it: the ETag is the
   * If-Match of its next write, and a write of that same body is not sent (it would change nothing).
   */
  private readonly known = new Map<string, { readonly etag: string; readonly body: string }>();
  private readonly recordsCache: string;
  /**
   * The ledger window, read as soon as this process takes the stack lock (beside the journal read
   * that follows it) and answered to every unlimited list() for WINDOW_REUSE_MS while the lock is
   * held: under the lock no other deployment writes the stack's records, so the phases that open a
   * run (the baseline, the previous version, the rehearsal) need one read, not one each. Any record
   * write through this handle drops it, and so do the lock's release and loss.
   */
  private window: { readonly read: Promise<HistoryListing>; readonly at: number; readonly lock: StackLock } | undefined;

  constructor(
    readonly key: StackKey,
    private readonly bucket: HistoryBucket,
    private readonly prefix: string,
    private readonly cacheDir: string,
    /** Explains a bucket that refuses the lock, the first call of a command about to change the stack. */
    private readonly refusal: (err: unknown) => Promise<unknown>,
  ) {
    this.recordsCache = join(cacheDir, 'records');
    this.journal = new S3Journal(bucket, prefix, this.where);
  }

  get where(): string {
    return `s3://${this.bucket.bucket}/${this.prefix}`;
  }

  logPath(id: string): string {
    return join(this.cacheDir, 'logs', `${id}.log`);
  }

  async write(record: DeploymentRecord): Promise<void> {
    if (!isDeploymentId(record.id)) throw new DeployGuardError('Internal', `Refusing to write a record with a malformed id "${record.id}"`);
    const key = recordKey(this.prefix, record.id);
    const body = `${JSON.stringify(record, null, 2)}\n`;
    const known = this.known.get(record.id);
    // A save that changes nothing (the same status, the same facts) is not sent: the object already
    // holds this body at the ETag this process knows. Another writer's change since is still found,
    // by the If-Match of the next write that changes something.
    if (known?.body === body) return;
    this.window = undefined;
    let condition: PutCondition = known ? { ifMatch: known.etag } : { ifNoneMatch: '*' };
    try {
      for (let turn = 0; ; turn++) {
        try {
          const etag = await this.bucket.put(key, body, condition, { writer: WRITER });
          this.known.set(record.id, { etag, body });
          await this.cache(record.id, etag, body);
          return;
        } catch (err) {
          if (!BucketFailure.is(err, 'precondition') || turn > 0) throw err;
        }
        // Someone's version is there: decide from it, never by overwriting it.
        const current = await this.bucket.get(key);
        if (!current) {
          condition = { ifNoneMatch: '*' }; // removed meanwhile: create it again
          continue;
        }
        if (current.body === body) {
          // The same record already there (a rerun, a push): nothing to change.
          this.known.set(record.id, { etag: current.etag, body });
          await this.cache(record.id, current.etag, body);
          return;
        }
        if (current.metadata['writer'] !== WRITER) throw lostUpdate(record, this.where, current.metadata['writer']);
        condition = { ifMatch: current.etag }; // this process's own write through another handle
      }
    } catch (err) {
      throw historyError(err, this.where, `write deployment record ${record.id}`);
    }
  }

  async list(options: ListOptions = {}): Promise<HistoryListing> {
    try {
      if (options.limit !== undefined && options.limit > 0)
        return await this.readListed(await this.bucket.list(`${this.prefix}records/`, options.limit));
      const reused = await this.reusedWindow();
      return reused ?? (await this.ledgerWindow());
    } catch (err) {
      if (options.allowStale && BucketFailure.is(err, 'unreachable', 'denied', 'missing')) {
        const cached = await this.cachedListing(options.limit);
        return {
          ...cached,
          stale: `the team history ${this.where} could not be read (${errorMessage(err)}); showing what this machine last read and wrote`,
          staleReason: errorMessage(err),
        };
      }
      throw historyError(err, this.where, 'read the deployment history');
    }
  }

  async get(id: string): Promise<DeploymentRecord | undefined> {
    if (!isDeploymentId(id)) return undefined;
    let found;
    try {
      found = await this.bucket.get(recordKey(this.prefix, id));
    } catch (err) {
      throw historyError(err, this.where, `read deployment record ${id}`);
    }
    if (!found) return undefined;
    const read = this.parse(id, found.body);
    if (!('record' in read)) {
      throw new DeployGuardError(
        'HistoryDamaged',
        `Deployment record ${id} in ${this.where} is damaged (${read.damaged.problem}); it was left in place`,
      );
    }
    this.known.set(id, { etag: found.etag, body: found.body });
    await this.cache(id, found.etag, found.body);
    return read.record;
  }

  async currentStable(): Promise<DeploymentRecord | undefined> {
    return currentVersion((await this.list()).records);
  }

  async acquireLock(options: LockOptions): Promise<StackLock> {
    let lock: StackLock;
    try {
      lock = await acquireS3Lock(this.bucket, lockKey(this.prefix), {
        ...options,
        where: `s3://${this.bucket.bucket}/${lockKey(this.prefix)}`,
      });
    } catch (err) {
      // Taking the lock is the bucket's first test (nothing is asked before it): a bucket
      // that is missing, foreign, denied or down refuses the command here, before any stack change.
      throw BucketFailure.is(err, 'missing', 'denied', 'unreachable', 'other')
        ? await this.refusal(err)
        : historyError(err, this.where, 'take the stack lock');
    }
    const read = this.ledgerWindow();
    read.catch(() => undefined); // a failed read is read again by list() (reusedWindow)
    const window = { read, at: Date.now(), lock };
    this.window = window;
    return {
      ...lock,
      // The finished deployments' journal entries go while the lock is removed: neither waits for the other.
      release: async () => {
        if (this.window === window) this.window = undefined;
        await Promise.all([lock.release(), this.journal.settled()]);
      },
    };
  }

  /** The window read when the lock was taken, while it may stand in for a new read (rule at `window`). */
  private async reusedWindow(): Promise<HistoryListing | undefined> {
    const window = this.window;
    if (!window || Date.now() - window.at > WINDOW_REUSE_MS) return undefined;
    try {
      window.lock.assertHeld?.();
    } catch {
      return undefined;
    }
    try {
      // A copy: callers may change what they were given.
      return structuredClone(await window.read);
    } catch {
      if (this.window === window) this.window = undefined;
      return undefined;
    }
  }

  async readLock(): Promise<LockInfo | undefined> {
    try {
      return await readS3Lock(this.bucket, lockKey(this.prefix));
    } catch (err) {
      throw historyError(err, this.where, 'read the stack lock');
    }
  }

  async storeLog(id: string): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.logPath(id), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    try {
      await this.bucket.put(logKey(this.prefix, id), capLog(text, this.logPath(id)));
    } catch (err) {
      throw historyError(err, this.where, `upload the log of ${id}`);
    }
  }

  async readLog(id: string): Promise<string | undefined> {
    try {
      const found = await this.bucket.get(logKey(this.prefix, id));
      if (found) return found.body;
    } catch (err) {
      if (!BucketFailure.is(err, 'unreachable', 'denied')) throw historyError(err, this.where, `read the log of ${id}`);
    }
    return readFile(this.logPath(id), 'utf8').catch(() => undefined);
  }

  /**
   * What the ledger needs without reading the whole history: the newest records, a page at a time,
   * until one verified version is among them (every later record is then read, and the ledger's
   * current version is the newest unfollowed one; a walk back for a rollback target stops at it),
   * then the records rollbacks among them name that are older still (a rollback's target, the
   * deployment it undid), a few hops back. A deploy's cost so stays the same with ten records or a
   * thousand.
   */
  private async ledgerWindow(): Promise<HistoryListing> {
    const records: DeploymentRecord[] = [];
    const damaged: DamagedEntry[] = [];
    let token: string | undefined;
    do {
      const page = await this.bucket.listPage(`${this.prefix}records/`, LEDGER_PAGE, token);
      const read = await this.readListed(page.objects);
      records.push(...read.records);
      damaged.push(...read.damaged);
      token = page.next;
    } while (token && !records.some(isVerified));
    const have = new Set(records.map((r) => r.id));
    for (let hop = 0; hop < LINK_HOPS; hop++) {
      const missing = [
        ...new Set(records.flatMap((r) => [r.rollbackTargetId, r.rollbackOf]).filter((id): id is string => !!id && !have.has(id))),
      ];
      if (missing.length === 0) break;
      for (const id of missing) {
        have.add(id);
        const found = await this.get(id).catch(() => undefined);
        if (found) records.push(found);
      }
    }
    records.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    return { records, damaged };
  }

  private async readListed(keys: readonly ListedObject[]): Promise<HistoryListing> {
    const records: DeploymentRecord[] = [];
    const damaged: DamagedEntry[] = [];
    const listed = keys.flatMap((k) => {
      const id = idOfRecordKey(k.key);
      return id ? [{ id, ...k }] : [];
    });
    const bodies = await mapLimit(listed, READ_CONCURRENCY, async (k) => {
      const cached = await this.cached(k.id);
      if (cached && cached.etag === k.etag) return { ...k, body: cached.body };
      const found = await this.bucket.get(k.key);
      if (!found) return undefined; // deleted between the listing and the read
      await this.cache(k.id, found.etag, found.body);
      return { ...k, etag: found.etag, body: found.body };
    });
    for (const b of bodies) {
      if (!b) continue;
      const read = this.parse(b.id, b.body);
      if ('record' in read) {
        records.push(read.record);
        damaged.push(...read.problems);
        this.known.set(b.id, { etag: b.etag, body: b.body });
      } else damaged.push(read.damaged);
    }
    records.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    return { records, damaged };
  }

  private parse(id: string, body: string): { record: DeploymentRecord; problems: DamagedEntry[] } | { damaged: DamagedEntry } {
    const path = `s3://${this.bucket.bucket}/${recordKey(this.prefix, id)}`;
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch (err) {
      return { damaged: { path, problem: `not valid JSON (${(err as Error).message}); left in place` } };
    }
    const read = migrateRecord(value);
    switch (read.kind) {
      case 'newer':
        return { damaged: { path, problem: read.problem } };
      case 'not-a-record':
        return { damaged: { path, problem: `${read.problem}; left in place` } };
      case 'record':
        return {
          record: read.record,
          problems: read.problems.map((problem) => ({ path, problem: `record ${read.record.id}: ${problem}` })),
        };
    }
  }

  private async cached(id: string): Promise<{ etag: string; body: string } | undefined> {
    try {
      const value = JSON.parse(await readFile(join(this.recordsCache, `${id}.json`), 'utf8')) as { etag?: unknown; body?: unknown };
      return typeof value.etag === 'string' && typeof value.body === 'string' ? { etag: value.etag, body: value.body } : undefined;
    } catch {
      return undefined;
    }
  }

  /** This machine's copy; a failure to keep it costs only a re-read later, never the write itself. */
  private async cache(id: string, etag: string, body: string): Promise<void> {
    const path = join(this.recordsCache, `${id}.json`);
    const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await mkdir(this.recordsCache, { recursive: true });
      await writeFile(temp, JSON.stringify({ etag, body }), { mode: 0o600 });
      await rename(temp, path);
    } catch {
      /* see above */
    }
  }

  private async cachedListing(limit: number | undefined): Promise<{ records: DeploymentRecord[]; damaged: DamagedEntry[] }> {
    let names: string[];
    try {
      names = (await readdir(this.recordsCache)).filter((n) => n.endsWith('.json'));
    } catch {
      names = [];
    }
    const ids = names
      .map((n) => n.slice(0, -'.json'.length))
      .filter(isDeploymentId)
      .sort()
      .reverse();
    const wanted = limit !== undefined && limit > 0 ? ids.slice(0, limit) : ids;
    const records: DeploymentRecord[] = [];
    const damaged: DamagedEntry[] = [];
    for (const id of wanted) {
      const cached = await this.cached(id);
      if (!cached) continue;
      const read = this.parse(id, cached.body);
      if ('record' in read) records.push(read.record);
      else damaged.push(read.damaged);
    }
    return { records, damaged };
  }
}

/**
 * The journal as one object per entry under journal/<deploymentId>/: an append is a create that
 * never races another append, and it is in S3 before the AWS call it announces.
 *
 * `finished` is not stored: it removes the deployment's entries instead (a deployment with no
 * entries is not open, and its record, written final before, holds the outcome). So the journal
 * every deploy reads holds only deployments in flight, however long the history, and closing one
 * costs one request. A removal that fails, or a run killed before it, leaves entries beside a
 * final record: the next run closes them without resuming anything (resumeInterrupted.ts).
 */
export class S3Journal implements HistoryJournal {
  /** Removals of finished deployments' entries still under way (settled() waits for them). */
  private readonly cleaning = new Set<Promise<void>>();
  /**
   * The entry keys of each deployment this process wrote or read: a deployment's entries are
   * written only under its stack's lock, so the holder knows them all and removes them without
   * listing them first.
   */
  private readonly keysOf = new Map<string, Set<string>>();
  /** Appends still in flight, so a removal never misses an entry that lands after it. */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly bucket: HistoryBucket,
    private readonly prefix: string,
    private readonly where: string,
  ) {}

  async append(entry: Omit<JournalEntry, 'schemaVersion' | 'at' | 'owner'> & { at?: string }): Promise<JournalEntry> {
    const full: JournalEntry = {
      schemaVersion: JOURNAL_SCHEMA_VERSION,
      at: entry.at ?? new Date().toISOString(),
      owner: ownerTag(),
      ...entry,
    };
    if (full.phase === 'finished') {
      // Nothing waits for the removal but the lock's release (settled): its failure is closed by
      // a later run (see the class comment).
      const removal = this.forget(full.deploymentId).catch(() => undefined);
      this.cleaning.add(removal);
      void removal.finally(() => this.cleaning.delete(removal));
      return full;
    }
    const key = journalKey(this.prefix, full.deploymentId, Date.parse(full.at) || Date.now());
    const put = this.bucket.put(key, JSON.stringify(full), { ifNoneMatch: '*' });
    this.inFlight.add(put);
    try {
      await put;
    } catch (err) {
      throw historyError(err, this.where, 'write the deployment journal');
    } finally {
      this.inFlight.delete(put);
    }
    this.remember(full.deploymentId, key);
    return full;
  }

  private remember(deploymentId: string, key: string): void {
    let keys = this.keysOf.get(deploymentId);
    if (!keys) this.keysOf.set(deploymentId, (keys = new Set()));
    keys.add(key);
  }

  /** Waits for the removals of finished deployments' entries under way. */
  async settled(): Promise<void> {
    await Promise.all([...this.cleaning]);
  }

  private async forget(deploymentId: string): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    const known = this.keysOf.get(deploymentId);
    const keys = known ? [...known] : (await this.bucket.list(`${journalPrefix(this.prefix)}${deploymentId}/`)).map((k) => k.key);
    await this.bucket.deleteMany(keys);
    this.keysOf.delete(deploymentId);
  }

  async read(): Promise<JournalReadResult> {
    try {
      const keys = await this.bucket.list(journalPrefix(this.prefix));
      const entries: JournalEntry[] = [];
      const damaged: DamagedEntry[] = [];
      const bodies = await mapLimit(keys, READ_CONCURRENCY, async (k) => ({ key: k.key, found: await this.bucket.get(k.key) }));
      for (const { key, found } of bodies) {
        if (!found) continue;
        const entry = parseEntry(found.body);
        if (entry) {
          entries.push(entry);
          this.remember(entry.deploymentId, key);
        } else damaged.push({ path: `s3://${this.bucket.bucket}/${key}`, problem: 'an unreadable journal entry, left in place' });
      }
      // Keys sort by deployment then time: the merge wants time order across deployments.
      entries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
      return { entries, damaged };
    } catch (err) {
      throw historyError(err, this.where, 'read the deployment journal');
    }
  }

  async openOperations(): Promise<{ open: JournalEntry[]; damaged: DamagedEntry[] }> {
    const { entries, damaged } = await this.read();
    return { open: openOperationsOf(entries), damaged };
  }

  async compact(): Promise<void> {
    const keys = await this.bucket.list(journalPrefix(this.prefix));
    const { entries } = await this.read();
    const open = new Set(openOperationsOf(entries).map((e) => e.deploymentId));
    const done = keys.filter((k) => {
      const id = deploymentOfJournalKey(k.key);
      return id !== undefined && !open.has(id);
    });
    await this.bucket.deleteMany(done.map((k) => k.key)).catch(() => undefined);
  }
}

function lostUpdate(record: DeploymentRecord, where: string, writer: string | undefined): DeployGuardError {
  return new DeployGuardError(
    'HistoryConflict',
    `Deployment record ${record.id} in ${where} was changed by ${writer ? `another process (${writer})` : 'someone else'} since this one read it; it was not overwritten`,
    {
      hint: `see "deployguard history ${record.environment}": if that process finished the deployment, nothing is left to do; otherwise stop one of the two and run the command again`,
    },
  );
}

/**
 * A history failure a person can act on; a BucketFailure becomes HistoryUnreachable with the fix.
 * The store cannot know whether the stack was changed before the write failed, so only a caller
 * that does (the check before a deploy) adds that as `consequence`.
 */
export function historyError(err: unknown, where: string, doing: string, consequence?: string): unknown {
  const then = consequence ? `; ${consequence}` : '';
  if (!BucketFailure.is(err)) return err;
  switch (err.kind) {
    case 'denied':
      return new DeployGuardError('HistoryUnreachable', `Cannot ${doing}: S3 denied access to ${where} (${err.message})${then}`, {
        cause: err,
        hint: 'give these credentials the history permissions (README: "Team history on S3"), or set --history/DEPLOYGUARD_HISTORY to a store you can use',
      });
    case 'unreachable':
    case 'missing':
    case 'other':
      return new DeployGuardError(
        'HistoryUnreachable',
        `Cannot ${doing}: the team history ${where} did not answer (${err.message})${then}`,
        {
          cause: err,
          hint: consequence
            ? 'check the network and the bucket, then try again; a deploy never goes ahead without its history'
            : 'check the network and the bucket',
        },
      );
    case 'precondition':
    case 'conflict':
      return new DeployGuardError(
        'HistoryConflict',
        `Cannot ${doing}: another writer changed ${where} at the same moment (${err.message})`,
        {
          cause: err,
          hint: 'run the command again',
        },
      );
  }
}

/** At most S3_LOG_MAX_BYTES, cut at a line, saying where the whole log is. */
export function capLog(text: string, localPath: string, max = S3_LOG_MAX_BYTES): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= max) return text;
  const note = `\n… log cut at ${max} bytes for the team history; the whole log is ${localPath} on the machine that ran it\n`;
  const head = bytes.subarray(0, max - Buffer.byteLength(note)).toString('utf8');
  return `${head.slice(0, Math.max(0, head.lastIndexOf('\n')))}${note}`;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
