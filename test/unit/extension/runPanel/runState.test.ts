import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngineEvent } from '../../../../src/core/events';
import { RunModel, countLines, windowOf } from '../../../../src/extension/runPanel/runState';
import { LOG_WINDOW_LINES, type LogChunk } from '../../../../src/shared/protocol';

/** Flattens chunks to [seq, text, stream, step] per line. */
const flat = (chunks: readonly LogChunk[]) => chunks.flatMap((c) => c.lines.map((text, k) => [c.seq + k, text, c.stream, c.step] as const));

const ID = '20261126T223000123Z-ab12cd';
let clock = Date.parse('2026-11-26T22:30:00Z');
const at = () => new Date((clock += 1000)).toISOString();

function started(): EngineEvent {
  return {
    type: 'deployment-started',
    deploymentId: ID,
    at: at(),
    kind: 'deploy',
    environment: 'prod',
    stackName: 'orders-prod',
    region: 'eu-west-1',
    account: '123456789012',
    commit: 'a1b2c3d4e5f6',
    branch: 'main',
    steps: ['Install', 'Test'],
  };
}

describe('run panel state: a reducer over engine events', () => {
  it('builds header, steps, log, stack events and changes from events', () => {
    const model = new RunModel({ deploymentId: ID, live: true });
    model.apply(started());
    model.apply({ type: 'deployment-status', deploymentId: ID, at: at(), status: 'running-steps' });
    model.apply({ type: 'step-started', deploymentId: ID, at: at(), index: 0, name: 'Install' });
    model.apply({ type: 'log', deploymentId: ID, at: at(), stream: 'stdout', stepIndex: 0, lines: ['one', '\x1b[31mtwo\x1b[0m'] });
    model.apply({
      type: 'step-finished',
      deploymentId: ID,
      at: at(),
      index: 0,
      name: 'Install',
      status: 'succeeded',
      exitCode: 0,
      durationMs: 2000,
    });
    model.apply({
      type: 'change-set-planned',
      deploymentId: ID,
      at: at(),
      changeSetName: 'cs',
      changeSetType: 'UPDATE',
      empty: false,
      changes: [{ action: 'Modify', logicalId: 'Fn', resourceType: 'AWS::Lambda::Function', replacement: 'True' }],
    });
    const ev = {
      type: 'stack-event',
      deploymentId: ID,
      at: at(),
      eventId: 'e1',
      timestamp: '2026-11-26T22:31:00Z',
      logicalId: 'Fn',
      resourceType: 'AWS::Lambda::Function',
      status: 'UPDATE_FAILED',
      reason: 'boom',
    } as const;
    model.apply(ev);
    model.apply(ev); // the poller saw it twice
    model.apply({ type: 'deployment-status', deploymentId: 'someone-else', at: at(), status: 'failed' });

    const snap = model.snapshot();
    assert.equal(snap.header.environment, 'prod');
    assert.equal(snap.header.stack, 'orders-prod');
    assert.equal(snap.header.commit?.sha, 'a1b2c3d4e5f6');
    assert.equal(snap.header.status, 'running-steps');
    assert.deepEqual(
      snap.steps.map((s) => s.status),
      ['succeeded', 'pending'],
    );
    assert.equal(snap.steps[0]!.finishedAt! - snap.steps[0]!.startedAt!, 2000);
    assert.deepEqual(
      flat(snap.log.chunks).map((l) => l[1]),
      ['one', '\x1b[31mtwo\x1b[0m'],
    );
    assert.equal(flat(snap.log.chunks)[1]![3], 0);
    assert.equal(snap.events.length, 1);
    assert.equal(snap.events[0]!.failed, true);
    assert.equal(snap.changes[0]!.replacement, 'True');
    assert.equal(snap.actions.canCancel, true);
  });

  it('never takes status from log text', () => {
    const model = new RunModel({ deploymentId: ID, live: true });
    model.apply(started());
    model.apply({ type: 'deployment-status', deploymentId: ID, at: at(), status: 'running-steps' });
    model.apply({
      type: 'log',
      deploymentId: ID,
      at: at(),
      stream: 'stdout',
      lines: ['Deploy succeeded', 'status: stable', 'rolled-back'],
    });
    assert.equal(model.snapshot().header.status, 'running-steps');
  });

  it('sends deltas of only what changed, then nothing', () => {
    const model = new RunModel({ deploymentId: ID, live: true });
    model.apply(started());
    model.markSent();
    assert.equal(model.takeDelta(), undefined);
    const rev = model.rev;
    model.apply({ type: 'log', deploymentId: ID, at: at(), stream: 'stderr', lines: ['a', 'b'] });
    assert.ok(model.rev > rev);
    const delta = model.takeDelta()!;
    assert.deepEqual(
      flat(delta.appendLog!).map((l) => l.slice(0, 3)),
      [
        [0, 'a', 'stderr'],
        [1, 'b', 'stderr'],
      ],
    );
    assert.equal(delta.header, undefined);
    assert.equal(delta.steps, undefined);
    assert.equal(model.takeDelta(), undefined);
    model.apply({
      type: 'deployment-finished',
      deploymentId: ID,
      at: at(),
      status: 'failed',
      reason: 'step Test failed',
      exitCode: 1,
      durationMs: 5,
    });
    const end = model.takeDelta()!;
    assert.equal(end.header?.status, 'failed');
    assert.equal(end.actions?.canCancel, false);
  });

  it('keeps a bounded window of recent lines but counts them all', () => {
    const model = new RunModel({ deploymentId: ID, live: true });
    const total = LOG_WINDOW_LINES * 2 + 7;
    const chunk = Array.from({ length: 10_000 }, (_, k) => `line ${k}`);
    for (let sent = 0; sent < total; sent += chunk.length) {
      model.apply({
        type: 'log',
        deploymentId: ID,
        at: at(),
        stream: 'stdout',
        lines: chunk.slice(0, Math.min(chunk.length, total - sent)),
      });
    }
    const snap = model.snapshot();
    assert.equal(snap.log.total, total);
    const lines = flat(snap.log.chunks);
    assert.equal(lines.length, LOG_WINDOW_LINES);
    assert.equal(lines.at(-1)![0], total - 1);
    // contiguous: every seq follows the one before
    assert.ok(lines.every((l, k) => k === 0 || l[0] === lines[k - 1]![0] + 1));
    assert.ok(countLines(model.takeDelta()!.appendLog!) <= LOG_WINDOW_LINES);
    // one chunk per engine batch, not one object per line
    assert.ok(snap.log.chunks.length <= Math.ceil(LOG_WINDOW_LINES / 10_000) + 1);
  });

  it('a run that ends leaving its record live, not verified offers no Cancel (nothing runs), still the console', () => {
    const model = new RunModel({ deploymentId: ID, live: true });
    model.apply(started());
    model.apply({ type: 'deployment-status', deploymentId: ID, at: at(), status: 'watching' });
    assert.equal(model.actions().canCancel, true, 'while the bake runs');
    model.apply({
      type: 'deployment-finished',
      deploymentId: ID,
      at: at(),
      status: 'unverified',
      reason: 'Live, not verified: the bake was stopped before a verdict; run the same deploy again to watch it',
      exitCode: 4,
      durationMs: 10,
    });
    assert.equal(model.snapshot().header.status, 'unverified');
    assert.equal(model.actions().canCancel, false);
  });

  it('marks steps still running as cancelled when the run ends, and tracks health', () => {
    const model = new RunModel({ deploymentId: ID, live: true });
    model.apply(started());
    model.apply({ type: 'step-started', deploymentId: ID, at: at(), index: 1, name: 'Test' });
    model.apply({ type: 'deployment-finished', deploymentId: ID, at: at(), status: 'cancelled', exitCode: 1, durationMs: 10 });
    assert.equal(model.snapshot().steps[1]!.status, 'cancelled');

    model.applyHealth({
      type: 'watch-started',
      at: 1,
      endsAt: 600_001,
      alarms: [
        { name: 'orders-5xx', state: 'OK' },
        { name: 'orders-p99', state: 'INSUFFICIENT_DATA' },
      ],
    });
    model.applyHealth({ type: 'alarm-changed', alarm: { name: 'orders-5xx', state: 'ALARM', changedAt: 5 } });
    model.applyHealth({ type: 'verdict', verdict: { kind: 'unhealthy', alarm: 'orders-5xx', reason: 'Threshold Crossed' } });
    model.applyHealth({ type: 'rollback', rollback: { phase: 'succeeded', targetDeploymentId: 'v1', targetCommit: '0f0f0f0' } });
    const health = model.snapshot().health!;
    assert.deepEqual(
      health.alarms.map((a) => `${a.name}:${a.state}`),
      ['orders-5xx:ALARM', 'orders-p99:INSUFFICIENT_DATA'],
    );
    assert.equal(health.bakeEndsAt, 600_001);
    assert.equal(health.verdict?.kind, 'unhealthy');
    assert.equal(health.rollback?.targetCommit, '0f0f0f0');
  });

  it('maps the health engine events: alarms checked, watch, alarm changes, verdict, rollback', () => {
    const model = new RunModel({ deploymentId: ID, live: true });
    model.apply(started());
    model.apply({
      type: 'alarms-checked',
      deploymentId: ID,
      at: at(),
      alarms: [
        { name: 'a', state: 'OK' },
        { name: 'b', state: 'ALARM' },
      ],
      alreadyInAlarm: ['b'],
      rollbackTriggers: ['a', 'b'],
      rollbackTriggersWhy: 'all fit',
    });
    model.apply({
      type: 'watch-started',
      deploymentId: ID,
      at: at(),
      alarms: ['a', 'b', 'c'],
      bakeMs: 60_000,
      pollSeconds: 1,
      deadline: '2026-11-26T23:00:00.000Z',
      rollback: 'auto',
      resumed: false,
    });
    let health = model.snapshot().health!;
    assert.deepEqual(
      health.alarms.map((x) => `${x.name}:${x.state}:${x.preExisting ?? false}`),
      ['a:OK:false', 'b:ALARM:true', 'c:UNREAD:false'],
    );
    assert.equal(health.bakeEndsAt, Date.parse('2026-11-26T23:00:00.000Z'));
    assert.equal(health.policy, 'auto');
    assert.deepEqual(health.rollbackTriggers, ['a', 'b']);
    model.apply({
      type: 'alarm-changed',
      deploymentId: ID,
      at: at(),
      alarm: 'a',
      from: 'OK',
      to: 'ALARM',
      changedAt: '2026-11-26T22:59:00.000Z',
      source: 'poll',
      reason: 'Threshold Crossed',
    });
    model.apply({
      type: 'watch-verdict',
      deploymentId: ID,
      at: at(),
      verdict: 'unhealthy',
      alarm: 'a',
      reason: 'a went into ALARM',
      polls: 4,
    });
    model.apply({
      type: 'rollback-started',
      deploymentId: ID,
      at: at(),
      targetId: 'v1',
      targetCommit: 'c0ffee1234',
      rollbackDeploymentId: 'r1',
      clientRequestToken: 't',
      reason: 'a went into ALARM',
    });
    model.apply({ type: 'rollback-finished', deploymentId: ID, at: at(), outcome: 'rolled-back', reason: 'v1 is back' });
    health = model.snapshot().health!;
    assert.equal(health.alarms.find((x) => x.name === 'a')!.state, 'ALARM');
    assert.equal(health.alarms.find((x) => x.name === 'a')!.changedAt, Date.parse('2026-11-26T22:59:00.000Z'));
    assert.deepEqual(health.verdict && { kind: health.verdict.kind, alarm: health.verdict.alarm }, { kind: 'unhealthy', alarm: 'a' });
    assert.deepEqual(
      health.rollback && {
        phase: health.rollback.phase,
        target: health.rollback.targetDeploymentId,
        commit: health.rollback.targetCommit,
        own: health.rollback.rollbackDeploymentId,
      },
      { phase: 'succeeded', target: 'v1', commit: 'c0ffee1234', own: 'r1' },
    );
    assert.deepEqual(model.alarmNames, ['a', 'b', 'c']);
  });

  it('cuts the oldest chunk to fit the window', () => {
    const chunks: LogChunk[] = [
      { seq: 0, stream: 'stdout', lines: ['a', 'b', 'c'] },
      { seq: 3, stream: 'stderr', step: 1, lines: ['d', 'e'] },
    ];
    assert.deepEqual(windowOf(chunks, 3), [{ seq: 2, stream: 'stdout', lines: ['c'] }, chunks[1]]);
    assert.deepEqual(windowOf(chunks, 10), chunks);
    assert.deepEqual(windowOf(chunks, 0), []);
  });
});

