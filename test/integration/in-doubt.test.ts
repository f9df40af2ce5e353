/**
 * No version stays live unverified: a deploy whose outcome is unknown (credentials expired while
 * CloudFormation runs the update; the execute's answer lost and the change set unreadable) or
 * whose bake is stopped (Ctrl+C) leaves its record open, and the next deploy of the stack
 * reattaches to it by stack ARN and token and bakes it instead of saying "unchanged". Real SDK →
 * fault proxy → moto, the CLI in-process.
 */
import { GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import assert from 'node:assert/strict';
import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import type { EngineEvent } from '../../src/core/events';
import type { DeploymentRecord, JournalEntry } from '../../src/core/history/record';
import { cli, makeRepo, tempHome, topicTemplate, writeTemplate } from '../support/deployFixture';
import { putAlarm } from '../support/healthFixtures';
import { useMotoRig } from '../support/motoRig';

const STACK_DIR = ['stacks', '123456789012', 'us-east-1', 'orders-dev'];

const HEALTH = `    health:
      alarms: [orders-5xx]
      bake: 2s
      pollSeconds: 1
      rollback: auto
`;

async function records(home: string): Promise<DeploymentRecord[]> {
  const dir = join(home, ...STACK_DIR, 'records');
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8')) as DeploymentRecord));
}

async function record(home: string, id: string): Promise<DeploymentRecord> {
  return JSON.parse(await readFile(join(home, ...STACK_DIR, 'records', `${id}.json`), 'utf8')) as DeploymentRecord;
}

async function journal(home: string): Promise<JournalEntry[]> {
  const text = await readFile(join(home, ...STACK_DIR, 'journal.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as JournalEntry);
}

function finishedOf(events: readonly EngineEvent[], id?: string) {
  const e = events.find((x) => x.type === 'deployment-finished' && (id === undefined || x.deploymentId === id));
  assert.ok(e && e.type === 'deployment-finished', `a deployment-finished event${id ? ` for ${id}` : ''}`);
  return e;
}

describe('in doubt: a version that went out is watched, never "unchanged" unverified', () => {
  const { moto, proxy, cfn, cw } = useMotoRig({ proxy: true });
  let home: string;
  beforeEach(async () => {
    home = await tempHome();
    await putAlarm(cw, 'orders-5xx');
  });

  const deploy = (repo: string, extra: string[] = [], options: { env?: Record<string, string>; signal?: AbortSignal } = {}) =>
    cli(['deploy', 'dev', '--json', '--skip-steps', '--endpoint', proxy.endpoint, ...extra], {
      cwd: repo,
      home,
      ...(options.env ? { env: options.env } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });

  /** v1 deployed and verified (its bake watched the alarm), the template changed to v2. */
  async function verifiedV1(): Promise<string> {
    const repo = await makeRepo({ extraEnvironment: HEALTH });
    const first = await cli(['deploy', 'dev', '--json', '--skip-steps', '--endpoint', moto.endpoint], { cwd: repo, home });
    assert.equal(first.code, 0, first.stderr + first.stdout.slice(-1500));
    assert.equal(finishedOf(first.events).status, 'stable');
    await writeTemplate(repo, topicTemplate('v2'));
    return repo;
  }

  /** The in-doubt run: exit 4, its record open (no finish time) and its journal saying so. */
  async function assertLeftInDoubt(run: Awaited<ReturnType<typeof deploy>>, status: 'in-doubt' | 'unverified'): Promise<string> {
    assert.equal(run.code, 4, run.stderr + run.stdout.slice(-2000));
    const end = finishedOf(run.events);
    assert.equal(end.status, status);
    const left = await record(home, end.deploymentId);
    assert.equal(left.status, status);
    assert.equal(left.finishedAt, undefined, 'the record stays open');
    const lines = (await journal(home)).filter((e) => e.deploymentId === end.deploymentId);
    assert.equal(lines.at(-1)?.phase, 'in-doubt', 'the journal says it is in doubt, not finished');
    assert.ok(lines.at(-1)?.clientRequestToken, 'with the token to reattach by');
    return end.deploymentId;
  }

  /** The rerun: the open record reattached to and baked to stable (verified by the alarm), no second operation. */
  async function assertReattachedAndBaked(run: Awaited<ReturnType<typeof deploy>>, id: string): Promise<void> {
    assert.equal(run.code, 0, run.stderr + run.stdout.slice(-2000));
    assert.ok(
      run.events.some((e) => e.type === 'notice' && e.code === 'resuming' && e.deploymentId === id),
      'the rerun reattaches to the open deployment',
    );
    assert.ok(
      run.events.some((e) => e.type === 'watch-started' && e.deploymentId === id),
      'and bakes it',
    );
    assert.equal(finishedOf(run.events, id).status, 'stable');
    const done = await record(home, id);
    assert.equal(done.status, 'stable');
    assert.equal(done.verification?.kind, 'alarms');
    assert.deepEqual(done.verification?.alarms, ['orders-5xx']);
    assert.equal(proxy.count('ExecuteChangeSet'), 0, 'never a second stack operation');
    assert.ok(!run.events.some((e) => e.type === 'deployment-finished' && e.status === 'unchanged'), 'not reported unchanged');
    assert.equal((await journal(home)).filter((e) => e.deploymentId === id).at(-1)?.phase ?? 'finished', 'finished');
  }

  it('credentials expire while CloudFormation runs the update: in doubt; signed in again, the rerun reattaches and bakes → stable', async () => {
    const repo = await verifiedV1();
    proxy.scenario('orders-dev', { holdMs: 3_000 });
    proxy.fault({ action: 'DescribeStacks', kind: 'expired', times: 1_000, afterAction: 'ExecuteChangeSet' });
    proxy.fault({ action: 'DescribeStackEvents', kind: 'expired', times: 1_000, afterAction: 'ExecuteChangeSet' });
    const expired = await deploy(repo);
    const id = await assertLeftInDoubt(expired, 'in-doubt');
    assert.match(finishedOf(expired.events).reason ?? '', /sign in again and run the same deploy to reattach/);

    proxy.reset(); // signed in again
    const rerun = await deploy(repo);
    await assertReattachedAndBaked(rerun, id);
    assert.equal((await cfn.send(new GetTemplateCommand({ StackName: 'orders-dev' }))).TemplateBody, topicTemplate('v2'));
  });

  it("ExecuteChangeSet's answer lost and the change set unreadable: in doubt; the rerun finds it executed, follows and bakes it", async () => {
    const repo = await verifiedV1();
    proxy.fault({ action: 'ExecuteChangeSet', kind: 'reset-after', times: 1 });
    proxy.fault({ action: 'DescribeChangeSet', kind: 'expired', times: 1_000, afterAction: 'ExecuteChangeSet' });
    const lost = await deploy(repo, [], { env: { DEPLOYGUARD_MAX_ATTEMPTS: '1' } });
    const id = await assertLeftInDoubt(lost, 'in-doubt');
    assert.match(finishedOf(lost.events).reason ?? '', /could not be read/);

    proxy.reset();
    await assertReattachedAndBaked(await deploy(repo), id);
  });

  it('Ctrl+C during the bake: live, not verified; the rerun watches it instead of "unchanged"; a verified version is then "unchanged"', async () => {
    const repo = await verifiedV1();
    const controller = new AbortController();
    const running = deploy(repo, ['--bake', '60s'], { signal: controller.signal });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const latest = (await records(home).catch(() => [])).at(-1);
      if (latest?.kind === 'deploy' && latest.status === 'watching' && latest.healthWatch) break;
      assert.ok(Date.now() < deadline, 'the bake started');
      await new Promise((r) => setTimeout(r, 50));
    }
    controller.abort();
    const stopped = await running;
    const id = await assertLeftInDoubt(stopped, 'unverified');
    assert.match(finishedOf(stopped.events).reason ?? '', /run the same deploy again to watch it/);
    const history = await cli(['history', 'dev', '--endpoint', proxy.endpoint], { cwd: repo, home });
    assert.equal(history.code, 0, history.stderr);
    assert.match(history.stdout, new RegExp(`${id}\\s+deploy\\s+live, not verified .*\\(open: deploy again to watch it\\)`));

    proxy.reset();
    const rerun = await deploy(repo);
    await assertReattachedAndBaked(rerun, id);

    const again = await deploy(repo);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(finishedOf(again.events).status, 'unchanged', 'a verified live version deployed again is unchanged');
    assert.ok(!again.events.some((e) => e.type === 'watch-started'));
  });

  it('a version left live and unverified by an older run (closed as cancelled) is watched by the next deploy, not "unchanged"', async () => {
    const repo = await verifiedV1();
    const controller = new AbortController();
    const running = deploy(repo, ['--bake', '60s'], { signal: controller.signal });
    const deadline = Date.now() + 30_000;
    while (!(await records(home).catch(() => [])).some((r) => r.kind === 'deploy' && r.status === 'watching' && r.healthWatch)) {
      assert.ok(Date.now() < deadline, 'the bake started');
      await new Promise((r) => setTimeout(r, 50));
    }
    controller.abort();
    const id = await assertLeftInDoubt(await running, 'unverified');
    // What a run before this rule wrote: the record closed as cancelled, the journal finished.
    const old = await record(home, id);
    await writeFile(
      join(home, ...STACK_DIR, 'records', `${id}.json`),
      JSON.stringify({ ...old, status: 'cancelled', finishedAt: new Date().toISOString() }, null, 2),
    );
    await appendFile(
      join(home, ...STACK_DIR, 'journal.jsonl'),
      `${JSON.stringify({ schemaVersion: 1, at: new Date().toISOString(), deploymentId: id, phase: 'finished', owner: '1@elsewhere' })}\n`,
    );

    proxy.reset();
    const rerun = await deploy(repo);
    assert.equal(rerun.code, 0, rerun.stderr + rerun.stdout.slice(-2000));
    const end = finishedOf(rerun.events);
    assert.notEqual(end.deploymentId, id);
    assert.equal(end.status, 'stable', 'watched, not unchanged');
    assert.ok(rerun.events.some((e) => e.type === 'notice' && e.code === 'watching-live-version'));
    assert.ok(rerun.events.some((e) => e.type === 'watch-started' && e.deploymentId === end.deploymentId));
    assert.equal(proxy.count('ExecuteChangeSet'), 0);
    assert.equal((await record(home, end.deploymentId)).verification?.kind, 'alarms');

    const again = await deploy(repo);
    assert.equal(finishedOf(again.events).status, 'unchanged');
  });

  it('a manual rollback of a version left live and unverified restores the verified one without baking it first; the next deploy closes it', async () => {
    const repo = await verifiedV1();
    const controller = new AbortController();
    const running = deploy(repo, ['--bake', '60s'], { signal: controller.signal });
    const deadline = Date.now() + 30_000;
    while (!(await records(home).catch(() => [])).some((r) => r.kind === 'deploy' && r.status === 'watching' && r.healthWatch)) {
      assert.ok(Date.now() < deadline, 'the bake started');
      await new Promise((r) => setTimeout(r, 50));
    }
    controller.abort();
    const id = await assertLeftInDoubt(await running, 'unverified');

    const rolledBack = await cli(['rollback', 'dev', '--json', '--endpoint', proxy.endpoint], { cwd: repo, home });
    assert.equal(rolledBack.code, 0, rolledBack.stderr + rolledBack.stdout.slice(-2000));
    assert.ok(
      !rolledBack.events.some((e) => e.type === 'watch-started' && e.deploymentId === id),
      'the unverified version is not baked first',
    );
    assert.equal((await cfn.send(new GetTemplateCommand({ StackName: 'orders-dev' }))).TemplateBody, topicTemplate('v1'));
    assert.equal((await record(home, id)).status, 'unverified', 'still open: nothing watched it');

    const next = await deploy(repo);
    assert.equal(next.code, 0, next.stderr + next.stdout.slice(-2000));
    const closed = await record(home, id);
    assert.equal(closed.status, 'cancelled');
    assert.match(closed.reason ?? '', /no longer runs this version \(the template differs\)/);
    const end = next.events.filter((e) => e.type === 'deployment-finished').at(-1);
    assert.ok(
      end && end.type === 'deployment-finished' && end.deploymentId !== id && end.status === 'stable',
      'v2 deployed again and baked',
    );
  });
});
