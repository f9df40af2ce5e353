import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { toDeployGuardError } from './awsErrors';
import { loadAwsSdk } from './sdk';

/**
 * ContinueUpdateRollback for a stack in UPDATE_ROLLBACK_FAILED. `resourcesToSkip` comes only from
 * a person: skipped resources are marked UPDATE_COMPLETE although they may not match the template
 * (the stack then claims a state it does not have), so Deploy Guard never chooses them itself.
 */
export async function continueUpdateRollback(
  cfn: CloudFormationClient,
  stackId: string,
  token: string,
  resourcesToSkip: readonly string[],
  signal?: AbortSignal,
): Promise<void> {
  const { ContinueUpdateRollbackCommand } = (await loadAwsSdk()).cloudFormation;
  try {
    await cfn.send(
      new ContinueUpdateRollbackCommand({
        StackName: stackId,
        ClientRequestToken: token,
        ...(resourcesToSkip.length > 0 ? { ResourcesToSkip: [...resourcesToSkip] } : {}),
      }),
      signal ? { abortSignal: signal } : {},
    );
  } catch (err) {
    throw toDeployGuardError(err, `Continuing the rollback of ${stackId}`);
  }
}
