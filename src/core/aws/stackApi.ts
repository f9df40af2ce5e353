/**
 * Thin, typed wrappers over the CloudFormation calls the engine makes. They return plain values
 * (no SDK types leak out of src/core/aws) and leave decisions to their callers.
 */
import type { CloudFormationClient, StackEvent } from '@aws-sdk/client-cloudformation';
import type { PlannedChange, StackEventFacts } from '../events';
import { classifyAwsError } from './awsErrors';
import { loadAwsSdk } from './sdk';
import { sleep } from '../time';

export interface StackInfo {
  readonly stackId: string;
  readonly stackName: string;
  readonly status: string;
  readonly reason?: string;
  /** Current parameter values (NoEcho ones come back masked as `****`). */
  readonly parameters: ReadonlyMap<string, string>;
  readonly tags: Readonly<Record<string, string>>;
  readonly outputs: Readonly<Record<string, string>>;
  readonly lastUpdated?: string;
  readonly terminationProtection: boolean;
}

export interface StackEventInfo extends StackEventFacts {
  readonly clientRequestToken?: string;
  /** The stack the event belongs to (a nested stack's own status events name it as their resource). */
  readonly stackName?: string;
}

/** The stack by name or ARN; undefined when it does not exist (or was deleted, by name). */
export async function describeStack(cfn: CloudFormationClient, stack: string, signal?: AbortSignal): Promise<StackInfo | undefined> {
  const { DescribeStacksCommand } = (await loadAwsSdk()).cloudFormation;
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stack }), signal ? { abortSignal: signal } : {});
    const s = out.Stacks?.[0];
    if (!s || !s.StackId || !s.StackName || !s.StackStatus) return undefined;
    return {
      stackId: s.StackId,
      stackName: s.StackName,
      status: s.StackStatus,
      ...(s.StackStatusReason ? { reason: s.StackStatusReason } : {}),
      parameters: new Map((s.Parameters ?? []).map((p) => [p.ParameterKey ?? '', p.ParameterValue ?? ''])),
      tags: Object.fromEntries((s.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
      outputs: Object.fromEntries((s.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? ''])),
      ...(s.LastUpdatedTime ? { lastUpdated: s.LastUpdatedTime.toISOString() } : {}),
      terminationProtection: s.EnableTerminationProtection === true,
    };
  } catch (err) {
    if (classifyAwsError(err).kind === 'notFound') return undefined;
    throw err;
  }
}

/** The template as the user submitted it (Original stage: before transforms). */
export async function getTemplateBody(cfn: CloudFormationClient, stack: string, signal?: AbortSignal): Promise<string> {
  const { GetTemplateCommand } = (await loadAwsSdk()).cloudFormation;
  const out = await cfn.send(
    new GetTemplateCommand({ StackName: stack, TemplateStage: 'Original' }),
    signal ? { abortSignal: signal } : {},
  );
  return out.TemplateBody ?? '';
}

function toEventInfo(e: StackEvent): StackEventInfo {
  return {
    eventId: e.EventId ?? `${e.LogicalResourceId}-${e.Timestamp?.toISOString()}-${e.ResourceStatus}`,
    timestamp: (e.Timestamp ?? new Date(0)).toISOString(),
    logicalId: e.LogicalResourceId ?? '',
    resourceType: e.ResourceType ?? '',
    ...(e.PhysicalResourceId ? { physicalId: e.PhysicalResourceId } : {}),
    status: e.ResourceStatus ?? '',
    ...(e.ResourceStatusReason ? { reason: e.ResourceStatusReason } : {}),
    ...(e.ClientRequestToken ? { clientRequestToken: e.ClientRequestToken } : {}),
    ...(e.StackName ? { stackName: e.StackName } : {}),
  };
}

/** The nested stacks of a stack (resources of type AWS::CloudFormation::Stack that exist): logical id and stack id. */
export async function nestedStacksOf(
  cfn: CloudFormationClient,
  stackId: string,
  signal?: AbortSignal,
): Promise<{ logicalId: string; physicalId: string }[]> {
  const { DescribeStackResourcesCommand } = (await loadAwsSdk()).cloudFormation;
  const out = await cfn.send(new DescribeStackResourcesCommand({ StackName: stackId }), signal ? { abortSignal: signal } : {});
  return (out.StackResources ?? [])
    .filter((r) => r.ResourceType === 'AWS::CloudFormation::Stack' && r.LogicalResourceId && r.PhysicalResourceId)
    .map((r) => ({ logicalId: r.LogicalResourceId!, physicalId: r.PhysicalResourceId! }));
}

