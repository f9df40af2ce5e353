/**
 * The stack's own alarms guarding it (`health.stackAlarms`): alarms defined in the template the
 * deploy changes. moto does not create `AWS::CloudWatch::Alarm` resources, so the test plays
 * CloudFormation's part while the fault proxy holds the update in progress: it creates, changes or
 * deletes the alarm in CloudWatch and lists it among the stack's resources (the proxy's
 * `stackResources`). What must hold:
 *  - the bake judges the alarms as they are after the deploy: one the first deploy creates is
 *    watched, one the deploy changed is judged as changed;
 *  - an alarm the deploy removed cannot vouch for it: said, health unknown, a person decides
 *    (never stable, never a rollback on a guess);
 *  - CloudFormation's rollback triggers are never the stack's own alarms (an update that deletes
 *    a trigger fails as a whole) nor alarms already in ALARM; a trigger that fires during the
 *    update makes CloudFormation roll back, and that rollback is the only one.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import type { EngineEvent } from '../../src/core/events';
import type { HealthConfig } from '../../src/core/pipeline/types';
import { until } from '../support/cliProcess';
import { type StackScenario } from '../support/faultProxy';
import {
  deleteAlarm,
  deployVersion,
  engineContext,
  health,
  putAlarm,
  setAlarm,
  versionedPipeline,
  versionedTemplate,
  watchStarted,
} from '../support/healthFixtures';
import { useMotoRig } from '../support/motoRig';

const STACK = 'orders-dev';
const OWN = 'orders-dev-errors';

/** The versioned stack plus its own alarm (moto skips the alarm; the test plays it). */
function withOwnAlarm(version: string, threshold: number): string {
  return `${versionedTemplate(version)}  Errors:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: ${OWN}
      Namespace: DeployGuard/Test
      MetricName: ${OWN}-metric
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: ${threshold}
      ComparisonOperator: GreaterThanOrEqualToThreshold
`;
}

