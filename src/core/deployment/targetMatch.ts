/** Does the stack hold a record's version? The checks before and after a restore. */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { describeStack, getTemplateBody } from '../aws/stackApi';
import { sha256 } from '../aws/template';
import type { DeploymentRecord, ParameterRecord } from '../history/record';

/** Recorded values equal the stack's; NoEcho and unrecorded values cannot be compared, so they pass. */
export function parametersMatch(recorded: readonly ParameterRecord[], current: ReadonlyMap<string, string>): boolean {
  return recorded.every((p) => p.value === undefined || p.noEcho || current.get(p.key) === p.value);
}

/** The stack read again after a restore: its status, and whether it holds the target's template and parameters. */
export async function readAgainstTarget(cfn: CloudFormationClient, stackName: string, target: DeploymentRecord, signal: AbortSignal) {
  const stack = await describeStack(cfn, stackName, signal);
  const body = stack ? await getTemplateBody(cfn, stack.stackId, signal) : undefined;
  return {
    status: stack?.status,
    sameTemplate: body !== undefined && sha256(body) === target.template.sha256,
    sameParameters: stack !== undefined && parametersMatch(target.parameters, stack.parameters),
  };
}
