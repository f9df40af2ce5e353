/**
 * What to do when a stack policy refused a change. The policy is the person's fail-safe:
 * Deploy Guard never changes it and never sends one for the update
 * (StackPolicyDuringUpdateBody), so the advice names the two ways a person has.
 */
import { isStackPolicyDenial } from '../aws/awsErrors';
import type { FailedResource } from '../aws/operation';

/** `; the stack policy of STACK …` when `failed` is a stack policy's refusal, else ''. */
export function stackPolicyAdvice(stackName: string, failed: FailedResource | undefined): string {
  if (!failed || !isStackPolicyDenial(failed.reason)) return '';
  return (
    `; the stack policy of ${stackName} does not allow this change to ${failed.logicalId}: ` +
    `change the template so it leaves ${failed.logicalId} alone, or have its owner allow the change in the stack policy ` +
    `(Deploy Guard never changes it), then deploy again`
  );
}
