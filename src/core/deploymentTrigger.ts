/**
 * What started a deployment, in one union used by the request, the history record and the
 * `deployment-started` event. Adding a trigger is one entry here plus whatever starts it.
 */
export const DEPLOYMENT_TRIGGERS = [
  /** `deployguard deploy` (the engine's default). */
  'cli',
  /** The editor's Deploy command. */
  'command',
  /** The Retry button of a failed deploy's notification. */
  'retry',
  /** A pipeline's `deployOn: [push]`: the branch moved. */
  'push',
  /** A pipeline's `deployOn: [save]` (editor saves or `deployguard watch`). */
  'save',
  /** The health watch's automatic rollback of an unhealthy deployment. */
  'health',
  /** A rollback a person asked for. */
  'rollback',
  /** `deployguard recover` / Continue Rollback. */
  'recover',
  /** The record captured for a stack deployed before Deploy Guard knew it. */
  'baseline',
  /** Only when reading a record whose value this version does not know; never chosen for a new deployment. */
  'unknown',
] as const;

export type DeploymentTrigger = (typeof DEPLOYMENT_TRIGGERS)[number];

/** The events a pipeline's `deployOn` may name; each is also the trigger of the deployment it starts. */
export type DeployOnEvent = Extract<DeploymentTrigger, 'push' | 'save'>;

/**
 * A record's `trigger` as read from disk: a known value as it is, any other string (an earlier or
 * later version's) as `unknown`, so the record is kept and nothing downstream meets a value the
 * union does not have; absent stays absent.
 */
export function readTrigger(value: unknown): DeploymentTrigger | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return (DEPLOYMENT_TRIGGERS as readonly unknown[]).includes(value) ? (value as DeploymentTrigger) : 'unknown';
}
