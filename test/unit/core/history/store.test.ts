import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DeployGuardError } from '../../../../src/core/errors';
import { acquireStackLock, isStale } from '../../../../src/core/history/lock';
import { deployGuardHome, newDeploymentId } from '../../../../src/core/history/paths';
import { HISTORY_SCHEMA_VERSION, type DeploymentRecord } from '../../../../src/core/history/record';
import { HistoryStore } from '../../../../src/core/history/store';

const KEY = { account: '123456789012', region: 'eu-west-1', stackName: 'orders-dev' };

function record(id: string, status: DeploymentRecord['status'] = 'stable'): DeploymentRecord {
  return {
    schemaVersion: HISTORY_SCHEMA_VERSION,
    id,
    kind: 'deploy',
    environment: 'dev',
    stackName: KEY.stackName,
    region: KEY.region,
    account: KEY.account,
    template: { body: 'Resources: {}', sha256: 'x' },
    parameters: [],
    tags: {},
    capabilities: [],
    status,
    startedAt: new Date().toISOString(),
    steps: [],
  };
}

async function store() {
  return new HistoryStore(await mkdtemp(join(tmpdir(), 'dg-hist-')));
}

describe('history store', () => {
  it('lives in DEPLOYGUARD_HOME, default ~/.deployguard', () => {
    assert.equal(deployGuardHome({ DEPLOYGUARD_HOME: '/x/y' }), '/x/y');
    assert.match(deployGuardHome({}), /\.deployguard$/);
  });

  it('keys history by account/region/stack and refuses names that could escape the folder', async () => {
    const s = await store();
    assert.match(s.stack(KEY).dir, /stacks\/123456789012\/eu-west-1\/orders-dev$/);
    assert.throws(
      () => s.stack({ ...KEY, stackName: '../../etc' }),
      (e) => DeployGuardError.is(e, 'ConfigInvalid'),
    );
  });

  it('writes atomically, lists newest first, finds the current stable record', async () => {
    const h = (await store()).stack(KEY);
    const ids = [newDeploymentId(1_000), newDeploymentId(2_000), newDeploymentId(3_000)];
    await h.write(record(ids[0]!, 'stable'));
    await h.write(record(ids[1]!, 'stable'));
    await h.write(record(ids[2]!, 'failed'));
    const { records } = await h.list();
    assert.deepEqual(
      records.map((r) => r.id),
      [ids[2], ids[1], ids[0]],
    );
    assert.equal((await h.currentStable())?.id, ids[1]);
    const files = await readdir(join(h.dir, 'records'));
    assert.ok(
      files.every((f) => f.endsWith('.json')),
      'no temp files left behind',
    );
  });

  it('sets a damaged record aside and reports it, keeping the others', async () => {
    const h = (await store()).stack(KEY);
    const good = newDeploymentId(1_000);
    await h.write(record(good));
    const bad = newDeploymentId(2_000);
    await writeFile(join(h.dir, 'records', `${bad}.json`), '{"schemaVersion":1,"id":"tor');
    const { records, damaged } = await h.list();
    assert.deepEqual(
      records.map((r) => r.id),
      [good],
    );
    assert.equal(damaged.length, 1);
    assert.match(damaged[0]!.problem, /not valid JSON/);
    assert.equal(await readFile(damaged[0]!.movedTo!, 'utf8'), '{"schemaVersion":1,"id":"tor', 'kept byte for byte');
    assert.equal((await h.list()).damaged.length, 0, 'reported once, not lost');
  });

  it('leaves a record from a newer schema in place and reports it', async () => {
    const h = (await store()).stack(KEY);
    const id = newDeploymentId();
    await h.write(record(id));
    const path = join(h.dir, 'records', `${id}.json`);
    await writeFile(path, JSON.stringify({ ...record(id), schemaVersion: 99 }));
    const { records, damaged } = await h.list();
    assert.equal(records.length, 0);
    assert.match(damaged[0]!.problem, /newer version/);
    assert.ok((await readdir(join(h.dir, 'records'))).includes(`${id}.json`));
  });

  it('journal: open operations survive; a torn last line is set aside and reported', async () => {
    const h = (await store()).stack(KEY);
    await h.journal.append({ deploymentId: 'a', phase: 'started' });
    await h.journal.append({ deploymentId: 'a', phase: 'executing', stackId: 'arn:stack/a', clientRequestToken: 'tok-a' });
    await h.journal.append({ deploymentId: 'b', phase: 'started' });
    await h.journal.append({ deploymentId: 'b', phase: 'finished' });
    await appendFile(h.journal.path, '{"schemaVersion":1,"deploymentId":"c","pha');
    const { open, damaged } = await h.journal.openOperations();
    assert.deepEqual(
      open.map((e) => [e.deploymentId, e.phase, e.stackId, e.clientRequestToken]),
      [['a', 'executing', 'arn:stack/a', 'tok-a']],
    );
    assert.equal(damaged.length, 1);
    assert.match(await readFile(damaged[0]!.movedTo!, 'utf8'), /"deploymentId":"c","pha/);
    await h.journal.compact();
    const lines = (await readFile(h.journal.path, 'utf8')).trim().split('\n');
    assert.equal(lines.length, 2, 'finished deployments compacted away');
  });
});

describe('stack lock', () => {
  it('refuses a second holder with who holds it, and frees on release', async () => {
    const h = (await store()).stack(KEY);
    const first = await h.acquireLock({ deploymentId: 'd1', holder: 'deployguard CLI' });
    await assert.rejects(h.acquireLock({ deploymentId: 'd2', holder: 'vscode' }), (e: unknown) => {
      assert.ok(DeployGuardError.is(e, 'LockHeld'));
      assert.match(e.message, /d1/);
      assert.match(e.message, new RegExp(`pid ${process.pid} on ${hostname()}`));
      return true;
    });
    await first.release();
    const second = await h.acquireLock({ deploymentId: 'd2', holder: 'vscode' });
    assert.equal(second.tookOverFrom, undefined);
    await second.release();
  });

  it('takes over the lock of a dead process on this host at once', async () => {
    const h = (await store()).stack(KEY);
    const child = spawn(process.execPath, ['-e', '0']);
    const deadPid = child.pid!;
    await new Promise((r) => child.on('exit', r));
    await mkdir(h.dir, { recursive: true });
    await writeFile(
      h.lockPath,
      JSON.stringify({
        pid: deadPid,
        host: hostname(),
        deploymentId: 'old',
        holder: 'crashed',
        acquiredAt: new Date().toISOString(),
        heartbeatAt: new Date().toISOString(),
        token: 't',
      }),
    );
    const lock = await h.acquireLock({ deploymentId: 'new', holder: 'cli' });
    assert.equal(lock.tookOverFrom?.deploymentId, 'old');
    await lock.release();
  });

  it('a silent holder on another host is stale only after its heartbeat stops', async () => {
    const fresh = {
      pid: 1,
      host: 'other-host',
      deploymentId: 'x',
      holder: 'h',
      acquiredAt: '',
      heartbeatAt: new Date().toISOString(),
      token: 't',
    };
    assert.equal(isStale(fresh, 30_000), false);
    assert.equal(isStale({ ...fresh, heartbeatAt: new Date(Date.now() - 60_000).toISOString() }, 30_000), true);
  });

  it('the heartbeat keeps a live lock fresh', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dg-lock-'));
    const path = join(dir, 'lock.json');
    const lock = await acquireStackLock(path, { deploymentId: 'd', holder: 'h', heartbeatMs: 30 });
    const before = JSON.parse(await readFile(path, 'utf8')).heartbeatAt as string;
    await new Promise((r) => setTimeout(r, 120));
    const afterBeat = JSON.parse(await readFile(path, 'utf8')).heartbeatAt as string;
    assert.ok(afterBeat > before);
    await lock.release();
    await assert.rejects(readFile(path));
  });

  it('only one of many concurrent takeovers of a stale lock wins', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dg-lock-'));
    const path = join(dir, 'lock.json');
    await writeFile(
      path,
      JSON.stringify({
        pid: 1,
        host: 'gone',
        deploymentId: 'old',
        holder: 'h',
        acquiredAt: '',
        heartbeatAt: '2000-01-01T00:00:00.000Z',
        token: 't',
      }),
    );
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => acquireStackLock(path, { deploymentId: `d${i}`, holder: 'h', staleMs: 1000 })),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    assert.equal(won.length, 1);
    for (const r of results) if (r.status === 'rejected') assert.ok(DeployGuardError.is(r.reason, 'LockHeld'));
    await (won[0] as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
  });
});
