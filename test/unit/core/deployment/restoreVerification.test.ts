/**
 * The restore's verification window, end to end through the watch of the unhealthy deployment on
 * a fake clock: v2's alarm fires during the bake, v1 is restored by a rollback record whose run
 * ends in finishRestore, and the restored version is watched under the same alarms.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StackPollers } from '../../../../src/core/aws/stackPoller';
import { DeploymentRun } from '../../../../src/core/deployment/deploymentRun';
import { finishRestore } from '../../../../src/core/deployment/restoreVerification';
import { ExitCode, type DeploymentStatus } from '../../../../src/core/deploymentStatus';
import { watchAfterDeploy } from '../../../../src/core/health/afterDeploy';
import type { AlarmState } from '../../../../src/core/health/types';
import { currentVersion, isVerified } from '../../../../src/core/history/ledger';
import type { RestoreRequest, RestoreStable } from '../../../../src/core/rollback/afterUnhealthy';
import { createMasker } from '../../../../src/core/secrets';
import { fakeClock, scriptedAlarms, stackAt, stackReads, StubClients, versions } from '../../../support/enginePorts';
import { environment, eventLog, health, memoryLogger, record, tempHistory } from '../../../support/healthFixtures';

const MINUTE = 60_000;

/**
 * v2 baked for 10 minutes with orders-5xx OK before it; `alarm` says its state at a time since the
 * bake began. The alarm enters ALARM at minute 1, so the restore's window runs from about minute 1 to 11.
 */
async function rollBack(alarm: (sinceBakeStart: number) => AlarmState) {
  const clock = fakeClock();
  const bakeStart = clock.now();
  const { v1, v2 } = versions();
  const history = await tempHistory('orders-dev');
  await history.write(v1);
  await history.write(v2);
  const stack = stackAt(v2);
  const cfn = stackReads(stack);
  const clients = new StubClients(cfn.client);
  const { source } = scriptedAlarms(clock, (name, now) => (name === 'orders-5xx' ? alarm(now - bakeStart) : undefined));
  const log = eventLog();
  const logger = memoryLogger();
  const env = environment('http://127.0.0.1:1', health({ alarms: ['orders-5xx'], bakeMs: 10 * MINUTE, pollSeconds: 10, rollback: 'auto' }));
  const signal = new AbortController().signal;
  const requests: RestoreRequest[] = [];

  // The engine's restore as bakePhase wires it, minus CloudFormation: the rollback record's own run
  // puts v1 on the stack, then finishRestore verifies it.
  const restore: RestoreStable = async (request) => {
    requests.push(request);
    const r = record({
      body: request.target.template.body,
      params: [...request.target.parameters],
      kind: 'rollback',
      status: 'queued',
      stackId: stack.stackId,
      rollbackTargetId: request.target.id,
      clientRequestToken: request.clientRequestToken,
      automatic: true,
    });
    const run = new DeploymentRun(r, history, clients, new StackPollers(logger), log.emit, createMasker(), logger);
    await run.save();
    run.announce();
    await run.setStatus('deploying', request.reason);
    Object.assign(stack, stackAt(request.target));
    return finishRestore({ emit: log.emit, logger, clock }, run, {
      environment: env,
      restored: `Restored deployment ${request.target.id} (UPDATE_COMPLETE)`,
      signal,
      alarmSource: source,
      ...(request.onVerifying ? { onVerifying: request.onVerifying } : {}),
    });
  };

  const run = new DeploymentRun(v2, history, clients, new StackPollers(logger), log.emit, createMasker(), logger);
  const shown: DeploymentStatus[] = [];
  const result = await watchAfterDeploy({
    record: v2,
    environment: env,
    clients,
    history,
    emit: log.emit,
    logger,
    clock,
    signal,
    deploymentStartedAt: bakeStart - 2 * MINUTE,
    restore,
    showStatus: (status, reason) => {
      shown.push(status);
      run.showStatus(status, reason);
    },
    preflight: {
      checkedAt: bakeStart - 2 * MINUTE,
      alarms: ['orders-5xx'],
      baseline: { 'orders-5xx': 'OK' },
      alreadyInAlarm: [],
      rollbackTriggers: [],
      rollbackTriggersWhy: 'not needed by these tests',
    },
    alarmSource: source,
  });
  clients.dispose();
  assert.equal(result.outcome, 'finished');
  if (result.outcome !== 'finished') throw new Error('unreachable');
  run.setExitCode(result.exitCode);
  await run.finish(result.status, result.reason);
  const { records } = await history.list();
  const rollbacks = records.filter((r) => r.kind === 'rollback');
  assert.equal(rollbacks.length, 1, 'exactly one rollback, ever');
  assert.equal(requests.length, 1, 'restored once');
  const restored = rollbacks[0]!;
  const restoreEvents = log.events.filter((e) => e.deploymentId === restored.id);
  return { result, run, shown, restored, records, restoreEvents, v1, v2, clock, bakeStart };
}

