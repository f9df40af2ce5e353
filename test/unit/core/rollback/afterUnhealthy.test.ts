import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExitCode } from '../../../../src/core/deploymentStatus';
import { CancelledError, DeployGuardError } from '../../../../src/core/errors';
import type { RollbackFinishedEvent, RollbackStartedEvent } from '../../../../src/core/health/events';
import type { DeploymentRecord } from '../../../../src/core/history/record';
import type { RollbackPolicy } from '../../../../src/core/pipeline/types';
import {
  afterUnhealthy,
  rollbackTokenFor,
  type AfterUnhealthyOptions,
  type RestoreStable,
  type RollbackMark,
} from '../../../../src/core/rollback/afterUnhealthy';
import { restoreInto, stackAt, stackReads, versions, type StackState } from '../../../support/enginePorts';
import { memoryLogger, record, tempHistory } from '../../../support/healthFixtures';

interface Case {
  /** Every record of the stack, newest first; default [v2, v1]. */
  readonly records?: (v: { v1: DeploymentRecord; v2: DeploymentRecord }) => DeploymentRecord[];
  readonly deployment?: (v: { v1: DeploymentRecord; v2: DeploymentRecord }) => DeploymentRecord;
  readonly stack?: (v: { v1: DeploymentRecord; v2: DeploymentRecord }) => StackState;
  readonly policy?: RollbackPolicy;
  readonly restore?: (stack: StackState, fallback: RestoreStable) => RestoreStable;
  readonly restoreFails?: Error;
  readonly alreadyStarted?: (v: { v1: DeploymentRecord; v2: DeploymentRecord }) => RollbackMark;
}

/** Runs afterUnhealthy for v2 (orders-5xx in ALARM) against an in-memory stack and a real history folder. */
async function unhealthy(c: Case = {}) {
  const v = versions();
  const history = await tempHistory('orders-dev');
  const stack = c.stack?.(v) ?? stackAt(v.v2);
  const cfn = stackReads(stack);
  const port = restoreInto(history, stack, c.restoreFails ? { fail: c.restoreFails } : {});
  const restore = c.restore ? c.restore(stack, port.restore) : port.restore;
  const order: string[] = [];
  const marks: RollbackMark[] = [];
  const events: (RollbackStartedEvent | RollbackFinishedEvent)[] = [];
  const options: AfterUnhealthyOptions = {
    deployment: c.deployment?.(v) ?? v.v2,
    alarm: 'orders-5xx',
    reason: 'alarm orders-5xx entered ALARM',
    policy: c.policy ?? 'auto',
    records: c.records?.(v) ?? [v.v2, v.v1],
    cloudFormation: cfn.client,
    restore: async (request) => {
      order.push('restore');
      return restore(request);
    },
    markStarted: async (mark) => {
      order.push('mark');
      marks.push(mark);
    },
    emit: (e) => events.push(e),
    logger: memoryLogger(),
    ...(c.alreadyStarted ? { alreadyStarted: c.alreadyStarted(v) } : {}),
  };
  const outcome = await afterUnhealthy(options);
  const finished = events.filter((e): e is RollbackFinishedEvent => e.type === 'rollback-finished');
  assert.equal(finished.length, 1, 'exactly one rollback-finished event');
  return { outcome, requests: port.requests, order, marks, events, finished: finished[0]!, stack, ...v };
}

