import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AwsClients } from '../../../../src/core/aws/clients';
import { StackPollers } from '../../../../src/core/aws/stackPoller';
import { DeploymentRun, statusForError } from '../../../../src/core/deployment/deploymentRun';
import { DeployGuardError } from '../../../../src/core/errors';
import type { StackHistory } from '../../../../src/core/history/backend';
import type { StackLock } from '../../../../src/core/history/lock';
import { createMasker } from '../../../../src/core/secrets';
import { memoryLogger, record, tempHistory } from '../../../support/healthFixtures';

describe('statusForError', () => {
  it('a cancellation is cancelled; a stack needing a person is needs-attention; anything else failed', () => {
    assert.equal(statusForError(new DeployGuardError('Cancelled', 'stopped')), 'cancelled');
    assert.equal(statusForError(new DeployGuardError('StackNeedsAttention', 'stuck')), 'needs-attention');
    assert.equal(statusForError(new Error('Deserialization error: to see the raw response, inspect the hidden field')), 'failed');
  });

  it('once the run was aborted, what the abort made a call throw is the cancellation, not a failure', () => {
    const controller = new AbortController();
    const cutOff = new Error('aborted Deserialization error: to see the raw response, inspect the hidden field');
    assert.equal(statusForError(cutOff, controller.signal), 'failed', 'not aborted yet: a real failure');
    controller.abort();
    assert.equal(statusForError(cutOff, controller.signal), 'cancelled');
  });
});

describe('DeploymentRun: the journal around its calls', () => {
  const runOn = (history: StackHistory, lock?: StackLock) => {
    const logger = memoryLogger();
    const run = new DeploymentRun(
      record({ status: 'queued' }),
      history,
      new AwsClients({ region: 'us-east-1' }),
      new StackPollers(logger),
      () => undefined,
      createMasker(),
      logger,
    );
    if (lock) run.holdsLock(lock);
    return run;
  };
  const phases = async (history: StackHistory, id: string) =>
    (await history.journal.read()).entries.filter((e) => e.deploymentId === id).map((e) => e.phase);

  it('an entry started ahead of its call is written at once; a lock lost meanwhile stops the call, and no change counts as requested', async () => {
    const history = await tempHistory('orders-dev');
    let lost = false;
    const lock: StackLock = {
      info: { deploymentId: 'x', holder: 'cli', pid: process.pid, host: 'here', acquiredAt: '', heartbeatAt: '', token: 't' },
      release: () => Promise.resolve(),
      assertHeld: () => {
        if (lost) throw new DeployGuardError('LockLost', 'The stack lock was taken over by ci');
      },
    };
    const run = runOn(history, lock);
    run.open();
    await run.opened();
    const ready = run.journalAhead('execute-requested', { stackId: 'arn:stack', changeSetName: 'cs', changeSetId: 'arn:cs' });
    lost = true; // taken over while the change set was planned
    const refused: unknown = await ready().then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(DeployGuardError.is(refused, 'LockLost'), String(refused));
    assert.equal(run.stackChangeRequested, false, 'the execute was never made');
    assert.deepEqual(await phases(history, run.id), ['started', 'execute-requested'], 'the entry itself went out when started');
  });

  it('the record and its first entry are not waited for when the run opens, but the next entry fails when either failed; the last entry is still written', async () => {
    const inner = await tempHistory('orders-dev');
    const history: StackHistory = Object.assign(Object.create(inner) as StackHistory, {
      write: () => Promise.reject(new DeployGuardError('HistoryUnwritable', 'Cannot write deployment records: disk full')),
    });
    const run = runOn(history);
    run.open();
    const refused: unknown = await run.journal('change-set-requested', { changeSetName: 'cs' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(DeployGuardError.is(refused, 'HistoryUnwritable'), String(refused));
    await assert.rejects(run.opened(), /disk full/);
    await run.journal('finished');
    assert.equal((await phases(inner, run.id)).at(-1), 'finished');
    assert.deepEqual((await inner.journal.openOperations()).open, [], 'the journal closed: nothing left open');
  });
});
