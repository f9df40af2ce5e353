import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngineEvent } from '../../../../src/core/events';
import type { CheckpointMetrics, WatchCheckpoint } from '../../../../src/core/health/afterDeploy';
import type { MetricSource } from '../../../../src/core/health/metricSource';
import type { WatchedMetric } from '../../../../src/core/health/metricWatch';
import type { Datapoint } from '../../../../src/core/health/metrics/samples';
import { judgeRestore, verifyRestore } from '../../../../src/core/health/afterRestore';
import { describeHealthEvent } from '../../../../src/core/health/describe';
import type { HealthSection } from '../../../../src/core/health/recordedHealth';
import type { AlarmPoll, AlarmState } from '../../../../src/core/health/types';
import { fakeClock, scriptedAlarms, StubClients, stackReads, stackAt, versions } from '../../../support/enginePorts';
import { environment, eventLog, health, memoryLogger, record, tempHistory } from '../../../support/healthFixtures';

const MINUTE = 60_000;

function poll(at: number, states: Record<string, AlarmState>): AlarmPoll {
  return { at, readings: new Map(Object.entries(states).map(([name, state]) => [name, { name, state }])) };
}

const input = (now: number, polls: AlarmPoll[]) => ({
  guarded: ['a', 'b'],
  baseline: {},
  deployStartedAt: 0,
  bakeStartedAt: 0,
  now,
  polls,
  transitions: [],
  policy: { bakeMs: 10 * MINUTE, unknownLimitMs: 30_000 },
});

describe('judgeRestore (pure)', () => {
  it('nothing is final before the end of the window, even an alarm in ALARM', () => {
    assert.equal(judgeRestore(input(5 * MINUTE, [poll(5 * MINUTE, { a: 'ALARM', b: 'OK' })])).kind, 'continue');
  });

  it('at the end: all OK → healthy; one in ALARM → unhealthy naming it; INSUFFICIENT_DATA → unknown', () => {
    const end = 10 * MINUTE;
    assert.equal(judgeRestore(input(end, [poll(end, { a: 'OK', b: 'OK' })])).kind, 'healthy');
    const still = judgeRestore(input(end, [poll(end, { a: 'OK', b: 'ALARM' })]));
    assert.ok(still.kind === 'unhealthy' && still.alarm === 'b', JSON.stringify(still));
    const unknown = judgeRestore(input(end, [poll(end, { a: 'OK', b: 'INSUFFICIENT_DATA' })]));
    assert.ok(unknown.kind === 'unknown' && unknown.alarms.join() === 'b', JSON.stringify(unknown));
    assert.equal(judgeRestore(input(end, [poll(end, { a: 'OK' })])).kind, 'unknown', 'a missing alarm is not knowing');
  });

  it('a poll before the end never decides; failed polls past the end give up as unknown after the limit', () => {
    const end = 10 * MINUTE;
    assert.equal(judgeRestore(input(end, [poll(end - 1, { a: 'OK', b: 'OK' })])).kind, 'continue');
    const failed: AlarmPoll = { at: end + 1000, error: 'throttled' };
    assert.equal(judgeRestore(input(end + 1000, [failed])).kind, 'continue');
    const gaveUp = judgeRestore(input(end + 30_000, [failed]));
    assert.ok(gaveUp.kind === 'unknown' && /throttled/.test(gaveUp.reason), JSON.stringify(gaveUp));
  });
});

