/**
 * A window reload (or a killed CLI) while CloudFormation is in progress: `deployguard deploy` is
 * SIGKILLed after ExecuteChangeSet, while the fault proxy holds the stack UPDATE_IN_PROGRESS.
 * The next run reattaches to that operation by stack ARN and token: it never creates or executes
 * a second change set for it, and the interrupted deployment's record ends with the operation's
 * real outcome. The CLI runs from source against moto behind the fault proxy.
 */
import assert from 'node:assert/strict';
import { DescribeStacksCommand, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { beforeEach, describe, it } from 'node:test';
import { HistoryStore } from '../../src/core/history/store';
import { spawnCli } from '../support/cliProcess';
import { cli, makeRepo, tempHome, topicTemplate, writeTemplate } from '../support/deployFixture';
import { useMotoRig } from '../support/motoRig';

const STACK = 'orders-dev';

describe('deployguard deploy: killed while CloudFormation updates, the next run reattaches', () => {
  const { moto, proxy, cfn } = useMotoRig({ proxy: true });
  let home: string;
  let repo: string;

  beforeEach(async () => {
    home = await tempHome();
    repo = await makeRepo();
    const v1 = await cli(['deploy', 'dev', '--skip-steps', '--endpoint', moto.endpoint], { cwd: repo, home });
    assert.equal(v1.code, 0, v1.stderr);
    await writeTemplate(repo, topicTemplate('v2'));
  });

  const records = async () =>
    (await new HistoryStore(home).stack({ account: '123456789012', region: 'us-east-1', stackName: STACK }).list()).records;
  const stackStatus = async () => (await cfn.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks?.[0]?.StackStatus;
  const deployedTemplate = async () => (await cfn.send(new GetTemplateCommand({ StackName: STACK }))).TemplateBody;

  /** Starts `deploy dev` of what the repo holds now, and kills it once CloudFormation shows the update in progress. */
  async function killedMidUpdate(): Promise<string> {
    const first = spawnCli(['deploy', 'dev', '--skip-steps', '--yes', '--json', '--endpoint', proxy.endpoint], { cwd: repo, home });
    const started = await first.waitFor('deployment-started');
    await first.waitFor('stack-status', (e) => e['status'] === 'UPDATE_IN_PROGRESS');
    const killed = await first.kill();
    assert.equal(killed.signal, 'SIGKILL');
    assert.equal(proxy.count('ExecuteChangeSet'), 1);
    const open = (await records()).find((r) => r.id === started['deploymentId']);
    assert.equal(open?.status, 'deploying', 'the killed run left its record open');
    return started['deploymentId'] as string;
  }

  const deployAgain = () => cli(['deploy', 'dev', '--skip-steps', '--yes', '--json', '--endpoint', proxy.endpoint], { cwd: repo, home });

  it('the same deploy run again follows the update to its end: one execute, the record stable', async () => {
    proxy.scenario(STACK, { holdMs: 4000 });
    const id = await killedMidUpdate();

    const again = await deployAgain();
    assert.equal(again.code, 0, again.stderr + again.stdout.slice(-1500));
    assert.ok(
      again.events.some((e) => e.type === 'notice' && e.code === 'resuming' && e.deploymentId === id),
      'the run says it resumed the interrupted deployment',
    );
    assert.equal(proxy.count('CreateChangeSet'), 1, 'no second change set');
    assert.equal(proxy.count('ExecuteChangeSet'), 1, 'no second update');
    const statuses = again.events.flatMap((e) => (e.type === 'stack-status' && e.deploymentId === id ? [e.status] : []));
    assert.deepEqual(statuses, ['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE'], 'reattached while the update was still running');

    const all = await records();
    assert.equal(all.length, 2, 'v1 and the interrupted v2; no new deployment for the same version');
    const v2 = all.find((r) => r.id === id)!;
    assert.equal(v2.status, 'stable', v2.reason);
    assert.equal(v2.stackStatus, 'UPDATE_COMPLETE');
    assert.ok(v2.finishedAt, 'finished');
    assert.equal(await stackStatus(), 'UPDATE_COMPLETE');
    assert.equal(await deployedTemplate(), topicTemplate('v2'));
  });

  it('an update that CloudFormation rolled back while nothing watched is recorded failed, and not tried again', async () => {
    proxy.scenario(STACK, {
      holdMs: 2500,
      final: 'UPDATE_ROLLBACK_COMPLETE',
      failedResource: { logicalId: 'Topic', type: 'AWS::SNS::Topic', reason: 'Topic name is taken (Service: Sns, Status Code: 400)' },
    });
    const id = await killedMidUpdate();

    const again = await deployAgain();
    assert.equal(again.code, 1, again.stderr + again.stdout.slice(-1500));
    assert.equal(proxy.count('ExecuteChangeSet'), 1, 'no second update');
    const v2 = (await records()).find((r) => r.id === id)!;
    assert.equal(v2.status, 'failed');
    assert.match(v2.reason ?? '', /Topic \(AWS::SNS::Topic\): Topic name is taken/);
    assert.match(v2.reason ?? '', /CloudFormation rolled the stack back/);
    assert.equal(v2.stackStatus, 'UPDATE_ROLLBACK_COMPLETE');
  });

  it('a different version deployed next waits for the interrupted update to end, then deploys', async () => {
    proxy.scenario(STACK, { holdMs: 2500 });
    const id = await killedMidUpdate();
    await writeTemplate(repo, topicTemplate('v3'));

    const v3 = await deployAgain();
    assert.equal(v3.code, 0, v3.stderr + v3.stdout.slice(-1500));
    assert.equal(proxy.count('ExecuteChangeSet'), 2, 'the interrupted update and v3, nothing else');
    const all = await records();
    const v2 = all.find((r) => r.id === id)!;
    assert.equal(v2.status, 'stable', v2.reason);
    const next = all.find((r) => r.kind === 'deploy' && r.id !== id && r.template.body === topicTemplate('v3'))!;
    assert.equal(next.status, 'stable');
    const secondChangeSet = proxy.requests.filter((r) => r.action === 'CreateChangeSet')[1]!;
    assert.ok(Date.parse(v2.finishedAt!) <= secondChangeSet.at, 'v3’s change set was created after v2’s update had ended');
    assert.equal(await deployedTemplate(), topicTemplate('v3'));
  });
});
