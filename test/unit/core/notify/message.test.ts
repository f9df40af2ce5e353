import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeploymentStatus } from '../../../../src/core/deploymentStatus';
import { isNotified, notifyMessage, notifyOutcome } from '../../../../src/core/notify/message';
import { record } from '../../../support/healthFixtures';

describe('isNotified', () => {
  const told: DeploymentStatus[] = ['failed', 'rolled-back', 'rolled-back-unhealthy', 'rollback-failed', 'needs-attention'];
  for (const status of told) it(`${status} is told`, () => assert.equal(isNotified(status, false), true));
  it('stable only when asked; unchanged and cancelled never', () => {
    assert.equal(isNotified('stable', false), false);
    assert.equal(isNotified('stable', true), true);
    assert.equal(isNotified('unchanged', true), false);
    assert.equal(isNotified('cancelled', true), false);
  });
});

describe('notifyMessage', () => {
  it('a rollback: the alarm, the bad and the restored commits, and links', () => {
    const r = record({ status: 'rolled-back', commit: 'bbbbbbbbbb', reason: 'unhealthy: alarm orders-5xx entered ALARM' });
    r.health = {
      alarms: [{ name: 'orders-5xx', state: 'ALARM' }],
      verdict: { kind: 'unhealthy', reason: 'Threshold Crossed', alarm: 'orders-5xx' },
      rollback: { phase: 'succeeded', targetDeploymentId: 'v1-id', targetCommit: 'aaaaaaaaaa', rollbackDeploymentId: 'rb-id' },
    };
    const m = notifyMessage(r);
    assert.equal(m.alarm, 'orders-5xx');
    assert.equal(m.badCommit, 'bbbbbbbbbb');
    assert.equal(m.restoredCommit, 'aaaaaaaaaa');
    assert.equal(m.restoredDeploymentId, 'v1-id');
    assert.equal(m.rollbackDeploymentId, 'rb-id');
    assert.equal(m.verdict, 'rolled-back');
    assert.match(
      m.text,
      /rolled back\. unhealthy: alarm orders-5xx .* — alarm orders-5xx, bad commit bbbbbbb, restored aaaaaaa \(deployment v1-id\)$/,
    );
    assert.match(m.links.stack, /^https:\/\/us-east-1\.console\.aws\.amazon\.com\/cloudformation\//);
    assert.match(m.links.alarm ?? '', /alarmsV2:alarm\/orders-5xx$/);
  });
  it('a failure without health: no alarm, no restore', () => {
    const m = notifyMessage(record({ status: 'failed', reason: 'step Build failed' }));
    assert.equal(m.alarm, undefined);
    assert.equal(m.restoredCommit, undefined);
    assert.equal(m.links.alarm, undefined);
    assert.equal(m.verdict, 'failed');
  });
  it('a deploy is marked as one', () => {
    assert.equal(notifyMessage(record({ status: 'failed' })).kind, 'deploy');
  });
  it('a manual rollback: marked manual; a verified restore is told as rolled back; its commit is the restored one', () => {
    const r = record({ status: 'stable', kind: 'rollback', automatic: false, rollbackTargetId: 'v1-id', commit: 'aaaaaaaaaa' });
    assert.equal(notifyOutcome(r), 'rolled-back');
    assert.equal(isNotified(r.status, false, notifyOutcome(r)), true);
    const m = notifyMessage(r);
    assert.equal(m.kind, 'manual-rollback');
    assert.equal(m.verdict, 'rolled-back');
    assert.equal(m.restoredCommit, 'aaaaaaaaaa');
    assert.equal(m.restoredDeploymentId, 'v1-id');
    assert.equal(m.rollbackDeploymentId, r.id);
    assert.equal(m.badCommit, undefined);
    assert.match(m.text, /manual rollback rolled back and verified\./);
    const failed = record({ status: 'rollback-failed', kind: 'rollback', automatic: false, rollbackTargetId: 'v1-id' });
    assert.equal(notifyMessage(failed).verdict, 'needs-person');
  });
  it('a recover: a completed one is good news, one that needs a person is told; a resumed end says so', () => {
    const done = record({ status: 'rolled-back', kind: 'rollback', recover: { resourcesToSkip: [] } });
    assert.equal(notifyOutcome(done), 'good');
    assert.equal(isNotified(done.status, false, notifyOutcome(done)), false);
    // Good news is told where good ends are asked for, like a stable deploy.
    assert.equal(isNotified(done.status, true, notifyOutcome(done)), true);
    const stuck = record({ status: 'needs-attention', kind: 'rollback', recover: { resourcesToSkip: [] } });
    const m = notifyMessage(stuck, { resumed: true });
    assert.equal(m.kind, 'recover');
    assert.equal(m.verdict, 'needs-person');
    assert.equal(m.resumed, true);
    assert.match(m.text, /recover resumed, needs attention\./);
  });
});
