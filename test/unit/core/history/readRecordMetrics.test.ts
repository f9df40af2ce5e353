import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RecordedMetric } from '../../../../src/core/health/recordedHealth';
import { migrateRecord } from '../../../../src/core/history/readRecord';
import { HISTORY_SCHEMA_VERSION, type DeploymentRecord } from '../../../../src/core/history/record';

const metric: RecordedMetric = {
  name: 'Latency Average',
  verdict: 'regressed',
  reason: 'Latency Average rose 38 % (98 % CI +22 % … +51 %), allowed +10 %',
  bad: 'increase',
  tolerance: 0.1,
  relativeChange: 0.38,
  baseline: {
    start: 0,
    end: 2000,
    points: [
      [0, 100],
      [1000, 101],
    ],
  },
  bake: {
    start: 5000,
    end: 7000,
    points: [
      [5000, 138],
      [6000, 139],
    ],
  },
};

function record(health: unknown, healthWatch?: unknown): unknown {
  const base: Omit<DeploymentRecord, 'health'> = {
    schemaVersion: HISTORY_SCHEMA_VERSION,
    id: '20261127T100000000Z-aa00bb',
    kind: 'deploy',
    environment: 'dev',
    stackName: 'orders-dev',
    region: 'eu-west-1',
    account: '123456789012',
    template: { body: 'Resources: {}', sha256: 'x' },
    parameters: [],
    tags: {},
    capabilities: [],
    status: 'rolled-back',
    startedAt: '2026-11-27T10:00:00.000Z',
    steps: [],
  };
  return { ...base, health, ...(healthWatch ? { healthWatch } : {}) };
}

const verdict = { kind: 'unhealthy', reason: metric.reason, alarm: 'Latency Average' };

describe('the health section keeps metric verdicts', () => {
  it('reads them back whole', () => {
    const read = migrateRecord(
      record({ alarms: [], verdict, metrics: [metric, { ...metric, name: 'Rps', relativeChange: null, alarm: 'a' }] }),
    );
    assert.ok(read.kind === 'record');
    assert.deepEqual(read.problems, []);
    assert.deepEqual(read.record.health?.metrics?.[0], metric);
    assert.equal(read.record.health?.metrics?.[1]?.relativeChange, null);
  });

  it('leaves out a malformed metric and says so, keeping the others', () => {
    const bad = { ...metric, verdict: 'bad', bake: { start: 0, end: 1, points: [[0, 'x']] } };
    const read = migrateRecord(record({ alarms: [], verdict, metrics: [bad, metric] }));
    assert.ok(read.kind === 'record');
    assert.deepEqual(read.record.health?.metrics, [metric]);
    assert.deepEqual(read.problems, ['1 unreadable metric(s) were left out of its health section']);
  });

  it('reads the checkpoint of the watched metrics and their baseline', () => {
    const healthWatch = {
      version: 1,
      deployStartedAt: 0,
      bakeStartedAt: 5000,
      deadline: new Date(7000).toISOString(),
      bakeMs: 2000,
      pollMs: 1000,
      alarms: [],
      baseline: {},
      metrics: {
        watched: [
          {
            key: 'metric0',
            name: 'Error rate',
            query: {
              kind: 'expression',
              expression: 'e / r',
              using: {
                e: { namespace: 'O', metric: 'Errors', dimensions: {}, stat: 'Sum' },
                r: { namespace: 'O', metric: 'Requests', dimensions: { Stage: 'dev' }, stat: 'Sum' },
              },
            },
            period: 60,
            bad: 'increase',
            tolerance: 0.1,
            missing: 'zero',
          },
          // The metric behind a guarded alarm, only drawn: a resumed watch must not start judging it.
          {
            key: 'alarm0',
            name: 'orders-5xx (Errors Sum)',
            alarm: 'orders-5xx',
            query: { kind: 'metric', namespace: 'O', metric: 'Errors', dimensions: {}, stat: 'Sum' },
            period: 60,
            bad: 'increase',
            missing: 'zero',
            threshold: 5,
            chartOnly: true,
          },
        ],
        baseline: { start: 0, end: 2000, series: { metric0: [[0, 0.01]] } },
      },
    };
    const read = migrateRecord(record({ alarms: [], verdict }, healthWatch));
    assert.ok(read.kind === 'record');
    assert.deepEqual(read.problems, []);
    assert.deepEqual(read.record.healthWatch?.metrics, healthWatch.metrics);
  });
});

describe("a record's metric numbers and the alarms' charts", () => {
  const chart = {
    name: 'orders-5xx (Errors Sum)',
    alarm: 'orders-5xx',
    bad: 'increase',
    threshold: 5,
    baseline: metric.baseline,
    bake: metric.bake,
  };

  it('keeps the medians, the interval, the threshold and the charts', () => {
    const full = { ...metric, interval: [0.22, 0.51], baselineMedian: 100, bakeMedian: 138, threshold: 150 };
    const read = migrateRecord(record({ alarms: [], verdict: { kind: 'healthy', reason: 'ok' }, metrics: [full], charts: [chart] }));
    assert.ok(read.kind === 'record');
    assert.deepEqual(read.record.health?.metrics, [full]);
    assert.deepEqual(read.record.health?.charts, [chart]);
    assert.deepEqual(read.problems, []);
  });

  it('leaves out an unreadable chart, and says so', () => {
    const read = migrateRecord(record({ alarms: [], verdict: { kind: 'healthy', reason: 'ok' }, charts: [chart, { ...chart, alarm: 3 }] }));
    assert.ok(read.kind === 'record');
    assert.deepEqual(read.record.health?.charts, [chart]);
    assert.deepEqual(read.problems, ['1 unreadable chart(s) were left out of its health section']);
  });
});
