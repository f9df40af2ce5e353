/**
 * The team's history on S3 (moto over HTTP, the fault proxy for what moto lacks: 409s, 5xx,
 * ExpectedBucketOwner, slow answers). Two machines are two DEPLOYGUARD_HOME folders sharing one bucket.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { AwsClients } from '../../src/core/aws/clients';
import { HistoryBucket } from '../../src/core/aws/historyBucket';
import { DeployGuardError } from '../../src/core/errors';
import { ExitCode } from '../../src/core/model';
import type { EngineEvent } from '../../src/core/events';
import { HistoryStore } from '../../src/core/history/store';
import { S3HistoryStore } from '../../src/core/history/s3Store';
import type { StackLock } from '../../src/core/history/lock';
import { newDeploymentId } from '../../src/core/history/paths';
import type { HealthConfig } from '../../src/core/pipeline/types';
import { spawnCli, until } from '../support/cliProcess';
import { StackPollers } from '../../src/core/aws/stackPoller';
import { DeploymentRun, statusForError } from '../../src/core/deployment/deploymentRun';
import { createMasker } from '../../src/core/secrets';
import { cli, makeRepo, tempHome, topicTemplate, writeTemplate } from '../support/deployFixture';
import {
  ACCOUNT,
  deployVersion,
  engineContext,
  health,
  memoryLogger,
  putAlarm,
  record,
  REGION,
  restoreVerifying,
  setAlarm,
  versionedPipeline,
  watchStarted,
} from '../support/healthFixtures';
import { useMotoRig } from '../support/motoRig';

const BUCKET = 'team-history';
const STACK = 'orders-dev';
const KEY = { account: ACCOUNT, region: REGION, stackName: STACK };

describe('team history on S3 (moto)', () => {
  const { moto, proxy, cfn, cw, s3 } = useMotoRig({ proxy: true });

  beforeEach(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });

  async function keys(prefix: string): Promise<string[]> {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    return (out.Contents ?? []).map((o) => o.Key!);
  }

  /** A store on `endpoint` as a machine with DEPLOYGUARD_HOME `home` opens it. */
  function storeOf(home: string, endpoint = moto.endpoint, prefix = 'team') {
    const clients = new AwsClients({ region: REGION, endpoint }, { maxAttempts: 2 });
    const bucket = new HistoryBucket(() => clients.s3(), BUCKET, ACCOUNT);
    return { store: new S3HistoryStore({ bucket, prefix, cacheRoot: join(home, 'cache', 's3') }), clients };
  }

  it("machine B, which never saw v1, restores the v1 machine A verified; A's history shows B's rollback", async () => {
    await putAlarm(cw, 'orders-5xx');
    const repo = await mkdtemp(join(tmpdir(), 'dg-team-repo-'));
    const [homeA, homeB] = [await tempHome(), await tempHome()];
    const events: EngineEvent[] = [];
    const pipeline = (version: string, h: Partial<HealthConfig> = {}) => ({
      ...versionedPipeline({
        stackName: STACK,
        version,
        endpoint: moto.endpoint,
        health: health({ alarms: ['orders-5xx'], bakeMs: 1500, pollSeconds: 0.2, ...h }),
      }),
      history: `s3://${BUCKET}/team`,
    });

    const v1 = await deployVersion({ ctx: engineContext(homeA, (e) => events.push(e)), repo, pipeline: pipeline('v1'), version: 'v1' });
    assert.equal(v1.record.status, 'stable', v1.record.reason);

    const alarm = async () => {
      await watchStarted(events);
      await setAlarm(cw, 'orders-5xx', 'ALARM', 'Threshold Crossed: 12 errors');
      if (await restoreVerifying(events)) await setAlarm(cw, 'orders-5xx', 'OK', 'recovered');
    };
    const v2 = await deployVersion({
      ctx: engineContext(homeB, (e) => events.push(e)),
      repo,
      pipeline: pipeline('v2'),
      version: 'v2',
      during: alarm,
    });
    assert.equal(v2.record.status, 'rolled-back', v2.record.reason);

    // A reads the team's ledger: B's rollback, restoring A's v1.
    const { store, clients } = storeOf(homeA);
    try {
      const { records, stale } = await store.stack(KEY).list();
      assert.equal(stale, undefined);
      const rollback = records.find((r) => r.kind === 'rollback');
      assert.ok(rollback, `a rollback record in ${records.map((r) => `${r.kind}:${r.status}`).join(', ')}`);
      assert.equal(rollback.rollbackTargetId, v1.record.id, 'B restored the version A verified');
      assert.equal(rollback.status, 'stable');
      assert.equal(records.find((r) => r.id === v2.record.id)?.status, 'rolled-back');
      // B's run log is readable from A, through the store.
      const log = await store.stack(KEY).readLog(v2.record.id);
      assert.match(log ?? '', /rolled-back/);
      assert.equal((await store.stack(KEY).journal.openOperations()).open.length, 0, 'nothing left open in the journal');
    } finally {
      clients.dispose();
    }
    // Neither machine wrote records into its local folder: the bucket is the history.
    for (const home of [homeA, homeB]) {
      await assert.rejects(readdir(join(home, 'stacks', ACCOUNT, REGION, STACK, 'records')), /ENOENT/);
    }
  });

  it('N machines deploying one stack at once: exactly one deploys, the others are refused naming its CI run', async () => {
    const repo = await makeRepo({ steps: '\n  - name: Hold\n    run: sleep 1.5' });
    const homes = await Promise.all(Array.from({ length: 5 }, () => tempHome()));
    const runs = await Promise.all(
      homes.map((home, i) =>
        cli(['deploy', 'dev', '--endpoint', moto.endpoint, '--history', `s3://${BUCKET}/team`], {
          cwd: repo,
          home,
          env: {
            GITHUB_ACTIONS: 'true',
            GITHUB_RUN_ID: String(4710 + i),
            GITHUB_REPOSITORY: 'acme/orders',
            GITHUB_SERVER_URL: 'https://github.com',
          },
        }),
      ),
    );
    const winners = runs.flatMap((r, i) => (r.code === 0 ? [i] : []));
    assert.equal(winners.length, 1, runs.map((r) => `${r.code}: ${r.stderr.slice(0, 300)}`).join('\n'));
    const winnerRun = 4710 + winners[0]!;
    for (const [i, r] of runs.entries()) {
      if (i === winners[0]) continue;
      assert.equal(r.code, ExitCode.NeedsPerson, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`dev is being deployed by CI run ${winnerRun} \\(https://github\\.com/acme/orders/actions/runs/${winnerRun}\\)`),
      );
    }
    assert.deepEqual(await keys('team/stacks/123456789012/us-east-1/orders-dev/lock.json'), [], 'the winner released the lock');

    // Any machine's history names who started the deployment: the winner's CI run and its page.
    const shown = await cli(['history', 'dev', '--endpoint', moto.endpoint, '--history', `s3://${BUCKET}/team`], {
      cwd: repo,
      home: await tempHome(),
    });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(
      shown.stdout,
      new RegExp(`\\n      by CI run ${winnerRun} \\(GitHub Actions, https://github\\.com/acme/orders/actions/runs/${winnerRun}\\)\\n`),
    );
    const json = await cli(['history', 'dev', '--json', '--endpoint', moto.endpoint, '--history', `s3://${BUCKET}/team`], {
      cwd: repo,
      home: await tempHome(),
    });
    const [line] = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { startedBy: unknown });
    assert.deepEqual(line?.startedBy, {
      name: `CI run ${winnerRun}`,
      ci: 'GitHub Actions',
      url: `https://github.com/acme/orders/actions/runs/${winnerRun}`,
    });
  });

  it("a killed holder's lock is taken over exactly once after its TTL; before it, it is refused", async () => {
    const home = await tempHome();
    const { store, clients } = storeOf(home);
    try {
      const stack = store.stack(KEY);
      // A holder that never beats again: killed the moment it took the lock.
      const dead = await stack.acquireLock({ deploymentId: 'dead-one', holder: 'cli', heartbeatMs: 3_600_000, staleMs: 1000 });
      assert.equal((await stack.readLock())?.ttlMs, 1000, 'a reader learns the TTL the holder is judged by');
      await assert.rejects(stack.acquireLock({ deploymentId: 'early', holder: 'cli', staleMs: 1000 }), (e) =>
        DeployGuardError.is(e, 'LockHeld'),
      );
      await new Promise((r) => setTimeout(r, 2300));
      const contenders = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) =>
          storeOf(home)
            .store.stack(KEY)
            .acquireLock({ deploymentId: `c${i}`, holder: 'cli', staleMs: 1000, heartbeatMs: 200 }),
        ),
      );
      const won = contenders.flatMap((c) => (c.status === 'fulfilled' ? [c.value] : []));
      assert.equal(won.length, 1, contenders.map((c) => (c.status === 'rejected' ? String(c.reason) : 'won')).join('\n'));
      // The winner is the one whose delete of the expired version removed it, or one whose create came
      // right after that delete: either way the dead holder's lock was replaced once, by one winner.
      assert.ok([undefined, 'dead-one'].includes(won[0]!.tookOverFrom?.deploymentId), String(won[0]!.tookOverFrom?.deploymentId));
      for (const c of contenders) {
        if (c.status === 'rejected') {
          assert.ok(DeployGuardError.is(c.reason, 'LockHeld'), String(c.reason));
          assert.match(c.reason.message, new RegExp(`\\(${won[0]!.info.deploymentId}\\)`), 'names the winner');
        }
      }
      await won[0]!.release();
      await dead.release(); // its ETag is gone: the release leaves the (empty) slot alone
      assert.deepEqual(await keys('team/stacks/123456789012/us-east-1/orders-dev/lock.json'), []);
    } finally {
      clients.dispose();
    }
  });

  it('a contender judges the lock by the TTL its holder wrote, never its own: a short-TTL contender does not rob a long-TTL holder', async () => {
    const home = await tempHome();
    const { store, clients } = storeOf(home);
    let holder: StackLock | undefined;
    try {
      // The holder promises to beat within 10 s and beats slowly; 3.6 s after its last beat a contender
      // whose own TTL is 2 s would call it expired (past 2 s plus LastModified's grain), its holder's says not.
      holder = await store.stack(KEY).acquireLock({ deploymentId: 'slow-beater', holder: 'cli', heartbeatMs: 3_600_000, staleMs: 10_000 });
      await new Promise((r) => setTimeout(r, 3600));
      await assert.rejects(storeOf(home).store.stack(KEY).acquireLock({ deploymentId: 'hasty', holder: 'cli', staleMs: 2000 }), (e) => {
        assert.ok(DeployGuardError.is(e, 'LockHeld'), String(e));
        assert.match(e.message, /\(slow-beater\)/);
        assert.match(e.hint ?? '', /taken over 10 s after its last beat/, "the hint names the holder's TTL");
        return true;
      });
      assert.equal((await store.stack(KEY).readLock())?.deploymentId, 'slow-beater', 'the holder keeps its lock');
      await holder.release();
      holder = undefined;
      assert.deepEqual(await keys('team/stacks/123456789012/us-east-1/orders-dev/lock.json'), [], 'released: it was still the holder');
    } finally {
      await holder?.release();
      clients.dispose();
    }
  });

  it("a holder with a short TTL that stopped beating is taken over by a contender whose own TTL is long, once the holder's TTL passed", async () => {
    const home = await tempHome();
    const { store, clients } = storeOf(home);
    try {
      // Killed the moment it took the lock, having promised to beat within 2 s.
      const dead = await store.stack(KEY).acquireLock({ deploymentId: 'short-ttl', holder: 'cli', heartbeatMs: 3_600_000, staleMs: 2000 });
      // Its TTL plus S3's one-second LastModified grain, and margin for where in its second the write fell.
      await new Promise((r) => setTimeout(r, 3600));
      const next = await storeOf(home)
        .store.stack(KEY)
        .acquireLock({ deploymentId: 'patient', holder: 'cli', staleMs: 10_000, heartbeatMs: 3_600_000 });
      assert.equal(next.tookOverFrom?.deploymentId, 'short-ttl');
      const now = await store.stack(KEY).readLock();
      assert.equal(now?.deploymentId, 'patient');
      assert.equal(now?.ttlMs, 10_000, 'the new holder records its own TTL');
      await next.release();
      await dead.release(); // its ETag is gone: leaves the slot alone
    } finally {
      clients.dispose();
    }
  });

  it('a live holder whose heartbeat answers slowly is not robbed; a 409 on its beat is retried', async () => {
    const home = await tempHome();
    const holder = storeOf(home, proxy.endpoint);
    const contender = storeOf(home);
    let lock: StackLock | undefined;
    try {
      lock = await holder.store.stack(KEY).acquireLock({ deploymentId: 'alive', holder: 'cli', heartbeatMs: 300, staleMs: 1500 });
      proxy.fault({ action: 'PutObject', kind: 'conflict', keyContains: 'lock.json', times: 1 });
      proxy.fault({ action: 'PutObject', kind: 'slow', delayMs: 700, keyContains: 'lock.json', times: 4 });
      const deadline = Date.now() + 4000;
      let refusals = 0;
      while (Date.now() < deadline) {
        await assert.rejects(
          contender.store.stack(KEY).acquireLock({ deploymentId: 'robber', holder: 'cli', staleMs: 1500 }),
          (e) => DeployGuardError.is(e, 'LockHeld') && /\(alive\)/.test((e as Error).message),
        );
        refusals++;
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.ok(refusals > 5);
      assert.ok(
        proxy.requests.some((r) => r.action === 'PutObject' && r.status === 409),
        'the 409 was injected',
      );
      await lock.release();
      lock = undefined;
      const next = await contender.store.stack(KEY).acquireLock({ deploymentId: 'next', holder: 'cli' });
      assert.equal(next.tookOverFrom, undefined, 'released, not taken over');
      await next.release();
    } finally {
      await lock?.release();
      holder.clients.dispose();
      contender.clients.dispose();
    }
  });

  it('a record another machine changed is never overwritten: the update is refused, naming the record; an identical one is adopted', async () => {
    const { store, clients } = storeOf(await tempHome());
    try {
      const stack = store.stack(KEY);
      const mine = record({ status: 'watching' });
      await stack.write(mine);
      // Another machine (no writer mark of this process) finishes it meanwhile.
      const key = `team/stacks/123456789012/us-east-1/orders-dev/records/`;
      const [objectKey] = await keys(key);
      await s3.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: objectKey!, Body: `${JSON.stringify({ ...mine, status: 'stable' }, null, 2)}\n` }),
      );
      await assert.rejects(
        stack.write({ ...mine, status: 'failed' }),
        (e) => DeployGuardError.is(e, 'HistoryConflict') && e.message.includes(mine.id) && /was not overwritten/.test(e.message),
      );
      assert.equal((await stack.get(mine.id))?.status, 'stable', "the other machine's update is kept");
      // A fresh handle writing exactly what is there (a rerun, a push) changes nothing and succeeds.
      // One that never read it cannot replace it.
      const [fresh, blind] = [storeOf(await tempHome()), storeOf(await tempHome())];
      try {
        await fresh.store.stack(KEY).write({ ...mine, status: 'stable' });
        await assert.rejects(blind.store.stack(KEY).write({ ...mine, status: 'cancelled' }), (e) =>
          DeployGuardError.is(e, 'HistoryConflict'),
        );
      } finally {
        fresh.clients.dispose();
        blind.clients.dispose();
      }
    } finally {
      clients.dispose();
    }
  });

  it('a bucket owned by another account is refused, naming the bucket and the account, before any stack change', async () => {
    proxy.bucketOwner(BUCKET, '999999999999');
    const repo = await makeRepo();
    const run = await cli(['deploy', 'dev', '--skip-steps', '--endpoint', proxy.endpoint, '--history', `s3://${BUCKET}/team`], {
      cwd: repo,
      home: await tempHome(),
    });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /history bucket team-history belongs to an account other than 123456789012, the account of your credentials \(S3 does not say which account owns it\)/,
    );
    assert.match(run.stderr, /use a bucket in account 123456789012 .*or the credentials of the account that owns team-history/);
    assert.equal(proxy.count('CreateChangeSet'), 0);
    assert.deepEqual(await keys('team/'), [], 'nothing written to the bucket');
    await assert.rejects(cfn.send(new DescribeStacksCommand({ StackName: STACK })), /does not exist/);
  });

  /** A deploy through the proxy with `fault` on every PutObject: refused, nothing created. Its stderr. */
  async function refusedAtTheLock(kind: 'server-error' | 'denied'): Promise<string> {
    // The deploy's first S3 call is the lock's create: S3 failing there refuses it.
    proxy.fault({ action: 'PutObject', kind, times: 50 });
    const run = await cli(['deploy', 'dev', '--skip-steps', '--endpoint', proxy.endpoint, '--history', `s3://${BUCKET}/team`], {
      cwd: await makeRepo(),
      home: await tempHome(),
    });
    assert.equal(run.code, 1);
    assert.equal(proxy.count('CreateChangeSet'), 0);
    await assert.rejects(cfn.send(new DescribeStacksCommand({ StackName: STACK })), /does not exist/);
    return run.stderr;
  }

  it('S3 down: the deploy is refused before any stack change, with the reason and the fix', async () => {
    const stderr = await refusedAtTheLock('server-error');
    assert.match(stderr, /team history s3:\/\/team-history\/team did not answer .*nothing was changed on the stack/);
    assert.match(stderr, /→ check the network and the bucket/);
  });

  it('credentials that may not write the bucket: the deploy is refused at the lock, before any stack change, as denied (not as a foreign bucket)', async () => {
    const stderr = await refusedAtTheLock('denied');
    assert.match(stderr, /Cannot reach the team history: S3 denied access to s3:\/\/team-history\/team .*nothing was changed on the stack/);
    assert.match(stderr, /→ give these credentials the history permissions/);
    assert.doesNotMatch(stderr, /belongs to an account other than/);
    // Told apart from a foreign bucket by one listing under the prefix (HeadBucket is never sent:
    // a policy granting s3:ListBucket only under the prefix denies it).
    assert.equal(proxy.count('HeadBucket'), 0);
    assert.equal(proxy.count('ListObjectsV2'), 1);
  });

  it('history push uploads a local history once (a rerun adds nothing); history reads only what it shows, and falls back to a stale copy', async () => {
    const home = await tempHome();
    const local = new HistoryStore(home).stack(KEY);
    const start = Date.parse('2026-11-01T10:00:00Z');
    for (let i = 0; i < 25; i++) {
      const at = new Date(start + i * 60_000).toISOString();
      await local.write(
        record({
          id: newDeploymentId(start + i * 60_000),
          status: 'stable',
          startedAt: at,
          finishedAt: at,
          verification: { kind: 'unguarded', at },
        }),
      );
    }
    const repo = await makeRepo();
    const push = (h = home) =>
      cli(['history', 'push', 'dev', '--endpoint', moto.endpoint, '--history', `s3://${BUCKET}/team`], { cwd: repo, home: h });
    const first = await push();
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^25 uploaded, 0 already there, 0 different/);
    const again = await push();
    assert.match(again.stdout, /^0 uploaded, 25 already there, 0 different/);
    assert.equal((await keys('team/stacks/123456789012/us-east-1/orders-dev/records/')).length, 25, 'no duplicates');

    // Another machine, cold cache: five records shown = one listing and five reads.
    const other = await tempHome();
    const shown = await cli(
      ['history', 'dev', '--limit', '5', '--json', '--endpoint', proxy.endpoint, '--history', `s3://${BUCKET}/team`],
      { cwd: repo, home: other },
    );
    assert.equal(shown.code, 0, shown.stderr);
    const lines = shown.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; stale?: boolean });
    assert.equal(lines.length, 5);
    assert.equal(proxy.count('ListObjectsV2'), 1);
    assert.equal(proxy.count('GetObject'), 5);
    assert.ok(lines.every((l) => l.stale === undefined));

    // The bucket unreachable: the same view from this machine's copy, marked stale.
    proxy.fault({ action: 'ListObjectsV2', kind: 'reset', times: 20 });
    const offline = await cli(['history', 'dev', '--limit', '5', '--endpoint', proxy.endpoint, '--history', `s3://${BUCKET}/team`], {
      cwd: repo,
      home: other,
    });
    assert.equal(offline.code, 0, offline.stderr);
    assert.match(offline.stdout, /newest first \(STALE: this machine's copy; the team store did not answer\)/);
    assert.match(
      offline.stderr,
      /warning: stale: the team history s3:\/\/team-history\/team\/stacks\/123456789012\/us-east-1\/orders-dev\/ could not be read/,
    );
    for (const l of lines) assert.ok(offline.stdout.includes(l.id), `${l.id} shown from the copy`);
  });
  it("closing a deployment's journal removes an entry still on its way to S3 too, never leaving it open", async () => {
    const { store, clients } = storeOf(await tempHome(), proxy.endpoint);
    try {
      const journal = store.stack(KEY).journal;
      const id = newDeploymentId();
      await journal.append({ deploymentId: id, phase: 'started' });
      proxy.fault({ action: 'PutObject', kind: 'slow', delayMs: 800, keyContains: '/journal/' });
      const late = journal.append({ deploymentId: id, phase: 'executing' });
      await new Promise((r) => setTimeout(r, 100)); // the slow PUT has reached the proxy
      await journal.append({ deploymentId: id, phase: 'finished' });
      await late;
      await journal.settled();
      assert.deepEqual(await keys('team/stacks/123456789012/us-east-1/orders-dev/journal/'), [], 'no entry outlives the removal');
      assert.equal((await journal.openOperations()).open.length, 0);
    } finally {
      clients.dispose();
    }
  });

  it('a deploy asks S3 only what its guarantees need: the lock is the bucket check, a status nobody decides from shares a write, the journal holds the entries before calls and is closed by removing them', async () => {
    const repo = await makeRepo({ extraStack: `history: s3://${BUCKET}/team\n` });
    const deploy = await cli(['deploy', 'dev', '--skip-steps', '--endpoint', proxy.endpoint], { cwd: repo, home: await tempHome() });
    assert.equal(deploy.code, 0, deploy.stderr);
    const s3Sent = proxy.requests.filter((r) => r.s3Key !== undefined);
    const sent = (action: string, keyPart = '') => s3Sent.filter((r) => r.action === action && r.s3Key!.includes(keyPart)).length;
    assert.equal(sent('HeadBucket'), 0, 'no HeadBucket before the lock');
    assert.equal(s3Sent[0]?.action, 'PutObject', 'the lock is the first S3 call');
    assert.match(s3Sent[0]?.s3Key ?? '', /lock\.json$/);
    // Created, then `deploying` beside the entry before the execute, then final: `watching` (no
    // alarms to watch) is saved with `stable`, not on its own.
    assert.equal(sent('PutObject', '/records/'), 3, 'three record writes');
    // The entries before the calls: started, change-set-requested, execute-requested. What
    // CloudFormation answered is not an entry, and `finished` is the entries' removal.
    assert.equal(sent('PutObject', '/journal/'), 3, 'three journal entries');
    assert.equal(
      sent('ListObjectsV2', '/journal/'),
      1,
      'the journal listed once, at the start: its entries are removed by the keys the run wrote',
    );
    assert.equal(sent('DeleteObjects'), 1);
    assert.deepEqual(await keys('team/stacks/123456789012/us-east-1/orders-dev/journal/'), [], 'the finished deployment left no journal');
    assert.deepEqual(await keys('team/stacks/123456789012/us-east-1/orders-dev/lock.json'), [], 'the lock released');
  });

  it('a run killed after its record said how it ended, before its journal was closed: the next deploy closes the journal and resumes nothing', async () => {
    const repo = await makeRepo({ extraStack: `history: s3://${BUCKET}/team\n` });
    const home = await tempHome();
    const v1 = await cli(['deploy', 'dev', '--skip-steps', '--json', '--endpoint', moto.endpoint], { cwd: repo, home });
    assert.equal(v1.code, 0, v1.stderr);
    const { store, clients } = storeOf(await tempHome());
    try {
      const stack = store.stack(KEY);
      const done = (await stack.list()).records[0]!;
      assert.equal(done.status, 'stable');
      // What a run killed between its final record and its journal's removal leaves behind.
      for (const phase of ['started', 'execute-requested', 'executing'] as const)
        await stack.journal.append({ deploymentId: done.id, phase, ...(done.stackId ? { stackId: done.stackId } : {}) });
      assert.deepEqual(
        (await stack.journal.openOperations()).open.map((e) => e.deploymentId),
        [done.id],
      );
      proxy.reset();
      const again = await cli(['deploy', 'dev', '--skip-steps', '--json', '--endpoint', proxy.endpoint], { cwd: repo, home });
      assert.equal(again.code, 0, again.stderr);
      assert.ok(!again.events.some((e) => e.type === 'notice' && e.code === 'resuming'), 'nothing resumed');
      assert.equal(proxy.count('ExecuteChangeSet'), 0, 'the same version: nothing to execute');
      assert.equal((await stack.get(done.id))?.status, 'stable', 'the ended record left as it was');
      assert.deepEqual(await keys('team/stacks/123456789012/us-east-1/orders-dev/journal/'), [], 'the journal closed');
    } finally {
      clients.dispose();
    }
  });

  it("a deploy killed on machine A while CloudFormation updates is reattached by machine B from the team's journal: no second update, the record finished", async () => {
    const repo = await makeRepo({ extraStack: `history: s3://${BUCKET}/team\n` });
    const [homeA, homeB] = [await tempHome(), await tempHome()];
    const v1 = await cli(['deploy', 'dev', '--skip-steps', '--endpoint', moto.endpoint], { cwd: repo, home: homeA });
    assert.equal(v1.code, 0, v1.stderr);
    await writeTemplate(repo, topicTemplate('v2'));
    proxy.scenario(STACK, { holdMs: 9000 });

    // A runs with B's test timing (`cli` sets DEPLOYGUARD_POLL_MS 20: a 2 s lock TTL); B judges A's
    // lock by the TTL A wrote into it, so with spawnCli's default (5 s) B would have to wait 6 s.
    const first = spawnCli(['deploy', 'dev', '--skip-steps', '--yes', '--json', '--endpoint', proxy.endpoint], {
      cwd: repo,
      home: homeA,
      env: { DEPLOYGUARD_POLL_MS: '20' },
    });
    const id = (await first.waitFor('deployment-started'))['deploymentId'] as string;
    await first.waitFor('stack-status', (e) => e['status'] === 'UPDATE_IN_PROGRESS');
    assert.equal((await first.kill()).signal, 'SIGKILL');
    assert.equal(proxy.count('ExecuteChangeSet'), 1);

    const { store, clients } = storeOf(homeB);
    try {
      const stack = store.stack(KEY);
      assert.equal((await stack.get(id))?.status, 'deploying', "the killed run's record is open in the bucket");
      assert.deepEqual(
        (await stack.journal.openOperations()).open.map((e) => e.deploymentId),
        [id],
        "the team's journal says what to finish",
      );
      // A's lock stops being renewed at the kill; B takes it over once S3's LastModified of A's last
      // beat is older than the TTL A wrote into it (2 s under the test timing) plus LastModified's
      // one-second grain: waiting less makes B's verdict depend on where in its second A's last beat fell.
      await new Promise((r) => setTimeout(r, 3600));

      const again = await cli(['deploy', 'dev', '--skip-steps', '--yes', '--json', '--endpoint', proxy.endpoint], {
        cwd: repo,
        home: homeB,
      });
      assert.equal(again.code, 0, again.stderr + again.stdout.slice(-1500));
      assert.ok(
        again.events.some((e) => e.type === 'notice' && e.code === 'resuming' && e.deploymentId === id),
        "B says it resumed A's interrupted deployment",
      );
      assert.equal(proxy.count('CreateChangeSet'), 1, 'no second change set');
      assert.equal(proxy.count('ExecuteChangeSet'), 1, 'no second update');
      const statuses = again.events.flatMap((e) => (e.type === 'stack-status' && e.deploymentId === id ? [e.status] : []));
      assert.deepEqual(statuses, ['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE'], 'B reattached while the update was still running');

      const v2 = await stack.get(id);
      assert.equal(v2?.status, 'stable', v2?.reason);
      assert.equal(v2?.stackStatus, 'UPDATE_COMPLETE');
      assert.ok(v2?.finishedAt, 'finished');
      const { records } = await stack.list();
      assert.equal(records.length, 2, 'v1 and the interrupted v2: B started no deployment of its own');
      assert.equal((await stack.journal.openOperations()).open.length, 0, 'nothing left open in the journal');
      assert.equal((await cfn.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks?.[0]?.StackStatus, 'UPDATE_COMPLETE');
    } finally {
      clients.dispose();
    }
  });
  it('a holder whose heartbeats failed past the TTL and whose lock another machine took learns it from the 412 and stops before its next stack change, ending needs-attention', async () => {
    const [homeA, homeB] = [await tempHome(), await tempHome()];
    const a = storeOf(homeA, proxy.endpoint);
    const b = storeOf(homeB);
    try {
      const stackA = a.store.stack(KEY);
      const id = newDeploymentId();
      const lockA = await stackA.acquireLock({ deploymentId: id, holder: 'cli', heartbeatMs: 300, staleMs: 1000 });
      const logger = memoryLogger();
      const run = new DeploymentRun(
        record({ id, status: 'deploying' }),
        stackA,
        a.clients,
        new StackPollers(logger),
        () => undefined,
        createMasker(),
        logger,
      );
      run.holdsLock(lockA);
      await run.save();
      await run.journal('change-set-requested');

      // A's beats stop reaching the bucket; past the TTL, machine B takes the lock over.
      proxy.fault({ action: 'PutObject', kind: 'reset', times: 1000, keyContains: 'lock.json' });
      await new Promise((r) => setTimeout(r, 2600));
      const lockB = await b.store.stack(KEY).acquireLock({ deploymentId: 'machine-b', holder: 'ci', heartbeatMs: 300, staleMs: 1000 });
      assert.equal(lockB.tookOverFrom?.deploymentId, id);
      // The network comes back: A's next beat (If-Match its old ETag) is answered 412.
      proxy.reset();
      await until('A learns its lock was taken', () => {
        try {
          lockA.assertHeld?.();
          return undefined;
        } catch {
          return true;
        }
      });
      const lost: unknown = await run.journal('execute-requested').then(
        () => undefined,
        (err: unknown) => err,
      );
      assert.ok(DeployGuardError.is(lost, 'LockLost'), String(lost));
      assert.match(lost.message, /taken over by ci \(machine-b, pid \d+ on /);
      assert.deepEqual(
        (await stackA.journal.read()).entries.filter((e) => e.deploymentId === id).map((e) => e.phase),
        ['change-set-requested'],
        'no execute-requested: it stopped before the change',
      );
      assert.equal(statusForError(lost), 'needs-attention');
      const ended = await run.finish(statusForError(lost), lost.message);
      assert.equal((await stackA.get(id))?.status, 'needs-attention');
      assert.match(ended.reason ?? '', /taken over by ci/);
      await lockA.release(); // no longer A's: B's lock stays
      assert.equal((await b.store.stack(KEY).readLock())?.deploymentId, 'machine-b');
      await lockB.release();
    } finally {
      a.clients.dispose();
      b.clients.dispose();
    }
  });
});
