import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RecordedMetric } from '../../../../src/core/health/recordedHealth';
import { HISTORY_SCHEMA_VERSION, type DeploymentRecord } from '../../../../src/core/history/record';
import { metricLines } from '../../../../src/extension/deployments/metricLines';

const window = { start: 0, end: 1, points: [] };
const metric: RecordedMetric = {
  name: 'Latency Average',
  verdict: 'regressed',
  reason: 'Latency Average rose 38 % (98 % CI +22 % … +51 %), allowed +10 %',
  bad: 'increase',
  tolerance: 0.1,
  relativeChange: 0.38,
  baselineMedian: 120,
  bakeMedian: 165.6,
  baseline: window,
  bake: window,
};

function record(metrics: RecordedMetric[] | undefined): DeploymentRecord {
  return {
    schemaVersion: HISTORY_SCHEMA_VERSION,
    id: '20261204T120000000Z-ab12cd',
    kind: 'deploy',
    environment: 'dev',
    stackName: 'orders-dev',
    region: 'us-east-1',
    account: '123456789012',
    template: { body: 'Resources: {}', sha256: 'x' },
    parameters: [],
    tags: {},
    capabilities: [],
    status: 'rolled-back',
    startedAt: '2026-12-04T12:00:00.000Z',
    steps: [],
    ...(metrics ? { health: { alarms: [], verdict: { kind: 'unhealthy', reason: metric.reason }, metrics } } : {}),
  };
}

describe("the tree tooltip's metric lines", () => {
  it('carry the verdict, the change with its interval and what was allowed, and the medians', () => {
    assert.deepEqual(metricLines(record([metric])), [
      'Metric **Latency Average** regressed: Latency Average rose 38 % \\(98 % CI \\+22 % … \\+51 %\\), allowed \\+10 % · median 120 → 166',
    ]);
  });

  it('leave the medians out of a record written before they were kept, and say nothing without metrics', () => {
    const { baselineMedian: _b, bakeMedian: _a, ...older } = metric;
    assert.deepEqual(metricLines(record([{ ...older, verdict: 'pass' }])), [
      'Metric **Latency Average** pass: Latency Average rose 38 % \\(98 % CI \\+22 % … \\+51 %\\), allowed \\+10 %',
    ]);
    assert.deepEqual(metricLines(record(undefined)), []);
  });
});
