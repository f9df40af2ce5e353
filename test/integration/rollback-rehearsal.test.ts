/**
 * The rollback rehearsal against moto, through the fault proxy (moto never plans a replacement; the
 * proxy answers DescribeChangeSet with `Replacement: True` for the resources a test names):
 *  - the stack runs the verified version: no second change set, the deploy's own inverted;
 *  - the stack drifted from it: the live → verified change set is created, described, deleted, never executed;
 *  - a deploy cancelled while both are planned: both change sets deleted;
 *  - `rehearseRollback: false`: nothing rehearsed.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { ListChangeSetsCommand, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { runDeployment, type DeploymentOutcome } from '../../src/core/deployment';
import type { EngineEvent } from '../../src/core/events';
import type { PipelineConfig } from '../../src/core/pipeline/types';
import { cli, makeRepo } from '../support/deployFixture';
import { engineContext, health, putAlarm, REGION } from '../support/healthFixtures';
import { useMotoRig } from '../support/motoRig';

const STACK = 'orders-prod';

/** Marker follows the version; Orders holds `orders`; Extra exists only when asked. */
function template(orders: string, extra: boolean): string {
  return `Parameters:
  Version:
    Type: String
Resources:
  Marker:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub '/orders/\${AWS::StackName}/version'
      Type: String
      Value: !Ref Version
  Orders:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub '/orders/\${AWS::StackName}/table'
      Type: String
      Value: ${orders}
${
  extra
    ? `  Extra:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub '/orders/\${AWS::StackName}/extra'
      Type: String
      Value: extra
`
    : ''
}`;
}

