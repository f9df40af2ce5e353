/**
 * One stack's history as every deployment phase sees it, whichever store keeps it: the local
 * folder (store.ts) or a bucket the team shares (s3Store.ts). The phases never know which.
 */
import type { JournalReadResult } from './journal';
import type { LockInfo, LockOptions, StackLock } from './lock';
import type { DamagedEntry, DeploymentRecord, JournalEntry, StackKey } from './record';

export interface HistoryListing {
  /** Newest first (by start time, which the id encodes). */
  readonly records: DeploymentRecord[];
  /**
   * Files that could not be read (already moved aside), and sections left out of records that were
   * read (the file left as it is): show them to the user.
   */
  readonly damaged: DamagedEntry[];
  /**
   * Set when the shared store could not be read and these records come from this machine's copy of
   * what it last read and wrote: why, for the views to say the listing may be out of date.
   */
  readonly stale?: string;
  /** With `stale`: the store's own words for why it could not be read (for a view's one-line row). */
  readonly staleReason?: string;
}

export interface ListOptions {
  /** Only the newest this many are needed (a store may return more); absent: all. */
  readonly limit?: number;
  /** A view, not a decision: when the shared store is unreachable, answer from this machine's copy (marked stale). */
  readonly allowStale?: boolean;
}

/** The write-ahead journal: an entry before and after each mutating AWS call. */
export interface HistoryJournal {
  append(entry: Omit<JournalEntry, 'schemaVersion' | 'at' | 'owner'> & { at?: string }): Promise<JournalEntry>;
  read(): Promise<JournalReadResult>;
  /** The latest entry of every deployment whose journal does not say `finished`. */
  openOperations(): Promise<{ open: JournalEntry[]; damaged: DamagedEntry[] }>;
  /** Drops the entries of finished deployments (their records hold the outcome). */
  compact(): Promise<void>;
}

export interface StackHistory {
  readonly key: StackKey;
  readonly journal: HistoryJournal;
  /** Where this machine writes the run's log while it runs (a local file for every store). */
  logPath(id: string): string;
  /** Creates or updates one record; never silently overwrites another writer's change. */
  write(record: DeploymentRecord): Promise<void>;
  list(options?: ListOptions): Promise<HistoryListing>;
  get(id: string): Promise<DeploymentRecord | undefined>;
  /** The version the stack runs as far as the ledger knows (ledger.ts): the last one found good. */
  currentStable(): Promise<DeploymentRecord | undefined>;
  acquireLock(options: LockOptions): Promise<StackLock>;
  /** Who holds the stack right now, if anyone. */
  readLock(): Promise<LockInfo | undefined>;
  /** The run has ended: keep its log (logPath) where other machines can read it. */
  storeLog(id: string): Promise<void>;
  /** A run's log as kept by the store; undefined when there is none. */
  readLog(id: string): Promise<string | undefined>;
  /** `s3://bucket/prefix` or the local folder: where this history lives, for messages. */
  readonly where: string;
}

/** Every store: the stacks it has history for, and one stack's history. */
export interface HistoryBackend {
  stack(key: StackKey): StackHistory;
  listStacks(): Promise<StackKey[]>;
}