describe('verifyRestore resumed after a reload', () => {
  it('keeps the window it wrote (same deadline), says it resumed, and judges at that deadline', async () => {
    const clock = fakeClock();
    const start = clock.now() - 4 * MINUTE;
    const checkpoint: WatchCheckpoint = {
      version: 1,
      deployStartedAt: start,
      bakeStartedAt: start,
      deadline: new Date(start + 10 * MINUTE).toISOString(),
      bakeMs: 10 * MINUTE,
      pollMs: 10_000,
      alarms: ['orders-5xx'],
      baseline: {},
    };
    const { v1 } = versions();
    const restore = record({ kind: 'rollback', status: 'verifying-restore', rollbackTargetId: v1.id, healthWatch: checkpoint });
    const history = await tempHistory('orders-dev');
    await history.write(restore);
    const clients = new StubClients(stackReads(stackAt(v1)).client);
    const { source, reads } = scriptedAlarms(clock, () => 'OK');
    const log = eventLog();
    const result = await verifyRestore({
      record: restore,
      environment: environment('http://127.0.0.1:1', health({ alarms: ['orders-5xx'], bakeMs: 60 * MINUTE, pollSeconds: 10 })),
      clients,
      history,
      emit: log.emit,
      logger: memoryLogger(),
      clock,
      signal: new AbortController().signal,
      alarmSource: source,
    });
    clients.dispose();
    assert.equal(result.outcome, 'verified');
    const started = log.events.find((e) => e.type === 'watch-started');
    assert.ok(started?.type === 'watch-started' && started.resumed && started.phase === 'restore');
    assert.equal(started.deadline, checkpoint.deadline, 'the same window, not a new one (nor the environment’s 60-minute bake)');
    assert.ok(clock.now() >= start + 10 * MINUTE && clock.now() < start + 11 * MINUTE, 'judged at the deadline it wrote');
    // At 10 s less up to 20 % jitter: at most 46 polls for the 6 minutes left (a whole new window would take 60 or more).
    assert.ok(reads.length <= 46, `${reads.length} polls for the 6 minutes left`);
    assert.equal((await history.get(restore.id))?.healthWatch?.verdict?.kind, 'healthy', 'the verdict is kept on the record');
  });
});

