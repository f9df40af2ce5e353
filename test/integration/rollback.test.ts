/**
 * Automatic rollback end to end on a real moto_server, through the engine's own deploy
 * (runDeployment) and its manual-rollback path: v1 baked → stable; v2 + an alarm set to ALARM
 * during the bake → v1 restored; someone else's deploy during the bake → no rollback; the
 * `prompt` and `off` policies.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import {
  CreateStackCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  UpdateStackCommand,
  waitUntilStackCreateComplete,
} from '@aws-sdk/client-cloudformation';
import { AwsClients } from '../../src/core/aws/clients';
import { watchAfterDeploy } from '../../src/core/health/afterDeploy';
import { systemClock } from '../../src/core/time';
import type { EngineEvent } from '../../src/core/events';
import { HistoryStore } from '../../src/core/history/store';
import type { HealthConfig } from '../../src/core/pipeline/types';
import type { ConfirmRollback } from '../../src/core/rollback/afterUnhealthy';
import {
  ACCOUNT,
  deployVersion,
  engineContext,
  health,
  memoryLogger,
  putAlarm,
  REGION,
  restoreVerifying,
  setAlarm,
  versionedPipeline,
  versionedTemplate as template,
  watchStarted,
} from '../support/healthFixtures';
import { cli } from '../support/deployFixture';
import { useMotoRig } from '../support/motoRig';

const STACK = 'orders-dev';

describe('automatic rollback through the deploy engine, on moto', () => {
  const { moto, cfn, cw } = useMotoRig();
  let repo: string;
  let home: string;
  let events: EngineEvent[];

  beforeEach(async () => {
    repo = await mkdtemp(join(tmpdir(), 'dg-rb-repo-'));
    home = await mkdtemp(join(tmpdir(), 'dg-rb-home-'));
    events = [];
    await putAlarm(cw, 'orders-5xx');
    await putAlarm(cw, 'orders-latency');
  });

  /** This suite's pipeline: two guarded alarms, a 1.5 s bake polled every 0.2 s. */
  function pipeline(h: Partial<HealthConfig>, version: string) {
    return versionedPipeline({
      stackName: STACK,
      version,
      endpoint: moto.endpoint,
      health: health({ alarms: ['orders-5xx', 'orders-latency'], bakeMs: 1500, pollSeconds: 0.2, ...h }),
    });
  }

  async function deploy(
    version: string,
    h: Partial<HealthConfig> = {},
    extra: { during?: () => Promise<void>; confirmRollback?: ConfirmRollback } = {},
  ) {
    return deployVersion({ ctx: engineContext(home, (e) => events.push(e)), repo, pipeline: pipeline(h, version), version, ...extra });
  }

  /**
   * Sets the alarm once the watch of the *next* deployment has started; by default the alarm
   * recovers once the restore's verification window starts (the restore fixed it).
   */
  async function alarmDuringBake(name: string, delayMs = 300, options: { recovers?: boolean } = {}): Promise<void> {
    await watchStarted(events);
    await new Promise((r) => setTimeout(r, delayMs));
    await setAlarm(cw, name, 'ALARM', 'Threshold Crossed: 12 errors');
    if ((await restoreVerifying(events)) && options.recovers !== false) await setAlarm(cw, name, 'OK', 'Threshold no longer crossed');
  }

  async function stackNow() {
    const body = (await cfn.send(new GetTemplateCommand({ StackName: STACK }))).TemplateBody;
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks?.[0];
    const params = Object.fromEntries((stack?.Parameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue]));
    return { body, params };
  }

  function historyOf() {
    return new HistoryStore(home).stack({ account: ACCOUNT, region: REGION, stackName: STACK });
  }

  it('v1 baked → stable; v2 with an alarm during the bake → v1 restored, v2 rolled-back naming the alarm', async () => {
    const v1 = await deploy('v1');
    assert.equal(v1.record.status, 'stable', v1.record.reason);
    assert.equal(v1.exitCode, 0);

    const v2 = await deploy('v2', {}, { during: () => alarmDuringBake('orders-5xx') });
    assert.equal(
      v2.record.status,
      'rolled-back',
      `${v2.record.reason}\n${JSON.stringify(events.filter((e) => e.type === 'notice' || e.type === 'deployment-finished'))}`,
    );
    assert.equal(v2.exitCode, 3);
    assert.match(v2.record.reason ?? '', /orders-5xx/);

    const now = await stackNow();
    assert.equal(now.body, template('v1'), 'GetTemplate is v1 again');
    assert.deepEqual(now.params, { Version: 'v1' });

    const { records } = await historyOf().list();
    const stored = records.find((r) => r.id === v2.record.id)!;
    assert.equal(stored.status, 'rolled-back');
    assert.match(stored.reason ?? '', /orders-5xx/);
    const current = records.find((r) => r.status === 'stable')!;
    assert.equal(current.kind, 'rollback', 'the newest stable record is the restore');
    assert.equal(current.rollbackTargetId, v1.record.id);
    assert.equal(current.template.sha256, v1.record.template.sha256, 'v1 is current');
    assert.equal(records.filter((r) => r.kind === 'rollback').length, 1, 'exactly one rollback');

    // What a finished run's panel reads back from the record: alarms with their last states,
    // the bake window, the verdict and what was restored — as the live panel showed them.
    const health = stored.health;
    assert.ok(health, 'the record keeps the health watch');
    assert.equal(health.alarms.find((a) => a.name === 'orders-5xx')?.state, 'ALARM');
    assert.ok(health.alarms.find((a) => a.name === 'orders-5xx')?.changedAt, 'when it changed');
    assert.ok(health.bakeStartedAt && health.bakeEndsAt && health.bakeEndsAt > health.bakeStartedAt);
    assert.equal(health.verdict?.kind, 'unhealthy');
    assert.equal(health.verdict?.alarm, 'orders-5xx');
    assert.equal(health.rollback?.phase, 'succeeded');
    assert.equal(health.rollback?.targetDeploymentId, v1.record.id);
    assert.equal(health.rollback?.targetCommit, 'sha-v1');
    assert.equal(health.rollback?.rollbackDeploymentId, current.id);

    const types = events.filter((e) => e.deploymentId === v2.record.id).map((e) => e.type);
    for (const t of ['alarms-checked', 'watch-started', 'alarm-changed', 'watch-verdict', 'rollback-started', 'rollback-finished']) {
      assert.ok(types.includes(t as EngineEvent['type']), `v2 emitted ${t}`);
    }
    const finished = events.find((e) => e.type === 'rollback-finished');
    assert.ok(finished?.type === 'rollback-finished' && finished.outcome === 'rolled-back' && finished.targetId === v1.record.id);
    const started = events.find((e) => e.type === 'rollback-started');
    assert.ok(started?.type === 'rollback-started' && started.targetCommit === 'sha-v1', 'the live panel can name the commit restored');
  });

  it('the restore is verified: its alarm back to OK in the window → v2 rolled-back (exit 3), the restore a verified version', async () => {
    const v1 = await deploy('v1');
    const v2 = await deploy('v2', {}, { during: () => alarmDuringBake('orders-5xx') });
    assert.equal(v2.record.status, 'rolled-back', v2.record.reason);
    assert.equal(v2.exitCode, 3);
    const v2Statuses = events.flatMap((e) => (e.type === 'deployment-status' && e.deploymentId === v2.record.id ? [e.status] : []));
    assert.ok(v2Statuses.includes('verifying-restore'), `v2 showed the verification: ${v2Statuses.join(' → ')}`);

    const { records } = await historyOf().list();
    const restore = records.find((r) => r.kind === 'rollback')!;
    assert.equal(restore.status, 'stable', restore.reason);
    assert.equal(restore.rollbackTargetId, v1.record.id);
    assert.equal(restore.verification?.kind, 'restored');
    assert.equal(restore.health?.verdict.kind, 'healthy');
    assert.deepEqual(
      restore.health?.alarms.map((a) => [a.name, a.state]),
      [
        ['orders-5xx', 'OK'],
        ['orders-latency', 'OK'],
      ],
    );
    const statuses = events.flatMap((e) => (e.type === 'deployment-status' && e.deploymentId === restore.id ? [e.status] : []));
    assert.deepEqual(statuses.slice(-2), ['verifying-restore', 'stable']);
    const watched = events.filter((e) => e.deploymentId === restore.id && e.type === 'watch-started');
    assert.ok(watched.length === 1 && watched[0]?.type === 'watch-started' && watched[0].phase === 'restore');
    assert.equal((await stackNow()).body, template('v1'));
  });

  it('the restore stays unhealthy: its alarm still in ALARM at the end → rolled back, still unhealthy (exit 4), not verified, no second rollback', async () => {
    const v1 = await deploy('v1');
    const v2 = await deploy('v2', {}, { during: () => alarmDuringBake('orders-5xx', 300, { recovers: false }) });
    assert.equal(v2.record.status, 'rolled-back-unhealthy', v2.record.reason);
    assert.equal(v2.exitCode, 4);
    assert.match(v2.record.reason ?? '', /still in ALARM/);
    assert.match(v2.record.reason ?? '', /cause may not be this deployment/);
    assert.equal((await stackNow()).body, template('v1'), 'v1 is back on the stack all the same');

    const { records } = await historyOf().list();
    const rollbacks = records.filter((r) => r.kind === 'rollback');
    assert.equal(rollbacks.length, 1, 'never a second rollback');
    const restore = rollbacks[0]!;
    assert.equal(restore.status, 'rolled-back-unhealthy', restore.reason);
    assert.equal(restore.verification, undefined, 'the restore is not a verified version');
    assert.equal(restore.health?.verdict.kind, 'unhealthy');
    assert.equal(records.find((r) => r.id === v1.record.id)?.status, 'stable', 'v1 keeps its own verification');
  });

  it('a stack made outside Deploy Guard (legacy0), v1 verified, v2 unhealthy → v1 restored, not legacy0; history marks it current', async () => {
    await cfn.send(
      new CreateStackCommand({
        StackName: STACK,
        TemplateBody: template('legacy0'),
        Parameters: [{ ParameterKey: 'Version', ParameterValue: 'legacy0' }],
      }),
    );
    await waitUntilStackCreateComplete({ client: cfn, maxWaitTime: 60 }, { StackName: STACK });

    const v1 = await deploy('v1');
    assert.equal(v1.record.status, 'stable', v1.record.reason);
    assert.equal(v1.record.verification?.kind, 'alarms');
    assert.deepEqual(v1.record.verification?.alarms, ['orders-5xx', 'orders-latency']);
    const v2 = await deploy('v2', {}, { during: () => alarmDuringBake('orders-5xx') });
    assert.equal(v2.record.status, 'rolled-back', v2.record.reason);
    assert.match(v2.record.reason ?? '', new RegExp(`rolled back to stable deployment ${v1.record.id}`));

    const now = await stackNow();
    assert.equal(now.body, template('v1'), 'v1 is back, not the stack as it was found');
    assert.deepEqual(now.params, { Version: 'v1' });

    const { records } = await historyOf().list();
    const found = records.find((r) => r.kind === 'baseline')!;
    assert.equal(found.template.body, template('legacy0'));
    assert.equal(found.verification?.kind, 'as-found');
    assert.ok(found.id < v1.record.id, 'the baseline sorts before the deployment that found it');
    assert.equal(v1.record.previous?.deploymentId, found.id, 'v1 followed the stack as found');
    assert.equal(v2.record.previous?.deploymentId, v1.record.id, 'v2 followed v1');
    assert.equal(v2.record.previous?.templateSha256, v1.record.template.sha256);

    // `deployguard history` marks the restore of v1 current, never the baseline.
    await writeFile(
      join(repo, 'deployguard.yaml'),
      `version: 1\nname: orders\nstack:\n  name: ${STACK}\n  template: template-v1.yaml\n  parameters:\n    Version: v1\nenvironments:\n  dev:\n    region: ${REGION}\n`,
    );
    const run = await cli(['history', 'dev', '--json', '--endpoint', moto.endpoint], { cwd: repo, home });
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { id: string; kind: string; current: boolean; rollbackTargetId: string | null; verified: string | null },
      );
    const current = lines.filter((l) => l.current);
    assert.equal(current.length, 1, run.stdout);
    assert.equal(current[0]!.kind, 'rollback');
    assert.equal(current[0]!.rollbackTargetId, v1.record.id, 'the current version is v1, restored');
    assert.equal(current[0]!.verified, 'stable · restored and verified');
    assert.equal(lines.find((l) => l.id === found.id)?.verified, 'as found (never verified)');
    assert.equal(lines.find((l) => l.id === v1.record.id)?.verified, 'stable · verified by 2 alarms');
    const text = await cli(['history', 'dev', '--endpoint', moto.endpoint], { cwd: repo, home });
    const marked = text.stdout.split('\n').filter((l) => l.startsWith('*'));
    assert.equal(marked.length, 1, text.stdout);
    assert.match(marked[0]!, new RegExp(`rollback`));
    assert.match(text.stdout, new RegExp(`restored and verified \\(restores ${v1.record.id}\\)`));
    assert.match(text.stdout, /as found \(never verified\)/);
  });

  it('with only the stack as found to go back to, the rollback restores it and says it was never verified', async () => {
    await cfn.send(
      new CreateStackCommand({
        StackName: STACK,
        TemplateBody: template('legacy0'),
        Parameters: [{ ParameterKey: 'Version', ParameterValue: 'legacy0' }],
      }),
    );
    await waitUntilStackCreateComplete({ client: cfn, maxWaitTime: 60 }, { StackName: STACK });
    const v1 = await deploy('v1', {}, { during: () => alarmDuringBake('orders-5xx') });
    assert.equal(v1.record.status, 'rolled-back', v1.record.reason);
    assert.match(v1.record.reason ?? '', /the stack as Deploy Guard first found it \(.*never verified\): no verified version exists/);
    assert.equal((await stackNow()).body, template('legacy0'));
  });

  it('a watch resumed after a crash mid-rollback never starts a second rollback (found by its token)', async () => {
    const v1 = await deploy('v1');
    const v2 = await deploy('v2', {}, { during: () => alarmDuringBake('orders-5xx') });
    assert.equal(v2.record.status, 'rolled-back');
    // As if the process died right after the engine wrote the rollback's record, before the
    // watch noted the rollback on v2's record: v2 still "watching", checkpoint without the mark.
    const crashed = structuredClone(v2.record);
    crashed.status = 'watching';
    const cp = crashed.healthWatch!;
    assert.equal(cp.verdict?.kind, 'unhealthy');
    delete cp.rollback;
    let rollbackCalls = 0;
    const clients = new AwsClients({ region: REGION, endpoint: moto.endpoint });
    const result = await watchAfterDeploy({
      record: crashed,
      environment: pipeline({}, 'v2').environments['dev']!,
      clients,
      history: historyOf(),
      emit: (e) => events.push(e),
      logger: memoryLogger(),
      clock: systemClock,
      signal: new AbortController().signal,
      deploymentStartedAt: Date.parse(crashed.startedAt),
      showStatus: () => undefined,
      restore: async () => {
        rollbackCalls += 1;
        throw new Error('a second rollback must not be started');
      },
    });
    clients.dispose();
    assert.equal(rollbackCalls, 0);
    assert.equal(result.outcome === 'finished' && result.status, 'rolled-back');
    assert.equal((await stackNow()).body, template('v1'));
    assert.ok(v1.record.id);
  });

  it("someone else's deploy during the bake → no rollback of their version", async () => {
    const v1 = await deploy('v1');
    assert.equal(v1.record.status, 'stable');
    const v2 = await deploy(
      'v2',
      { bakeMs: 2500 },
      {
        during: async () => {
          await watchStarted(events);
          // Another person (no Deploy Guard, no lock) updates the stack mid-bake…
          await cfn.send(
            new UpdateStackCommand({
              StackName: STACK,
              TemplateBody: template('v3-hotfix'),
              Parameters: [{ ParameterKey: 'Version', ParameterValue: 'v3' }],
            }),
          );
          // …and then an alarm fires.
          await setAlarm(cw, 'orders-latency', 'ALARM');
        },
      },
    );
    assert.equal(v2.record.status, 'needs-attention', v2.record.reason);
    assert.equal(v2.exitCode, 4);
    assert.match(v2.record.reason ?? '', /someone deployed since/);
    assert.equal((await stackNow()).body, template('v3-hotfix'), 'their version stays');
    const { records } = await historyOf().list();
    assert.equal(records.filter((r) => r.kind === 'rollback').length, 0);
  });

  it('rollback: prompt asks, and "keep" keeps this version (needs a person)', async () => {
    await deploy('v1', { rollback: 'prompt' });
    const asked: string[] = [];
    const v2 = await deploy(
      'v2',
      { rollback: 'prompt' },
      {
        during: () => alarmDuringBake('orders-5xx'),
        confirmRollback: async (q) => {
          asked.push(`${q.alarm}→${q.target.commit}`);
          return false;
        },
      },
    );
    assert.deepEqual(asked, ['orders-5xx→sha-v1']);
    assert.equal(v2.record.status, 'needs-attention');
    assert.equal(v2.exitCode, 4);
    assert.equal((await stackNow()).body, template('v2'));
  });

  it('rollback: prompt with a "yes" rolls back', async () => {
    await deploy('v1', { rollback: 'prompt' });
    const v2 = await deploy(
      'v2',
      { rollback: 'prompt' },
      { during: () => alarmDuringBake('orders-5xx'), confirmRollback: async () => true },
    );
    assert.equal(v2.record.status, 'rolled-back', v2.record.reason);
    assert.equal((await stackNow()).body, template('v1'));
  });

  it('rollback: prompt with no one to ask → exit 3 without rolling back', async () => {
    await deploy('v1', { rollback: 'prompt' });
    const v2 = await deploy('v2', { rollback: 'prompt' }, { during: () => alarmDuringBake('orders-5xx') });
    assert.equal(v2.exitCode, 3);
    assert.notEqual(v2.record.status, 'rolled-back');
    assert.match(v2.record.reason ?? '', /not rolled back/);
    assert.equal((await stackNow()).body, template('v2'));
  });

  it('rollback: off → reported only', async () => {
    await deploy('v1', { rollback: 'off' });
    const v2 = await deploy('v2', { rollback: 'off' }, { during: () => alarmDuringBake('orders-5xx') });
    assert.equal(v2.record.status, 'needs-attention');
    assert.match(v2.record.reason ?? '', /rollback is off/);
    assert.equal((await stackNow()).body, template('v2'));
  });
});
