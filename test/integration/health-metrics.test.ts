/**
 * Metric verdicts in the bake, and in the verification after a rollback, against a real
 * moto_server: synthetic series put with PutMetricData (past timestamps for the baseline, the
 * bake's and the verification window's own seconds for those) and read back through GetMetricData
 * at 1 s periods while the guarded alarm stays OK. moto computes no percentiles, so pNN queries
 * are covered at unit level (test/unit/core/health/metricSource.test.ts). moto answers metric math
 * with empty series (even `a + b`): a metric-math ratio is read through a shim that does only the
 * arithmetic over the series moto computed (test/support/metricMathShim.ts).
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { PutMetricAlarmCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { AwsClients } from '../../src/core/aws/clients';
import { watchAfterDeploy, type AfterDeployContext } from '../../src/core/health/afterDeploy';
import { cloudWatchMetricSource, type MetricSource } from '../../src/core/health/metricSource';
import type { DeploymentRecord } from '../../src/core/history/record';
import type { StackHistory } from '../../src/core/history/store';
import { checkAlarmsBeforeDeploy } from '../../src/core/health/beforeDeploy';
import type { EngineEvent } from '../../src/core/events';
import { HistoryStore } from '../../src/core/history/store';
import type { GuardedMetric, HealthConfig } from '../../src/core/pipeline/types';
import { systemClock } from '../../src/core/time';
import {
  ACCOUNT,
  deployVersion,
  engineContext,
  environment,
  eventLog,
  health,
  memoryLogger,
  putAlarm,
  record,
  REGION,
  restoreVerifying,
  tempHistory,
  versionedPipeline,
  watchStarted,
} from '../support/healthFixtures';
import { startMetricMathShim } from '../support/metricMathShim';
import { useMotoRig } from '../support/motoRig';

const S = 1000;
const BAKE_MS = 12 * S;
const DAY_MS = 24 * 3600 * S;

/** Deterministic noise of ±5 % around 100, one value per second. */
const noise = (second: number): number => 100 + ((second * 37) % 11) - 5;

function latency(over: Partial<GuardedMetric> = {}): GuardedMetric {
  return {
    name: 'Latency Average',
    query: { kind: 'metric', namespace: 'Orders', metric: 'Latency', dimensions: { Stage: 'dev' }, stat: 'Average' },
    period: 1,
    bad: 'increase',
    tolerance: 0.1,
    missing: 'gap',
    ...over,
  };
}

