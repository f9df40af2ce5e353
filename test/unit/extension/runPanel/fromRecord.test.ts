import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HISTORY_SCHEMA_VERSION, type DeploymentRecord } from '../../../../src/core/history/record';
import { modelFromRecord } from '../../../../src/extension/runPanel/fromRecord';

function record(extra: Partial<DeploymentRecord>): DeploymentRecord {
  return {
    schemaVersion: HISTORY_SCHEMA_VERSION,
    id: '20261127T010000000Z-abc123',
    kind: 'deploy',
    environment: 'prod',
    stackName: 'orders-prod',
    region: 'us-east-1',
    account: '123456789012',
    template: { body: 'Resources: {}', sha256: 'x' },
    parameters: [],
    tags: {},
    capabilities: [],
    status: 'failed',
    startedAt: '2026-11-27T01:00:00.000Z',
    finishedAt: '2026-11-27T01:01:00.000Z',
    steps: [],
    ...extra,
  };
}

describe('a finished run read back from its record', () => {
  it("shows the operation's stack events, failures flagged, in the order they happened", () => {
    const model = modelFromRecord(
      record({
        stackEvents: [
          {
            eventId: 'e1',
            timestamp: '2026-11-27T01:00:10.000Z',
            logicalId: 'orders-prod',
            resourceType: 'AWS::CloudFormation::Stack',
            status: 'UPDATE_IN_PROGRESS',
          },
          {
            eventId: 'e2',
            timestamp: '2026-11-27T01:00:20.000Z',
            logicalId: 'Queue',
            resourceType: 'AWS::SQS::Queue',
            status: 'UPDATE_FAILED',
            reason: 'Resource handler returned message: "Access denied"',
          },
          {
            eventId: 'e3',
            timestamp: '2026-11-27T01:00:30.000Z',
            logicalId: 'orders-prod',
            resourceType: 'AWS::CloudFormation::Stack',
            status: 'UPDATE_ROLLBACK_COMPLETE',
          },
        ],
      }),
      false,
    );
    const events = model.snapshot().events;
    assert.deepEqual(
      events.map((e) => [e.id, e.logicalId, e.status, e.failed]),
      [
        ['e1', 'orders-prod', 'UPDATE_IN_PROGRESS', false],
        ['e2', 'Queue', 'UPDATE_FAILED', true],
        ['e3', 'orders-prod', 'UPDATE_ROLLBACK_COMPLETE', false],
      ],
    );
    assert.equal(events[1]?.reason, 'Resource handler returned message: "Access denied"');
    assert.equal(events[0]?.timestamp, Date.parse('2026-11-27T01:00:10.000Z'));
  });

  it('skips what is not a stack event (a record written by another version may hold anything)', () => {
    const junk = [
      null,
      42,
      { eventId: 'x' },
      { eventId: 'e1', logicalId: 'Topic', status: 'CREATE_COMPLETE', timestamp: 'then' },
    ] as unknown as NonNullable<DeploymentRecord['stackEvents']>;
    const events = modelFromRecord(record({ stackEvents: junk }), false).snapshot().events;
    assert.deepEqual(
      events.map((e) => e.id),
      ['e1'],
    );
    assert.equal(
      modelFromRecord(record({ stackEvents: 'nope' as unknown as NonNullable<DeploymentRecord['stackEvents']> }), false).snapshot().events
        .length,
      0,
    );
  });
});

describe('the header of a stable run read back from its record', () => {
  it('says how it was verified, and never calls an unverified version verified', () => {
    const at = '2026-11-27T01:01:00.000Z';
    const header = (extra: Partial<DeploymentRecord>) => modelFromRecord(record({ status: 'stable', ...extra }), false).snapshot().header;
    assert.deepEqual(header({ verification: { kind: 'alarms', alarms: ['orders-5xx', 'orders-latency'], at } }).verified, {
      kind: 'alarms',
      words: 'stable · verified by 2 alarms',
    });
    assert.deepEqual(header({ verification: { kind: 'unguarded', at } }).verified, { kind: 'unguarded', words: 'deployed, not verified' });
    assert.deepEqual(header({ kind: 'baseline', verification: { kind: 'as-found', at } }).verified, {
      kind: 'as-found',
      words: 'as found (never verified)',
    });
    assert.equal(modelFromRecord(record({}), false).snapshot().header.verified, undefined, 'a failed run has no verification');
  });

  it("puts the stack's outputs in the header, and none when the record has none", () => {
    const outputs = { Url: 'https://orders.example.com', TopicArn: 'arn:aws:sns:us-east-1:123456789012:orders' };
    assert.deepEqual(modelFromRecord(record({ status: 'stable', outputs }), false).snapshot().header.outputs, outputs);
    assert.equal(modelFromRecord(record({}), false).snapshot().header.outputs, undefined);
  });
});
