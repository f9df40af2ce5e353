import { isOpenStatus, statusRow } from '../core/deploymentStatus';
import type { HolderIdentity } from '../core/history/holder';
import type { DeploymentRecord } from '../core/history/record';
import { startedElsewhere } from './environmentState';
import { formatAge, formatCountdown, shortCommit } from './format';
import type { LiveDeployment } from './liveDeployments';

/**
 * The status bar's words for a deployment: `$(eye) prod: watching 3:12`, `$(eye) prod: verifying
 * restore 2:31`, `$(check) prod: stable a1b2c3d` (`deployed, not verified` when no bake watched it).
 */
export function statusBarText(d: LiveDeployment, now: number): string {
  const env = d.environment;
  if (!d.finished) {
    if (d.status === 'watching' && d.watchDeadlineMs !== undefined)
      return `$(eye) ${env}: watching ${formatCountdown(d.watchDeadlineMs - now)}`;
    if (d.status === 'verifying-restore')
      return `$(eye) ${env}: verifying restore${d.watchDeadlineMs !== undefined ? ` ${formatCountdown(d.watchDeadlineMs - now)}` : ''}`;
    if (d.kind === 'rollback' || d.status === 'rolling-back') return `$(sync~spin) ${env}: rolling back`;
    if (d.status === 'unhealthy') return `$(warning) ${env}: unhealthy`;
    return `$(sync~spin) ${env}: deploying`;
  }
  if (d.status === 'stable') {
    if (d.kind === 'rollback') return `$(check) ${env}: rolled back to ${shortCommit(d.commit)}`;
    // Without a bake (no `health`), nothing verified it: not the word a verified version gets.
    if (d.kind === 'deploy' && !d.watched) return `$(pass) ${env}: deployed, not verified ${shortCommit(d.commit)}`;
    return `$(check) ${env}: stable ${shortCommit(d.commit)}`;
  }
  // Nothing to deploy reads as a success here, not with the tree's circle-slash.
  if (d.status === 'unchanged') return `$(check) ${env}: unchanged`;
  const row = statusRow(d.status);
  return `$(${row.icon}) ${env}: ${row.words}`;
}

/** One environment as the Deployments view read it last: its name, stack and records, newest first. */
export interface ReadEnvironment {
  readonly name: string;
  readonly stackName: string;
  readonly records: readonly DeploymentRecord[];
  /** Set when these records are this machine's copy because the team history did not answer. */
  readonly stale?: string;
}

/** A deployment of one of the workspace's environments that runs on another machine or a CI runner. */
export interface ElsewhereDeployment {
  readonly environment: string;
  readonly stackName: string;
  readonly record: DeploymentRecord;
  /** Where it runs: `CI run 4711` (with its system and URL) or `ana@laptop`. */
  readonly by: HolderIdentity;
  /** Read from this machine's copy (the team history did not answer): it may have ended since. */
  readonly stale?: true;
}

/**
 * The deployment running elsewhere that the status bar names, from the histories the Deployments
 * view read: an environment's newest record still in progress, started on another machine or a CI
 * runner (`here` is this machine as records name it) and not one this window runs (`runningHere`:
 * a reattached one is shown as this window's own). The most recently started wins when several run.
 */
export function runningElsewhere(
  environments: Iterable<ReadEnvironment>,
  here: string,
  runningHere: ReadonlySet<string>,
): ElsewhereDeployment | undefined {
  let found: ElsewhereDeployment | undefined;
  for (const env of environments) {
    const newest = env.records[0];
    if (!newest || runningHere.has(newest.id) || isOpenStatus(newest.status) || statusRow(newest.status).outcome !== 'in-progress')
      continue;
    const by = startedElsewhere(newest, here);
    if (!by) continue;
    if (!found || newest.startedAt > found.record.startedAt)
      found = {
        environment: env.name,
        stackName: env.stackName,
        record: newest,
        by,
        ...(env.stale !== undefined ? { stale: true as const } : {}),
      };
  }
  return found;
}

/**
 * What the one status-bar item shows: this window's deployment while it runs (its countdown and
 * its cancel are here), else one running elsewhere, else this window's last result. A finished run
 * gives way to one running elsewhere: that is the stack's news now, and the result comes back when
 * it ends.
 */
export function statusBarSubject(
  own: LiveDeployment | undefined,
  elsewhere: ElsewhereDeployment | undefined,
):
  | { readonly kind: 'own'; readonly deployment: LiveDeployment }
  | { readonly kind: 'elsewhere'; readonly deployment: ElsewhereDeployment }
  | undefined {
  if (own && !own.finished) return { kind: 'own', deployment: own };
  if (elsewhere) return { kind: 'elsewhere', deployment: elsewhere };
  return own ? { kind: 'own', deployment: own } : undefined;
}

function elsewhereWords(record: DeploymentRecord): { readonly icon: string; readonly words: string } {
  if (record.kind === 'rollback' || record.status === 'rolling-back') return { icon: 'sync~spin', words: 'rolling back' };
  if (record.status === 'watching') return { icon: 'eye', words: 'watching' };
  if (record.status === 'verifying-restore') return { icon: 'eye', words: 'verifying restore' };
  if (record.status === 'unhealthy') return { icon: 'warning', words: 'unhealthy' };
  // Every busy phase before the stack is done reads as `deploying`, as this window's own do.
  return { icon: 'sync~spin', words: 'deploying' };
}

/** `$(sync~spin) prod: deploying — CI run 4711`: what runs elsewhere, and where. */
export function elsewhereStatusBarText(d: ElsewhereDeployment): string {
  const { icon, words } = elsewhereWords(d.record);
  return `$(${icon}) ${d.environment}: ${words} — ${d.by.name}`;
}

/** The item's tooltip: the environment, the stack, who runs it (the CI system, the run's page) and since when. */
export function elsewhereTooltip(d: ElsewhereDeployment, now: number): string {
  const { words } = elsewhereWords(d.record);
  return [
    `Deploy Guard: ${d.environment} (${d.stackName}) — ${words} on ${d.by.name}${d.by.ci ? ` (${d.by.ci})` : ''}`,
    d.by.url,
    d.stale ? "As last read: the team history did not answer, so it may have ended since (this machine's copy)" : undefined,
    `Started ${formatAge(Date.parse(d.record.startedAt), now)}${d.record.commit ? ` from ${shortCommit(d.record.commit)}` : ''}, deployment ${d.record.id}`,
    'Click to show the run',
  ]
    .filter(Boolean)
    .join('\n');
}
