/** Does the stack hold a record's version? The checks before and after a restore. */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { describeStack, getTemplateBody } from '../aws/stackApi';
import { sha256 } from '../aws/template';
import type { DeploymentRecord, ParameterRecord } from '../history/record';
import { envSourcedOf, sameSecret } from '../secrets/envSourced';

/**
 * Recorded values equal the stack's (a value from the environment by its fingerprint); NoEcho and
 * unrecorded values cannot be compared, so they pass.
 */
export function parametersMatch(recorded: readonly ParameterRecord[], current: ReadonlyMap<string, string>): boolean {
  return differingParameters(recorded, current).length === 0;
}

/** The names of the recorded parameters whose values the stack does not hold (comparable ones only). */
export function differingParameters(recorded: readonly ParameterRecord[], current: ReadonlyMap<string, string>): string[] {
  return recorded.filter((p) => !sameParameter(p, current.get(p.key))).map((p) => p.key);
}

function sameParameter(p: ParameterRecord, actual: string | undefined): boolean {
  if (p.noEcho) return true;
  const sourced = envSourcedOf(p);
  if (sourced) return sameSecret(p.key, sourced, actual);
  return p.value === undefined || actual === p.value;
}

/**
 * What still differs between the stack and a record, as a clause: "the template differs",
 * "parameters A, B differ", or both. Names only, never values: a person can look the values up,
 * a log must not keep them.
 */
export function describeDifference(read: { exists: boolean; sameTemplate: boolean; differentParameters: readonly string[] }): string {
  if (!read.exists) return 'the stack no longer exists';
  const parts: string[] = [];
  if (!read.sameTemplate) parts.push('the template');
  const n = read.differentParameters.length;
  if (n > 0) parts.push(`${n === 1 ? 'parameter' : 'parameters'} ${read.differentParameters.join(', ')}`);
  if (parts.length === 0) return 'nothing comparable differs';
  return `${parts.join(' and ')} ${parts.length === 1 && n <= 1 ? 'differs' : 'differ'}`;
}

/** The stack read again after a restore: its status, and whether it holds the target's template and parameters. */
export async function readAgainstTarget(cfn: CloudFormationClient, stackName: string, target: DeploymentRecord, signal: AbortSignal) {
  const stack = await describeStack(cfn, stackName, signal);
  const body = stack ? await getTemplateBody(cfn, stack.stackId, signal) : undefined;
  const differentParameters = stack ? differingParameters(target.parameters, stack.parameters) : [];
  return {
    status: stack?.status,
    exists: stack !== undefined,
    sameTemplate: body !== undefined && sha256(body) === target.template.sha256,
    sameParameters: stack !== undefined && differentParameters.length === 0,
    differentParameters,
  };
}