describe('rollback rehearsal (fault proxy in front of moto)', () => {
  const { proxy, cfn, cw } = useMotoRig({ proxy: true });
  let repo: string;
  let home: string;
  let events: EngineEvent[];

  beforeEach(async () => {
    repo = await mkdtemp(join(tmpdir(), 'dg-rehearse-repo-'));
    home = await mkdtemp(join(tmpdir(), 'dg-rehearse-home-'));
    events = [];
    await putAlarm(cw, 'orders-5xx');
  });

  /** A `prod` environment guarded by one alarm, bake 0.3 s: rehearsed by default. */
  async function deploy(version: string, body: string, rehearseRollback?: boolean, signal?: AbortSignal): Promise<DeploymentOutcome> {
    const file = `template-${version}.yaml`;
    await writeFile(join(repo, file), body);
    const pipeline: PipelineConfig = {
      version: 1,
      name: 'orders',
      steps: [],
      stack: { name: STACK, template: file, parameters: { Version: version }, capabilities: [], tags: {} },
      environments: {
        prod: {
          name: 'prod',
          region: REGION,
          endpoint: proxy.endpoint,
          deployOn: [],
          confirm: true,
          health: health({ alarms: ['orders-5xx'], bakeMs: 300, pollSeconds: 0.1 }),
        },
      },
    };
    return runDeployment(
      engineContext(home, (e) => events.push(e)),
      {
        pipeline,
        environment: 'prod',
        repoRoot: repo,
        skipSteps: true,
        yes: true,
        git: { sha: `sha-${version}-0000000000000000000000000000000000` },
        ...(rehearseRollback !== undefined ? { rehearseRollback } : {}),
        ...(signal ? { signal } : {}),
      },
    );
  }

  const notices = (id: string, code: string) =>
    events.flatMap((e) => (e.type === 'notice' && e.deploymentId === id && e.code === code ? [e.message] : []));
  const since = (at: number, action: string) => proxy.requests.filter((r) => r.at >= at && r.action === action);

  it('the stack runs the verified version: the deploy inverted, no second change set', async () => {
    const v1 = await deploy('v1', template('a', false));
    assert.equal(v1.record.status, 'stable', v1.record.reason);
    // The deploy's own change set (deployguard-<id>) plans Orders' replacement.
    proxy.replacement('deployguard-2', 'Orders');
    const start = Date.now();
    const v2 = await deploy('v2', template('c', true));
    assert.equal(v2.record.status, 'stable', v2.record.reason);

    const rehearsal = v2.record.rollbackRehearsal;
    assert.ok(rehearsal, 'the deploy recorded its rehearsal');
    assert.equal(rehearsal.targetId, v1.record.id);
    assert.equal(rehearsal.changeSetName, undefined, 'no live → target change set was needed');
    assert.deepEqual(rehearsal.changes.map((c) => `${c.action} ${c.logicalId} ${c.replacement ?? '-'} ${c.exact}`).sort(), [
      'Modify Orders True true',
      'Remove Extra - true',
    ]);
    assert.deepEqual(notices(v2.record.id, 'rollback-rehearsal').sort(), [
      'A rollback would delete Extra (AWS::SSM::Parameter), which the restored version does not have',
      'A rollback would replace Orders (AWS::SSM::Parameter)',
    ]);
    assert.equal(since(start, 'CreateChangeSet').length, 1, 'only the deploy planned a change set');
  });

  it('the stack drifted: live → verified planned beside the deploy, flagged, deleted, never executed', async () => {
    const v1 = await deploy('v1', template('a', false));
    assert.equal(v1.record.status, 'stable', v1.record.reason);
    // Someone changes Orders outside Deploy Guard; v2 keeps that change, so only a rollback touches it.
    await cfn.send(
      new UpdateStackCommand({
        StackName: STACK,
        TemplateBody: template('b', false),
        Parameters: [{ ParameterKey: 'Version', ParameterValue: 'v1' }],
      }),
    );
    proxy.replacement('deployguard-rehearsal-', 'Orders');
    const start = Date.now();
    const v2 = await deploy('v2', template('b', true));
    assert.equal(v2.record.status, 'stable', v2.record.reason);

    const rehearsal = v2.record.rollbackRehearsal;
    assert.ok(rehearsal);
    assert.equal(rehearsal.targetId, v1.record.id);
    assert.equal(rehearsal.changeSetName, `deployguard-rehearsal-${v2.record.id}`, JSON.stringify(rehearsal));
    assert.ok(
      notices(v2.record.id, 'rollback-rehearsal').includes('A rollback would replace Orders (AWS::SSM::Parameter)'),
      JSON.stringify(rehearsal),
    );
    const named = (r: { params?: Readonly<Record<string, string>> }) => r.params?.['ChangeSetName'] ?? '';
    assert.equal(since(start, 'CreateChangeSet').filter((r) => named(r).startsWith('deployguard-rehearsal-')).length, 1);
    assert.ok(
      since(start, 'DeleteChangeSet').some((r) => named(r).includes('deployguard-rehearsal-')),
      'the rehearsal was deleted',
    );
    assert.ok(!since(start, 'ExecuteChangeSet').some((r) => named(r).includes('rehearsal')), 'the rehearsal was never executed');
    const left = await cfn.send(new ListChangeSetsCommand({ StackName: STACK }));
    assert.deepEqual(
      (left.Summaries ?? []).filter((s) => s.ChangeSetName?.includes('rehearsal')),
      [],
      'no rehearsal change set is left on the stack',
    );
  });

  it('a deploy cancelled while both change sets are being planned deletes both', async () => {
    assert.equal((await deploy('v1', template('a', false))).record.status, 'stable');
    await cfn.send(
      new UpdateStackCommand({
        StackName: STACK,
        TemplateBody: template('b', false),
        Parameters: [{ ParameterKey: 'Version', ParameterValue: 'v1' }],
      }),
    );
    // The next two DescribeChangeSet calls (the deploy's and the rehearsal's) never answer.
    proxy.fault({ action: 'DescribeChangeSet', kind: 'hang', times: 2, hangMs: 30_000 });
    const stop = new AbortController();
    const start = Date.now();
    const cancelled = deploy('v2', template('b', true), undefined, stop.signal);
    const hanging = () => proxy.requests.filter((r) => r.at >= start && r.status === 'hang').length;
    for (const deadline = Date.now() + 20_000; hanging() < 2;) {
      if (Date.now() > deadline) throw new Error('the two change sets were never being planned at once');
      await new Promise((r) => setTimeout(r, 20));
    }
    stop.abort();
    const outcome = await cancelled;
    assert.equal(outcome.record.status, 'cancelled', outcome.record.reason);
    const left = await cfn.send(new ListChangeSetsCommand({ StackName: STACK }));
    // v1's executed change set stays listed, as CloudFormation keeps it; none of v2's may.
    assert.deepEqual(
      (left.Summaries ?? []).map((s) => s.ChangeSetName).filter((name) => name?.includes(outcome.record.id)),
      [],
      "neither the deploy's change set nor the rehearsal's is left on the stack",
    );
    const deleted = since(start, 'DeleteChangeSet').map((r) => r.params?.['ChangeSetName'] ?? '');
    assert.ok(
      deleted.some((n) => n.includes('deployguard-rehearsal-')),
      deleted.join(', '),
    );
  });

  it('deploy --rehearse-rollback --no-rehearse-rollback is a usage error, before any AWS call', async () => {
    const cliRepo = await makeRepo();
    const run = await cli(['deploy', 'dev', '--rehearse-rollback', '--no-rehearse-rollback', '--endpoint', proxy.endpoint], {
      cwd: cliRepo,
      home,
    });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--rehearse-rollback and --no-rehearse-rollback contradict each other/);
    assert.equal(proxy.requests.length, 0);
  });

  it('rehearseRollback: false rehearses nothing', async () => {
    assert.equal((await deploy('v1', template('a', false))).record.status, 'stable');
    const v2 = await deploy('v2', template('a', true), false);
    assert.equal(v2.record.status, 'stable', v2.record.reason);
    assert.equal(v2.record.rollbackRehearsal, undefined);
    assert.deepEqual(notices(v2.record.id, 'rollback-rehearsal'), []);
  });
});
