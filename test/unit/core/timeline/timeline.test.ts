import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngineEvent } from '../../../../src/core/events';
import { TimelineCollector, timelineFromRecords } from '../../../../src/core/timeline/timeline';
import { at, badRecord, ms, rollbackRecord } from '../incident/incidentRecords';

describe('timeline', () => {
  it('puts a rolled-back deployment and its rollback on one time axis, in order', () => {
    const entries = timelineFromRecords(badRecord(), rollbackRecord());
    assert.deepEqual(
      entries.map((e) => [new Date(e.at).toISOString(), e.kind, e.title]),
      [
        [at(2), 'status', 'Deploy started from bbbbbbb'],
        [at(2, 1), 'step', 'Step build succeeded in 10 s'],
        [at(2, 11), 'change-set', 'Change set: 1 resource change'],
        [at(2, 20), 'stack-event', 'Queue UPDATE_IN_PROGRESS'],
        [at(2, 25), 'stack-event', 'Queue UPDATE_COMPLETE'],
        [at(3), 'status', 'Bake started under 1 alarm'],
        [at(4), 'alarm', 'Alarm orders-5xx OK → ALARM'],
        [at(4, 5), 'verdict', 'Verdict: unhealthy (orders-5xx)'],
        [at(4, 6), 'rollback', 'Rollback started: restoring deployment good'],
        [at(4, 30), 'stack-event', 'Queue UPDATE_COMPLETE'],
        [at(5), 'rollback', 'Restored version back on the stack (deployment good)'],
        [at(5), 'verification', 'Verifying the restore'],
        [at(6), 'alarm', 'Alarm orders-5xx ALARM → OK (verifying the restore)'],
        [at(7, 50), 'verification', 'Verdict: restore verified'],
        [at(7, 50), 'status', 'Rollback stable'],
        [at(8), 'rollback', 'Rollback done: deployment good restored'],
        [at(8), 'status', 'Deploy rolled back'],
      ],
    );
    // Each entry links to the run and the tab that hold its detail.
    assert.deepEqual(entries.find((e) => e.kind === 'alarm')?.link, { deploymentId: 'bad', tab: 'health', ref: 'orders-5xx' });
    assert.deepEqual(entries.find((e) => e.title === 'Queue UPDATE_COMPLETE' && e.at === ms(4, 30))?.link, {
      deploymentId: 'rollback',
      tab: 'stack',
      ref: 'r1',
    });
  });

  it('live: collapses a step to one entry, counts its lines, and ignores other runs', () => {
    const c = new TimelineCollector('d1');
    const ev = (e: Record<string, unknown>) => ({ deploymentId: 'd1', at: at(1), ...e }) as unknown as EngineEvent;
    assert.equal(
      c.apply(
        ev({ type: 'deployment-started', kind: 'deploy', environment: 'dev', stackName: 's', region: 'r', account: 'a', steps: ['build'] }),
      ),
      true,
    );
    c.apply(ev({ type: 'step-started', index: 0, name: 'build' }));
    for (let k = 0; k < 3; k++) assert.equal(c.apply(ev({ type: 'log', stream: 'stdout', stepIndex: 0, lines: ['a', 'b'] })), false);
    c.apply(ev({ type: 'step-finished', index: 0, name: 'build', status: 'failed', exitCode: 2, durationMs: 4000, at: at(1, 4) }));
    assert.equal(c.apply({ ...ev({ type: 'step-started', index: 1, name: 'x' }), deploymentId: 'other' }), false);
    c.apply(ev({ type: 'deployment-finished', status: 'failed', exitCode: 1, durationMs: 4000, at: at(1, 5) }));
    assert.deepEqual(
      c.entries().map((e) => [e.kind, e.tone, e.title, e.detail]),
      [
        ['status', 'neutral', 'Deploy started', undefined],
        ['step', 'bad', 'Step build failed in 4.0 s', '6 lines'],
        ['status', 'bad', 'Deploy failed', undefined],
      ],
    );
  });

  it('live: alarm transitions at the time CloudWatch gives, the verdict and the rollback', () => {
    const c = new TimelineCollector('d1');
    const ev = (e: Record<string, unknown>) => ({ deploymentId: 'd1', ...e }) as unknown as EngineEvent;
    c.apply(ev({ type: 'watch-verdict', at: at(5), verdict: 'unhealthy', alarm: 'orders-5xx', reason: 'in ALARM', polls: 3 }));
    c.apply(
      ev({ type: 'alarm-changed', at: at(5), alarm: 'orders-5xx', from: 'OK', to: 'ALARM', changedAt: at(4, 50), source: 'history' }),
    );
    c.apply(
      ev({ type: 'rollback-started', at: at(5, 1), targetId: 'good', clientRequestToken: 't', reason: 'x', rollbackDeploymentId: 'rb' }),
    );
    assert.deepEqual(
      c.entries().map((e) => [new Date(e.at).toISOString(), e.kind, e.link?.deploymentId]),
      [
        [at(4, 50), 'alarm', 'd1'],
        [at(5), 'verdict', 'd1'],
        [at(5, 1), 'rollback', 'rb'],
      ],
    );
  });
});