/**
 * Events newer than `knownIds`, oldest first. Pages back (newest-first API) only until it meets
 * an event it has seen, so a long-lived stack costs one page per poll.
 */
export async function newStackEvents(
  cfn: CloudFormationClient,
  stackId: string,
  knownIds: ReadonlySet<string>,
  signal?: AbortSignal,
  maxPages = 10,
): Promise<StackEventInfo[]> {
  const { DescribeStackEventsCommand } = (await loadAwsSdk()).cloudFormation;
  const fresh: StackEventInfo[] = [];
  let token: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const out = await cfn.send(
      new DescribeStackEventsCommand({ StackName: stackId, NextToken: token }),
      signal ? { abortSignal: signal } : {},
    );
    let metKnown = false;
    for (const e of out.StackEvents ?? []) {
      const info = toEventInfo(e);
      if (knownIds.has(info.eventId)) {
        metKnown = true;
        break;
      }
      fresh.push(info);
    }
    token = out.NextToken;
    if (metKnown || !token) break;
  }
  return fresh.reverse();
}

export interface ChangeSetState {
  readonly id: string;
  readonly status: string;
  readonly executionStatus?: string;
  readonly reason?: string;
  readonly changes: PlannedChange[];
}

const NO_CHANGES = /didn't contain changes|did not contain changes|No updates are to be performed/i;

/** Whether a FAILED change set failed only because nothing would change. */
export function isEmptyChangeSet(state: Pick<ChangeSetState, 'status' | 'reason'>): boolean {
  return state.status === 'FAILED' && NO_CHANGES.test(state.reason ?? '');
}

export async function describeChangeSet(
  cfn: CloudFormationClient,
  changeSetId: string,
  stackId: string | undefined,
  signal?: AbortSignal,
): Promise<ChangeSetState> {
  const { DescribeChangeSetCommand } = (await loadAwsSdk()).cloudFormation;
  const changes: PlannedChange[] = [];
  let token: string | undefined;
  let first:
    | { Id?: string | undefined; Status?: string | undefined; ExecutionStatus?: string | undefined; StatusReason?: string | undefined }
    | undefined;
  do {
    const out = await cfn.send(
      new DescribeChangeSetCommand({ ChangeSetName: changeSetId, StackName: stackId, NextToken: token }),
      signal ? { abortSignal: signal } : {},
    );
    first ??= out;
    for (const c of out.Changes ?? []) {
      const rc = c.ResourceChange;
      if (!rc) continue;
      changes.push({
        action: (rc.Action ?? 'Modify') as PlannedChange['action'],
        logicalId: rc.LogicalResourceId ?? '',
        resourceType: rc.ResourceType ?? '',
        ...(rc.PhysicalResourceId ? { physicalId: rc.PhysicalResourceId } : {}),
        ...(rc.Replacement ? { replacement: rc.Replacement } : {}),
      });
    }
    token = out.NextToken;
  } while (token);
  return {
    id: first?.Id ?? changeSetId,
    status: first?.Status ?? 'UNKNOWN',
    ...(first?.ExecutionStatus ? { executionStatus: first.ExecutionStatus } : {}),
    ...(first?.StatusReason ? { reason: first.StatusReason } : {}),
    changes,
  };
}

/** Describes a change set until CloudFormation has finished planning it (pauses adaptive up to 2 s). */
export async function waitForChangeSet(
  cfn: CloudFormationClient,
  id: string,
  stackId: string,
  pollMs: number,
  signal: AbortSignal,
): Promise<ChangeSetState> {
  let pause = pollMs;
  for (;;) {
    const state = await describeChangeSet(cfn, id, stackId, signal);
    if (
      state.status === 'CREATE_COMPLETE' ||
      state.status === 'FAILED' ||
      state.status === 'DELETE_COMPLETE' ||
      state.status === 'DELETE_FAILED'
    )
      return state;
    await sleep(pause, signal);
    pause = Math.min(2_000, pause * 1.5);
  }
}

export async function deleteChangeSet(cfn: CloudFormationClient, changeSetId: string, stackId: string | undefined): Promise<void> {
  const { DeleteChangeSetCommand } = (await loadAwsSdk()).cloudFormation;
  try {
    await cfn.send(new DeleteChangeSetCommand({ ChangeSetName: changeSetId, StackName: stackId }));
  } catch {
    // Best effort: a leftover change set is clutter, not a failure of the deployment.
  }
}
