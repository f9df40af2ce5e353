import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngineEvent } from '../../../src/core/events';
import { HISTORY_SCHEMA_VERSION, type DeploymentRecord } from '../../../src/core/history/record';
import type { DeploymentStatus } from '../../../src/core/model';
import { changeSummary, needsConfirmation } from '../../../src/extension/actions/deployConfirmation';
import { deploymentContext, environmentContext } from '../../../src/extension/deployments/itemContext';
import { environmentState } from '../../../src/extension/environmentState';
import { formatAge, formatDuration, statusIcon, statusWords, subjectLine } from '../../../src/extension/format';
import { LiveDeployments } from '../../../src/extension/liveDeployments';
import { statusBarText } from '../../../src/extension/statusBarText';

const T0 = Date.parse('2026-11-26T22:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

function started(id: string, environment = 'prod', kind: 'deploy' | 'rollback' = 'deploy', at = T0): EngineEvent {
  return {
    type: 'deployment-started',
    deploymentId: id,
    at: iso(at),
    kind,
    environment,
    stackName: `orders-${environment}`,
    region: 'us-east-1',
    account: '123456789012',
    commit: 'a1b2c3d4e5f6',
    steps: ['Test'],
  };
}
const status = (id: string, s: DeploymentStatus, at = T0 + 1000): EngineEvent => ({
  type: 'deployment-status',
  deploymentId: id,
  at: iso(at),
  status: s,
});
const finished = (id: string, s: DeploymentStatus, reason?: string): EngineEvent => ({
  type: 'deployment-finished',
  deploymentId: id,
  at: iso(T0 + 60_000),
  status: s,
  ...(reason ? { reason } : {}),
  exitCode: s === 'stable' ? 0 : 3,
  durationMs: 60_000,
});

function record(id: string, s: DeploymentStatus, commit: string, finishedAt = T0 - 3_600_000): DeploymentRecord {
  return {
    schemaVersion: HISTORY_SCHEMA_VERSION,
    id,
    kind: 'deploy',
    environment: 'prod',
    stackName: 'orders-prod',
    region: 'us-east-1',
    account: '123456789012',
    commit,
    template: { body: '{}', sha256: 'x' },
    parameters: [],
    tags: {},
    capabilities: [],
    status: s,
    startedAt: iso(finishedAt - 120_000),
    finishedAt: iso(finishedAt),
    steps: [],
    // A stable version of a guarded environment: watched by its alarm through the bake.
    ...(s === 'stable' ? { verification: { kind: 'alarms' as const, alarms: ['orders-5xx'], at: iso(finishedAt) } } : {}),
  };
}

describe('format', () => {
  it('says ages, durations and statuses in few words', () => {
    assert.equal(formatAge(T0, T0 + 2_000), 'just now');
    assert.equal(formatAge(T0, T0 + 42_000), '42s ago');
    assert.equal(formatAge(T0, T0 + 5 * 60_000), '5m ago');
    assert.equal(formatAge(T0, T0 + 3 * 3_600_000), '3h ago');
    assert.equal(formatAge(T0, T0 + 3 * 86_400_000), '3d ago');
    assert.equal(formatDuration(850), '850 ms');
    assert.equal(formatDuration(12_400), '12s');
    assert.equal(formatDuration(185_000), '3m 05s');
    assert.equal(statusWords('rolled-back'), 'rolled back');
    assert.equal(statusWords('needs-attention'), 'needs attention');
    assert.equal(statusIcon('watching'), 'eye');
    assert.equal(statusIcon('deploying'), 'sync~spin');
    assert.equal(subjectLine('Fix totals\n\nlong body'), 'Fix totals');
    assert.equal(subjectLine('x'.repeat(100), 10), `${'x'.repeat(9)}…`);
  });
});

describe('LiveDeployments (the model every view reads)', () => {
  it('follows one deployment from started to stable and keeps it as the environment state', () => {
    const live = new LiveDeployments();
    live.apply(started('d1'));
    assert.equal(live.forEnvironment('prod')?.status, 'queued');
    live.apply(status('d1', 'deploying'));
    const deadline = T0 + 5 * 60_000;
    // The engine states `watching` before the watch starts (the status comes only from that event).
    live.apply(status('d1', 'watching'));
    live.apply({
      type: 'watch-started',
      deploymentId: 'd1',
      at: iso(T0),
      alarms: ['a'],
      bakeMs: 300_000,
      pollSeconds: 10,
      deadline: iso(deadline),
      rollback: 'auto',
      resumed: false,
    });
    const d = live.forEnvironment('prod')!;
    assert.equal(d.status, 'watching');
    assert.equal(d.watchDeadlineMs, deadline);
    assert.equal(live.running().length, 1);
    const change = live.apply(finished('d1', 'stable'));
    assert.equal(change?.finishedNow, true);
    assert.equal(d.finished, true);
    assert.equal(d.watchDeadlineMs, undefined);
    assert.equal(live.running().length, 0);
    assert.equal(live.focused()?.id, 'd1');
  });

  it('keeps a running deployment in the status bar when a later one in another environment ends first', () => {
    const live = new LiveDeployments();
    live.apply(started('prod-v2', 'prod'));
    live.apply(status('prod-v2', 'watching'));
    live.apply(started('dev-save', 'dev'));
    assert.equal(live.focused()?.id, 'dev-save', 'the newest deployment while both run');
    live.apply(finished('dev-save', 'stable'));
    assert.equal(live.focused()?.id, 'prod-v2', 'dev ended; prod is still watching');
    live.apply(started('prod-rollback', 'prod', 'rollback'));
    assert.equal(live.focused()?.id, 'prod-v2', 'the automatic rollback shows through the deployment it undoes');
    live.apply(finished('prod-rollback', 'stable'));
    assert.equal(live.focused()?.id, 'prod-v2');
    live.apply(finished('prod-v2', 'rolled-back'));
    assert.equal(live.focused()?.id, 'prod-v2', 'nothing runs: the one that ended last (prod rolled back after dev ended)');
    assert.equal(live.focused()?.status, 'rolled-back');
  });

  it("treats the health watch's automatic rollback as part of the deployment it undoes", () => {
    const live = new LiveDeployments();
    live.apply(started('d1'));
    live.apply(status('d1', 'watching'));
    live.apply({
      type: 'alarm-changed',
      deploymentId: 'd1',
      at: iso(T0),
      alarm: 'orders-5xx',
      from: 'OK',
      to: 'ALARM',
      changedAt: iso(T0),
      source: 'poll',
    });
    live.apply({ type: 'rollback-started', deploymentId: 'd1', at: iso(T0), targetId: 'd0', clientRequestToken: 't', reason: 'alarm' });
    live.apply(started('r1', 'prod', 'rollback'));
    assert.equal(live.forEnvironment('prod')?.id, 'd1', 'the outer deployment still defines the state');
    assert.equal(live.get('r1')?.parentId, 'd1');
    assert.equal(live.get('d1')?.rollbackDeploymentId, 'r1');
    assert.equal(live.get('d1')?.alarm, 'orders-5xx');
    live.apply(finished('r1', 'stable'));
    live.apply(finished('d1', 'rolled-back', 'alarm orders-5xx went into ALARM'));
    assert.equal(live.forEnvironment('prod')?.status, 'rolled-back');
    assert.equal(live.forEnvironment('prod')?.reason, 'alarm orders-5xx went into ALARM');
    assert.equal(live.get('d1')?.unhealthyReason, undefined, 'no verdict was announced in this test');
  });

  it('keeps why the watch found a deployment unhealthy apart from how it ended', () => {
    const live = new LiveDeployments();
    live.apply(started('d1'));
    live.apply(status('d1', 'watching'));
    const why = 'alarm orders-5xx entered ALARM at 2026-11-27T01:00:00Z: Threshold Crossed';
    live.apply({
      type: 'watch-verdict',
      deploymentId: 'd1',
      at: iso(T0),
      verdict: 'unhealthy',
      alarm: 'orders-5xx',
      reason: why,
      polls: 3,
    });
    live.apply(finished('d1', 'rolled-back', `rolled back to stable deployment d0, which is current again: ${why}`));
    assert.equal(live.get('d1')?.unhealthyReason, why);
    assert.match(live.get('d1')?.reason ?? '', /^rolled back to stable deployment d0/);
    assert.equal(live.get('d1')?.alarm, 'orders-5xx');
  });

  it('ignores events of deployments it never saw start, and re-announcing keeps what is known', () => {
    const live = new LiveDeployments();
    assert.equal(live.apply(status('nope', 'deploying')), undefined);
    live.apply(started('d1'));
    live.apply(status('d1', 'watching'));
    live.apply(started('d1'));
    assert.equal(live.get('d1')?.status, 'watching');
  });

  it('a manual rollback started after the deployment finished becomes the environment state', () => {
    const live = new LiveDeployments();
    live.apply(started('d1'));
    live.apply(finished('d1', 'stable'));
    live.apply(started('r1', 'prod', 'rollback'));
    assert.equal(live.forEnvironment('prod')?.id, 'r1');
    assert.equal(live.get('r1')?.parentId, undefined);
  });
});

describe('environmentState (tree description and status-bar words)', () => {
  const now = T0 + 2 * 60_000;
  const history = [record('20261126T200000000Z-aaaaaa', 'stable', 'a1b2c3d999')];

  it('shows the stable commit and its age when nothing runs', () => {
    const s = environmentState(undefined, history, now);
    assert.equal(s.status, 'stable');
    assert.equal(s.description, 'stable a1b2c3d · 1h ago');
    assert.equal(s.short, 'stable a1b2c3d');
    assert.equal(s.running, false);
    assert.equal(s.currentStable?.id, history[0]!.id);
  });

  it('shows deploying, then the bake countdown, while a deployment runs', () => {
    const live = new LiveDeployments();
    live.apply(started('d1'));
    live.apply(status('d1', 'deploying'));
    assert.equal(environmentState(live.forEnvironment('prod'), history, now).description, 'deploying');
    // The engine states `watching` before the watch starts (the status comes only from that event).
    live.apply(status('d1', 'watching'));
    live.apply({
      type: 'watch-started',
      deploymentId: 'd1',
      at: iso(T0),
      alarms: [],
      bakeMs: 0,
      pollSeconds: 1,
      deadline: iso(now + 192_000),
      rollback: 'auto',
      resumed: false,
    });
    const s = environmentState(live.forEnvironment('prod'), history, now);
    assert.equal(s.description, 'watching 3:12 left');
    assert.equal(s.short, 'watching 3:12');
    assert.equal(s.running, true);
    assert.equal(s.icon, 'eye');
  });

  it('a deployment running on another machine or CI is named, not called interrupted', () => {
    const { finishedAt: _finished, ...running } = record('20261126T210000000Z-cccccc', 'deploying', 'ffff000');
    const ci = [{ ...running, startedBy: { name: 'CI run 4711', ci: 'GitHub Actions' } }, ...history];
    const there = environmentState(undefined, ci, now, 'ana@laptop');
    assert.equal(there.description, 'deploying — CI run 4711');
    assert.equal(there.running, false, 'nothing in this window can cancel it');
    const mine = [{ ...running, startedBy: { name: 'ana@laptop' } }, ...history];
    assert.equal(environmentState(undefined, mine, now, 'ana@laptop').description, 'deploying (interrupted)');
    assert.equal(environmentState(undefined, [running, ...history], now, 'ana@laptop').description, 'deploying (interrupted)');
  });

  it('says rolled back, failed and needs attention from the newest record', () => {
    const rolled = [record('20261126T210000000Z-bbbbbb', 'rolled-back', 'ffff000'), ...history];
    assert.equal(environmentState(undefined, rolled, now).description, 'rolled back · stable a1b2c3d · 1h ago');
    const failed = [record('20261126T210000000Z-bbbbbb', 'failed', 'ffff000'), ...history];
    assert.equal(environmentState(undefined, failed, now).short, 'failed');
    const stuck = [
      { ...record('20261126T210000000Z-bbbbbb', 'needs-attention', 'ffff000'), stackStatus: 'UPDATE_ROLLBACK_FAILED' },
      ...history,
    ];
    const s = environmentState(undefined, stuck, now);
    assert.equal(s.description, 'needs attention');
    assert.equal(s.updateRollbackFailed, true);
    assert.equal(environmentState(undefined, [], now).description, 'not deployed yet');
    // The health watch's rollback record is the newest (and stable): the environment says rolled back.
    const restored = {
      ...record('20261126T210500000Z-cccccc', 'stable', 'a1b2c3d999', T0 - 60_000),
      kind: 'rollback' as const,
      automatic: true,
    };
    const afterRollback = environmentState(
      undefined,
      [restored, record('20261126T210000000Z-bbbbbb', 'rolled-back', 'ffff000'), ...history],
      now,
    );
    assert.equal(afterRollback.description, 'rolled back · stable a1b2c3d · 3m ago');
    assert.equal(afterRollback.short, 'rolled back');
  });
});

describe('environmentState: how the current version was verified', () => {
  const now = T0 + 2 * 60_000;
  const found = {
    ...record('20261126T195959999Z-bbbbbb', 'stable', ''),
    kind: 'baseline' as const,
    verification: { kind: 'as-found' as const, at: iso(T0 - 4_000_000) },
  };

  it('never calls a version nothing verified "stable"', () => {
    const unguarded = {
      ...record('20261126T200000000Z-aaaaaa', 'stable', 'a1b2c3d999'),
      verification: { kind: 'unguarded' as const, at: iso(T0) },
    };
    const s = environmentState(undefined, [unguarded], now);
    assert.equal(s.description, 'deployed a1b2c3d (not verified) · 1h ago');
    assert.equal(s.short, 'deployed a1b2c3d');
    const f = environmentState(undefined, [found], now);
    assert.equal(f.description, 'as found (never verified) · 1h ago');
    assert.equal(f.short, 'as found');
  });

  it('takes the current version from the links, not from the order of the list', () => {
    // The baseline's id sorts first (it was made after the deploy's), yet v1 came after it.
    const v1 = { ...record('20261126T195959000Z-aaaaaa', 'stable', 'a1b2c3d999'), previous: { deploymentId: found.id } };
    const s = environmentState(undefined, [found, v1], now);
    assert.equal(s.currentStable?.id, v1.id);
    assert.equal(s.short, 'stable a1b2c3d');
  });
});

describe('statusBarText', () => {
  it('matches the words the issue names', () => {
    const live = new LiveDeployments();
    live.apply(started('d1'));
    live.apply(status('d1', 'deploying'));
    assert.equal(statusBarText(live.get('d1')!, T0), '$(sync~spin) prod: deploying');
    // The engine states `watching` before the watch starts (the status comes only from that event).
    live.apply(status('d1', 'watching'));
    live.apply({
      type: 'watch-started',
      deploymentId: 'd1',
      at: iso(T0),
      alarms: [],
      bakeMs: 0,
      pollSeconds: 1,
      deadline: iso(T0 + 192_000),
      rollback: 'auto',
      resumed: false,
    });
    assert.equal(statusBarText(live.get('d1')!, T0), '$(eye) prod: watching 3:12');
    live.apply(finished('d1', 'stable'));
    assert.equal(statusBarText(live.get('d1')!, T0), '$(check) prod: stable a1b2c3d');
    live.apply(started('d2'));
    live.apply(finished('d2', 'rolled-back'));
    assert.equal(statusBarText(live.get('d2')!, T0), '$(warning) prod: rolled back');
    // No bake (an environment without health): deployed, never verified.
    live.apply(started('d3'));
    live.apply(finished('d3', 'stable'));
    assert.equal(statusBarText(live.get('d3')!, T0), '$(pass) prod: deployed, not verified a1b2c3d');
  });
});

describe('statusBarText during a restore', () => {
  it("shows the deployment being undone with the restore's verification countdown, then the outcome", () => {
    const live = new LiveDeployments();
    live.apply(started('d1'));
    live.apply(status('d1', 'watching'));
    live.apply(status('d1', 'unhealthy'));
    live.apply(status('d1', 'rolling-back'));
    // The automatic rollback's own run, inside d1's: shown through d1.
    live.apply(started('r1', 'prod', 'rollback'));
    live.apply(status('r1', 'deploying'));
    live.apply(status('r1', 'verifying-restore'));
    live.apply(status('d1', 'verifying-restore'));
    live.apply({
      type: 'watch-started',
      deploymentId: 'r1',
      at: iso(T0),
      alarms: ['orders-5xx'],
      bakeMs: 151_000,
      pollSeconds: 10,
      deadline: iso(T0 + 151_000),
      rollback: 'off',
      resumed: false,
      phase: 'restore',
    });
    assert.equal(live.focused()?.id, 'd1');
    assert.equal(statusBarText(live.focused()!, T0), '$(eye) prod: verifying restore 2:31');
    live.apply(finished('r1', 'rolled-back-unhealthy'));
    live.apply(finished('d1', 'rolled-back-unhealthy'));
    assert.equal(statusBarText(live.focused()!, T0), '$(report) prod: rolled back, still unhealthy');
  });
});

describe('deploy confirmation', () => {
  const env = (name: string, confirm: boolean) => ({ name, region: 'us-east-1', deployOn: [], confirm });
  it('asks for prod* environments and confirm: true, not for others', () => {
    assert.equal(needsConfirmation(env('prod', false)), true);
    assert.equal(needsConfirmation(env('Production-eu', false)), true);
    assert.equal(needsConfirmation(env('staging', true)), true);
    assert.equal(needsConfirmation(env('dev', false)), false);
  });

  it('summarises the planned changes, replacements loudly', () => {
    const text = changeSummary([
      { action: 'Modify', logicalId: 'Fn', resourceType: 'AWS::Lambda::Function', replacement: 'False' },
      { action: 'Modify', logicalId: 'Table', resourceType: 'AWS::DynamoDB::Table', replacement: 'True' },
      { action: 'Add', logicalId: 'Queue', resourceType: 'AWS::SQS::Queue' },
    ]);
    assert.equal(
      text,
      'Modify Fn (AWS::Lambda::Function)\nModify Table (AWS::DynamoDB::Table)  ⚠ REPLACED (deleted and recreated)\nAdd Queue (AWS::SQS::Queue)',
    );
    assert.equal(changeSummary([]), 'No resource changes.');
  });
});

describe('environmentState: a deployment left in doubt or live and not verified', () => {
  const now = T0 + 2 * 60_000;
  const verified = record('20261126T200000000Z-aaaaaa', 'stable', 'a1b2c3d999');

  it('says so beside the last verified version, and offers Watch the Live Version (tree context, status bar)', () => {
    for (const [open, words] of [
      ['unverified', 'live, not verified'],
      ['in-doubt', 'in doubt'],
    ] as const) {
      const left = record('20261126T210000000Z-bbbbbb', open, 'ffff000');
      const s = environmentState(undefined, [left, verified], now);
      assert.equal(s.status, open);
      assert.equal(s.description, `${words} · last verified stable a1b2c3d · 1h ago`);
      assert.equal(s.short, words);
      assert.equal(s.unverified, true);
      assert.equal(s.currentStable?.id, verified.id, 'the ledger never takes it for the current version');
      assert.match(environmentContext(s), /^environment.* unverified$/);
      assert.match(deploymentContext(open, false, false, undefined), / unverified$/);
      assert.doesNotMatch(deploymentContext(open, false, true, undefined), /unverified/, 'not while this window watches it');
    }
    const live = new LiveDeployments();
    live.apply(started('d1'));
    live.apply(status('d1', 'watching'));
    live.apply(finished('d1', 'unverified', 'Live, not verified: the bake was stopped'));
    assert.equal(statusBarText(live.forEnvironment('prod')!, now), '$(eye-closed) prod: live, not verified');
  });

  it('a stable environment offers nothing to watch', () => {
    const s = environmentState(undefined, [verified], now);
    assert.equal(s.unverified, undefined);
    assert.doesNotMatch(environmentContext(s), /unverified/);
    assert.doesNotMatch(deploymentContext('stable', true, false, undefined), /unverified/);
  });
});
