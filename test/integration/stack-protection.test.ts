/**
 * What protects a stack from Deploy Guard stays the person's to change:
 *  - a stack policy that denies the update (or Deploy Guard's own rollback): CloudFormation fails the resource with "Action denied
 *    by stack policy" and rolls back (moto stores a policy but never enforces it, so the fault
 *    proxy plays CloudFormation's answer) → failed, the reason and what to do said, and the
 *    policy never touched (no SetStackPolicy, no StackPolicyDuringUpdateBody);
 *  - termination protection on a stack left ROLLBACK_COMPLETE by a failed create (moto keeps
 *    EnableTerminationProtection; the proxy plays the failed create) → `--replace-failed-stack`
 *    refuses to delete it and says to turn the protection off, which it never does itself.
 */
import assert from 'node:assert/strict';
import { CreateStackCommand, DescribeStacksCommand, GetStackPolicyCommand, SetStackPolicyCommand } from '@aws-sdk/client-cloudformation';
import { beforeEach, describe, it } from 'node:test';
import type { EngineEvent } from '../../src/core/events';
import { HistoryStore } from '../../src/core/history/store';
import { cli, makeRepo, tempHome, topicTemplate, writeTemplate } from '../support/deployFixture';
import {
  deployVersion,
  engineContext,
  health,
  putAlarm,
  rawCloudWatch,
  setAlarm,
  versionedPipeline,
  watchStarted,
} from '../support/healthFixtures';
import { useMotoRig } from '../support/motoRig';

const STACK = 'orders-dev';
const DENY_TOPIC = JSON.stringify({
  Statement: [
    { Effect: 'Allow', Action: 'Update:*', Principal: '*', Resource: '*' },
    { Effect: 'Deny', Action: 'Update:*', Principal: '*', Resource: 'LogicalResourceId/Topic' },
  ],
});
/** CloudFormation's words for a denied resource update (the prefix is what stays the same between sources). */
const DENIED = 'Action denied by stack policy: Statement [#1] does not allow [Update:Replace] for resource [LogicalResourceId/Topic];';

function finished(events: EngineEvent[]) {
  const e = events.find((x) => x.type === 'deployment-finished');
  assert.ok(e && e.type === 'deployment-finished', 'a deployment-finished event');
  return e;
}

