/**
 * The ledger of verified versions: which record the stack runs now as far as Deploy Guard knows
 * (currentVersion), and which one a deployment goes back to (chooseRollbackTarget). Pure, so
 * every history that matters is a table test.
 *
 * Rules:
 * - A version is a `stable` record; how it was verified ranks it: alarms and restored (verified)
 *   before unguarded (deployed, never verified) before as-found (the stack as first found).
 * - Order comes from the links each deploy and rollback writes when it starts (`previous`: the
 *   ledger's current version then) and from a rollback's target, like a commit's parents. Ids and
 *   timestamps are made by the clock of whichever machine wrote them, so they never decide.
 * - Records written before links existed have none. For them, and only for them, the time each
 *   was verified (its finish) orders them: the one place a clock is trusted. A link naming a record
 *   that is gone from the history falls back the same way.
 * - A rollback record is a version of its own once its restore is verified: it is what the stack
 *   runs, and it comes after the deployment it undid.
 */
import type { DeploymentRecord, Verification, VerificationKind } from './record';

/** What a stable record says about how it was verified; derived for one that predates the section. */
export function verificationOf(record: DeploymentRecord): Verification | undefined {
  if (record.status !== 'stable') return undefined;
  return record.verification ?? derivedVerification(record);
}

/**
 * How a record that just became stable was verified, from what it holds: a baseline was found,
 * a rollback restored, a deploy was watched by the alarms of its health section, or by none.
 */
export function derivedVerification(record: DeploymentRecord, at: string = record.finishedAt ?? record.startedAt): Verification {
  if (record.kind === 'baseline') return { kind: 'as-found', at };
  if (record.kind === 'rollback') return { kind: 'restored', at };
  const alarms = record.health?.alarms.map((a) => a.name) ?? record.healthWatch?.alarms ?? [];
  // Metrics judged against their baseline verify a version as alarms do (a metric-only `health`).
  const metrics = (record.health?.metrics ?? []).filter((m) => m.alarm === undefined).map((m) => m.name);
  // A watch over no alarms and no metrics watched nothing: as unverified as one without health.
  if (alarms.length === 0 && metrics.length === 0) return { kind: 'unguarded', at };
  return { kind: 'alarms', alarms: [...alarms], ...(metrics.length > 0 ? { metrics } : {}), at };
}

const STRENGTH: Readonly<Record<VerificationKind, number>> = { alarms: 2, restored: 2, unguarded: 1, 'as-found': 0 };

/** Verified by alarms or a checked restore (not merely deployed, not merely found). */
export function isVerified(record: DeploymentRecord): boolean {
  const v = verificationOf(record);
  return v !== undefined && STRENGTH[v.kind] === 2;
}

/** A version that went out where nothing could verify it (no health checks): never called "stable". */
export const UNGUARDED_WORDS = 'deployed, not verified';

/** How a version is named wherever a person reads it: the CLI, the tree, the run panel. */
export function verificationWords(record: DeploymentRecord): string | undefined {
  const v = verificationOf(record);
  if (!v) return undefined;
  switch (v.kind) {
    case 'alarms': {
      const n = v.alarms?.length ?? 0;
      const m = v.metrics?.length ?? 0;
      const by = [n > 0 && `${n} alarm${n === 1 ? '' : 's'}`, m > 0 && `${m} metric${m === 1 ? '' : 's'}`].filter(Boolean).join(' and ');
      return `stable · verified by ${by || '0 alarms'}`;
    }
    case 'restored':
      return 'stable · restored and verified';
    case 'unguarded':
      return UNGUARDED_WORDS;
    case 'as-found':
      return 'as found (never verified)';
  }
}

/**
 * The version the stack runs as far as the ledger knows: the version no later version follows.
 * `undefined` when no record is stable. When two versions are not ordered by links (records from
 * before links, or two machines deploying at once), the later-verified one wins.
 */
export function currentVersion(history: readonly DeploymentRecord[]): DeploymentRecord | undefined {
  const ledger = new Ledger(history);
  const followed = new Set<string>();
  for (const version of ledger.versions) {
    for (const earlier of ledger.ancestors(version)) followed.add(earlier.id);
  }
  return ledger.newestByClock(ledger.versions.filter((v) => !followed.has(v.id)));
}

export interface RollbackChoice {
  readonly target: DeploymentRecord;
  readonly verification: Verification;
  /** No verified version exists; the target is the best there is (unguarded or as found). */
  readonly unverified: boolean;
}

export interface ChooseOptions {
  /** Versions that would not be a change (the stack already holds them): passed over. */
  readonly skip?: (record: DeploymentRecord) => boolean;
}

/**
 * Where a rollback of `deployment` goes: walk back from the version the stack ran before it (its
 * `previous` link), through rollbacks' targets and earlier links, nearest first; the first verified
 * version wins, else the first unguarded one, else the stack as found. `undefined`: nothing to go to.
 */
