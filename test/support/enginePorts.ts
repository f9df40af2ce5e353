/**
 * In-memory stand-ins for the ports the watch and the rollback already accept (clock, alarm
 * source, CloudFormation reads, restore), so their decisions run in milliseconds. What these
 * replace is tested for real on moto in test/integration (health-watch, rollback).
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { AwsClients } from '../../src/core/aws/clients';
import { CancelledError } from '../../src/core/errors';
import type { AlarmSource } from '../../src/core/health/alarmSource';
import type { AlarmReading, AlarmState } from '../../src/core/health/types';
import type { DeploymentRecord } from '../../src/core/history/record';
import type { StackHistory } from '../../src/core/history/store';
import type { RestoreRequest } from '../../src/core/rollback/afterUnhealthy';
import type { Clock } from '../../src/core/time';
import { record } from './healthFixtures';

/** A clock whose sleep moves time forward at once: a 10-minute bake takes a few event-loop turns. */
export function fakeClock(start = Date.parse('2026-12-01T10:00:00.000Z')): Clock & { readonly slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    async sleep(ms, signal) {
      if (signal?.aborted) throw new CancelledError();
      slept.push(ms);
      now += ms;
      // A real turn of the event loop, so work started beside the sleep (history reads) can run.
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

/**
 * Alarms whose state is a function of the clock's time (undefined = the alarm does not exist).
 * Alarm history is empty: what a poll sees is what the watch knows.
 */
export function scriptedAlarms(clock: Clock, stateAt: (name: string, now: number) => AlarmState | undefined) {
  const reads: number[] = [];
  const source: AlarmSource = {
    async read(names) {
      const now = clock.now();
      reads.push(now);
      const out = new Map<string, AlarmReading>();
      for (const name of names) {
        const state = stateAt(name, now);
        if (state) out.set(name, { name, state, reason: `${name} is ${state}` });
      }
      return out;
    },
    listByPrefix: async () => [],
    history: async () => [],
    stackAlarmNames: async () => [],
  };
  return { source, reads };
}

/** What DescribeStacks and GetTemplate say about the one stack. */
export interface StackState {
  stackId: string;
  status: string;
  body: string;
  parameters: Record<string, string>;
}

/** A CloudFormation client that answers readStack's three calls from `state`, and refuses anything else. */
export function stackReads(state: StackState): { client: CloudFormationClient; calls: string[] } {
  const calls: string[] = [];
  const send = async (command: object) => {
    const name = command.constructor.name;
    calls.push(name);
    switch (name) {
      case 'DescribeStacksCommand':
        return {
          Stacks: [
            {
              StackId: state.stackId,
              StackName: 'orders-dev',
              StackStatus: state.status,
              Parameters: Object.entries(state.parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
            },
          ],
        };
      case 'GetTemplateCommand':
        return { TemplateBody: state.body };
      case 'DescribeStackEventsCommand':
        return { StackEvents: [] };
      default:
        throw new Error(`unexpected CloudFormation call ${name}`);
    }
  };
  // Only `send` is used by the code under test; the rest of the client is never reached.
  return { client: { send } as unknown as CloudFormationClient, calls };
}

/** AwsClients whose CloudFormation client is `client`; nothing else may be asked for. */
export class StubClients extends AwsClients {
  constructor(private readonly client: CloudFormationClient) {
    super({ region: 'us-east-1' });
  }
  override cloudFormation(): Promise<CloudFormationClient> {
    return Promise.resolve(this.client);
  }
  override cloudWatch(): never {
    throw new Error('the tests read alarms through an injected alarm source');
  }
}

export const STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/orders-dev/1';

/** A stable v1 and the v2 being watched, with different templates and Version parameters. */
export function versions(): { v1: DeploymentRecord; v2: DeploymentRecord } {
  const v1 = record({
    body: 'Description: v1\nResources: {}\n',
    params: [{ key: 'Version', value: '1' }],
    status: 'stable',
    stackId: STACK_ID,
    commit: 'sha-v1',
    startedAt: '2026-12-01T09:00:00.000Z',
  });
  const v2 = record({
    body: 'Description: v2\nResources: {}\n',
    params: [{ key: 'Version', value: '2' }],
    status: 'watching',
    stackId: STACK_ID,
    commit: 'sha-v2',
    startedAt: '2026-12-01T09:59:00.000Z',
  });
  return { v1, v2 };
}

/** The stack as `r` left it: idle, its template and parameters. */
export function stackAt(r: DeploymentRecord): StackState {
  return {
    stackId: STACK_ID,
    status: 'UPDATE_COMPLETE',
    body: r.template.body,
    parameters: Object.fromEntries(r.parameters.map((p) => [p.key, p.value ?? ''])),
  };
}

/**
 * The restore port as the engine behaves: it writes the rollback's own record (with the request's
 * token) and puts the target's template and parameters on the stack. `fail` makes it throw instead,
 * leaving the stack as it was.
 */
export function restoreInto(history: StackHistory, stack: StackState, options: { fail?: Error } = {}) {
  const requests: RestoreRequest[] = [];
  const restore = async (request: RestoreRequest): Promise<DeploymentRecord> => {
    requests.push(request);
    if (options.fail) throw options.fail;
    const rollback = record({
      body: request.target.template.body,
      params: [...request.target.parameters],
      kind: 'rollback',
      status: 'stable',
      stackId: STACK_ID,
      rollbackTargetId: request.target.id,
      clientRequestToken: request.clientRequestToken,
      automatic: true,
    });
    await history.write(rollback);
    Object.assign(stack, stackAt(request.target));
    return rollback;
  };
  return { restore, requests };
}
