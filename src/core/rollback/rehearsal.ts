/**
 * The rollback rehearsal: what rolling a deploy back to the version the ledger would restore would
 * do to each resource, worked out before the deploy runs, so a person learns that a rollback would
 * replace a database before deploying, not during an incident. Pure: the AWS part is
 * aws/rollbackRehearsal.ts.
 *
 * CloudFormation plans a change set only from the live stack (L). The deploy's change set is L → N
 * (the new version); the rollback would go N → V (the version restored). It cannot be planned before
 * N exists, so it is derived per resource from two change sets that can be planned now:
 *
 * - D, the deploy's own (L → N);
 * - R, live → target (L → V), created beside it and never executed. When the stack already runs V
 *   (same template and parameters: the usual case), R is empty and is not created at all.
 *
 * The rule, per logical id (its presence in N and V follows from L and the actions of D and R):
 * - in N, not in V → the rollback REMOVES it (a resource the deploy adds is deleted again);
 * - in V, not in N → the rollback ADDS it (a resource the deploy deletes comes back new and empty);
 * - in both, touched by D only → the rollback modifies it back: the same properties change in the
 *   other direction, and whether a property change replaces a resource does not depend on the
 *   direction, so D's Replacement is the rollback's. Exact.
 * - in both, touched by R only → N holds L's resource, so N → V is L → V: R's Replacement. Exact.
 * - in both, touched by both → the properties N → V changes are among those D or R change: the
 *   stronger Replacement of the two is an upper bound (`exact: false`, worded "may").
 */
import type { PlannedChange } from '../events';

export type Replacement = 'True' | 'Conditional' | 'False';

/** What a rollback would do to one resource. */
export interface RehearsedChange {
  readonly action: 'Add' | 'Modify' | 'Remove';
  readonly logicalId: string;
  readonly resourceType: string;
  readonly replacement?: Replacement;
  /** False when the replacement is an upper bound (both change sets touch the resource). */
  readonly exact: boolean;
}

/** The rehearsal as recorded on the deploy and shown before it is confirmed. */
export interface RollbackRehearsal {
  /** The version a rollback would restore (the ledger's choice for this deploy). */
  readonly targetId: string;
  readonly targetCommit?: string;
  /** The live → target change set, when the stack did not already run the target (deleted afterwards). */
  readonly changeSetName?: string;
  readonly changes: readonly RehearsedChange[];
  /** One sentence per destructive step: "a rollback would replace OrdersTable (AWS::DynamoDB::Table)". */
  readonly dangers: readonly string[];
  /** Set when the rehearsal could not be completed (the deploy goes on; a rollback may fail the same way). */
  readonly failed?: string;
}

const STRENGTH: Readonly<Record<Replacement, number>> = { False: 0, Conditional: 1, True: 2 };

function stronger(a: Replacement | undefined, b: Replacement | undefined): Replacement | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return STRENGTH[a] >= STRENGTH[b] ? a : b;
}

/** `Import` brings a resource under the stack, so it is in the version afterwards like an `Add`. */
const ADDS = new Set<PlannedChange['action']>(['Add', 'Import']);

/** Whether the resource exists in the version a change set leads to, given whether it is live. */
function afterwards(change: PlannedChange | undefined, live: boolean): boolean {
  if (!change) return live;
  return change.action !== 'Remove';
}

/** Whether the resource is live now, as either change set sees it. */
function isLive(d: PlannedChange | undefined, r: PlannedChange | undefined): boolean {
  const seen = d ?? r;
  return seen ? !ADDS.has(seen.action) : false;
}

/** What a `Dynamic` change may do is known only while it runs: treat it as a conditional replacement. */
function replacementOf(change: PlannedChange): Replacement | undefined {
  return change.action === 'Dynamic' ? 'Conditional' : change.replacement;
}

/** The rollback's changes from the deploy's change set (L → N) and the live → target one (L → V). */
export function rollbackChanges(deploy: readonly PlannedChange[], liveToTarget: readonly PlannedChange[]): RehearsedChange[] {
  const byId = new Map<string, { d?: PlannedChange; r?: PlannedChange }>();
  for (const d of deploy) byId.set(d.logicalId, { ...byId.get(d.logicalId), d });
  for (const r of liveToTarget) byId.set(r.logicalId, { ...byId.get(r.logicalId), r });
  const out: RehearsedChange[] = [];
  for (const [logicalId, { d, r }] of byId) {
    const live = isLive(d, r);
    const inNew = afterwards(d, live);
    const inTarget = afterwards(r, live);
    const resourceType = (d ?? r)!.resourceType;
    if (inNew && !inTarget) out.push({ action: 'Remove', logicalId, resourceType, exact: true });
    else if (!inNew && inTarget) out.push({ action: 'Add', logicalId, resourceType, exact: true });
    else if (inNew && inTarget) {
      // Both added (not live, in N and V): the rollback changes N's resource into V's, by properties
      // neither change set describes against each other.
      const bothAdded = d !== undefined && r !== undefined && ADDS.has(d.action) && ADDS.has(r.action);
      const replacement = bothAdded ? 'Conditional' : stronger(d && replacementOf(d), r && replacementOf(r));
      out.push({
        action: 'Modify',
        logicalId,
        resourceType,
        ...(replacement ? { replacement } : {}),
        exact: d === undefined || r === undefined,
      });
    }
  }
  return out;
}

/** The sentences that flag what a rollback would destroy or create again. */
export function rehearsalDangers(changes: readonly RehearsedChange[]): string[] {
  const out: string[] = [];
  for (const c of changes) {
    const what = `${c.logicalId} (${c.resourceType})`;
    if (c.action === 'Remove') out.push(`a rollback would delete ${what}, which the restored version does not have`);
    else if (c.action === 'Add') out.push(`a rollback would create ${what} again, as a new resource: what the old one held is gone`);
    else if (c.replacement === 'True') out.push(`a rollback ${c.exact ? 'would' : 'may'} replace ${what}`);
    else if (c.replacement === 'Conditional') out.push(`a rollback may replace ${what}, depending on values known only during the update`);
  }
  return out;
}

/** One line for the log and the CLI: what a rollback would do, or that it is harmless. */
export function rehearsalSummary(rehearsal: RollbackRehearsal): string {
  const to = `deployment ${rehearsal.targetId}${rehearsal.targetCommit ? ` (${rehearsal.targetCommit.slice(0, 7)})` : ''}`;
  if (rehearsal.failed) return `Rollback rehearsal to ${to} could not be planned: ${rehearsal.failed}`;
  if (rehearsal.dangers.length === 0)
    return `Rollback rehearsal to ${to}: ${rehearsal.changes.length} resource change(s), no replacement or deletion`;
  return `Rollback rehearsal to ${to}: ${rehearsal.dangers.length} destructive step(s)`;
}
