import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { DeployGuardError, errorMessage } from '../errors';
import { writeFileAtomic } from './atomicFile';
import { isStorageFailure } from './storageError';
import { Journal } from './journal';
import { currentVersion } from './ledger';
import type { HistoryBackend, HistoryListing, ListOptions, StackHistory } from './backend';
import { acquireStackLock, readLock, type LockInfo, type LockOptions, type StackLock } from './lock';
import { deployGuardHome, isDeploymentId, stackDir } from './paths';
import { migrateRecord } from './readRecord';
import type { DamagedEntry, DeploymentRecord, StackKey } from './record';

export type { HistoryListing, StackHistory } from './backend';

/**
 * All deployment history, under DEPLOYGUARD_HOME (default ~/.deployguard):
 *
 *   stacks/<account>/<region>/<stack>/records/<id>.json   one record per deployment
 *   stacks/<account>/<region>/<stack>/journal.jsonl       write-ahead journal
 *   stacks/<account>/<region>/<stack>/lock.json           who is deploying it right now
 *   stacks/<account>/<region>/<stack>/logs/<id>.log       the run's log (masked)
 *   stacks/<account>/<region>/<stack>/damaged/            unreadable files, set aside
 */
export class HistoryStore implements HistoryBackend {
  readonly root: string;

  constructor(root: string = deployGuardHome()) {
    this.root = root;
  }

  stack(key: StackKey): LocalStackHistory {
    return new LocalStackHistory(key, stackDir(this.root, key));
  }

  /** Every stack that has history, for views that list them all. */
  async listStacks(): Promise<StackKey[]> {
    const out: StackKey[] = [];
    const base = join(this.root, 'stacks');
    for (const account of await dirs(base)) {
      for (const region of await dirs(join(base, account))) {
        for (const stackName of await dirs(join(base, account, region))) out.push({ account, region, stackName });
      }
    }
    return out;
  }
}

/** One stack's history in the local folder (see HistoryStore). */
export class LocalStackHistory implements StackHistory {
  readonly journal: Journal;
  private readonly recordsDir: string;
  private readonly damagedDir: string;

  constructor(
    readonly key: StackKey,
    readonly dir: string,
  ) {
    this.recordsDir = join(dir, 'records');
    this.damagedDir = join(dir, 'damaged');
    this.journal = new Journal(join(dir, 'journal.jsonl'), this.damagedDir);
  }

  get where(): string {
    return this.dir;
  }

  get lockPath(): string {
    return join(this.dir, 'lock.json');
  }

  logPath(id: string): string {
    return join(this.dir, 'logs', `${id}.log`);
  }

  /** Writes (or replaces) one record atomically. */
  async write(record: DeploymentRecord): Promise<void> {
    if (!isDeploymentId(record.id)) throw new DeployGuardError('Internal', `Refusing to write a record with a malformed id "${record.id}"`);
    await writeFileAtomic(join(this.recordsDir, `${record.id}.json`), `${JSON.stringify(record, null, 2)}\n`);
  }

  /**
   * Every readable record, newest first, validated and in the current shape (older versions are
   * migrated: readRecord.ts); unreadable ones are moved aside and reported.
   */
  async list(_options: ListOptions = {}): Promise<HistoryListing> {
    // Every record is read whatever the limit: a local folder is cheap to read, and the ledger's
    // current version is then always known.
    const records: DeploymentRecord[] = [];
    const damaged: DamagedEntry[] = [];
    let names: string[];
    try {
      names = await readdir(this.recordsDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records, damaged };
      throw err;
    }
    for (const name of names) {
      if (!name.endsWith('.json')) continue; // *.tmp leftovers of a crash mid-write
      const path = join(this.recordsDir, name);
      const result = await this.readRecord(path);
      if ('record' in result) {
        records.push(result.record);
        damaged.push(...result.problems);
      } else damaged.push(result.damaged);
    }
    records.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    return { records, damaged };
  }

  /** One record, validated like list()'s; a section left out of it is reported by list(), not here. */
  async get(id: string): Promise<DeploymentRecord | undefined> {
    if (!isDeploymentId(id)) return undefined;
    const result = await this.readRecord(join(this.recordsDir, `${id}.json`));
    if ('record' in result) return result.record;
    if (result.damaged.problem === 'missing') return undefined;
    throw new DeployGuardError(
      'HistoryDamaged',
      `Deployment record ${id} is damaged (${result.damaged.problem}); it was moved to ${result.damaged.movedTo}`,
    );
  }

  /** The version the stack runs as far as the ledger knows (ledger.ts): the last one found good. */
  async currentStable(): Promise<DeploymentRecord | undefined> {
    const { records } = await this.list();
    return currentVersion(records);
  }

  acquireLock(options: LockOptions): Promise<StackLock> {
    return acquireStackLock(this.lockPath, options);
  }

  /** The log already is where every reader on this machine looks: nothing to upload. */
  async storeLog(_id: string): Promise<void> {}

  async readLog(id: string): Promise<string | undefined> {
    try {
      return await readFile(this.logPath(id), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Who holds the stack right now, if anyone (the file may be stale; see isStale). */
  readLock(): Promise<LockInfo | undefined> {
    return readLock(this.lockPath);
  }

  private async readRecord(path: string): Promise<{ record: DeploymentRecord; problems: DamagedEntry[] } | { damaged: DamagedEntry }> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { damaged: { path, problem: 'missing' } };
      throw err;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      return { damaged: await this.setAside(path, `not valid JSON (${(err as Error).message})`) };
    }
    const read = migrateRecord(value);
    switch (read.kind) {
      case 'newer':
        // Not damaged, just not ours to read. Leave it in place.
        return { damaged: { path, problem: read.problem } };
      case 'not-a-record':
        return { damaged: await this.setAside(path, read.problem) };
      case 'record':
        // A section left out is reported, not set aside: the record is kept, and the file stays as it is.
        return {
          record: read.record,
          problems: read.problems.map((problem) => ({ path, problem: `record ${read.record.id}: ${problem}` })),
        };
    }
  }

  private async setAside(path: string, problem: string): Promise<DamagedEntry> {
    const movedTo = join(this.damagedDir, `${Date.now()}-${path.split(/[\\/]/).pop()}`);
    try {
      await mkdir(this.damagedDir, { recursive: true });
      await rename(path, movedTo);
    } catch (err) {
      // A read-only or full disk must not stop the history from being read: report it in place.
      if (!isStorageFailure(err)) throw err;
      return { path, problem: `${problem} (left in place: ${errorMessage(err)})` };
    }
    return { path, movedTo, problem };
  }
}

async function dirs(path: string): Promise<string[]> {
  try {
    return (await readdir(path, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
}
