import { DescribeStacksCommand, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import type { EngineEvent } from '../../src/core/events';
import type { DeploymentRecord } from '../../src/core/history/record';
import { cli, makeRepo, tempHome, topicTemplate, writeTemplate } from '../support/deployFixture';
import { useMotoRig } from '../support/motoRig';

async function latestRecord(home: string, stack = 'orders-dev'): Promise<DeploymentRecord> {
  const dir = join(home, 'stacks', '123456789012', 'us-east-1', stack, 'records');
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  return JSON.parse(await readFile(join(dir, names.at(-1)!), 'utf8')) as DeploymentRecord;
}

function finished(events: EngineEvent[]) {
  const e = events.find((x) => x.type === 'deployment-finished');
  assert.ok(e && e.type === 'deployment-finished', 'a deployment-finished event');
  return e;
}

describe('faults and stack states through the fault proxy (real SDK → proxy → moto)', () => {
  const { moto, proxy, cfn } = useMotoRig({ proxy: true });
  let home: string;
  beforeEach(async () => {
    home = await tempHome();
  });

  const deploy = (repo: string, extra: string[] = [], env: Record<string, string> = {}) =>
    cli(['deploy', 'dev', '--json', '--skip-steps', '--endpoint', proxy.endpoint, ...extra], { cwd: repo, home, env });

  /** A stack deployed once (directly), and its template changed so the next deploy is an update. */
  async function existingStack(): Promise<string> {
    const repo = await makeRepo();
    const first = await cli(['deploy', 'dev', '--skip-steps', '--endpoint', moto.endpoint], { cwd: repo, home });
    assert.equal(first.code, 0, first.stderr);
    await writeTemplate(repo, topicTemplate('v2'));
    return repo;
  }

  it('rides out throttling (the exact AWS payload) with retries and says so in the log', async () => {
    const repo = await existingStack();
    proxy.fault({ action: 'DescribeStacks', kind: 'throttle', times: 2 });
    const run = await deploy(repo);
    assert.equal(run.code, 0, run.stderr + run.stdout.slice(-1500));
    assert.ok(proxy.requests.filter((r) => r.action === 'DescribeStacks' && r.status === 400).length === 2);
    const notices = run.events.filter((e) => e.type === 'notice' && e.code === 'throttled');
    assert.ok(notices.length >= 2, 'throttling is shown');
  });

  it('retries 5xx answers and a connection reset before the request landed', async () => {
    const repo = await existingStack();
    proxy.fault({ action: 'CreateChangeSet', kind: 'server-error', times: 1 });
    proxy.fault({ action: 'DescribeChangeSet', kind: 'reset', times: 1 });
    const run = await deploy(repo);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(finished(run.events).status, 'stable');
    assert.equal(proxy.requests.filter((r) => r.action === 'CreateChangeSet').length, 2);
  });

  it('an answer the SDK cannot parse (an HTML 500) is reported with its HTTP status and first line, not a parse error', async () => {
    const repo = await existingStack();
    proxy.fault({ action: 'DescribeStacks', kind: 'html-500', times: 20 });
    const run = await cli(['deploy', 'dev', '--skip-steps', '--endpoint', proxy.endpoint], { cwd: repo, home });
    assert.notEqual(run.code, 0);
    const printed = run.stdout + run.stderr;
    assert.match(
      printed,
      /HTTP 500 with a body that is not an AWS answer, starting: <html><head><title>500 Internal Server Error<\/title><\/head>/,
    );
    assert.doesNotMatch(printed, /XML parse error|hidden field|\$response|Deserialization error|Unknown: Unknown/);
    assert.equal(
      (await cfn.send(new GetTemplateCommand({ StackName: 'orders-dev' }))).TemplateBody,
      topicTemplate('v1'),
      'nothing deployed',
    );
  });

  it('an execute whose answer is lost is reconciled from the change set, never executed twice', async () => {
    const repo = await existingStack();
    proxy.fault({ action: 'ExecuteChangeSet', kind: 'reset-after', times: 3 });
    const run = await deploy(repo, [], { DEPLOYGUARD_MAX_ATTEMPTS: '1' });
    assert.equal(run.code, 0, run.stderr + run.stdout.slice(-2000));
    assert.ok(run.events.some((e) => e.type === 'notice' && e.code === 'execute-reconciled'));
    const body = (await cfn.send(new GetTemplateCommand({ StackName: 'orders-dev' }))).TemplateBody;
    assert.equal(body, topicTemplate('v2'));
    assert.equal(proxy.count('ExecuteChangeSet'), 1);
  });

  it('a hung connection times out (throwOnRequestTimeout) and is retried', async () => {
    const repo = await existingStack();
    proxy.fault({ action: 'DescribeChangeSet', kind: 'hang', times: 1, hangMs: 20_000 });
    const started = Date.now();
    const run = await deploy(repo, [], { DEPLOYGUARD_REQUEST_TIMEOUT_MS: '700' });
    assert.equal(run.code, 0, run.stderr + run.stdout.slice(-1500));
    assert.ok(Date.now() - started < 15_000, 'did not wait for the hang to end');
    assert.ok(proxy.requests.some((r) => r.action === 'DescribeChangeSet' && r.status === 'hang'));
  });

  it('LimitExceededException is a quota: not retried, one clear message', async () => {
    const repo = await existingStack();
    proxy.fault({ action: 'CreateChangeSet', kind: 'limit', times: 5 });
    const run = await deploy(repo);
    assert.equal(run.code, 1);
    assert.equal(proxy.count('CreateChangeSet'), 1, 'no retries for a quota');
    assert.match(finished(run.events).reason ?? '', /quota/);
  });

  it('expired credentials stop at once with the fix, without a retry storm', async () => {
    const repo = await existingStack();
    proxy.fault({ action: 'GetCallerIdentity', kind: 'expired', times: 5 });
    const run = await deploy(repo);
    assert.equal(run.code, 1);
    assert.equal(proxy.count('GetCallerIdentity'), 1);
    assert.match(run.stderr, /expired/);
    assert.match(run.stderr, /refresh your AWS credentials/);
    assert.equal(proxy.count('CreateChangeSet'), 0);
  });

  it('follows an update held UPDATE_IN_PROGRESS until it completes, with its own token on the events', async () => {
    const repo = await existingStack();
    proxy.scenario('orders-dev', { holdMs: 1500 });
    const started = Date.now();
    const run = await deploy(repo);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(Date.now() - started >= 1500);
    const statuses = run.events.filter((e) => e.type === 'stack-status').map((e) => (e.type === 'stack-status' ? e.status : ''));
    assert.deepEqual(statuses, ['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE']);
    const record = await latestRecord(home);
    assert.equal(record.status, 'stable');
  });

  it('UPDATE_ROLLBACK_COMPLETE → failed with the first failed resource, and no second rollback', async () => {
    const repo = await existingStack();
    proxy.scenario('orders-dev', {
      holdMs: 300,
      final: 'UPDATE_ROLLBACK_COMPLETE',
      failedResource: { logicalId: 'Topic', type: 'AWS::SNS::Topic', reason: 'Topic policy is invalid (Service: Sns, Status Code: 400)' },
    });
    const run = await deploy(repo);
    assert.equal(run.code, 1);
    const end = finished(run.events);
    assert.equal(end.status, 'failed');
    assert.match(end.reason!, /Topic \(AWS::SNS::Topic\): Topic policy is invalid/);
    assert.match(end.reason!, /CloudFormation rolled the stack back/);
    assert.equal(proxy.count('CreateChangeSet'), 1, 'Deploy Guard did not start a rollback of its own');
    const events = run.events.filter((e) => e.type === 'stack-event');
    assert.ok(events.some((e) => e.type === 'stack-event' && e.status === 'UPDATE_FAILED'));
  });

  it('ROLLBACK_COMPLETE after a failed create: explained, refused, then replaced only with --replace-failed-stack', async () => {
    const repo = await makeRepo();
    proxy.scenario('orders-dev', { holdMs: 200, final: 'ROLLBACK_COMPLETE' });
    const create = await deploy(repo);
    assert.equal(create.code, 1);
    assert.match(finished(create.events).reason!, /ROLLBACK_COMPLETE.*--replace-failed-stack/);

    const again = await deploy(repo);
    assert.equal(again.code, 4, again.stdout.slice(-1000));
    assert.match(finished(again.events).reason!, /--replace-failed-stack/);
    assert.equal(proxy.count('DeleteStack'), 0, 'never deleted without the flag');

    const replaced = await deploy(repo, ['--replace-failed-stack']);
    assert.equal(replaced.code, 0, replaced.stderr + replaced.stdout.slice(-1500));
    assert.equal(proxy.count('DeleteStack'), 1);
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: 'orders-dev' }))).Stacks![0]!;
    assert.equal(stack.StackStatus, 'CREATE_COMPLETE');
  });

  it('UPDATE_ROLLBACK_FAILED → needs-attention (exit 4); recover runs ContinueUpdateRollback', async () => {
    const repo = await existingStack();
    proxy.scenario('orders-dev', { holdMs: 200, final: 'UPDATE_ROLLBACK_FAILED' });
    const run = await deploy(repo);
    assert.equal(run.code, 4);
    assert.match(finished(run.events).reason!, /deployguard recover dev/);

    const refused = await deploy(repo);
    assert.equal(refused.code, 4);
    assert.equal(proxy.count('ExecuteChangeSet'), 1, 'no second update of a stuck stack');

    const recovered = await cli(['recover', 'dev', '--json', '--skip', 'Topic', '--endpoint', proxy.endpoint], { cwd: repo, home });
    assert.equal(recovered.code, 0, recovered.stderr + recovered.stdout.slice(-1500));
    assert.equal(proxy.count('ContinueUpdateRollback'), 1);
    const call = proxy.requests.find((r) => r.action === 'ContinueUpdateRollback')!;
    assert.equal(call.params?.['ResourcesToSkip.member.1'], 'Topic', 'skips exactly what the user named');
    assert.match(call.params?.['ClientRequestToken'] ?? '', /^deployguard-recover-/);
    assert.ok(recovered.events.some((e) => e.type === 'notice' && e.code === 'skipping-resources'));
    assert.equal(finished(recovered.events).status, 'rolled-back');
    const stackEvents = recovered.events.filter((e) => e.type === 'stack-status').map((e) => (e.type === 'stack-status' ? e.status : ''));
    assert.ok(stackEvents.includes('UPDATE_ROLLBACK_COMPLETE'));
  });

  it('cancelling during an update asks CloudFormation to roll it back (CancelUpdateStack) and records cancelled', async () => {
    const repo = await existingStack();
    proxy.scenario('orders-dev', { holdMs: 10_000 });
    const controller = new AbortController();
    const running = cli(['deploy', 'dev', '--json', '--skip-steps', '--endpoint', proxy.endpoint], {
      cwd: repo,
      home,
      signal: controller.signal,
    });
    const deadline = Date.now() + 15_000;
    while (proxy.count('ExecuteChangeSet') === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    controller.abort();
    const run = await running;
    assert.equal(run.code, 1);
    assert.equal(finished(run.events).status, 'cancelled');
    assert.equal(proxy.count('CancelUpdateStack'), 1);
    assert.ok(run.events.some((e) => e.type === 'notice' && e.code === 'cancel-requested'));
    assert.equal((await latestRecord(home)).status, 'cancelled');
  });

  it('another operation in progress: refused with who runs it, or waited for with --wait-if-busy', async () => {
    const repo = await existingStack();
    proxy.scenario('orders-dev', { start: 'now', holdMs: 1200, token: 'someone-elses-operation' });
    const refused = await deploy(repo);
    assert.equal(refused.code, 1);
    assert.match(finished(refused.events).reason!, /UPDATE_IN_PROGRESS.*someone-elses-operation/);
    assert.equal(proxy.count('CreateChangeSet'), 0);

    proxy.scenario('orders-dev', { start: 'now', holdMs: 1200, token: 'someone-elses-operation' });
    const waited = await deploy(repo, ['--wait-if-busy', '30s']);
    assert.equal(waited.code, 0, waited.stderr);
    assert.ok(waited.events.some((e) => e.type === 'notice' && e.code === 'waiting-for-stack'));
  });
});