describe('the stack’s own alarms guarding it (stackAlarms), through the fault proxy', () => {
  const { proxy, cfn, cw } = useMotoRig({ proxy: true });
  let repo: string;
  let home: string;
  let events: EngineEvent[];

  beforeEach(async () => {
    repo = await mkdtemp(join(tmpdir(), 'dg-own-repo-'));
    home = await mkdtemp(join(tmpdir(), 'dg-own-home-'));
    events = [];
  });

  /**
   * Deploys `template` as `version`. While CloudFormation runs the update (held 1 s by the proxy),
   * `cloudFormation` plays what it does to the stack's alarm; `during` runs alongside the deploy.
   */
  async function deploy(
    version: string,
    template: string,
    cloudFormation: () => Promise<void>,
    options: { health?: Partial<HealthConfig>; during?: () => Promise<void>; ends?: StackScenario['final'] } = {},
  ) {
    const executes = proxy.count('ExecuteChangeSet');
    proxy.scenario(STACK, { holdMs: 1000, ...(options.ends ? { final: options.ends } : {}) });
    return deployVersion({
      ctx: engineContext(home, (e) => events.push(e)),
      repo,
      pipeline: versionedPipeline({
        stackName: STACK,
        version,
        endpoint: proxy.endpoint,
        health: health({ stackAlarms: true, bakeMs: 2000, pollSeconds: 0.2, ...options.health }),
      }),
      version,
      template,
      during: async () => {
        await until('CloudFormation to run the update', () => (proxy.count('ExecuteChangeSet') > executes ? true : undefined));
        await cloudFormation();
        await options.during?.();
      },
    });
  }

  /** What CloudFormation does to the stack's own alarm during an update. */
  const creates = (threshold: number) => async () => {
    await putAlarm(cw, OWN, threshold);
    await setAlarm(cw, OWN, 'OK', 'Threshold not crossed');
    proxy.stackResources(STACK, [{ logicalId: 'Errors', type: 'AWS::CloudWatch::Alarm', physicalId: OWN }]);
  };
  const removes = async () => {
    await deleteAlarm(cw, OWN);
    proxy.stackResources(STACK, []);
  };
  const mine = (id: string) => events.filter((e) => e.deploymentId === id);
  const deployedTemplate = async () => (await cfn.send(new GetTemplateCommand({ StackName: STACK }))).TemplateBody;

  it('an alarm the first deploy creates is judged in its bake: it fires → unhealthy, never stable', async () => {
    const v1 = await deploy('v1', withOwnAlarm('v1', 100), creates(100), {
      during: async () => {
        await watchStarted(events);
        await setAlarm(cw, OWN, 'ALARM', 'Threshold Crossed: errors after v1');
      },
    });
    const checked = mine(v1.record.id).find((e) => e.type === 'alarms-checked');
    assert.ok(checked?.type === 'alarms-checked');
    assert.deepEqual(checked.alarms, [], 'before the first deploy the stack had no alarm');
    const watch = mine(v1.record.id).find((e) => e.type === 'watch-started');
    assert.ok(watch?.type === 'watch-started');
    assert.deepEqual(watch.alarms, [OWN], 'the bake watches the alarm the deploy created');
    const verdict = mine(v1.record.id).find((e) => e.type === 'watch-verdict');
    assert.ok(verdict?.type === 'watch-verdict' && verdict.verdict === 'unhealthy' && verdict.alarm === OWN, JSON.stringify(verdict));
    assert.notEqual(v1.record.status, 'stable');
    assert.equal(v1.record.status, 'needs-attention', v1.record.reason);
  });

  it('an alarm the deploy changed (threshold lowered) is judged as changed: it fires → rolled back to v1', async () => {
    const v1 = await deploy('v1', withOwnAlarm('v1', 100), creates(100));
    assert.equal(v1.record.status, 'stable', v1.record.reason);
    assert.deepEqual(
      v1.record.health?.alarms.map((a) => a.name),
      [OWN],
    );

    const v2 = await deploy(
      'v2',
      withOwnAlarm('v2', 1),
      async () => {
        // The new threshold is below what the metric already is: the changed alarm fires.
        await putAlarm(cw, OWN, 1);
        await setAlarm(cw, OWN, 'ALARM', 'Threshold Crossed: 3 datapoints were greater than or equal to the threshold (1.0)');
      },
      {
        during: async () => {
          // The restore puts v1's threshold back.
          await until('the rollback', () => (events.some((e) => e.type === 'rollback-started') ? true : undefined));
          await putAlarm(cw, OWN, 100);
          await setAlarm(cw, OWN, 'OK', 'Threshold not crossed');
        },
      },
    );
    assert.equal(v2.record.status, 'rolled-back', v2.record.reason);
    assert.match(v2.record.reason ?? '', new RegExp(`alarm ${OWN} entered ALARM`));
    assert.equal(await deployedTemplate(), withOwnAlarm('v1', 100));
    const alarm = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [OWN] }))).MetricAlarms?.[0];
    assert.equal(alarm?.Threshold, 100);
  });

  it('an alarm the deploy removed cannot vouch for it: said so, health unknown, a person decides (no rollback)', async () => {
    const v1 = await deploy('v1', withOwnAlarm('v1', 100), creates(100));
    assert.equal(v1.record.status, 'stable', v1.record.reason);

    const v2 = await deploy('v2', versionedTemplate('v2'), removes);
    assert.equal(v2.record.status, 'needs-attention', v2.record.reason);
    assert.equal(v2.exitCode, 4);
    assert.match(v2.record.reason ?? '', new RegExp(`${OWN} \\(no longer in CloudWatch\\)`));
    const removed = mine(v2.record.id).find((e) => e.type === 'notice' && e.code === 'guarded-alarm-gone');
    assert.ok(
      removed?.type === 'notice',
      mine(v2.record.id)
        .map((e) => e.type)
        .join(','),
    );
    assert.match(removed.message, new RegExp(`${OWN} guarded stack ${STACK} before this deploy and is gone after it`));
    assert.equal(mine(v2.record.id).filter((e) => e.type === 'rollback-started').length, 0, 'no rollback on a guess');
    assert.equal(await deployedTemplate(), versionedTemplate('v2'));
  });

  it('rollback triggers: never the stack’s own alarm, never one already in ALARM', async () => {
    await putAlarm(cw, 'orders-5xx');
    await putAlarm(cw, 'orders-4xx');
    await setAlarm(cw, 'orders-4xx', 'ALARM', 'Threshold Crossed: already firing');
    const guard = { alarms: ['orders-4xx', 'orders-5xx'] };
    const v1 = await deploy('v1', withOwnAlarm('v1', 100), creates(100), { health: guard });
    assert.equal(v1.record.status, 'stable', v1.record.reason);

    const before = proxy.count('CreateChangeSet');
    const v2 = await deploy('v2', withOwnAlarm('v2', 100), async () => undefined, { health: guard });
    assert.equal(v2.record.status, 'stable', v2.record.reason);
    const checked = mine(v2.record.id).find((e) => e.type === 'alarms-checked');
    assert.ok(checked?.type === 'alarms-checked');
    assert.deepEqual(checked.alarms.map((a) => a.name).sort(), ['orders-4xx', 'orders-5xx', OWN].sort());
    assert.deepEqual(checked.rollbackTriggers, ['orders-5xx']);
    assert.match(checked.rollbackTriggersWhy, new RegExp(`${OWN} \\(a resource of this stack\\)`));
    assert.match(checked.rollbackTriggersWhy, /orders-4xx \(already in ALARM\)/);

    const request = proxy.requests.filter((r) => r.action === 'CreateChangeSet')[before]!;
    const triggers = Object.entries(request.params ?? {}).filter(([k]) =>
      /^RollbackConfiguration\.RollbackTriggers\.member\.\d+\.Arn$/.test(k),
    );
    assert.deepEqual(
      triggers.map(([, arn]) => arn.split(':').at(-1)),
      ['orders-5xx'],
      'CloudFormation is handed exactly the one eligible alarm',
    );
    assert.deepEqual(
      v2.record.rollbackTriggers?.map((arn) => arn.split(':').at(-1)),
      ['orders-5xx'],
    );
  });

  it('a rollback trigger firing during the update: CloudFormation rolls back by itself → failed, no watch, no second rollback', async () => {
    await putAlarm(cw, 'orders-5xx');
    const guard = { alarms: ['orders-5xx'] };
    const v1 = await deploy('v1', versionedTemplate('v1'), async () => undefined, { health: guard });
    assert.equal(v1.record.status, 'stable', v1.record.reason);

    const v2 = await deploy(
      'v2',
      versionedTemplate('v2'),
      // The trigger fires while CloudFormation updates; it rolls the update back (played by the proxy).
      () => setAlarm(cw, 'orders-5xx', 'ALARM', 'Threshold Crossed: errors during the update'),
      { health: guard, ends: 'UPDATE_ROLLBACK_COMPLETE' },
    );
    const trigger = proxy.requests.filter((r) => r.action === 'CreateChangeSet').at(-1)?.params?.[
      'RollbackConfiguration.RollbackTriggers.member.1.Arn'
    ];
    assert.match(trigger ?? '', /:alarm:orders-5xx$/, 'the alarm was handed to CloudFormation as a trigger');
    assert.equal(v2.record.status, 'failed', v2.record.reason);
    assert.equal(v2.exitCode, 1);
    assert.match(v2.record.reason ?? '', /CloudFormation rolled the stack back to the previous version \(UPDATE_ROLLBACK_COMPLETE\)/);
    const kinds = mine(v2.record.id).map((e) => e.type);
    assert.ok(!kinds.includes('watch-started') && !kinds.includes('rollback-started'), kinds.join(','));
    assert.equal(proxy.count('ExecuteChangeSet'), 2, 'v1 and v2: no rollback of ours on top of CloudFormation’s');
  });
});
