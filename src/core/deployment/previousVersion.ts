/**
 * The link a deploy or a rollback writes when it starts: the ledger's current version then, and
 * what the stack really ran. The ledger (history/ledger.ts) orders versions by these links, so a
 * rollback goes back to what the stack ran before, whatever the ids or the clocks say.
 */
import type { AwsClients } from '../aws/clients';
import { describeStack, getTemplateBody, type StackInfo } from '../aws/stackApi';
import { sha256 } from '../aws/template';
import { currentVersion } from '../history/ledger';
import type { PreviousVersion } from '../history/record';
import type { StackHistory } from '../history/store';

/** The stack as a deploy found it before changing anything: its state and, when it exists, its template. */
export interface StackAsFound {
  readonly stack: StackInfo | undefined;
  readonly body: string | undefined;
}

/**
 * Reads the stack once for everything a deploy records about it before it changes it: the
 * baseline (baseline.ts) and the link to the previous version (readPreviousVersion).
 */
export async function readStackAsFound(clients: AwsClients, stackName: string, signal?: AbortSignal): Promise<StackAsFound> {
  const cfn = await clients.cloudFormation();
  const stack = await describeStack(cfn, stackName, signal);
  return { stack, body: stack ? await getTemplateBody(cfn, stack.stackId, signal) : undefined };
}

/** The link from the stack as found and the history now, before the deployment changes either. */
export async function readPreviousVersion(stackHistory: StackHistory, found: StackAsFound): Promise<PreviousVersion> {
  const { records } = await stackHistory.list();
  return previousVersion(currentVersion(records)?.id, found.stack, found.body);
}

/**
 * The link itself: `linkTo` is the ledger's current version (for an automatic rollback, the
 * deployment it undoes). A deploy names the current version even when the stack no longer matches
 * it (changed outside Deploy Guard, or an unverified deploy left live): that is still the last
 * version found good, and the sha and fingerprint beside it say what really ran.
 */
export function previousVersion(linkTo: string | undefined, stack: StackInfo | undefined, body: string | undefined): PreviousVersion {
  return {
    ...(linkTo !== undefined ? { deploymentId: linkTo } : {}),
    ...(body !== undefined ? { templateSha256: sha256(body) } : {}),
    ...(stack ? { parametersFingerprint: parametersFingerprint(stack.parameters) } : {}),
  };
}

/** One hash of a stack's parameter values, whatever their order. NoEcho values are AWS's mask, never the secret. */
export function parametersFingerprint(parameters: ReadonlyMap<string, string>): string {
  return sha256(JSON.stringify([...parameters.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}
