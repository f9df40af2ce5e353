/**
 * What the stack really is right now (status, template, parameters, the last operation's token),
 * and the pure comparisons the rollback needs: "is the stack still at this deployment's version
 * and idle?" before acting, and "is the stable version back?" after.
 */
// Types only: the SDK module is imported at the call, so loading the engine does not initialise it.
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { classifyAwsError } from '../aws/awsErrors';
import type { DeploymentRecord } from '../history/record';
import { loadAwsSdk } from '../aws/sdk';
import { envSourcedOf, sameSecret, variableWords } from '../secrets/envSourced';

export interface StackSnapshot {
  readonly stackId?: string;
  readonly status: string;
  /** The template as last submitted (GetTemplate, stage Original). */
  readonly templateBody: string;
  readonly parameters: Readonly<Record<string, string>>;
  /** ClientRequestToken of the newest stack-level event, where the service records it (moto does not). */
  readonly lastToken?: string;
}

/** Reads the stack; undefined when it does not exist. */
export async function readStack(cfn: CloudFormationClient, stack: string, signal?: AbortSignal): Promise<StackSnapshot | undefined> {
  // All three at once (by ARN when known): this runs between an ALARM and the rollback.
  const { DescribeStackEventsCommand, DescribeStacksCommand, GetTemplateCommand } = (await loadAwsSdk()).cloudFormation;
  const missing = (err: unknown) => classifyAwsError(err).kind === 'notFound';
  let described, template, events;
  try {
    [described, template, events] = await Promise.all([
      cfn.send(new DescribeStacksCommand({ StackName: stack }), signal ? { abortSignal: signal } : {}),
      cfn.send(new GetTemplateCommand({ StackName: stack, TemplateStage: 'Original' }), signal ? { abortSignal: signal } : {}),
      cfn.send(new DescribeStackEventsCommand({ StackName: stack }), signal ? { abortSignal: signal } : {}),
    ]);
  } catch (err) {
    if (missing(err)) return undefined;
    throw err;
  }
  const s = described.Stacks?.[0];
  if (!s) return undefined;
  const parameters: Record<string, string> = {};
  for (const p of s.Parameters ?? []) if (p.ParameterKey) parameters[p.ParameterKey] = p.ParameterValue ?? '';
  const newestStackEvent = (events.StackEvents ?? []).find((e) => e.ResourceType === 'AWS::CloudFormation::Stack');
  return {
    ...(s.StackId !== undefined ? { stackId: s.StackId } : {}),
    status: s.StackStatus ?? 'UNKNOWN',
    templateBody: template.TemplateBody ?? '',
    parameters,
    ...(newestStackEvent?.ClientRequestToken ? { lastToken: newestStackEvent.ClientRequestToken } : {}),
  };
}

/** Stack statuses in which nothing is running and the last operation succeeded forward. */
const IDLE_AND_UPDATED = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE']);

export type Comparison = { readonly same: true } | { readonly same: false; readonly why: string };

/** Whether the stack carries exactly this record's template and (non-secret) parameter values. */
export function stackMatchesRecord(snapshot: StackSnapshot, record: DeploymentRecord): Comparison {
  if (normaliseBody(snapshot.templateBody) !== normaliseBody(record.template.body)) {
    return { same: false, why: `the stack's template is not the one deployment ${record.id} deployed` };
  }
  for (const p of record.parameters) {
    const sourced = p.noEcho ? undefined : envSourcedOf(p);
    if (sourced) {
      // A value from the environment is compared by its fingerprint and never shown.
      if (sameSecret(p.key, sourced, snapshot.parameters[p.key])) continue;
      return { same: false, why: `parameter ${p.key} is not the value deployment ${record.id} set from ${variableWords(sourced.fromEnv)}` };
    }
    // NoEcho values are never stored (and AWS shows them masked); UsePreviousValue has no value to compare.
    if (p.noEcho || p.usePreviousValue || p.value === undefined) continue;
    const actual = snapshot.parameters[p.key];
    if (actual !== p.value) {
      return { same: false, why: `parameter ${p.key} is "${actual ?? '(unset)'}", deployment ${record.id} set "${p.value}"` };
    }
  }
  return { same: true };
}

/**
 * The compare-and-swap check before an automatic rollback: the stack
 * must be idle after a successful forward operation, and still at *this* deployment's version.
 * Never roll back someone else's deploy, nor a stack CloudFormation already rolled back.
 */
export function checkStillOurs(snapshot: StackSnapshot | undefined, record: DeploymentRecord): Comparison {
  if (!snapshot) return { same: false, why: `stack ${record.stackName} no longer exists` };
  if (record.stackId && snapshot.stackId && record.stackId !== snapshot.stackId) {
    return { same: false, why: `stack ${record.stackName} was deleted and recreated since deployment ${record.id}` };
  }
  if (!IDLE_AND_UPDATED.has(snapshot.status)) {
    return { same: false, why: `stack ${record.stackName} is ${snapshot.status}, not idle after this deployment` };
  }
  if (snapshot.lastToken && record.clientRequestToken && snapshot.lastToken !== record.clientRequestToken) {
    return {
      same: false,
      why: `the stack's last operation (token ${snapshot.lastToken}) is not this deployment's: someone deployed since`,
    };
  }
  const match = stackMatchesRecord(snapshot, record);
  if (!match.same) return { same: false, why: `${match.why}: someone deployed since` };
  return { same: true };
}

/** Line endings and a trailing newline are not a different template. */
function normaliseBody(body: string): string {
  return body.replace(/\r\n/g, '\n').trimEnd();
}