export function chooseRollbackTarget(
  history: readonly DeploymentRecord[],
  deployment: DeploymentRecord,
  options: ChooseOptions = {},
): RollbackChoice | undefined {
  const ledger = new Ledger(history);
  const candidates = ledger
    .walkBack(deployment)
    .filter((r) => r.id !== deployment.id && !(options.skip?.(r) ?? false))
    .flatMap((r) => {
      const verification = verificationOf(r);
      return verification ? [{ target: r, verification }] : [];
    });
  for (const strength of [2, 1, 0]) {
    const found = candidates.find((c) => STRENGTH[c.verification.kind] === strength);
    if (found) return { ...found, unverified: strength < 2 };
  }
  return undefined;
}

/** How a rollback names its target: a verified version, or why it is only the best there is. */
export function targetWords(target: DeploymentRecord): string {
  switch (verificationOf(target)?.kind) {
    case 'unguarded':
      return `deployment ${target.id} (deployed, never verified: no verified version exists)`;
    case 'as-found':
      return `the stack as Deploy Guard first found it (${target.id}, never verified): no verified version exists`;
    case 'alarms':
    case 'restored':
    case undefined:
      return `stable deployment ${target.id}`;
  }
}

class Ledger {
  readonly versions: DeploymentRecord[];
  private readonly byId = new Map<string, DeploymentRecord>();
  private readonly cache = new Map<string, readonly DeploymentRecord[]>();
  private readonly times = new Map<string, number>();
  /** Records without links (written before them): the clock is their only order. */
  private readonly unlinked: DeploymentRecord[];

  constructor(history: readonly DeploymentRecord[]) {
    for (const r of history) this.byId.set(r.id, r);
    this.versions = history.filter((r) => verificationOf(r) !== undefined);
    this.unlinked = history.filter((r) => r.previous === undefined);
  }

  /**
   * What came right before a record, nearest first. A rollback came after the version it restored
   * and after what the stack ran then; a deploy after its `previous`; a baseline after nothing.
   */
  before(record: DeploymentRecord): readonly DeploymentRecord[] {
    // Computed once per record: a history of hundreds of unlinked records stays quadratic, not cubic.
    let known = this.cache.get(record.id);
    if (!known) {
      known = this.computeBefore(record);
      this.cache.set(record.id, known);
    }
    return known;
  }

  private computeBefore(record: DeploymentRecord): DeploymentRecord[] {
    if (record.kind === 'baseline') return [];
    const out: DeploymentRecord[] = [];
    const target = record.rollbackTargetId !== undefined ? this.byId.get(record.rollbackTargetId) : undefined;
    if (target) out.push(target);
    if (record.previous !== undefined) {
      const id = record.previous.deploymentId;
      if (id === undefined) return out; // nothing was current when it started
      const previous = this.byId.get(id);
      if (previous) return [...out, previous];
    }
    // No link: the clock orders it among the other unlinked records. A link to a record no longer
    // here (a damaged history): the clock orders it among every version, the best left to go on.
    const earlier = this.newestBefore(record, record.previous === undefined ? this.unlinked : this.versions);
    return earlier ? [...out, earlier] : out;
  }

  /** Every record before `record`, transitively. */
  ancestors(record: DeploymentRecord): DeploymentRecord[] {
    return this.walkBack(record).filter((r) => r.id !== record.id);
  }

  /** `record` and then everything before it, nearest first (depth first through `before`). */
  walkBack(record: DeploymentRecord): DeploymentRecord[] {
    const seen = new Set<string>();
    const out: DeploymentRecord[] = [];
    const stack: DeploymentRecord[] = [record];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (seen.has(next.id)) continue;
      seen.add(next.id);
      out.push(next);
      stack.push(...[...this.before(next)].reverse());
    }
    return out;
  }

  /** The newest of `among` that ended before this record (by the clocks that wrote them). */
  private newestBefore(record: DeploymentRecord, among: readonly DeploymentRecord[]): DeploymentRecord | undefined {
    let found: DeploymentRecord | undefined;
    for (const r of among) {
      if (r.id !== record.id && this.clockOrder(r, record) < 0 && (!found || this.clockOrder(found, r) < 0)) found = r;
    }
    return found;
  }

  newestByClock(records: readonly DeploymentRecord[]): DeploymentRecord | undefined {
    return [...records].sort((a, b) => this.clockOrder(b, a))[0];
  }

  private clockOrder(a: DeploymentRecord, b: DeploymentRecord): number {
    return this.clockTime(a) - this.clockTime(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  }

  /** Parsed once per record and ledger: the unlinked records are compared with each other often. */
  private clockTime(record: DeploymentRecord): number {
    let time = this.times.get(record.id);
    if (time === undefined) {
      time = clockTime(record);
      this.times.set(record.id, time);
    }
    return time;
  }
}

/**
 * When a record was verified, or else ended, or else started: the clock order the unlinked records
 * have. An unhealthy deploy still being watched has only its start, which comes after the version
 * it replaced was verified. Equal times fall back to the id, only to make the order total.
 */
function clockTime(record: DeploymentRecord): number {
  const ms = Date.parse(verificationOf(record)?.at ?? record.finishedAt ?? record.startedAt);
  return Number.isFinite(ms) ? ms : 0;
}