describe('metric verdicts in the bake, on moto', () => {
  const { moto, cw } = useMotoRig();
  let clients: AwsClients;

  before(async () => {
    clients = new AwsClients({ region: REGION, endpoint: moto.endpoint });
  });
  after(async () => {
    clients.dispose();
  });
  beforeEach(async () => {
    await putAlarm(cw, 'orders-5xx');
  });

  /** One datapoint per whole second in [from, to), valued `value(second)`. */
  async function put(metric: string, from: number, to: number, value: (second: number) => number, dimensions = { Stage: 'dev' }) {
    const seconds: number[] = [];
    for (let t = Math.ceil(from / S) * S; t < to; t += S) seconds.push(t);
    for (let i = 0; i < seconds.length; i += 100) {
      await cw.send(
        new PutMetricDataCommand({
          Namespace: 'Orders',
          MetricData: seconds.slice(i, i + 100).map((t) => ({
            MetricName: metric,
            Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
            Timestamp: new Date(t),
            Value: value(t / S),
          })),
        }),
      );
    }
  }

  /** Watches a deployment that began at `startedAt` (no stable record: a regression only notifies). */
  async function watch(
    h: HealthConfig,
    startedAt: number,
    opts: { rec?: DeploymentRecord; history?: StackHistory; signal?: AbortSignal; metricSource?: MetricSource } = {},
  ) {
    const history = opts.history ?? (await tempHistory('orders-dev'));
    const log = eventLog();
    const logger = memoryLogger();
    const env = environment(moto.endpoint, h);
    const rec = opts.rec ?? record();
    const preflight = await checkAlarmsBeforeDeploy({
      deploymentId: rec.id,
      environment: env,
      stackName: rec.stackName,
      clients,
      emit: log.emit,
      logger,
      yes: true,
    });
    const ctx: AfterDeployContext = {
      record: rec,
      environment: env,
      clients,
      history,
      emit: log.emit,
      logger,
      clock: systemClock,
      signal: opts.signal ?? new AbortController().signal,
      deploymentStartedAt: startedAt,
      restore: () => Promise.reject(new Error('no rollback expected here')),
      showStatus: () => undefined,
      ...(preflight ? { preflight } : {}),
      ...(opts.metricSource ? { metricSource: opts.metricSource } : {}),
    };
    const result = await watchAfterDeploy(ctx);
    const stored = await history.get(rec.id);
    return { result, log, stored, rec, history };
  }

  const metricVerdicts = (events: readonly EngineEvent[]) => events.flatMap((e) => (e.type === 'metric-verdict' ? [e] : []));

  it('the same noise with no shift → stable, the verdict and its series kept', async () => {
    const start = Date.now();
    await put('Latency', start - 30 * S, start + BAKE_MS + 5 * S, noise);
    const h = health({ alarms: ['orders-5xx'], bakeMs: BAKE_MS, pollSeconds: 1, metrics: [latency()] });
    const { result, log, stored } = await watch(h, start);
    assert.ok(result.outcome === 'finished');
    assert.equal(result.status, 'stable', result.reason);
    assert.match(result.outcome === 'finished' ? (result.reason ?? '') : '', /1 metric within tolerance \(Latency Average/);
    const started = log.events.find((e) => e.type === 'watch-started');
    assert.deepEqual(started?.type === 'watch-started' && started.metrics, ['Latency Average']);
    const [verdict] = metricVerdicts(log.events);
    assert.equal(verdict?.verdict, 'pass');
    assert.ok(verdict.baselineN >= 10 && verdict.candidateN >= 10, `${verdict.baselineN} / ${verdict.candidateN} samples`);
    assert.ok(verdict.bake.points.length >= 10 && verdict.baseline.points.length >= 10, 'the series for a chart');
    // The record keeps what a chart of a finished run needs; the checkpoint keeps the baseline read once.
    assert.equal(result.health?.metrics?.[0]?.verdict, 'pass');
    assert.ok((result.health?.metrics?.[0]?.baseline.points.length ?? 0) >= 10);
    assert.ok(Object.values(stored?.healthWatch?.metrics?.baseline.series ?? {})[0]!.length >= 10);
  });

  /**
   * v1 verified, then v2 with Latency 40 % above its baseline through the bake while every alarm
   * stays OK. Once the rollback to v1 is under way, the series is `afterRollback` × the same noise
   * from the end of the bake through the restore's verification window (its seconds known from the
   * restore's `watch-started`).
   */
  async function shiftThenRollBack(afterRollback: number) {
    const repo = await mkdtemp(join(tmpdir(), 'dg-metrics-repo-'));
    const home = await mkdtemp(join(tmpdir(), 'dg-metrics-home-'));
    const events: EngineEvent[] = [];
    const deploy = (version: string, h: Partial<HealthConfig>, during?: () => Promise<void>) =>
      deployVersion({
        ctx: engineContext(home, (e) => events.push(e)),
        repo,
        version,
        pipeline: versionedPipeline({
          stackName: 'orders-dev',
          version,
          endpoint: moto.endpoint,
          health: health({ alarms: ['orders-5xx'], bakeMs: 1500, pollSeconds: 0.2, ...h }),
        }),
        ...(during ? { during } : {}),
      });
    const v1 = await deploy('v1', {});
    assert.equal(v1.record.status, 'stable', v1.record.reason);

    await put('Latency', Date.now() - 30 * S, Date.now(), noise);
    const v2 = await deploy('v2', { bakeMs: BAKE_MS, pollSeconds: 1, metrics: [latency()] }, async () => {
      await watchStarted(events);
      const verifying = restoreVerifying(events);
      const started = [...events].reverse().find((e) => e.type === 'watch-started');
      const deadline = started?.type === 'watch-started' ? Date.parse(started.deadline) : Date.now() + BAKE_MS;
      // The bake reads only its own seconds, so the shift ends with it.
      await put('Latency', deadline - BAKE_MS, deadline, (s) => noise(s) * 1.4);
      if (!(await verifying)) return;
      const restore = [...events].reverse().find((e) => e.type === 'watch-started' && e.phase === 'restore');
      const verified = restore?.type === 'watch-started' ? Date.parse(restore.deadline) : Date.now() + BAKE_MS;
      await put('Latency', deadline, verified + 2 * S, (s) => noise(s) * afterRollback);
    });
    const { records } = await new HistoryStore(home).stack({ account: ACCOUNT, region: REGION, stackName: 'orders-dev' }).list();
    return { v1, v2, events, records };
  }

  it('a +40 % shift while every alarm stays OK → rolled back, the reason naming the metric', async () => {
    // After the rollback the series is back at its level before v2: the restore is verified.
    const { v2, events, records } = await shiftThenRollBack(1);
    assert.equal(v2.record.status, 'rolled-back', v2.record.reason);
    assert.equal(v2.exitCode, 3);
    assert.match(v2.record.reason ?? '', /Latency Average/);
    const verdict = events.find((e) => e.type === 'watch-verdict' && e.deploymentId === v2.record.id);
    assert.ok(verdict?.type === 'watch-verdict' && verdict.verdict === 'unhealthy');
    assert.match(verdict.reason, /^Latency Average rose (3\d|4\d) % \(98 % CI \+\d+ % … \+\d+ %\), allowed \+10 %$/);
    const alarmEvents = events.filter((e) => e.type === 'alarm-changed' && e.deploymentId === v2.record.id && e.to === 'ALARM');
    assert.deepEqual(alarmEvents, [], 'no alarm fired');
    const stored = records.find((r) => r.id === v2.record.id)!;
    assert.equal(stored.health?.verdict.kind, 'unhealthy');
    assert.equal(stored.health?.metrics?.[0]?.verdict, 'regressed');
    assert.equal(stored.health?.rollback?.phase, 'succeeded');

    // The restore was judged on the same metric against the baseline before v2, and passed.
    const restore = records.find((r) => r.kind === 'rollback')!;
    assert.equal(restore.status, 'stable', restore.reason);
    assert.equal(restore.verification?.kind, 'restored');
    const judged = metricVerdicts(events).filter((e) => e.deploymentId === restore.id);
    assert.deepEqual(
      judged.map((e) => [e.metric, e.verdict, e.phase]),
      [['Latency Average', 'pass', 'restore']],
    );
    assert.equal(restore.health?.metrics?.[0]?.verdict, 'pass');
  });

  it('a regression after a rollback → rolled back, still unhealthy (exit 4), never a second rollback', async () => {
    // The series stays 40 % up through the restore's verification window: v1 did not cure it.
    const { v1, v2, events, records } = await shiftThenRollBack(1.4);
    assert.equal(v2.record.status, 'rolled-back-unhealthy', v2.record.reason);
    assert.equal(v2.exitCode, 4);
    assert.match(
      v2.record.reason ?? '',
      /still unhealthy \(metric Latency Average is still regressed against the baseline before the undone deployment/,
    );
    assert.match(v2.record.reason ?? '', /cause may not be this deployment/);

    const rollbacks = records.filter((r) => r.kind === 'rollback');
    assert.equal(rollbacks.length, 1, 'never a second rollback');
    assert.equal(events.filter((e) => e.type === 'rollback-started').length, 1);
    const restore = rollbacks[0]!;
    assert.equal(restore.rollbackTargetId, v1.record.id);
    assert.equal(restore.status, 'rolled-back-unhealthy', restore.reason);
    assert.match(restore.reason ?? '', /Latency Average/);
    assert.equal(restore.verification, undefined, 'the restore is not a verified version');
    assert.equal(restore.health?.verdict.kind, 'unhealthy');
    assert.equal(restore.health?.metrics?.[0]?.verdict, 'regressed');
    const judged = metricVerdicts(events).filter((e) => e.deploymentId === restore.id);
    assert.equal(judged.length, 1);
    assert.equal(judged[0]?.phase, 'restore');
    assert.match(judged[0]?.reason ?? '', /^Latency Average rose (3\d|4\d) %/);
    const watchVerdict = events.find((e) => e.type === 'watch-verdict' && e.deploymentId === restore.id);
    assert.ok(watchVerdict?.type === 'watch-verdict' && watchVerdict.metric === 'Latency Average' && watchVerdict.alarm === undefined);
    assert.equal(records.find((r) => r.id === v1.record.id)?.status, 'stable', 'v1 keeps its own verification');
  });

  it('no data → unknown (needs-attention), never stable', async () => {
    const start = Date.now();
    const h = health({ alarms: ['orders-5xx'], bakeMs: BAKE_MS, pollSeconds: 1, metrics: [latency()] });
    const { result, log } = await watch(h, start);
    assert.equal(result.outcome === 'finished' && result.status, 'needs-attention');
    assert.match(result.outcome === 'finished' ? (result.reason ?? '') : '', /health unknown: Latency Average: too little data: 0 samples/);
    assert.equal(metricVerdicts(log.events)[0]?.verdict, 'unknown');
  });

  it('a decrease-is-bad metric: throughput falling 40 % is unhealthy', async () => {
    const start = Date.now();
    await put('Requests', start - 30 * S, start, noise);
    await put('Requests', start, start + BAKE_MS + 5 * S, (s) => noise(s) * 0.6);
    const requests = latency({
      name: 'Requests Sum',
      query: { kind: 'metric', namespace: 'Orders', metric: 'Requests', dimensions: { Stage: 'dev' }, stat: 'Sum' },
      bad: 'decrease',
    });
    const { result, log } = await watch(health({ alarms: ['orders-5xx'], bakeMs: BAKE_MS, pollSeconds: 1, metrics: [requests] }), start);
    const verdict = log.events.find((e) => e.type === 'watch-verdict');
    assert.ok(verdict?.type === 'watch-verdict' && verdict.verdict === 'unhealthy', JSON.stringify(verdict));
    assert.match(verdict.reason, /^Requests Sum fell (3\d|4\d) % .*allowed −10 %$/);
    // No stable record to return to: reported, a person decides.
    assert.equal(result.outcome === 'finished' && result.status, 'needs-attention');
  });

  it('a metric-math ratio (errors / requests) is judged as the ratio, not as its parts', async () => {
    const shim = await startMetricMathShim(moto.endpoint);
    const viaShim = new AwsClients({ region: REGION, endpoint: shim.endpoint });
    try {
      const metricSource = cloudWatchMetricSource(await viaShim.cloudWatch());
      /** 2.0 … 2.8 errors a second. */
      const errors = (second: number) => 2 + ((second * 13) % 5) / 5;
      const judge = async (stage: string, traffic: number, errorsBy: number) => {
        const start = Date.now();
        const dims = { Stage: stage };
        await put('Requests', start - 30 * S, start, noise, dims);
        await put('Errors', start - 30 * S, start, errors, dims);
        await put('Requests', start, start + BAKE_MS + 5 * S, (s) => noise(s) * traffic, dims);
        await put('Errors', start, start + BAKE_MS + 5 * S, (s) => errors(s) * errorsBy, dims);
        const rate = latency({
          name: 'Error rate',
          query: {
            kind: 'expression',
            expression: 'errors / requests',
            using: {
              errors: { namespace: 'Orders', metric: 'Errors', dimensions: dims, stat: 'Sum' },
              requests: { namespace: 'Orders', metric: 'Requests', dimensions: dims, stat: 'Sum' },
            },
          },
        });
        return watch(health({ alarms: ['orders-5xx'], bakeMs: BAKE_MS, pollSeconds: 1, metrics: [rate] }), start, { metricSource });
      };
      // Twice the traffic with twice the errors is the same error rate (either part alone doubled);
      // the same traffic with twice the errors is a doubled rate.
      const [busier, worse] = await Promise.all([judge('busier', 2, 2), judge('worse', 1, 2)]);

      assert.ok(busier.result.outcome === 'finished');
      assert.equal(busier.result.status, 'stable', busier.result.reason);
      const [same] = metricVerdicts(busier.log.events);
      assert.equal(same?.verdict, 'pass', same?.reason);
      assert.ok(same.baselineN >= 10 && same.candidateN >= 10, `${same.baselineN} / ${same.candidateN} samples`);
      assert.ok(
        same.bake.points.every(([, value]) => value > 0.015 && value < 0.035),
        'the samples are the ratio, not a count',
      );

      const [doubled] = metricVerdicts(worse.log.events);
      assert.equal(doubled?.verdict, 'regressed', doubled?.reason);
      const verdict = worse.log.events.find((e) => e.type === 'watch-verdict');
      assert.ok(verdict?.type === 'watch-verdict' && verdict.verdict === 'unhealthy', JSON.stringify(verdict));
      assert.equal(verdict.metric, 'Error rate');
      // About +100 %: the estimate moves with which seconds of the two noisy parts fall in the
      // windows (89 % was seen in CI), so "about doubled" is 80–199 %, never a mere rise.
      assert.match(verdict.reason, /^Error rate rose ([89]\d|1\d\d) % \(98 % CI \+\d+ % … \+\d+ %\), allowed \+10 %$/);
      // The engine asked CloudWatch for the expression over its two metrics.
      assert.ok(
        shim.expressions.length > 0 && shim.expressions.every((e) => /^\s*\w+_errors \/ \w+_requests\s*$/.test(e)),
        shim.expressions.join(', '),
      );
    } finally {
      viaShim.dispose();
      await shim.close();
    }
  });

  it('metricsFromAlarms judges the metric behind a guarded alarm that never fires', async () => {
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'orders-latency-high',
        Namespace: 'Orders',
        MetricName: 'Latency',
        Dimensions: [{ Name: 'Stage', Value: 'dev' }],
        Statistic: 'Average',
        Period: 1,
        EvaluationPeriods: 1,
        Threshold: 1000,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    const start = Date.now();
    await put('Latency', start - 30 * S, start, noise);
    await put('Latency', start, start + BAKE_MS + 5 * S, (s) => noise(s) * 1.4);
    const h = health({ alarms: ['orders-latency-high'], bakeMs: BAKE_MS, pollSeconds: 1, metricsFromAlarms: true });
    const { log } = await watch(h, start);
    const [judged] = metricVerdicts(log.events);
    assert.equal(judged?.alarm, 'orders-latency-high');
    assert.equal(judged.verdict, 'regressed', judged.reason);
    const verdict = log.events.find((e) => e.type === 'watch-verdict');
    assert.ok(verdict?.type === 'watch-verdict' && verdict.verdict === 'unhealthy');
    assert.equal(verdict.metric, 'orders-latency-high (Latency Average)');
    assert.equal(verdict.alarm, undefined, 'the alarm itself never fired');
    assert.match(verdict.reason, /^orders-latency-high \(Latency Average\) rose/);
  });

  it('a resumed watch judges against the baseline kept in its checkpoint, without reading it again', async () => {
    const start = Date.now();
    await put('Latency', start - 30 * S, start + BAKE_MS + 5 * S, noise);
    const reads: { start: number; end: number }[] = [];
    const real = cloudWatchMetricSource(await clients.cloudWatch());
    const counting: MetricSource = {
      read: (metrics, window, signal) => {
        reads.push(window);
        return real.read(metrics, window, signal);
      },
    };
    const h = health({ alarms: ['orders-5xx'], bakeMs: BAKE_MS, pollSeconds: 1, metrics: [latency()] });
    const history = await tempHistory('orders-dev');
    const rec = record();
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 2 * S);
    await assert.rejects(watch(h, start, { rec, history, signal: stop.signal, metricSource: counting }), /cancelled/i);
    assert.equal(reads.filter((w) => w.end <= start).length, 1, 'the baseline was read once');
    assert.ok(rec.healthWatch?.metrics, 'the checkpoint keeps the metrics and their baseline');

    reads.length = 0;
    const { result } = await watch(h, start, { rec, history, metricSource: counting });
    assert.ok(result.outcome === 'finished');
    assert.equal(result.status, 'stable', result.reason);
    assert.ok(reads.length > 0);
    assert.deepEqual(
      reads.filter((w) => w.start < start),
      [],
      'the resumed watch read only the bake',
    );
  });

  it('a seasonal baseline (previous-day) compares with the same hours a day earlier, not with just before', async () => {
    const start = Date.now();
    // A day ago at this hour latency looked like the bake; just before the deploy it was 40 % lower
    // (a quiet hour), so against just before the bake would look like a regression.
    await put('Latency', start - DAY_MS - 5 * S, start - DAY_MS + BAKE_MS + 10 * S, noise);
    await put('Latency', start - 30 * S, start, (s) => noise(s) * 0.6);
    await put('Latency', start, start + BAKE_MS + 5 * S, noise);
    const judged = (compareWith: 'previous-day' | 'before') =>
      watch(health({ alarms: ['orders-5xx'], bakeMs: BAKE_MS, pollSeconds: 1, compareWith, metrics: [latency()] }), start);
    const [{ result, log }, justBefore] = await Promise.all([judged('previous-day'), judged('before')]);
    assert.equal(result.outcome === 'finished' && result.status, 'stable', result.outcome === 'finished' ? result.reason : '');
    const [verdict] = metricVerdicts(log.events);
    assert.equal(verdict?.verdict, 'pass');
    assert.ok(verdict.baseline.start < start - DAY_MS + 5 * S, 'the baseline is a day back');
    // The same series against the window just before the deploy is a regression: the seasonal
    // baseline is what judged it stable.
    const [unseasonal] = metricVerdicts(justBefore.log.events);
    assert.equal(unseasonal?.verdict, 'regressed', unseasonal?.reason);
    assert.ok(unseasonal.baseline.start >= start - 60 * S, 'that baseline is just before the deploy');
  });
});
