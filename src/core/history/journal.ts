import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { errorMessage } from '../errors';
import { appendLineDurable, writeFileAtomic } from './atomicFile';
import { isStorageFailure } from './storageError';
import type { HistoryJournal } from './backend';
import { JOURNAL_SCHEMA_VERSION, type DamagedEntry, type JournalEntry } from './record';

/** `pid@host`, written into journal entries and locks. */
export function ownerTag(): string {
  return `${process.pid}@${hostname()}`;
}

/**
 * Whether a journal's writer (`pid@host`) ran on this host and no longer runs. Only then may the
 * process groups it recorded be ended: a live writer (a frozen window whose lock went stale, a
 * concurrent run) still owns its steps, and another host's pids mean nothing here.
 */
export function writerGoneHere(owner: string): boolean {
  const at = owner.indexOf('@');
  const pid = Number(owner.slice(0, at));
  if (at < 0 || owner.slice(at + 1) !== hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export interface JournalReadResult {
  readonly entries: JournalEntry[];
  readonly damaged: DamagedEntry[];
}

/**
 * The write-ahead journal of one stack: an append-only JSONL file, fsynced
 * line by line *before* every mutating AWS call, so a crash or a window reload can reattach to
 * the operation (stack ARN + ClientRequestToken) instead of starting a second one.
 */
export class Journal implements HistoryJournal {
  /** The append before: lines land in the order they were appended (a run need not wait for one to call the next). */
  private appending: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly damagedDir: string,
  ) {}

  async append(entry: Omit<JournalEntry, 'schemaVersion' | 'at' | 'owner'> & { at?: string }): Promise<JournalEntry> {
    const full: JournalEntry = {
      schemaVersion: JOURNAL_SCHEMA_VERSION,
      at: entry.at ?? new Date().toISOString(),
      owner: ownerTag(),
      ...entry,
    };
    const written = this.appending.then(() => appendLineDurable(this.path, JSON.stringify(full)));
    this.appending = written.catch(() => undefined);
    await written;
    return full;
  }

  /**
   * Reads every line it can. A torn or unreadable line (a crash mid-append, a disk error) is
   * copied to the damaged folder and reported — never silently dropped — and the journal is
   * rewritten without it so it is reported once.
   */
  async read(): Promise<JournalReadResult> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], damaged: [] };
      throw err;
    }
    const entries: JournalEntry[] = [];
    const bad: string[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const entry = parseEntry(line);
      if (entry) entries.push(entry);
      else bad.push(line);
    }
    if (bad.length === 0) return { entries, damaged: [] };
    const movedTo = join(this.damagedDir, `journal-${Date.now()}.bad.jsonl`);
    try {
      await mkdir(this.damagedDir, { recursive: true });
      await writeFileAtomic(movedTo, `${bad.join('\n')}\n`);
      await copyFile(this.path, `${movedTo}.original`);
      await writeFileAtomic(this.path, entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length ? '\n' : ''));
    } catch (err) {
      // A read-only or full disk must not stop the journal from being read: the bad lines stay.
      if (!isStorageFailure(err)) throw err;
      return {
        entries,
        damaged: [{ path: this.path, problem: `${bad.length} unreadable journal line(s), left in place: ${errorMessage(err)}` }],
      };
    }
    return {
      entries,
      damaged: [{ path: this.path, movedTo, problem: `${bad.length} unreadable journal line(s) set aside` }],
    };
  }

  /** The latest entry of every deployment whose journal does not say `finished`. */
  async openOperations(): Promise<{ open: JournalEntry[]; damaged: DamagedEntry[] }> {
    const { entries, damaged } = await this.read();
    return { open: openOperationsOf(entries), damaged };
  }

  /** Drops the lines of finished deployments (their records hold the outcome). */
  async compact(): Promise<void> {
    const { open } = await this.openOperations();
    const { entries } = await this.read();
    const keep = new Set(open.map((e) => e.deploymentId));
    const kept = entries.filter((e) => keep.has(e.deploymentId));
    await writeFileAtomic(this.path, kept.map((e) => JSON.stringify(e)).join('\n') + (kept.length ? '\n' : ''));
  }
}

/**
 * The deployments whose journal does not end with `finished`, each as its entries merged in order
 * (later entries refine earlier ones: the stack ARN arrives after the token was chosen). Pure.
 */
export function openOperationsOf(entries: readonly JournalEntry[]): JournalEntry[] {
  const latest = new Map<string, JournalEntry>();
  const merged = new Map<string, JournalEntry>();
  for (const entry of entries) {
    const prev = merged.get(entry.deploymentId);
    merged.set(entry.deploymentId, { ...prev, ...stripUndefined(entry) } as JournalEntry);
    latest.set(entry.deploymentId, entry);
  }
  return [...merged.values()].filter((e) => latest.get(e.deploymentId)?.phase !== 'finished');
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** One stored journal entry, or undefined when it is not one. */
export function parseEntry(line: string): JournalEntry | undefined {
  try {
    const value = JSON.parse(line) as Partial<JournalEntry>;
    if (
      value &&
      typeof value === 'object' &&
      value.schemaVersion === JOURNAL_SCHEMA_VERSION &&
      typeof value.deploymentId === 'string' &&
      typeof value.phase === 'string' &&
      typeof value.at === 'string'
    ) {
      return value as JournalEntry;
    }
  } catch {
    /* reported by the caller */
  }
  return undefined;
}
