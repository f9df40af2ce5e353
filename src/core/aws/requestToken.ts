/** What a stack operation's ClientRequestToken is for; part of the token, so each purpose has its own. */
export type TokenPurpose = 'deploy' | 'rollback' | 'recover';

/**
 * The ClientRequestToken of a deployment's stack operation: deterministic, so a retried or resumed
 * call is the same operation, never a second one. The automatic rollback of an unhealthy deployment
 * uses that deployment's id with `rollback`, which is how a resumed watch finds it.
 */
export function requestTokenFor(deploymentId: string, purpose: TokenPurpose = 'deploy'): string {
  return `deployguard-${purpose}-${deploymentId}`.replace(/[^a-zA-Z0-9-]/g, '-').slice(0, 128);
}