describe('stack policy and termination protection are never Deploy Guard’s to change', () => {
  const { moto, proxy, cfn } = useMotoRig({ proxy: true });
  let home: string;

  beforeEach(async () => {
    home = await tempHome();
  });

  const deploy = (repo: string, extra: string[] = []) =>
    cli(['deploy', 'dev', '--json', '--skip-steps', '--yes', '--endpoint', proxy.endpoint, ...extra], { cwd: repo, home });
  const records = async () =>
    (await new HistoryStore(home).stack({ account: '123456789012', region: 'us-east-1', stackName: STACK }).list()).records;
  /** No request asked CloudFormation to change or override the stack policy. */
  const policyUntouched = () => {
    assert.equal(proxy.count('SetStackPolicy'), 0, 'SetStackPolicy never called');
    const overriding = proxy.requests.filter((r) => Object.keys(r.params ?? {}).some((k) => k.startsWith('StackPolicy')));
    assert.deepEqual(
      overriding.map((r) => r.action),
      [],
      'no request carries a stack policy (StackPolicyBody, StackPolicyDuringUpdateBody…)',
    );
  };

  it('a stack policy denying the update → failed with CloudFormation’s reason and what to do; the policy is untouched', async () => {
    const repo = await makeRepo();
    const v1 = await cli(['deploy', 'dev', '--skip-steps', '--endpoint', moto.endpoint], { cwd: repo, home });
    assert.equal(v1.code, 0, v1.stderr);
    await cfn.send(new SetStackPolicyCommand({ StackName: STACK, StackPolicyBody: DENY_TOPIC }));
    await writeTemplate(repo, topicTemplate('v2'));
    proxy.scenario(STACK, {
      holdMs: 300,
      final: 'UPDATE_ROLLBACK_COMPLETE',
      failedResource: { logicalId: 'Topic', type: 'AWS::SNS::Topic', reason: DENIED },
    });

    const run = await deploy(repo);
    assert.equal(run.code, 1, run.stderr + run.stdout.slice(-1500));
    const end = finished(run.events);
    assert.equal(end.status, 'failed');
    assert.match(end.reason!, /Topic \(AWS::SNS::Topic\): Action denied by stack policy/, 'CloudFormation’s reason, naming the resource');
    assert.match(end.reason!, /CloudFormation rolled the stack back/);
    assert.match(end.reason!, /stack policy of orders-dev/, 'says which stack’s policy refused');
    assert.match(end.reason!, /Deploy Guard never changes it/);
    assert.match(end.reason!, /change the template so it leaves Topic alone|allow the change in the stack policy/, 'what to do next');

    assert.equal(proxy.count('CreateChangeSet'), 1, 'no second attempt, no rollback of its own');
    assert.equal(proxy.count('ExecuteChangeSet'), 1);
    policyUntouched();
    const policy = (await cfn.send(new GetStackPolicyCommand({ StackName: STACK }))).StackPolicyBody;
    assert.deepEqual(JSON.parse(policy ?? '{}'), JSON.parse(DENY_TOPIC), 'the policy is what the person set');
    const all = await records();
    assert.equal(all.filter((r) => r.kind === 'rollback').length, 0);
    assert.equal(all.find((r) => r.id === end.deploymentId)?.status, 'failed');
  });

  it('termination protection on a ROLLBACK_COMPLETE stack: --replace-failed-stack refuses, says to turn it off, deletes nothing', async () => {
    const repo = await makeRepo();
    // A create that failed (moto creates it; the proxy shows how it ended), with termination protection on.
    await cfn.send(
      new CreateStackCommand({
        StackName: STACK,
        TemplateBody: topicTemplate('v1'),
        Parameters: [{ ParameterKey: 'Name', ParameterValue: 'orders-dev' }],
        EnableTerminationProtection: true,
      }),
    );
    proxy.scenario(STACK, { start: 'now', final: 'ROLLBACK_COMPLETE' });

    const run = await deploy(repo, ['--replace-failed-stack']);
    assert.equal(run.code, 4, run.stderr + run.stdout.slice(-1500));
    const end = finished(run.events);
    assert.equal(end.status, 'needs-attention');
    assert.match(end.reason!, /orders-dev is in ROLLBACK_COMPLETE and has termination protection/);
    assert.match(end.reason!, /turn termination protection off yourself \(Deploy Guard never does\)/);
    assert.match(end.reason!, /--replace-failed-stack/, 'what to run once it is off');

    assert.equal(proxy.count('DeleteStack'), 0, 'never deleted');
    assert.equal(proxy.count('UpdateTerminationProtection'), 0, 'never turned the protection off');
    assert.equal(proxy.count('CreateChangeSet'), 0, 'nothing deployed');
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks![0]!;
    assert.equal(stack.EnableTerminationProtection, true);
    policyUntouched();
  });

  it('termination protection turned on after the stack was read: CloudFormation refuses the delete → the same refusal, nothing deployed', async () => {
    const repo = await makeRepo();
    await cfn.send(
      new CreateStackCommand({
        StackName: STACK,
        TemplateBody: topicTemplate('v1'),
        Parameters: [{ ParameterKey: 'Name', ParameterValue: 'orders-dev' }],
      }),
    );
    proxy.scenario(STACK, { start: 'now', final: 'ROLLBACK_COMPLETE' });
    proxy.fault({ action: 'DeleteStack', kind: 'termination-protected' });

    const run = await deploy(repo, ['--replace-failed-stack']);
    assert.equal(run.code, 4, run.stderr + run.stdout.slice(-1500));
    const end = finished(run.events);
    assert.equal(end.status, 'needs-attention');
    assert.match(end.reason!, /orders-dev is in ROLLBACK_COMPLETE and has termination protection/);
    assert.match(end.reason!, /turn termination protection off yourself \(Deploy Guard never does\)/);
    assert.equal(proxy.count('DeleteStack'), 1, 'asked once, refused');
    assert.equal(proxy.count('UpdateTerminationProtection'), 0, 'never turned the protection off');
    assert.equal(proxy.count('CreateChangeSet'), 0, 'nothing deployed');
    assert.equal((await cfn.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks?.length, 1, 'the stack is still there');
  });

  it('a stack policy denying Deploy Guard’s own rollback → rollback-failed with the same advice; one attempt, policy untouched', async () => {
    const cw = rawCloudWatch(moto.endpoint);
    try {
      await putAlarm(cw, 'orders-5xx');
      const repo = await makeRepo();
      const events: EngineEvent[] = [];
      const deployEngine = (version: string, during?: () => Promise<void>) =>
        deployVersion({
          ctx: engineContext(home, (e) => events.push(e)),
          repo,
          pipeline: versionedPipeline({
            stackName: STACK,
            version,
            endpoint: proxy.endpoint,
            health: health({ alarms: ['orders-5xx'], bakeMs: 8000, pollSeconds: 0.2 }),
          }),
          version,
          ...(during ? { during } : {}),
        });
      assert.equal((await deployEngine('v1')).record.status, 'stable');
      await cfn.send(new SetStackPolicyCommand({ StackName: STACK, StackPolicyBody: DENY_TOPIC }));
      const v2 = await deployEngine('v2', async () => {
        await watchStarted(events);
        // moto's events carry no ClientRequestToken, so the engine tells an operation's events by
        // time (250 ms of slack): the restore must start well after v2's update ended.
        await new Promise((r) => setTimeout(r, 1000));
        // The restore is the next stack operation, and the policy refuses it.
        proxy.scenario(STACK, {
          holdMs: 200,
          final: 'UPDATE_ROLLBACK_COMPLETE',
          failedResource: { logicalId: 'Marker', type: 'AWS::SSM::Parameter', reason: DENIED.replace('Topic', 'Marker') },
        });
        await setAlarm(cw, 'orders-5xx', 'ALARM', 'Threshold Crossed: v2 is bad');
      });
      assert.equal(v2.record.status, 'rollback-failed', v2.record.reason);
      assert.equal(v2.exitCode, 4);
      const rollback = (await records()).find((r) => r.kind === 'rollback');
      assert.equal(rollback?.status, 'rollback-failed');
      assert.match(rollback.reason ?? '', /Marker \(AWS::SSM::Parameter\): Action denied by stack policy/);
      assert.match(
        rollback.reason ?? '',
        /the stack policy of orders-dev does not allow this change to Marker: .*Deploy Guard never changes it/,
      );
      assert.equal(proxy.count('ExecuteChangeSet'), 3, 'v1, v2 and one rollback attempt');
      policyUntouched();
    } finally {
      cw.destroy();
    }
  });
});
