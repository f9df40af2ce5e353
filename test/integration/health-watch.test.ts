/**
 * The bake watch against a real moto_server: alarms made with PutMetricAlarm and driven with
 * SetAlarmState while watchAfterDeploy polls them through the engine's own AWS clients.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AwsClients } from '../../src/core/aws/clients';
import { DeployGuardError } from '../../src/core/errors';
import { cloudWatchAlarmSource, type AlarmSource } from '../../src/core/health/alarmSource';
import { watchAfterDeploy, type AfterDeployContext } from '../../src/core/health/afterDeploy';
import { checkAlarmsBeforeDeploy } from '../../src/core/health/beforeDeploy';
import type { HealthConfig } from '../../src/core/pipeline/types';
import { systemClock } from '../../src/core/time';
import {
  environment,
  eventLog,
  health,
  memoryLogger,
  putAlarm,
  rawCloudWatch,
  record,
  setAlarm,
  tempHistory,
} from '../support/healthFixtures';
import { useMotoRig } from '../support/motoRig';

describe('health watch against moto', () => {
  const { moto, cw } = useMotoRig();
  let clients: AwsClients;

  before(async () => {
    clients = new AwsClients({ region: 'us-east-1', endpoint: moto.endpoint });
  });
  after(async () => {
    clients.dispose();
  });

  async function run(
    h: HealthConfig,
    opts: { during?: () => Promise<void>; source?: AlarmSource; signal?: AbortSignal; rec?: ReturnType<typeof record> } = {},
  ) {
    const history = await tempHistory('orders-dev');
    const log = eventLog();
    const logger = memoryLogger();
    const env = environment(moto.endpoint, h);
    const rec = opts.rec ?? record();
    const startedAt = Date.now();
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
      restore: () => Promise.reject(new Error('no rollback expected in this suite')),
      showStatus: () => undefined,
      ...(preflight ? { preflight } : {}),
      ...(opts.source ? { alarmSource: opts.source } : {}),
    };
    const during = opts.during?.();
    const result = await watchAfterDeploy(ctx);
    await during;
    return { result, log, logger, history, rec, ctx };
  }

  it('every guarded alarm OK through the bake → stable', async () => {
    await putAlarm(cw, 'orders-5xx');
    await putAlarm(cw, 'orders-latency');
    const { result, log, rec, history } = await run(health({ alarms: ['orders-5xx', 'orders-latency'] }));
    assert.equal(result.outcome === 'finished' && result.status, 'stable');
    assert.deepEqual(
      // metric-points: the alarms' metrics read for their charts, on every poll (not part of the verdict).
      log.types().filter((t) => t !== 'notice' && t !== 'metric-points'),
      ['alarms-checked', 'watch-started', 'watch-verdict'],
    );
    const verdict = log.events.find((e) => e.type === 'watch-verdict');
    assert.equal(verdict?.type === 'watch-verdict' && verdict.verdict, 'healthy');
    // The checkpoint (deadline, baseline, verdict) is on the stored record.
    const stored = await history.get(rec.id);
    const cp = stored!.healthWatch!;
    assert.deepEqual(cp.alarms, ['orders-5xx', 'orders-latency']);
    assert.deepEqual(cp.baseline, { 'orders-5xx': 'OK', 'orders-latency': 'OK' });
    assert.equal(cp.verdict?.kind, 'healthy');
  });

  it('an alarm set to ALARM during the bake → unhealthy; with no stable record it only notifies', async () => {
    await putAlarm(cw, 'orders-5xx');
    const t0 = Date.now();
    const { result, log } = await run(health({ alarms: ['orders-5xx'], bakeMs: 5000 }), {
      during: async () => {
        await new Promise((r) => setTimeout(r, 500));
        await setAlarm(cw, 'orders-5xx', 'ALARM', 'Threshold Crossed: 5xx > 1');
      },
    });
    assert.ok(Date.now() - t0 < 4000, 'the verdict came before the end of the bake');
    assert.equal(result.outcome === 'finished' && result.status, 'needs-attention');
    const changed = log.events.find((e) => e.type === 'alarm-changed');
    assert.ok(changed?.type === 'alarm-changed' && changed.alarm === 'orders-5xx' && changed.to === 'ALARM');
    const verdict = log.events.find((e) => e.type === 'watch-verdict');
    assert.ok(verdict?.type === 'watch-verdict' && verdict.verdict === 'unhealthy' && verdict.alarm === 'orders-5xx');
    const finished = log.events.find((e) => e.type === 'rollback-finished');
    assert.ok(finished?.type === 'rollback-finished' && finished.outcome === 'not-rolled-back');
    assert.match(finished.reason, /no stable deployment to return to/);
  });

  it('an alarm already in ALARM before the deploy is reported and not blamed', async () => {
    await putAlarm(cw, 'orders-5xx');
    await putAlarm(cw, 'orders-old-fire');
    await setAlarm(cw, 'orders-old-fire', 'ALARM');
    const { result, log } = await run(health({ alarms: ['orders-5xx', 'orders-old-fire'] }));
    const checked = log.events.find((e) => e.type === 'alarms-checked');
    assert.deepEqual(checked?.type === 'alarms-checked' && checked.alreadyInAlarm, ['orders-old-fire']);
    // CloudFormation must not get it as a trigger either (it would roll back for a fire it did not start).
    assert.deepEqual(checked?.type === 'alarms-checked' && checked.rollbackTriggers, ['orders-5xx']);
    assert.equal(result.outcome === 'finished' && result.status, 'stable');
    assert.match(result.outcome === 'finished' ? (result.reason ?? '') : '', /not judged.*orders-old-fire/);
  });

  it('without --yes, guarded alarms already in ALARM stop the deploy before it starts', async () => {
    await putAlarm(cw, 'orders-5xx');
    await setAlarm(cw, 'orders-5xx', 'ALARM');
    await assert.rejects(
      checkAlarmsBeforeDeploy({
        deploymentId: 'x',
        environment: environment(moto.endpoint, health({ alarms: ['orders-5xx'] })),
        stackName: 'orders-dev',
        clients,
        emit: () => undefined,
        logger: memoryLogger(),
      }),
      (err) => DeployGuardError.is(err, 'AlarmsFiring') && /orders-5xx/.test(err.message) && /--yes/.test(err.hint ?? ''),
    );
  });

  it('a named alarm that does not exist is a config error before the deploy', async () => {
    await putAlarm(cw, 'orders-5xx');
    await assert.rejects(
      checkAlarmsBeforeDeploy({
        deploymentId: 'x',
        environment: environment(moto.endpoint, health({ alarms: ['orders-5xx', 'orders-typo'] })),
        stackName: 'orders-dev',
        clients,
        emit: () => undefined,
        logger: memoryLogger(),
        yes: true,
      }),
      (err) => DeployGuardError.is(err, 'ConfigInvalid') && /orders-typo/.test(err.message) && !/orders-5xx/.test(err.message),
    );
  });

  it('alarmPrefix guards every matching alarm, filtered client-side', async () => {
    for (const n of ['orders-a', 'orders-b', 'billing-c']) await putAlarm(cw, n);
    const { result, log } = await run(health({ alarmPrefix: 'orders-', alarms: ['billing-c'] }));
    const started = log.events.find((e) => e.type === 'watch-started');
    assert.deepEqual(started?.type === 'watch-started' && started.alarms, ['billing-c', 'orders-a', 'orders-b']);
    assert.equal(result.outcome === 'finished' && result.status, 'stable');
  });

  it('stackAlarms with a stack that has none (moto never creates them): deploys, but ends needs-attention, not stable', async () => {
    const { result, logger } = await run(health({ stackAlarms: true, bakeMs: 800 }));
    assert.equal(result.outcome === 'finished' && result.status, 'needs-attention');
    assert.match(result.outcome === 'finished' ? (result.reason ?? '') : '', /no alarm guards this deployment/);
    assert.ok(logger.lines.some((l) => /no AWS::CloudWatch::Alarm resources/.test(l)));
  });

  it('INSUFFICIENT_DATA through the bake → needs-attention, not stable and not a rollback', async () => {
    await putAlarm(cw, 'orders-new');
    await setAlarm(cw, 'orders-new', 'INSUFFICIENT_DATA');
    const { result, log } = await run(health({ alarms: ['orders-new'], bakeMs: 1000 }));
    assert.equal(result.outcome === 'finished' && result.status, 'needs-attention');
    assert.match(result.outcome === 'finished' ? (result.reason ?? '') : '', /unknown.*orders-new/);
    assert.ok(!log.types().includes('rollback-started'));
  });

  it('learns once that moto has no alarm history, and the poll never waits for it', async () => {
    await putAlarm(cw, 'orders-5xx');
    const real = cloudWatchAlarmSource({
      cloudWatch: await clients.cloudWatch(),
      historyClient: rawCloudWatch(moto.endpoint),
      cloudFormation: await clients.cloudFormation(),
    });
    let historyCalls = 0;
    let reads = 0;
    const counting: AlarmSource = {
      ...real,
      read: (n, s) => {
        reads += 1;
        return real.read(n, s);
      },
      history: (since, s) => {
        historyCalls += 1;
        return real.history(since, s);
      },
    };
    const { result, log, rec, history } = await run(health({ alarms: ['orders-5xx'], bakeMs: 1500, pollSeconds: 0.1 }), {
      source: counting,
    });
    assert.equal(result.outcome === 'finished' && result.status, 'stable');
    assert.equal(historyCalls, 1, 'asked once, learned, stopped');
    assert.ok(reads >= 8, `kept polling every 100 ms (${reads} polls)`);
    assert.ok(log.events.some((e) => e.type === 'notice' && e.code === 'alarm-history-unavailable'));
    const cp = (await history.get(rec.id))!.healthWatch!;
    assert.equal(cp.historySupported, false, 'remembered for a resumed watch');
  });

  it('resumes a watch stopped mid-bake with the same deadline and baseline', async () => {
    await putAlarm(cw, 'orders-5xx');
    await putAlarm(cw, 'orders-old-fire');
    await setAlarm(cw, 'orders-old-fire', 'ALARM');
    const rec = record();
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 600);
    const first = run(health({ alarms: ['orders-5xx', 'orders-old-fire'], bakeMs: 2000 }), { rec, signal: stop.signal });
    await assert.rejects(first, (err) => DeployGuardError.is(err, 'Cancelled') || (err as Error).name === 'AbortError');
    const history = await tempHistory('orders-dev');
    const cp = rec.healthWatch!;
    assert.ok(cp && !cp.verdict, 'the checkpoint was written before the first poll');
    // Meanwhile the old fire is still burning and the baseline must still say so.
    const log = eventLog();
    const result = await watchAfterDeploy({
      record: structuredClone(rec),
      environment: environment(moto.endpoint, health({ alarms: ['orders-5xx', 'orders-old-fire'], bakeMs: 2000 })),
      clients,
      history,
      emit: log.emit,
      logger: memoryLogger(),
      clock: systemClock,
      signal: new AbortController().signal,
      deploymentStartedAt: Date.now(), // ignored on resume: the checkpoint's time wins
      restore: () => Promise.reject(new Error('no rollback expected')),
      showStatus: () => undefined,
    });
    const started = log.events.find((e) => e.type === 'watch-started');
    assert.ok(started?.type === 'watch-started' && started.resumed);
    assert.equal(started.deadline, cp.deadline);
    assert.equal(result.outcome === 'finished' && result.status, 'stable');
    assert.ok(Date.now() >= Date.parse(cp.deadline), 'did not end before the original deadline');
    assert.ok(Date.now() < Date.parse(cp.deadline) + 1500, 'did not start a new bake');
  });
});
