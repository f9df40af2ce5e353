import {
  CreateChangeSetCommand,
  CreateStackCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListChangeSetsCommand,
} from '@aws-sdk/client-cloudformation';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { requestTokenFor } from '../../src/core/aws/requestToken';
import type { EngineEvent } from '../../src/core/events';
import { newDeploymentId } from '../../src/core/history/paths';
import { HistoryStore } from '../../src/core/history/store';
import type { DeploymentRecord } from '../../src/core/history/record';
import { cli, makeRepo, tempHome, topicTemplate, writeTemplate } from '../support/deployFixture';
import { MOTO_ENV } from '../support/moto';
import { useMotoRig } from '../support/motoRig';

const STACK_DIR = (home: string) => join(home, 'stacks', '123456789012', 'us-east-1', 'orders-dev');

async function allRecords(home: string): Promise<DeploymentRecord[]> {
  const dir = join(STACK_DIR(home), 'records');
  const names = (await readdir(dir))
    .filter((n) => n.endsWith('.json'))
    .sort()
    .reverse();
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8')) as DeploymentRecord));
}

function finished(events: EngineEvent[]) {
  const e = events.filter((x) => x.type === 'deployment-finished').at(-1);
  assert.ok(e && e.type === 'deployment-finished');
  return e;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('history, manual rollback, lock and resume (moto)', () => {
  const { moto, proxy, cfn } = useMotoRig({ proxy: true });
  let home: string;
  beforeEach(async () => {
    home = await tempHome();
  });

  const run = (repo: string, args: string[], endpoint = moto.endpoint) =>
    cli([...args, '--json', '--endpoint', endpoint], { cwd: repo, home });

  it('manual rollback redeploys the exact template and parameters of a stable record, as its own record', async () => {
    const repo = await makeRepo({ parameters: { Name: 'first', Secret: '${env:DG_SECRET}' } });
    const first = await cli(['deploy', 'dev', '--skip-steps', '--endpoint', moto.endpoint], {
      cwd: repo,
      home,
      env: { DG_SECRET: 'first-secret-value' },
    });
    assert.equal(first.code, 0, first.stderr);
    const [v1] = await allRecords(home);
    assert.deepEqual(v1!.parameters, [
      { key: 'Name', value: 'first' },
      { key: 'Secret', noEcho: true },
    ]);
    const repo2 = await makeRepo({ parameters: { Name: 'second' } });
    await writeTemplate(repo2, topicTemplate('v2'));
    assert.equal((await run(repo2, ['deploy', 'dev', '--skip-steps'])).code, 0);

    const back = await run(repo2, ['rollback', 'dev', '--to', v1!.id]);
    assert.equal(back.code, 0, back.stderr + back.stdout.slice(-1500));
    const body = (await cfn.send(new GetTemplateCommand({ StackName: 'orders-dev' }))).TemplateBody;
    assert.equal(body, topicTemplate('v1'), 'GetTemplate shows the restored template byte for byte');
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: 'orders-dev' }))).Stacks![0]!;
    assert.equal(stack.Parameters!.find((p) => p.ParameterKey === 'Name')!.ParameterValue, 'first');
    const noEcho = back.events.find((e) => e.type === 'notice' && e.code === 'noecho-previous');
    assert.ok(noEcho, 'says that the NoEcho parameter keeps its current value');

    const [rb] = await allRecords(home);
    assert.equal(rb!.kind, 'rollback');
    assert.equal(rb!.rollbackTargetId, v1!.id);
    assert.equal(rb!.status, 'stable');
    assert.equal(rb!.template.body, v1!.template.body);
    assert.equal(rb!.automatic, false);

    const again = await run(repo2, ['rollback', 'dev', '--to', v1!.id]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /is what stack orders-dev runs now/);
  });

  it('a parameter-only rollback never claims the stack matches while its parameters still differ', async () => {
    const repo = await makeRepo({ parameters: { Name: 'first' } });
    assert.equal((await run(repo, ['deploy', 'dev', '--skip-steps'])).code, 0);
    const [v1] = await allRecords(home);
    const repo2 = await makeRepo({ parameters: { Name: 'second' } });
    assert.equal((await run(repo2, ['deploy', 'dev', '--skip-steps'])).code, 0);

    const back = await run(repo2, ['rollback', 'dev', '--to', v1!.id]);
    const end = finished(back.events);
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: 'orders-dev' }))).Stacks![0]!;
    const name = stack.Parameters!.find((p) => p.ParameterKey === 'Name')!.ParameterValue;
    if (name === 'first') {
      assert.ok(['stable', 'unchanged'].includes(end.status), `restored, and the record says ${end.status}`);
    } else {
      // moto may answer a parameter-only change set with "no changes": then nothing was restored,
      // and the record must say so instead of "already matches".
      assert.equal(end.status, 'rollback-failed', `${end.status}: ${end.reason}`);
      assert.match(end.reason ?? '', /still differs from deployment/);
      assert.match(end.reason ?? '', /\(parameter Name differs\)/, 'says what still differs, by name');
      assert.notEqual(back.code, 0);
    }
  });

  it('refuses a rollback to a record that is not stable', async () => {
    const repo = await makeRepo();
    assert.equal((await run(repo, ['deploy', 'dev', '--skip-steps'])).code, 0);
    const unchanged = await run(repo, ['deploy', 'dev', '--skip-steps']);
    assert.equal(unchanged.code, 0, unchanged.stderr + unchanged.stdout);
    assert.equal(finished(unchanged.events).status, 'unchanged');
    const [u] = await allRecords(home);
    const refused = await run(repo, ['rollback', 'dev', '--to', u!.id]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /not stable/);
  });

  it('captures a pre-existing stack as the baseline before the first deploy, and can restore it', async () => {
    const original = topicTemplate('baseline');
    await cfn.send(
      new CreateStackCommand({
        StackName: 'orders-dev',
        TemplateBody: original,
        Parameters: [{ ParameterKey: 'Name', ParameterValue: 'legacy' }],
      }),
    );
    const repo = await makeRepo();
    assert.equal((await run(repo, ['deploy', 'dev', '--skip-steps'])).code, 0);
    const records = await allRecords(home);
    const baseline = records.find((r) => r.kind === 'baseline');
    assert.ok(baseline, 'a baseline record');
    assert.equal(baseline.status, 'stable');
    assert.equal(baseline.template.body, original);
    assert.deepEqual(
      baseline.parameters.find((p) => p.key === 'Name'),
      { key: 'Name', value: 'legacy' },
    );
    const deployed = records.find((r) => r.kind === 'deploy')!;
    const described = (await cfn.send(new DescribeStacksCommand({ StackName: 'orders-dev' }))).Stacks![0]!.Outputs ?? [];
    assert.ok(described.length > 0, 'the stack reports outputs');
    assert.deepEqual(deployed.outputs, Object.fromEntries(described.map((o) => [o.OutputKey, o.OutputValue])));
    assert.match(deployed.outputs!['TopicArn']!, /^arn:aws:sns:us-east-1:123456789012:/);

    const back = await run(repo, ['rollback', 'dev']);
    assert.equal(back.code, 0, back.stderr);
    assert.equal((await cfn.send(new GetTemplateCommand({ StackName: 'orders-dev' }))).TemplateBody, original);
  });

  it('a second deploy of the same stack is refused with who holds it', async () => {
    const repo = await makeRepo();
    assert.equal((await run(repo, ['deploy', 'dev', '--skip-steps'])).code, 0);
    await writeTemplate(repo, topicTemplate('v2'));
    proxy.scenario('orders-dev', { holdMs: 2500 });
    const first = run(repo, ['deploy', 'dev', '--skip-steps'], proxy.endpoint);
    await waitFor('the first deploy to execute', async () => proxy.count('ExecuteChangeSet') === 1);
    const second = await run(repo, ['deploy', 'dev', '--skip-steps'], proxy.endpoint);
    assert.equal(second.code, 4);
    assert.match(second.stderr, /Another deployment \(\d{8}T\d{9}Z-[0-9a-f]{6}\) is running on this stack: deployguard CLI, pid \d+/);
    assert.equal((await first).code, 0);
  });

  it('a deploy killed after its change set was created, before the entry naming its id, is closed by the next run: the change set found by name and dropped, never executed', async () => {
    const repo = await makeRepo();
    assert.equal((await run(repo, ['deploy', 'dev', '--skip-steps'])).code, 0);
    const [v1] = await allRecords(home);
    // What such a run leaves: its record, the entries before the change set (which name it but
    // know no id yet: a new run learns the id only from CloudFormation's answer), the change set.
    const stackHistory = new HistoryStore(home).stack({ account: '123456789012', region: 'us-east-1', stackName: 'orders-dev' });
    const id = newDeploymentId();
    const changeSetName = `deployguard-${id}`;
    const body = topicTemplate('v2');
    // v1's own facts (its change set, its end) are not the killed run's.
    const { finishedAt: _f, verification: _v, changeSetId: _i, changeSetName: _n, changes: _c, ...started } = v1!;
    await stackHistory.write({
      ...started,
      id,
      status: 'deploying',
      template: { body, sha256: createHash('sha256').update(body).digest('hex') },
      clientRequestToken: requestTokenFor(id),
      previous: { deploymentId: v1!.id },
      startedAt: new Date().toISOString(),
    });
    await stackHistory.journal.append({ deploymentId: id, phase: 'started' });
    await stackHistory.journal.append({ deploymentId: id, phase: 'change-set-requested', changeSetName });
    await cfn.send(
      new CreateChangeSetCommand({
        StackName: 'orders-dev',
        ChangeSetName: changeSetName,
        ChangeSetType: 'UPDATE',
        TemplateBody: body,
        Parameters: [{ ParameterKey: 'Name', ParameterValue: 'orders-dev' }],
      }),
    );

    const next = await run(repo, ['deploy', 'dev', '--skip-steps'], proxy.endpoint);
    assert.equal(next.code, 0, next.stderr + next.stdout.slice(-2000));
    assert.ok(next.events.some((e) => e.type === 'notice' && e.code === 'resuming'));
    const closed = (await allRecords(home)).find((r) => r.id === id)!;
    assert.equal(closed.status, 'cancelled');
    assert.match(closed.reason ?? '', /before the change set was executed; the stack was not changed/);
    assert.equal(proxy.count('ExecuteChangeSet'), 0, 'neither the leftover change set nor v1 again was executed');
    assert.ok(
      proxy.requests.some((r) => r.action === 'DeleteChangeSet'),
      'the leftover change set was dropped',
    );
    const left = await cfn.send(new ListChangeSetsCommand({ StackName: 'orders-dev' }));
    assert.ok(!(left.Summaries ?? []).some((c) => c.ChangeSetName === changeSetName), 'no change set left behind');
    assert.equal((await cfn.send(new GetTemplateCommand({ StackName: 'orders-dev' }))).TemplateBody, topicTemplate());
  });

  it('a deploy killed mid-update is resumed by the next run (reattached by stack ARN and token), not started over', async () => {
    const repo = await makeRepo();
    assert.equal((await run(repo, ['deploy', 'dev', '--skip-steps'])).code, 0);
    const [firstRecord] = await allRecords(home);
    await writeTemplate(repo, topicTemplate('v2'));
    proxy.scenario('orders-dev', { holdMs: 4000 });
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli.ts',
        'deploy',
        'dev',
        '--skip-steps',
        '--file',
        join(repo, 'deployguard.yaml'),
        '--endpoint',
        proxy.endpoint,
      ],
      {
        cwd: resolve(__dirname, '..', '..'),
        env: { ...process.env, ...MOTO_ENV, DEPLOYGUARD_HOME: home, DEPLOYGUARD_POLL_MS: '20', NODE_NO_WARNINGS: '1' },
        stdio: 'ignore',
      },
    );
    const journal = join(STACK_DIR(home), 'journal.jsonl');
    await waitFor('the new deploy to be executing (its execute answered: it reads the stack after it)', async () => {
      const actions = proxy.requests.map((r) => r.action);
      const executed = actions.indexOf('ExecuteChangeSet');
      return (
        executed >= 0 &&
        actions.slice(executed + 1).includes('DescribeStacks') &&
        (await readFile(journal, 'utf8')).split('\n').some((l) => l.includes('"phase":"execute-requested"') && !l.includes(firstRecord!.id))
      );
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const [interrupted] = await allRecords(home);
    assert.equal(interrupted!.status, 'deploying', 'the killed process left its record mid-deploy');

    const next = await run(repo, ['deploy', 'dev', '--skip-steps'], proxy.endpoint);
    assert.equal(next.code, 0, next.stderr + next.stdout.slice(-2000));
    assert.ok(next.events.some((e) => e.type === 'notice' && e.code === 'resuming'));
    assert.equal(proxy.count('ExecuteChangeSet'), 1, 'the update was not started a second time');
    const records = await allRecords(home);
    const resumed = records.find((r) => r.id === interrupted!.id)!;
    assert.equal(resumed.status, 'stable');
    assert.equal(records.length, 2, 'no new deployment record: the same change was already deployed');
    const journalText = await readFile(journal, 'utf8');
    assert.ok(!journalText.includes(interrupted!.id) || journalText.includes('"phase":"finished"'));
  });
});
