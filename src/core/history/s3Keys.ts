/**
 * The object layout of a team history store in S3, under `PREFIX/stacks/<account>/<region>/<stack>/`:
 *
 *   records/<rev>_<id>.json                  one record per deployment
 *   journal/<deploymentId>/<ms>-<rand>.json  one object per journal entry (appends never race)
 *   lock.json                                who is deploying the stack now
 *   logs/<id>.log                            the run's masked log, capped
 *
 * `<rev>` is 9999999999999 minus the start time in ms, zero-padded: S3 lists keys in ascending
 * order, so the newest record comes first and a view that shows N records lists and reads N,
 * whatever the length of the history. Pure.
 */
import { randomBytes } from 'node:crypto';
import { assertStackKey, deploymentIdTime, isDeploymentId } from './paths';
import type { StackKey } from './record';

const REV_BASE = 9_999_999_999_999;

export function stackPrefix(prefix: string, key: StackKey): string {
  assertStackKey(key);
  return `${prefix ? `${prefix}/` : ''}stacks/${key.account}/${key.region}/${key.stackName}/`;
}

export function recordKey(stack: string, id: string): string {
  const ms = deploymentIdTime(id) ?? 0;
  return `${stack}records/${String(REV_BASE - ms).padStart(13, '0')}_${id}.json`;
}

/** The record id a record key holds; undefined for anything else found under records/. */
export function idOfRecordKey(key: string): string | undefined {
  const m = /records\/(\d{13})_([^/]+)\.json$/.exec(key);
  return m && isDeploymentId(m[2]!) ? m[2] : undefined;
}

export function journalPrefix(stack: string): string {
  return `${stack}journal/`;
}

export function journalKey(stack: string, deploymentId: string, atMs: number): string {
  return `${stack}journal/${deploymentId}/${String(atMs).padStart(13, '0')}-${randomBytes(4).toString('hex')}.json`;
}

/** The deployment a journal key belongs to. */
export function deploymentOfJournalKey(key: string): string | undefined {
  return /journal\/([^/]+)\/[^/]+\.json$/.exec(key)?.[1];
}

export function lockKey(stack: string): string {
  return `${stack}lock.json`;
}

export function logKey(stack: string, id: string): string {
  return `${stack}logs/${id}.log`;
}

/** `stacks/<account>/<region>/<stack>/…` → the stack key, for listing every stack of a store. */
export function stackOfKey(prefix: string, key: string): StackKey | undefined {
  const rest = prefix ? (key.startsWith(`${prefix}/`) ? key.slice(prefix.length + 1) : undefined) : key;
  const m = rest ? /^stacks\/([^/]+)\/([^/]+)\/([^/]+)\//.exec(rest) : null;
  return m ? { account: m[1]!, region: m[2]!, stackName: m[3]! } : undefined;
}