describe('RunModel timeline', () => {
  it('builds the timeline from events, sends it in deltas, then prefers the recorded one', () => {
    const model = new RunModel({ deploymentId: 'tl-1', live: true });
    model.apply({
      type: 'deployment-started',
      deploymentId: 'tl-1',
      at: '2026-12-04T21:00:00.000Z',
      kind: 'deploy',
      environment: 'dev',
      stackName: 's',
      region: 'us-east-1',
      account: '1',
      steps: [],
    });
    model.markSent();
    model.apply({
      type: 'stack-event',
      deploymentId: 'tl-1',
      at: '2026-12-04T21:00:02.000Z',
      eventId: 'e1',
      timestamp: '2026-12-04T21:00:01.000Z',
      logicalId: 'Queue',
      resourceType: 'AWS::SQS::Queue',
      status: 'UPDATE_FAILED',
      reason: 'bad timeout',
    });
    const delta = model.takeDelta()!;
    assert.deepEqual(
      delta.timeline?.map((e) => [e.kind, e.title]),
      [
        ['status', 'Deploy started'],
        ['stack-event', 'Queue UPDATE_FAILED'],
      ],
    );
    assert.deepEqual(model.failedResources, ['Queue']);
    model.setTimeline([
      { id: 'x', at: 1, kind: 'rollback', tone: 'good', title: 'restored', link: { deploymentId: 'rb-1', tab: 'stack' } },
    ]);
    assert.deepEqual(
      model.snapshot().timeline?.map((e) => e.title),
      ['restored'],
    );
    assert.deepEqual(model.linkedRuns, ['rb-1']);
  });
});
