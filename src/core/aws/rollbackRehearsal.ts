/**
 * The AWS half of the rollback rehearsal (rollback/rehearsal.ts has the rule): the change set from
 * the live stack to the version a rollback would restore, created beside the deploy's own, described,
 * and deleted — never executed.
 *
 * It is not journaled like the deploy's change set: nothing is ever executed from it, and one left
 * behind by a crash is clutter that CloudFormation removes itself when the next change set on the
 * stack is executed.
 */
import type { Capability, CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DeployGuardError, isCancellation } from '../errors';
import type { PlannedChange } from '../events';
import { classifyAwsError } from './awsErrors';
import type { SdkParameter } from './parameters';
import { loadAwsSdk } from './sdk';
import { deleteChangeSet, isEmptyChangeSet, waitForChangeSet, type StackInfo } from './stackApi';
import { MAX_TEMPLATE_BODY_BYTES } from './template';

/** What the rehearsal plans: the target version's template, parameters and tags. */
export interface RehearsalPlan {
  readonly changeSetName: string;
  readonly templateBody: string;
  /** The S3 URL the target was deployed from when its body is over the inline limit. */
  readonly templateUrl?: string;
  /** The target's parameters and tags for the stack as it is now; throws a DeployGuardError when they cannot be rebuilt. */
  readonly inputs: (stack: StackInfo) => { parameters: SdkParameter[]; tags: Readonly<Record<string, string>> };
  readonly capabilities: readonly string[];
  /** Whether the live stack already runs the target: then live → target is empty and nothing is created. */
  readonly liveIsTarget: (stack: StackInfo) => boolean;
}

/** What live → target came to. */
export type LiveToTarget =
  | { readonly kind: 'same' }
  | { readonly kind: 'planned'; readonly changeSetName: string; readonly changes: PlannedChange[] }
  | { readonly kind: 'failed'; readonly message: string };

/**
 * Plans live → target and deletes the change set again whatever happens (a failure, the run's abort).
 * Never rejects except for the run's own cancellation: a rehearsal that cannot be planned is reported,
 * and the deploy goes on.
 */
export async function planLiveToTarget(
  cfn: CloudFormationClient,
  stack: StackInfo,
  plan: RehearsalPlan,
  pollMs: number,
  signal: AbortSignal,
): Promise<LiveToTarget> {
  if (plan.liveIsTarget(stack)) return { kind: 'same' };
  const inline = Buffer.byteLength(plan.templateBody, 'utf8') <= MAX_TEMPLATE_BODY_BYTES;
  if (!inline && !plan.templateUrl)
    return { kind: 'failed', message: 'the restored version is over the inline template limit and was recorded without its S3 URL' };
  const { CreateChangeSetCommand } = (await loadAwsSdk()).cloudFormation;
  let id: string | undefined;
  try {
    const { parameters, tags } = plan.inputs(stack);
    const created = await cfn.send(
      new CreateChangeSetCommand({
        // By name, as the deploy's own change set is created (emulators look names up, not ARNs).
        StackName: stack.stackName,
        ChangeSetName: plan.changeSetName,
        ChangeSetType: 'UPDATE',
        ...(inline ? { TemplateBody: plan.templateBody } : { TemplateURL: plan.templateUrl }),
        Parameters: parameters,
        Capabilities: plan.capabilities.length > 0 ? (plan.capabilities as Capability[]) : undefined,
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        Description: 'Deploy Guard rollback rehearsal: never executed',
      }),
      { abortSignal: signal },
    );
    id = created.Id ?? plan.changeSetName;
    const state = await waitForChangeSet(cfn, id, stack.stackId, pollMs, signal);
    if (isEmptyChangeSet(state)) return { kind: 'planned', changeSetName: plan.changeSetName, changes: [] };
    if (state.status !== 'CREATE_COMPLETE')
      return { kind: 'failed', message: `CloudFormation could not plan it (${state.status}): ${state.reason ?? 'no reason given'}` };
    return { kind: 'planned', changeSetName: plan.changeSetName, changes: state.changes };
  } catch (err) {
    if (isCancellation(err) || signal.aborted) throw err;
    if (DeployGuardError.is(err)) return { kind: 'failed', message: err.message };
    const { name, message } = classifyAwsError(err);
    return { kind: 'failed', message: `${name}: ${message}` };
  } finally {
    // Created or maybe created (an answer lost in transit): delete by name, without the run's signal,
    // so an aborted run still cleans up.
    await deleteChangeSet(cfn, id ?? plan.changeSetName, stack.stackId);
  }
}