describe("the restore's metrics, judged against the baseline before the undone deployment", () => {
  const SECOND = 1000;
  /** Latency: about 100 before the bad deployment, about 140 during its bake. */
  const noise = (i: number) => ((i * 37) % 11) - 5;
  const latency: WatchedMetric = {
    key: 'metric0',
    name: 'Latency Average',
    query: { kind: 'metric', namespace: 'Orders', metric: 'Latency', dimensions: {}, stat: 'Average' },
    period: 1,
    bad: 'increase',
    tolerance: 0.1,
    missing: 'gap',
  };

  /** Runs a verification whose window reads `level` (± noise) each second, the undone deployment's baseline at 100. */
  async function verify(
    level: number,
  ): Promise<{ outcome: string; reason: string; baselineReads: number; events: EngineEvent[]; health: HealthSection | undefined }> {
    const clock = fakeClock();
    const deployStart = clock.now() - 10 * MINUTE;
    const baselineStart = deployStart - 2 * MINUTE;
    const metrics: CheckpointMetrics = {
      watched: [latency],
      baseline: {
        start: baselineStart,
        end: deployStart,
        series: { metric0: Array.from({ length: 120 }, (_, i) => [baselineStart + i * SECOND, 100 + noise(i)] as [number, number]) },
      },
    };
    let baselineReads = 0;
    const metricSource: MetricSource = {
      read: async (reads, window) => {
        if (window.start < deployStart) baselineReads += 1;
        const out = new Map<string, Datapoint[]>();
        for (const r of reads) {
          const points: Datapoint[] = [];
          for (let at = Math.ceil(window.start / SECOND) * SECOND, i = 0; at < window.end; at += SECOND, i++)
            points.push({ at, value: level + noise(i) });
          out.set(r.key, points);
        }
        return out;
      },
    };
    const { v1 } = versions();
    const restore = record({ kind: 'rollback', status: 'verifying-restore', rollbackTargetId: v1.id });
    const history = await tempHistory('orders-dev');
    await history.write(restore);
    const clients = new StubClients(stackReads(stackAt(v1)).client);
    const { source } = scriptedAlarms(clock, () => 'OK');
    const log = eventLog();
    const result = await verifyRestore({
      record: restore,
      environment: environment('http://127.0.0.1:1', health({ alarms: ['orders-5xx'], bakeMs: MINUTE, pollSeconds: 5 })),
      metrics,
      clients,
      history,
      emit: log.emit,
      logger: memoryLogger(),
      clock,
      signal: new AbortController().signal,
      alarmSource: source,
      metricSource,
    });
    clients.dispose();
    assert.ok(result.outcome !== 'no-watch');
    assert.ok((await history.get(restore.id))?.healthWatch?.metrics, 'the window keeps the baseline it judges against, for a resumed run');
    return { outcome: result.outcome, reason: result.reason, baselineReads, events: log.events, health: result.health };
  }

  it('a restore whose metric is back near the baseline is verified', async () => {
    const { outcome, reason, baselineReads } = await verify(101);
    assert.equal(outcome, 'verified', reason);
    assert.match(reason, /1 guarded metric was back within tolerance of the baseline before the undone deployment/);
    assert.equal(baselineReads, 0, 'the baseline is the one read before the deployment, not read again');
  });

  it("tells views each metric's verdict as the restore's, and keeps it with its series in the record", async () => {
    const { events, health } = await verify(101);
    const verdicts = events.flatMap((e) => (e.type === 'metric-verdict' ? [e] : []));
    assert.equal(verdicts.length, 1);
    const [verdict] = verdicts;
    assert.ok(verdict);
    assert.equal(verdict.phase, 'restore');
    assert.equal(verdict.metric, 'Latency Average');
    assert.equal(verdict.verdict, 'pass');
    assert.ok(verdict.bake.points.length >= 10, "the window's series, for a chart");
    assert.match(describeHealthEvent(verdict), /^health: metric PASS after the restore: Latency Average /, "the CLI's line");
    const started = events.find((e) => e.type === 'watch-started');
    assert.deepEqual(started?.type === 'watch-started' && started.metrics, ['Latency Average']);
    assert.equal(health?.metrics?.[0]?.name, 'Latency Average');
    assert.equal(health?.metrics?.[0]?.verdict, 'pass');
    assert.ok((health?.metrics?.[0]?.baseline.points.length ?? 0) >= 100, 'the baseline before the undone deployment');
  });

  it("sends each read of the window to views as it arrives, as the restore's, with the baseline once", async () => {
    const { events } = await verify(101);
    const reads = events.flatMap((e) => (e.type === 'metric-points' ? [e] : []));
    const verdictAt = events.findIndex((e) => e.type === 'metric-verdict');
    // A 1-minute window polled every 5 s: a read per poll, all before the verdict (live, not only at the end).
    assert.ok(reads.length >= 10, `${reads.length} reads`);
    const types = events.map((e) => e.type);
    assert.ok(verdictAt >= 0 && types.lastIndexOf('metric-points') < verdictAt, 'every read arrives before the verdict');
    for (const read of reads) {
      assert.equal(read.phase, 'restore');
      assert.equal(read.series.length, 1);
      assert.equal(read.series[0]?.metric, 'Latency Average');
      assert.equal(read.series[0]?.judged, true);
    }
    assert.equal(reads[0]?.series[0]?.baseline?.points.length, 120, 'the baseline before the undone deployment, in the first read');
    assert.ok(
      reads.slice(1).every((r) => r.series[0]?.baseline === undefined),
      'and only there',
    );
    // Only the new points after the first read (the newest period again, as CloudWatch may revise it).
    const sent = reads.reduce((sum, r) => sum + (r.series[0]?.points.length ?? 0), 0);
    const judged = events.find((e) => e.type === 'metric-verdict');
    assert.ok(judged?.type === 'metric-verdict');
    assert.ok(sent < 2 * judged.bake.points.length + reads.length, `${sent} points sent for a window of ${judged.bake.points.length}`);
    const [first] = reads;
    assert.ok(first);
    assert.match(describeHealthEvent(first), /^health: read 1 metric\(s\): Latency Average \d+ point\(s\)/);
  });

  it('a restore whose metric stays where the bad bake put it is still unhealthy (against the bake it would have passed)', async () => {
    const { outcome, reason, events, health } = await verify(140);
    assert.equal(outcome, 'still-unhealthy');
    const verdict = events.find((e) => e.type === 'metric-verdict');
    assert.ok(verdict?.type === 'metric-verdict' && verdict.verdict === 'regressed' && verdict.phase === 'restore');
    assert.equal(health?.metrics?.[0]?.verdict, 'regressed');
    assert.match(
      reason,
      /^metric Latency Average is still regressed against the baseline before the undone deployment .*: Latency Average rose (3\d|4\d) %/,
    );
  });
});
