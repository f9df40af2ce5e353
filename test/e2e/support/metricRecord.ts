/**
 * A finished deployment whose record carries metric charts, written through the history store as
 * the engine writes it: `metrics` judged metrics (the first regressed, the rest passed) and one
 * alarm's metric only drawn, each with a baseline and a bake of `points` minute points, and a
 * rollback with its verification. Used by the charts' e2e test and the panel benchmark's charts part.
 */
import { createHash } from 'node:crypto';
import type { RecordedChart, RecordedMetric } from '../../../src/core/health/recordedHealth';
import { newDeploymentId } from '../../../src/core/history/paths';
import { HISTORY_SCHEMA_VERSION, type DeploymentRecord } from '../../../src/core/history/record';
import { HistoryStore } from '../../../src/core/history/store';

const MIN = 60_000;

export interface MetricRun {
  readonly id: string;
  readonly stackName: string;
  readonly environment: string;
}

/** A seeded, repeatable noise around `level`: ±5 %. */
function series(start: number, points: number, level: number, seed: number): [number, number][] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: points }, (_, i) => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return [start + i * MIN, Number((level * (0.95 + (s / 2 ** 32) * 0.1)).toFixed(2))];
  });
}

export async function writeMetricRun(home: string, options: { readonly metrics: number; readonly points: number }): Promise<MetricRun> {
  const { metrics, points } = options;
  const id = newDeploymentId();
  const environment = 'e2e';
  const stackName = 'charts-e2e';
  const bakeMs = points * MIN;
  const deployStartedAt = Date.now() - bakeMs - 30 * MIN;
  const bakeStartedAt = deployStartedAt + 5 * MIN;
  const bakeEndsAt = bakeStartedAt + bakeMs;
  const baseline = (k: number) => ({
    start: deployStartedAt - bakeMs,
    end: deployStartedAt,
    points: series(deployStartedAt - bakeMs, points, 100, k + 1),
  });
  const judged: RecordedMetric[] = Array.from({ length: metrics }, (_, k) => {
    const regressed = k === 0;
    return {
      name: k === 0 ? 'Latency Average' : `Metric ${k + 1} Average`,
      verdict: regressed ? 'regressed' : 'pass',
      reason: regressed
        ? 'Latency Average rose 40 % (98 % CI +39 % … +41 %), allowed +10 %'
        : `Metric ${k + 1} Average did not move (98 % CI −1 % … +1 %), allowed +5 %`,
      bad: 'increase',
      tolerance: regressed ? 0.1 : 0.05,
      relativeChange: regressed ? 0.4 : 0,
      interval: regressed ? [0.39, 0.41] : [-0.01, 0.01],
      baselineMedian: 100,
      bakeMedian: regressed ? 140 : 100,
      baseline: baseline(k),
      bake: { start: bakeStartedAt, end: bakeEndsAt, points: series(bakeStartedAt, points, regressed ? 140 : 100, 1000 + k) },
    };
  });
  const charts: RecordedChart[] = [
    {
      name: 'charts-e2e-5xx (Errors Sum)',
      alarm: 'charts-e2e-5xx',
      bad: 'increase',
      threshold: 250,
      baseline: baseline(99),
      bake: { start: bakeStartedAt, end: bakeEndsAt, points: series(bakeStartedAt, points, 100, 2000) },
    },
  ];
  const body = 'Resources: {}\n';
  const rollbackStartedAt = bakeEndsAt + MIN;
  const record: DeploymentRecord = {
    schemaVersion: HISTORY_SCHEMA_VERSION,
    id,
    kind: 'deploy',
    environment,
    stackName,
    region: 'us-east-1',
    account: '123456789012',
    commit: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    branch: 'main',
    template: { body, sha256: createHash('sha256').update(body).digest('hex') },
    parameters: [],
    tags: {},
    capabilities: [],
    status: 'rolled-back',
    reason: judged[0]?.reason ?? 'rolled back',
    startedAt: new Date(deployStartedAt).toISOString(),
    finishedAt: new Date(rollbackStartedAt + 10 * MIN).toISOString(),
    steps: [],
    healthWatch: {
      version: 1,
      deployStartedAt,
      bakeStartedAt,
      deadline: new Date(bakeEndsAt).toISOString(),
      bakeMs,
      pollMs: 10_000,
      alarms: ['charts-e2e-5xx'],
      baseline: { 'charts-e2e-5xx': 'OK' },
      rollback: { token: 'rollback-token', targetId: '20261201T000000000Z-000000', startedAt: new Date(rollbackStartedAt).toISOString() },
    },
    health: {
      alarms: [{ name: 'charts-e2e-5xx', state: 'OK' }],
      bakeStartedAt,
      bakeEndsAt,
      verdict: { kind: 'unhealthy', reason: judged[0]?.reason ?? '', at: bakeEndsAt },
      rollback: {
        phase: 'succeeded',
        targetDeploymentId: '20261201T000000000Z-000000',
        reason: 'restored',
        at: rollbackStartedAt + 10 * MIN,
      },
      metrics: judged,
      charts,
    },
  };
  await new HistoryStore(home).stack({ account: '123456789012', region: 'us-east-1', stackName }).write(record);
  return { id, stackName, environment };
}
