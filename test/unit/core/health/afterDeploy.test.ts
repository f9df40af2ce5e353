import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StackPollers } from '../../../../src/core/aws/stackPoller';
import { DeploymentRun } from '../../../../src/core/deployment/deploymentRun';
import { ExitCode, type DeploymentStatus } from '../../../../src/core/deploymentStatus';
import { watchAfterDeploy, type AfterDeployContext, type AfterDeployResult } from '../../../../src/core/health/afterDeploy';
import type { HealthPreflight } from '../../../../src/core/health/beforeDeploy';
import type { AlarmState, FinalVerdict } from '../../../../src/core/health/types';
import type { DeploymentRecord } from '../../../../src/core/history/record';
import { createMasker } from '../../../../src/core/secrets';
import type { ConfirmRollback, RollbackQuestion } from '../../../../src/core/rollback/afterUnhealthy';
import { rollbackTokenFor } from '../../../../src/core/rollback/afterUnhealthy';
import {
  fakeClock,
  restoreInto,
  scriptedAlarms,
  stackAt,
  stackReads,
  StubClients,
  versions,
  type StackState,
} from '../../../support/enginePorts';
import { environment, eventLog, health, memoryLogger, tempHistory } from '../../../support/healthFixtures';

const MINUTE = 60_000;

/** The baseline checkAlarmsBeforeDeploy would have read. */
function preflight(baseline: Record<string, AlarmState>, checkedAt: number): HealthPreflight {
  return {
    checkedAt,
    alarms: Object.keys(baseline).sort(),
    baseline,
    alreadyInAlarm: Object.keys(baseline).filter((n) => baseline[n] === 'ALARM'),
    rollbackTriggers: [],
    rollbackTriggersWhy: 'not needed by these tests',
  };
}

interface Watch {
  /** Each alarm's state at a time since the bake began (ms). */
  readonly alarms: (name: string, sinceBakeStart: number) => AlarmState | undefined;
  readonly baseline: Record<string, AlarmState>;
  readonly rollback?: 'auto' | 'prompt' | 'off';
  readonly bakeMs?: number;
  /** Which records are in the history before the watch (default: the stable v1 and v2). */
  readonly stableBefore?: boolean;
  readonly confirm?: ConfirmRollback;
  readonly restoreFails?: Error;
}

/** Runs one watch of v2 on the fake clock, with v1 stable in the history unless told otherwise. */
async function watch(w: Watch) {
  const clock = fakeClock();
  const bakeStart = clock.now();
  const { v1, v2 } = versions();
  const history = await tempHistory('orders-dev');
  if (w.stableBefore !== false) await history.write(v1);
  await history.write(v2);
  const stack: StackState = stackAt(v2);
  const cfn = stackReads(stack);
  const clients = new StubClients(cfn.client);
  const { restore, requests } = restoreInto(history, stack, w.restoreFails ? { fail: w.restoreFails } : {});
  const { source, reads } = scriptedAlarms(clock, (name, now) => w.alarms(name, now - bakeStart));
  const log = eventLog();
  const logger = memoryLogger();
  // The deployment's run, wired as the bake phase wires it: it refuses a status the table does not allow.
  const run = new DeploymentRun(v2, history, clients, new StackPollers(logger), log.emit, createMasker(), logger);
  const shown: [DeploymentStatus, string][] = [];
  const env = environment(
    'http://127.0.0.1:1',
    health({ alarms: Object.keys(w.baseline), bakeMs: w.bakeMs ?? 10 * MINUTE, pollSeconds: 10, rollback: w.rollback ?? 'auto' }),
  );
  const ctx: AfterDeployContext = {
    record: v2,
    environment: env,
    clients,
    history,
    emit: log.emit,
    logger,
    clock,
    signal: new AbortController().signal,
    deploymentStartedAt: bakeStart - 2 * MINUTE,
    restore,
    showStatus: (status, reason) => {
      shown.push([status, reason]);
      run.showStatus(status, reason);
    },
    preflight: preflight(w.baseline, bakeStart - 2 * MINUTE),
    alarmSource: source,
    ...(w.confirm ? { confirmRollback: w.confirm } : {}),
  };
  const started = Date.now();
  const result = await watchAfterDeploy(ctx);
  const tookMs = Date.now() - started;
  clients.dispose();
  const finished = finishedOf(result);
  run.setExitCode(finished.exitCode);
  await run.finish(finished.status, finished.reason);
  const statuses = log.events.flatMap((e) => (e.type === 'deployment-status' ? [e.status] : []));
  const stored = await history.get(v2.id);
  const exitCode = run.exitCode;
  return {
    result,
    finished,
    requests,
    shown,
    statuses,
    exitCode,
    log,
    stack,
    stored,
    v1,
    v2,
    clock,
    reads,
    bakeStart,
    tookMs,
    cfnCalls: cfn.calls,
  };
}

