import { toDeployGuardError } from './awsErrors';
import type { AwsClients } from './clients';
import { loadAwsSdk } from './sdk';

/**
 * The account the credentials belong to (history is keyed by it). Also the credentials preflight:
 * one attempt, so missing or expired credentials give one clear message, not a retry storm.
 */
export async function accountId(clients: AwsClients, signal?: AbortSignal): Promise<string> {
  const { GetCallerIdentityCommand } = (await loadAwsSdk()).sts;
  try {
    const sts = await clients.sts();
    const out = await sts.send(new GetCallerIdentityCommand({}), signal ? { abortSignal: signal } : {});
    return out.Account ?? 'unknown';
  } catch (err) {
    throw toDeployGuardError(err, `Checking AWS credentials${clients.target.profile ? ` (profile ${clients.target.profile})` : ''}`, {
      ...clients.target,
    });
  }
}
