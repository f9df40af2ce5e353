/** A story in records for the incident note's and the timeline's tests: a good version, a bad deploy, its automatic rollback. */
import { HISTORY_SCHEMA_VERSION, type DeploymentRecord } from '../../../../src/core/history/record';

export const at = (minute: number, second = 0) => new Date(Date.UTC(2026, 11, 4, 21, minute, second)).toISOString();
export const ms = (minute: number, second = 0) => Date.UTC(2026, 11, 4, 21, minute, second);

export const GOOD_TEMPLATE = `Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 30
      DelaySeconds: 0
  Topic:
    Type: AWS::SNS::Topic
`;

export const BAD_TEMPLATE = `Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 5
      DelaySeconds: 0
  Topic:
    Type: AWS::SNS::Topic
`;

export const ALARM_REASON = 'Threshold Crossed: 1 datapoint [7.0 (04/12/26 21:04:00)] was greater than or equal to the threshold (1.0).';

function base(id: string, kind: DeploymentRecord['kind'], body: string): DeploymentRecord {
  return {
    schemaVersion: HISTORY_SCHEMA_VERSION,
    id,
    kind,
    environment: 'prod',
    stackName: 'orders-prod',
    region: 'eu-west-1',
    account: '123456789012',
    template: { body, sha256: `sha-${id}` },
    parameters: [],
    tags: {},
    capabilities: [],
    status: 'stable',
    startedAt: at(0),
    steps: [],
  };
}

export function goodRecord(): DeploymentRecord {
  return {
    ...base('good', 'deploy', GOOD_TEMPLATE),
    commit: 'a'.repeat(40),
    finishedAt: at(0, 30),
    verification: { kind: 'alarms', alarms: ['orders-5xx'], at: at(0, 30) },
  };
}

export function badRecord(): DeploymentRecord {
  return {
    ...base('bad', 'deploy', BAD_TEMPLATE),
    commit: 'b'.repeat(40),
    startedAt: at(2),
    finishedAt: at(8),
    status: 'rolled-back',
    reason: 'Alarm orders-5xx fired; restored deployment good',
    previous: { deploymentId: 'good' },
    steps: [{ name: 'build', status: 'succeeded', startedAt: at(2, 1), finishedAt: at(2, 11) }],
    changes: [{ action: 'Modify', logicalId: 'Queue', resourceType: 'AWS::SQS::Queue' }],
    stackEvents: [
      { eventId: 'e1', timestamp: at(2, 20), logicalId: 'Queue', resourceType: 'AWS::SQS::Queue', status: 'UPDATE_IN_PROGRESS' },
      { eventId: 'e2', timestamp: at(2, 25), logicalId: 'Queue', resourceType: 'AWS::SQS::Queue', status: 'UPDATE_COMPLETE' },
    ],
    healthWatch: {
      version: 1,
      deployStartedAt: ms(2),
      bakeStartedAt: ms(3),
      deadline: at(13),
      bakeMs: 600_000,
      pollMs: 10_000,
      alarms: ['orders-5xx'],
      baseline: { 'orders-5xx': 'OK' },
      verdict: { kind: 'unhealthy', alarm: 'orders-5xx', reason: 'orders-5xx in ALARM', at: ms(4, 5) },
      rollback: { token: 't', targetId: 'good', startedAt: at(4, 6) },
    },
    health: {
      alarms: [{ name: 'orders-5xx', state: 'ALARM', changedAt: ms(4), reason: ALARM_REASON }],
      bakeStartedAt: ms(3),
      bakeEndsAt: ms(13),
      verdict: { kind: 'unhealthy', reason: 'orders-5xx in ALARM', at: ms(4, 5), alarm: 'orders-5xx' },
      rollback: {
        phase: 'succeeded',
        targetDeploymentId: 'good',
        targetCommit: 'a'.repeat(40),
        rollbackDeploymentId: 'rollback',
        reason: 'restored',
        at: ms(8),
      },
      transitions: [{ alarm: 'orders-5xx', from: 'OK', to: 'ALARM', at: ms(4), reason: ALARM_REASON }],
    },
  };
}

export function rollbackRecord(): DeploymentRecord {
  return {
    ...base('rollback', 'rollback', GOOD_TEMPLATE),
    commit: 'a'.repeat(40),
    startedAt: at(4, 7),
    finishedAt: at(7, 50),
    restoredAt: at(5),
    rollbackTargetId: 'good',
    rollbackOf: 'bad',
    automatic: true,
    trigger: 'health',
    verification: { kind: 'restored', at: at(7, 50) },
    stackEvents: [{ eventId: 'r1', timestamp: at(4, 30), logicalId: 'Queue', resourceType: 'AWS::SQS::Queue', status: 'UPDATE_COMPLETE' }],
    health: {
      alarms: [{ name: 'orders-5xx', state: 'OK', changedAt: ms(6) }],
      bakeStartedAt: ms(5),
      bakeEndsAt: ms(7, 45),
      verdict: { kind: 'healthy', reason: 'every guarded alarm OK at the end of the window', at: ms(7, 50) },
      transitions: [{ alarm: 'orders-5xx', from: 'ALARM', to: 'OK', at: ms(6) }],
    },
  };
}
