/**
 * The cases moto cannot play by itself, through the engine's fault proxy (test/support/faultProxy.ts)
 * and the alarm-history shim in front of it: SDK → history shim → fault proxy → moto_server.
 *  - an ALARM shorter than the poll interval, seen only in the alarm history → rollback;
 *  - the rollback itself failing → rollback-failed, and no second attempt;
 *  - CloudFormation rolling the update back by itself → failed, no rollback of ours.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import type { EngineEvent } from '../../src/core/events';
import { HistoryStore } from '../../src/core/history/store';
import type { HealthConfig } from '../../src/core/pipeline/types';
import { startAlarmHistoryShim, type AlarmHistoryShim } from '../support/alarmHistoryShim';
import {
  ACCOUNT,
  deployVersion,
  engineContext,
  health,
  putAlarm,
  REGION,
  setAlarm,
  versionedPipeline,
  versionedTemplate as template,
  watchStarted,
} from '../support/healthFixtures';
import { useMotoRig } from '../support/motoRig';

const STACK = 'orders-dev';

describe('rollback faults (fault proxy + alarm history shim in front of moto)', () => {
  const { proxy, cfn, cw } = useMotoRig({ proxy: true });
  let shim: AlarmHistoryShim;
  let repo: string;
  let home: string;
  let events: EngineEvent[];

  before(async () => {
    shim = await startAlarmHistoryShim(proxy.endpoint);
  });
  after(async () => {
    await shim.close();
  });
  beforeEach(async () => {
    shim.reset();
    repo = await mkdtemp(join(tmpdir(), 'dg-rbf-repo-'));
    home = await mkdtemp(join(tmpdir(), 'dg-rbf-home-'));
    events = [];
    await putAlarm(cw, 'orders-5xx');
  });

  /** Through the shim and the proxy: one guarded alarm, a 1 s bake polled every 0.2 s. */
  function pipeline(h: Partial<HealthConfig>, version: string) {
    return versionedPipeline({
      stackName: STACK,
      version,
      endpoint: shim.endpoint,
      health: health({ alarms: ['orders-5xx'], bakeMs: 1000, pollSeconds: 0.2, ...h }),
    });
  }

  async function deploy(version: string, h: Partial<HealthConfig> = {}, during?: () => Promise<void>) {
    return deployVersion({
      ctx: engineContext(home, (e) => events.push(e)),
      repo,
      pipeline: pipeline(h, version),
      version,
      ...(during ? { during } : {}),
    });
  }

  const records = () => new HistoryStore(home).stack({ account: ACCOUNT, region: REGION, stackName: STACK }).list();
  const deployedTemplate = async () => (await cfn.send(new GetTemplateCommand({ StackName: STACK }))).TemplateBody;

  it('ALARM then OK between two polls is caught through the alarm history → rolled back', async () => {
    assert.equal((await deploy('v1')).record.status, 'stable');
    const v2 = await deploy('v2', { pollSeconds: 1.5, bakeMs: 4000 }, async () => {
      await watchStarted(events);
      await new Promise((r) => setTimeout(r, 300));
      // A blip: in and out of ALARM within 100 ms, between two polls; DescribeAlarms never shows it.
      const t = Date.now();
      shim.record({ alarm: 'orders-5xx', from: 'OK', to: 'ALARM', at: new Date(t), reason: 'Threshold Crossed: spike' });
      shim.record({ alarm: 'orders-5xx', from: 'ALARM', to: 'OK', at: new Date(t + 100) });
    });
    assert.equal(v2.record.status, 'rolled-back', v2.record.reason);
    assert.match(v2.record.reason ?? '', /orders-5xx .*seen in the alarm history/);
    const changed = events.filter((e) => e.type === 'alarm-changed' && e.deploymentId === v2.record.id);
    assert.ok(changed.some((e) => e.type === 'alarm-changed' && e.source === 'history' && e.to === 'ALARM'));
    assert.equal(await deployedTemplate(), template('v1'));
  });

  it('the rollback itself failing → rollback-failed (needs a person), and no second attempt', async () => {
    assert.equal((await deploy('v1')).record.status, 'stable');
    // A bake long enough that the ALARM below lands inside it even on a busy machine.
    const v2 = await deploy('v2', { bakeMs: 8000 }, async () => {
      await watchStarted(events);
      // The next stack operation (the rollback) fails and CloudFormation rolls *it* back.
      proxy.scenario(STACK, {
        final: 'UPDATE_ROLLBACK_COMPLETE',
        failedResource: {
          logicalId: 'Marker',
          type: 'AWS::SSM::Parameter',
          reason: 'Parameter /orders/x was modified outside CloudFormation',
        },
      });
      await setAlarm(cw, 'orders-5xx', 'ALARM');
    });
    assert.equal(
      v2.record.status,
      'rollback-failed',
      JSON.stringify({
        reason: v2.record.reason,
        kinds: events.filter((e) => e.deploymentId === v2.record.id).map((e) => e.type + ':' + ((e as { status?: string }).status ?? '')),
      }),
    );
    assert.equal(v2.exitCode, 4);
    assert.match(v2.record.reason ?? '', /Not retried/);
    const { records: all } = await records();
    const rollbacks = all.filter((r) => r.kind === 'rollback');
    assert.equal(rollbacks.length, 1, 'one attempt only');
    assert.equal(
      rollbacks[0]!.status,
      'rollback-failed',
      JSON.stringify({ reason: rollbacks[0]!.reason, st: rollbacks[0]!.stackStatus, v2: v2.record.reason }),
    );
    const executes = proxy.requests.filter((r) => r.action === 'ExecuteChangeSet');
    assert.equal(executes.length, 3, 'v1, v2 and the single rollback attempt');
    const finished = events.find((e) => e.type === 'rollback-finished');
    assert.ok(finished?.type === 'rollback-finished' && finished.outcome === 'rollback-failed');
  });

  it('CloudFormation rolling the update back by itself → failed, and no rollback of ours', async () => {
    assert.equal((await deploy('v1')).record.status, 'stable');
    proxy.scenario(STACK, { final: 'UPDATE_ROLLBACK_COMPLETE', holdMs: 300 });
    const v2 = await deploy('v2');
    assert.equal(v2.record.status, 'failed', v2.record.reason);
    assert.equal(v2.exitCode, 1);
    assert.match(v2.record.reason ?? '', /CloudFormation rolled the stack back/);
    const mine = events.filter((e) => e.deploymentId === v2.record.id).map((e) => e.type);
    assert.ok(!mine.includes('watch-started') && !mine.includes('rollback-started'), mine.join(','));
    const { records: all } = await records();
    assert.equal(all.filter((r) => r.kind === 'rollback').length, 0);
  });
});