function finishedOf(result: AfterDeployResult) {
  assert.equal(result.outcome, 'finished', 'a configured watch always finishes with a status');
  return result;
}

function verdictOf(stored: DeploymentRecord | undefined): FinalVerdict['kind'] | undefined {
  return stored?.healthWatch?.verdict?.kind;
}

describe('watchAfterDeploy on a fake clock (no AWS)', () => {
  it('a bake that stays OK ends stable, after polling through the whole bake', async () => {
    const w = await watch({ alarms: () => 'OK', baseline: { 'orders-5xx': 'OK' } });
    assert.equal(w.finished.status, 'stable', w.finished.reason);
    assert.match(w.finished.reason ?? '', /1 guarded alarm stayed out of ALARM/);
    assert.ok(w.clock.now() - w.bakeStart >= 10 * MINUTE, 'the verdict waited for the end of the bake');
    assert.ok(w.reads.at(-1)! >= w.bakeStart + 10 * MINUTE, 'the healthy verdict rests on a poll at or after the deadline');
    assert.ok(w.reads.length >= 60, `${w.reads.length} polls at 10 s through a 10-minute bake`);
    assert.equal(w.requests.length, 0, 'nothing restored');
    assert.deepEqual(w.shown, [], 'no unhealthy phase shown');
    assert.equal(verdictOf(w.stored), 'healthy', 'the verdict is written to the record');
    assert.equal(w.stored?.healthWatch?.deadline, new Date(w.bakeStart + 10 * MINUTE).toISOString());
    assert.deepEqual(w.cfnCalls, [], 'a healthy watch never reads the stack');
    assert.ok(w.tookMs < 2000, `a 10-minute bake took ${w.tookMs} ms on the fake clock`);
    assert.deepEqual(w.statuses, ['stable'], 'watching → stable');
    assert.equal(w.exitCode, ExitCode.Ok);
    assert.equal(w.stored?.status, 'stable');
  });

  it('an alarm entering ALARM during the bake → unhealthy → v1 restored once with the fixed token → rolled-back', async () => {
    const w = await watch({
      alarms: (name, t) => (name === 'orders-5xx' && t >= 3 * MINUTE ? 'ALARM' : 'OK'),
      baseline: { 'orders-5xx': 'OK', 'orders-latency': 'OK' },
    });
    assert.equal(w.finished.status, 'rolled-back', w.finished.reason);
    assert.equal(w.finished.exitCode, ExitCode.RolledBack);
    assert.ok(w.clock.now() - w.bakeStart < 4 * MINUTE, 'the verdict came at the first poll after the ALARM, not at the end of the bake');

    assert.equal(w.requests.length, 1, 'exactly one restore');
    const [request] = w.requests;
    assert.equal(request?.target.id, w.v1.id, 'the stable record is the target');
    assert.equal(request?.rollbackOf.id, w.v2.id);
    assert.equal(request?.clientRequestToken, rollbackTokenFor(w.v2.id), 'the deterministic token');
    assert.match(request?.reason ?? '', /orders-5xx/);
    assert.equal(w.stack.body, w.v1.template.body, 'the stack carries v1 again');

    assert.deepEqual(
      w.shown.map(([s]) => s),
      ['unhealthy', 'rolling-back'],
    );
    const types = w.log.types();
    assert.ok(types.indexOf('watch-verdict') < types.indexOf('rollback-started'));
    assert.ok(types.indexOf('rollback-started') < types.indexOf('rollback-finished'));
    const verdict = w.log.events.find((e) => e.type === 'watch-verdict');
    assert.ok(verdict?.type === 'watch-verdict' && verdict.verdict === 'unhealthy' && verdict.alarm === 'orders-5xx');

    assert.equal(verdictOf(w.stored), 'unhealthy');
    assert.equal(w.stored?.healthWatch?.rollback?.token, rollbackTokenFor(w.v2.id), 'the rollback is marked on the checkpoint');
    assert.equal(w.finished.health?.rollback?.phase, 'succeeded');
    assert.equal(w.finished.health?.rollback?.targetDeploymentId, w.v1.id);
    assert.deepEqual(w.statuses, ['unhealthy', 'rolling-back', 'rolled-back'], 'each a legal transition of the run');
    assert.equal(w.exitCode, ExitCode.RolledBack);
    assert.equal(w.stored?.status, 'rolled-back');
    assert.match(w.stored?.reason ?? '', /orders-5xx/);
  });

  it('an alarm already in ALARM before the deploy is not blamed: the others decide (stable)', async () => {
    const w = await watch({
      alarms: (name) => (name === 'orders-old-fire' ? 'ALARM' : 'OK'),
      baseline: { 'orders-5xx': 'OK', 'orders-old-fire': 'ALARM' },
    });
    assert.equal(w.finished.status, 'stable', w.finished.reason);
    assert.match(w.finished.reason ?? '', /not judged.*orders-old-fire/);
    assert.deepEqual(w.statuses, ['stable']);
    assert.equal(w.requests.length, 0);
  });

  it('an alarm that was OK before the deploy and is in ALARM at the first poll is blamed', async () => {
    // The counterpart of the case above: the same reading, but a different baseline.
    const w = await watch({
      alarms: (name) => (name === 'orders-old-fire' ? 'ALARM' : 'OK'),
      baseline: { 'orders-5xx': 'OK', 'orders-old-fire': 'OK' },
    });
    assert.equal(w.finished.status, 'rolled-back', w.finished.reason);
    assert.equal(w.requests.length, 1);
  });

  it('unknown (INSUFFICIENT_DATA) for longer than the bake → needs-attention, never stable, nothing restored', async () => {
    const w = await watch({ alarms: () => 'INSUFFICIENT_DATA', baseline: { 'orders-new': 'OK' }, bakeMs: 2 * MINUTE });
    assert.equal(w.finished.status, 'needs-attention');
    assert.match(w.finished.reason ?? '', /^health unknown: .*orders-new/);
    assert.ok(w.clock.now() - w.bakeStart >= 2 * MINUTE, 'not knowing is given the whole bake');
    assert.equal(w.requests.length, 0);
    assert.deepEqual(w.shown, []);
    assert.equal(verdictOf(w.stored), 'unknown');
    assert.deepEqual(w.statuses, ['needs-attention']);
    assert.equal(w.exitCode, ExitCode.NeedsPerson);
  });

  it('a guarded alarm that disappears mid-bake is not knowing, not healthy', async () => {
    const w = await watch({
      alarms: (_name, t) => (t < MINUTE ? 'OK' : undefined),
      baseline: { 'orders-5xx': 'OK' },
      bakeMs: 2 * MINUTE,
    });
    assert.equal(w.finished.status, 'needs-attention');
    assert.match(w.finished.reason ?? '', /orders-5xx/);
    assert.equal(w.requests.length, 0);
  });

  it('rollback: prompt asks once, and "no" keeps this version (needs-attention, exit 4)', async () => {
    const asked: RollbackQuestion[] = [];
    const w = await watch({
      alarms: (name, t) => (name === 'orders-5xx' && t >= MINUTE ? 'ALARM' : 'OK'),
      baseline: { 'orders-5xx': 'OK' },
      rollback: 'prompt',
      confirm: async (q) => {
        asked.push(q);
        return false;
      },
    });
    assert.equal(asked.length, 1);
    assert.equal(asked[0]?.alarm, 'orders-5xx');
    assert.equal(asked[0]?.target.id, w.v1.id);
    assert.equal(w.finished.status, 'needs-attention');
    assert.equal(w.finished.exitCode, ExitCode.NeedsPerson);
    assert.match(w.finished.reason ?? '', /kept this version as asked/);
    assert.equal(w.requests.length, 0);
    assert.equal(w.stack.body, w.v2.template.body, 'v2 stays');
    assert.deepEqual(w.statuses, ['unhealthy', 'needs-attention']);
    assert.equal(w.exitCode, ExitCode.NeedsPerson, 'exit 4');
  });

  it('rollback: prompt with a "yes" restores v1', async () => {
    const w = await watch({
      alarms: (name, t) => (name === 'orders-5xx' && t >= MINUTE ? 'ALARM' : 'OK'),
      baseline: { 'orders-5xx': 'OK' },
      rollback: 'prompt',
      confirm: async () => true,
    });
    assert.equal(w.finished.status, 'rolled-back', w.finished.reason);
    assert.equal(w.requests.length, 1);
  });

  it('rollback: prompt with no one to ask → not rolled back, exit 3', async () => {
    const w = await watch({
      alarms: (name, t) => (name === 'orders-5xx' && t >= MINUTE ? 'ALARM' : 'OK'),
      baseline: { 'orders-5xx': 'OK' },
      rollback: 'prompt',
    });
    assert.equal(w.finished.status, 'needs-attention');
    assert.equal(w.finished.exitCode, ExitCode.RolledBack);
    assert.match(w.finished.reason ?? '', /no one could be asked/);
    assert.equal(w.exitCode, ExitCode.RolledBack, 'the run exits 3 although the status is needs-attention');
    assert.equal(w.stored?.status, 'needs-attention');
    assert.equal(w.requests.length, 0);
  });

  it('rollback: off reports the alarm and restores nothing', async () => {
    const w = await watch({
      alarms: (name, t) => (name === 'orders-5xx' && t >= MINUTE ? 'ALARM' : 'OK'),
      baseline: { 'orders-5xx': 'OK' },
      rollback: 'off',
    });
    assert.equal(w.finished.status, 'needs-attention');
    assert.equal(w.finished.exitCode, ExitCode.NeedsPerson);
    assert.match(w.finished.reason ?? '', /rollback is off/);
    assert.equal(w.requests.length, 0);
    assert.deepEqual(
      w.shown.map(([s]) => s),
      ['unhealthy'],
      'unhealthy is shown, rolling-back never',
    );
    const finished = w.log.events.find((e) => e.type === 'rollback-finished');
    assert.ok(finished?.type === 'rollback-finished' && finished.outcome === 'not-rolled-back' && finished.targetId === w.v1.id);
  });

  it('unhealthy with no stable record to return to → needs-attention, nothing restored', async () => {
    const w = await watch({
      alarms: (name, t) => (name === 'orders-5xx' && t >= MINUTE ? 'ALARM' : 'OK'),
      baseline: { 'orders-5xx': 'OK' },
      stableBefore: false,
    });
    assert.equal(w.finished.status, 'needs-attention');
    assert.match(w.finished.reason ?? '', /no stable deployment to return to/);
    assert.equal(w.requests.length, 0);
  });

  it('a restore that throws → rollback-failed (the stack still carries v2), exit 4, not retried', async () => {
    const w = await watch({
      alarms: (name, t) => (name === 'orders-5xx' && t >= MINUTE ? 'ALARM' : 'OK'),
      baseline: { 'orders-5xx': 'OK' },
      restoreFails: new Error('change set failed: Throttling'),
    });
    assert.equal(w.finished.status, 'rollback-failed');
    assert.equal(w.finished.exitCode, ExitCode.NeedsPerson);
    assert.match(w.finished.reason ?? '', /rolling back to .* failed: change set failed: Throttling/);
    assert.equal(w.requests.length, 1, 'tried once, never again');
    assert.equal(w.finished.health?.rollback?.phase, 'failed');
    assert.deepEqual(w.statuses, ['unhealthy', 'rolling-back', 'rollback-failed']);
    assert.equal(w.exitCode, ExitCode.NeedsPerson);
  });

  it('a rollback deployment is watched but never rolled back itself', async () => {
    const clock = fakeClock();
    const { v1 } = versions();
    const history = await tempHistory('orders-dev');
    await history.write(v1);
    const { v2 } = versions();
    const rollbackRecord: DeploymentRecord = { ...v2, kind: 'rollback' };
    await history.write(rollbackRecord);
    const stack = stackAt(rollbackRecord);
    const clients = new StubClients(stackReads(stack).client);
    const { restore, requests } = restoreInto(history, stack);
    const { source } = scriptedAlarms(clock, () => 'ALARM');
    const result = finishedOf(
      await watchAfterDeploy({
        record: rollbackRecord,
        environment: environment('http://127.0.0.1:1', health({ alarms: ['orders-5xx'], bakeMs: MINUTE, rollback: 'auto' })),
        clients,
        history,
        emit: () => undefined,
        logger: memoryLogger(),
        clock,
        signal: new AbortController().signal,
        deploymentStartedAt: clock.now() - MINUTE,
        restore,
        showStatus: () => undefined,
        preflight: preflight({ 'orders-5xx': 'OK' }, clock.now() - MINUTE),
        alarmSource: source,
      }),
    );
    clients.dispose();
    assert.equal(result.status, 'needs-attention');
    assert.match(result.reason ?? '', /itself a rollback/);
    assert.equal(requests.length, 0);
  });
});