describe('the restore is verified under the guarded alarms (fake clock, no AWS)', () => {
  it('the alarm returns to OK within the window → v2 rolled-back (exit 3), the restore a verified current version', async () => {
    const r = await rollBack((t) => (t >= MINUTE && t < 4 * MINUTE ? 'ALARM' : 'OK'));
    assert.equal(r.run.record.status, 'rolled-back', r.run.record.reason);
    assert.equal(r.run.exitCode, ExitCode.RolledBack);
    assert.deepEqual(r.shown, ['unhealthy', 'rolling-back', 'verifying-restore'], 'the deployment shows the verification');
    assert.equal(r.restored.status, 'stable', r.restored.reason);
    assert.equal(r.restored.verification?.kind, 'restored');
    assert.ok(isVerified(r.restored), 'the restore is a verified version');
    assert.equal(currentVersion(r.records)?.id, r.restored.id, 'the ledger says the stack runs the restore');
    assert.equal(r.restored.health?.verdict.kind, 'healthy');
    assert.ok(r.clock.now() - r.bakeStart >= 11 * MINUTE, 'the verdict waited for the end of the window');
    const phases = r.restoreEvents.flatMap((e) =>
      e.type === 'watch-started' || e.type === 'alarm-changed' || e.type === 'watch-verdict' ? [`${e.type}:${e.phase ?? ''}`] : [],
    );
    assert.ok(phases.includes('watch-started:restore') && phases.includes('watch-verdict:restore'), phases.join(', '));
    const statuses = r.restoreEvents.flatMap((e) => (e.type === 'deployment-status' ? [e.status] : []));
    assert.deepEqual(statuses, ['deploying', 'verifying-restore', 'stable']);
  });

  it('the alarm stays in ALARM → rolled back, still unhealthy (exit 4), the restore not verified, no second rollback', async () => {
    const r = await rollBack((t) => (t >= MINUTE ? 'ALARM' : 'OK'));
    assert.equal(r.run.record.status, 'rolled-back-unhealthy', r.run.record.reason);
    assert.equal(r.run.exitCode, ExitCode.NeedsPerson);
    assert.match(r.run.record.reason ?? '', /still in ALARM/);
    assert.match(r.run.record.reason ?? '', /cause may not be this deployment/);
    assert.equal(r.restored.status, 'rolled-back-unhealthy');
    assert.equal(r.restored.verification, undefined, 'never marked verified');
    assert.equal(isVerified(r.restored), false);
    assert.equal(r.restored.health?.verdict.kind, 'unhealthy');
    assert.equal(r.result.outcome === 'finished' && r.result.health?.rollback?.phase, 'succeeded', 'the restore itself happened');
  });

  it('the alarm state is unknown at the end → the same as still unhealthy (exit 4), the restore not verified', async () => {
    const r = await rollBack((t) => (t < MINUTE ? 'OK' : t < 4 * MINUTE ? 'ALARM' : 'INSUFFICIENT_DATA'));
    assert.equal(r.run.record.status, 'rolled-back-unhealthy', r.run.record.reason);
    assert.equal(r.run.exitCode, ExitCode.NeedsPerson);
    assert.match(r.run.record.reason ?? '', /unknown/);
    assert.equal(r.restored.status, 'rolled-back-unhealthy');
    assert.equal(isVerified(r.restored), false);
    assert.equal(r.restored.health?.verdict.kind, 'unknown');
  });

  it('an alarm that clears and fires again before the end is still unhealthy: only the end state counts', async () => {
    const r = await rollBack((t) => (t >= MINUTE && (t < 4 * MINUTE || t >= 9 * MINUTE) ? 'ALARM' : 'OK'));
    assert.equal(r.run.record.status, 'rolled-back-unhealthy', r.run.record.reason);
    assert.equal(r.restored.verification, undefined);
  });
});