describe('afterUnhealthy (no AWS: the stack is read from memory)', () => {
  it('auto: marks the rollback, restores the stable record once with the fixed token, verifies it is back → rolled-back, exit 3', async () => {
    const r = await unhealthy();
    assert.equal(r.outcome.status, 'rolled-back', r.outcome.reason);
    assert.equal(r.outcome.exitCode, ExitCode.RolledBack);
    assert.equal(r.outcome.targetId, r.v1.id);
    assert.deepEqual(r.order, ['mark', 'restore'], 'the intent is marked before the restore starts');
    assert.equal(r.marks[0]?.token, rollbackTokenFor(r.v2.id));
    assert.equal(r.requests.length, 1);
    assert.equal(r.requests[0]?.clientRequestToken, rollbackTokenFor(r.v2.id));
    assert.equal(r.requests[0]?.target.id, r.v1.id);
    assert.ok(r.outcome.rollbackDeploymentId, 'names the rollback record');
    assert.equal(r.finished.outcome, 'rolled-back');
    assert.equal(r.events[0]?.type, 'rollback-started');
  });

  it('the target is the newest stable record, never the previous attempt', async () => {
    const r = await unhealthy({
      records: ({ v1, v2 }) => [v2, record({ body: 'Description: v1.5\n', status: 'failed' }), record({ status: 'rolled-back' }), v1],
    });
    assert.equal(r.outcome.status, 'rolled-back', r.outcome.reason);
    assert.equal(r.requests[0]?.target.id, r.v1.id);
  });

  it('no stable record to return to → needs-attention, exit 4, nothing marked or restored', async () => {
    const r = await unhealthy({ records: ({ v2 }) => [v2, record({ status: 'failed' })] });
    assert.equal(r.outcome.status, 'needs-attention');
    assert.equal(r.outcome.exitCode, ExitCode.NeedsPerson);
    assert.match(r.outcome.reason, /no stable deployment to return to/);
    assert.deepEqual(r.order, []);
    assert.equal(r.finished.outcome, 'not-rolled-back');
  });

  it('a stable record with the same template and parameters would change nothing → not rolled back', async () => {
    // v1 carrying v2's exact template and parameters: the version before v2 is the same version.
    const r = await unhealthy({ records: ({ v1, v2 }) => [v2, { ...v1, template: v2.template, parameters: v2.parameters }] });
    assert.equal(r.outcome.status, 'needs-attention');
    assert.match(r.outcome.reason, /would change nothing/);
    assert.deepEqual(r.order, []);
  });

  it('someone deployed since (the stack carries another template) → not rolled back, their version stays', async () => {
    const r = await unhealthy({ stack: ({ v2 }) => ({ ...stackAt(v2), body: 'Description: v3-hotfix\n' }) });
    assert.equal(r.outcome.status, 'needs-attention');
    assert.match(r.outcome.reason, /someone deployed since/);
    assert.deepEqual(r.order, []);
    assert.equal(r.stack.body, 'Description: v3-hotfix\n');
  });

  it('a stack CloudFormation is still updating is not ours to roll back', async () => {
    const r = await unhealthy({ stack: ({ v2 }) => ({ ...stackAt(v2), status: 'UPDATE_IN_PROGRESS' }) });
    assert.equal(r.outcome.status, 'needs-attention');
    assert.match(r.outcome.reason, /UPDATE_IN_PROGRESS/);
    assert.deepEqual(r.order, []);
  });

  it('a restore that throws → rollback-failed with its error, exit 4, not retried', async () => {
    const r = await unhealthy({ restoreFails: new Error('ValidationError: template too large') });
    assert.equal(r.outcome.status, 'rollback-failed');
    assert.equal(r.outcome.exitCode, ExitCode.NeedsPerson);
    assert.match(r.outcome.reason, /rolling back to .* failed: ValidationError: template too large\. Not retried/);
    assert.equal(r.requests.length, 1);
    assert.equal(r.finished.outcome, 'rollback-failed');
  });

  it('a restore that reports success but leaves the stack at v2 → rollback-failed (the stack decides)', async () => {
    const r = await unhealthy({
      restore: (stack, real) => async (request) => {
        const body = stack.body;
        const rollback = await real(request);
        stack.body = body; // the redeploy "succeeded" but the template did not change
        return rollback;
      },
    });
    assert.equal(r.outcome.status, 'rollback-failed');
    assert.match(r.outcome.reason, /after the rollback the stack's template is not the one/);
  });

  it('a rollback deployment that itself ended failed → rollback-failed naming it', async () => {
    const r = await unhealthy({
      restore: (_stack, real) => async (request) => ({ ...(await real(request)), status: 'failed', reason: 'Resource handler error' }),
    });
    assert.equal(r.outcome.status, 'rollback-failed');
    assert.match(r.outcome.reason, /ended failed: Resource handler error/);
  });

  it('a cancelled restore is not a rollback failure: the cancellation goes up', async () => {
    await assert.rejects(unhealthy({ restoreFails: new CancelledError() }), (err) => DeployGuardError.is(err, 'Cancelled'));
  });

  it('a rollback already started (resumed watch) is verified, never started again', async () => {
    const r = await unhealthy({
      stack: ({ v1 }) => stackAt(v1),
      alreadyStarted: ({ v1, v2 }) => ({ token: rollbackTokenFor(v2.id), targetId: v1.id, startedAt: '2026-12-01T10:03:00.000Z' }),
    });
    assert.equal(r.outcome.status, 'rolled-back', r.outcome.reason);
    assert.deepEqual(r.order, [], 'no second mark, no second restore');
  });

  it('a started rollback whose target record is gone → rollback-failed, not tried again', async () => {
    const r = await unhealthy({
      records: ({ v2 }) => [v2],
      alreadyStarted: ({ v2 }) => ({ token: rollbackTokenFor(v2.id), targetId: 'gone', startedAt: '2026-12-01T10:03:00.000Z' }),
    });
    assert.equal(r.outcome.status, 'rollback-failed');
    assert.match(r.outcome.reason, /record is gone/);
    assert.deepEqual(r.order, []);
  });
});
