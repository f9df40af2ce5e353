import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DeployGuardError } from '../../src/core/errors';
import { GitRepository, PushRejectedError, withTemporaryWorktree } from '../../src/core/git';
import { createGitSandbox, createGitShim, type GitSandbox } from '../support/gitRepos';

describe('GitRepository against real repositories and a bare remote', () => {
  let box: GitSandbox;
  let repo: GitRepository;

  beforeEach(() => {
    box = createGitSandbox();
    repo = new GitRepository({ root: box.work, isTrusted: () => true, env: box.env });
  });
  afterEach(() => box.cleanup());

  it('reads HEAD, branch and a dirty flag that ignores git-ignored files', async () => {
    const head = await repo.head();
    assert.equal(head.sha, box.git(box.work, 'rev-parse', 'HEAD'));
    assert.equal(head.shortSha, head.sha.slice(0, 7));
    assert.equal(head.branch, 'main');
    assert.equal(head.dirty, false);

    box.write(box.work, 'build/out.js', 'generated');
    assert.equal((await repo.head()).dirty, false, 'an ignored file does not make the tree dirty');
    box.write(box.work, 'app.txt', 'edited\n');
    assert.equal((await repo.head()).dirty, true);
  });

  it('reports a detached HEAD as no branch', async () => {
    box.git(box.work, 'checkout', '-q', '--detach', 'HEAD~1');
    const head = await repo.head();
    assert.equal(head.branch, undefined);
    assert.equal(head.sha, box.git(box.work, 'rev-parse', 'HEAD'));
  });

  it('lists the local branches at a commit', async () => {
    const head = box.git(box.work, 'rev-parse', 'HEAD');
    box.git(box.work, 'branch', 'also-here');
    assert.deepEqual((await repo.branchesAt(head)).sort(), ['also-here', 'main']);
    assert.deepEqual(await repo.branchesAt(box.git(box.work, 'rev-parse', 'HEAD~1')), []);
  });

  it('tells ignored files apart in one batch', async () => {
    const ignored = await repo.ignored([join(box.work, 'build/x.js'), join(box.work, 'app.txt'), join(box.work, 'debug.log')]);
    assert.deepEqual([...ignored].sort(), [join(box.work, 'build/x.js'), join(box.work, 'debug.log')]);
    assert.equal((await repo.ignored([join(box.work, 'app.txt')])).size, 0);
  });

  it('plans and makes a commit of every change when nothing is staged, or only the staged files', async () => {
    box.write(box.work, 'app.txt', 'v2\n');
    box.write(box.work, 'new.txt', 'new\n');
    const plan = await repo.plannedCommit();
    assert.equal(plan.mode, 'all');
    assert.deepEqual(plan.files.map((f) => `${f.kind}:${f.path}`).sort(), ['modified:app.txt', 'untracked:new.txt']);
    const sha = await repo.commit('Ship v2\n\nwith "quotes" and $(not a command)');
    assert.equal(sha, box.git(box.work, 'rev-parse', 'HEAD'));
    assert.equal(box.git(box.work, 'log', '-1', '--format=%B'), 'Ship v2\n\nwith "quotes" and $(not a command)');
    assert.equal((await repo.head()).dirty, false);

    box.write(box.work, 'a.txt', 'a');
    box.write(box.work, 'b.txt', 'b');
    box.git(box.work, 'add', 'a.txt');
    const staged = await repo.plannedCommit();
    assert.equal(staged.mode, 'staged');
    assert.deepEqual(
      staged.files.map((f) => f.path),
      ['a.txt'],
    );
    await repo.commit('only a');
    assert.equal(box.git(box.work, 'show', '--name-only', '--format=', 'HEAD'), 'a.txt');
  });

  it('refuses to commit nothing', async () => {
    await assert.rejects(repo.commit('empty'), (err) => DeployGuardError.is(err, 'GitFailed') && /nothing to commit/.test(err.message));
  });

  it('pushes and sets the upstream of a new branch, without --force', async () => {
    const shim = createGitShim(box.dir);
    const shimmed = new GitRepository({ root: box.work, isTrusted: () => true, env: { ...box.env, PATH: `${shim.dir}:${box.env.PATH}` } });
    box.git(box.work, 'checkout', '-q', '-b', 'feature');
    const sha = box.commitFile(box.work, 'feature.txt', 'f\n');
    const pushed = await shimmed.push();
    assert.deepEqual(pushed, { remote: 'origin', branch: 'feature', sha, setUpstream: true });
    assert.equal(box.git(box.remote, 'rev-parse', 'refs/heads/feature'), sha);
    assert.equal(box.git(box.work, 'rev-parse', '--abbrev-ref', 'feature@{upstream}'), 'origin/feature');

    const next = box.commitFile(box.work, 'feature.txt', 'f2\n');
    const second = await shimmed.push();
    assert.equal(second.setUpstream, false);
    assert.equal(box.git(box.remote, 'rev-parse', 'refs/heads/feature'), next);
    const pushes = shim.calls().filter((c) => / push /.test(` ${c} `));
    assert.equal(pushes.length, 2);
    for (const call of pushes) assert.doesNotMatch(call, /--force|(^| )-f( |$)|\+HEAD/);
  });

  it('a push behind the remote fails with a typed PushRejected (fetch first), leaving the remote as it was', async () => {
    const theirs = box.commitFile(box.other, 'app.txt', 'theirs\n');
    box.git(box.other, 'push', '-q', 'origin', 'main');
    box.commitFile(box.work, 'mine.txt', 'mine\n');
    const err = await repo.push().then(
      () => assert.fail('the push should be rejected'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof PushRejectedError);
    assert.equal(err.code, 'PushRejected');
    assert.equal(err.reason, 'fetch-first');
    assert.equal(err.remote, 'origin');
    assert.equal(err.branch, 'main');
    assert.match(err.message, /rejected.*Nothing was deployed/);
    assert.match(err.hint ?? '', /Pull and Retry/);
    assert.equal(box.git(box.remote, 'rev-parse', 'refs/heads/main'), theirs);
  });

  it('reports non-fast-forward when the remote commits were fetched, and Pull and Retry then pushes', async () => {
    box.commitFile(box.other, 'app.txt', 'theirs\n');
    box.git(box.other, 'push', '-q', 'origin', 'main');
    const mine = box.commitFile(box.work, 'mine.txt', 'mine\n');
    box.git(box.work, 'fetch', '-q');
    await assert.rejects(repo.push(), (e) => e instanceof PushRejectedError && e.reason === 'non-fast-forward');

    await repo.pullRebase();
    const pushed = await repo.push();
    assert.notEqual(pushed.sha, mine, 'the local commit was rebased onto theirs');
    assert.equal(box.git(box.remote, 'rev-parse', 'refs/heads/main'), pushed.sha);
    assert.equal(box.git(box.remote, 'show', 'main:app.txt'), 'theirs');
    assert.equal(box.git(box.remote, 'show', 'main:mine.txt'), 'mine');
  });

  it('Pull and Retry that conflicts aborts the rebase and leaves the branch as it was', async () => {
    box.commitFile(box.other, 'app.txt', 'theirs\n');
    box.git(box.other, 'push', '-q', 'origin', 'main');
    const mine = box.commitFile(box.work, 'app.txt', 'mine\n');
    await assert.rejects(repo.pullRebase(), (e) => DeployGuardError.is(e, 'GitFailed') && /branch is unchanged/.test(e.message));
    assert.equal(box.git(box.work, 'rev-parse', 'HEAD'), mine);
    assert.equal(box.git(box.work, 'status', '--porcelain'), '');
    assert.equal(existsSync(join(box.work, '.git', 'rebase-merge')), false);
  });

  it('a remote that wants a password fails fast instead of prompting', async () => {
    let authAttempts = 0;
    const server = createServer((req, res) => {
      if (req.headers.authorization) authAttempts++;
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' });
      res.end('auth required');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      box.git(box.work, 'remote', 'set-url', 'origin', `http://127.0.0.1:${port}/repo.git`);
      box.commitFile(box.work, 'x.txt', 'x');
      const started = Date.now();
      await assert.rejects(repo.push(), (e) => DeployGuardError.is(e, 'GitFailed'));
      assert.ok(Date.now() - started < 15_000, 'git gave up instead of waiting for a person');
      assert.ok(authAttempts >= 1, 'the askpass answered (with nothing useful) rather than a prompt waiting');
    } finally {
      server.close();
    }
  });

  it('runs a temporary worktree at exactly the given commit, away from dirty files, and removes it', async () => {
    const first = box.git(box.work, 'rev-parse', 'HEAD~1');
    box.write(box.work, 'app.txt', 'dirty, uncommitted\n');
    let seen = '';
    const result = await withTemporaryWorktree(repo, first, async (path) => {
      seen = path;
      assert.equal(readFileSync(join(path, 'app.txt'), 'utf8'), 'v1\n');
      assert.equal(box.git(path, 'rev-parse', 'HEAD'), first);
      assert.equal(existsSync(join(path, '.gitignore')), false, 'a file from a later commit is absent');
      return 42;
    });
    assert.equal(result, 42);
    assert.equal(existsSync(seen), false);
    assert.deepEqual(await repo.worktrees(), [box.work]);
    assert.equal(readFileSync(join(box.work, 'app.txt'), 'utf8'), 'dirty, uncommitted\n', "the user's tree is untouched");
  });

  it('removes the worktree when the work inside it fails, even with files left behind', async () => {
    let seen = '';
    await assert.rejects(
      withTemporaryWorktree(repo, 'HEAD', async (path) => {
        seen = path;
        box.write(path, 'left-behind.txt', 'junk');
        throw new Error('step failed');
      }),
      /step failed/,
    );
    assert.equal(existsSync(seen), false);
    assert.deepEqual(await repo.worktrees(), [box.work]);
  });

  it('starts no git process at all when the workspace is not trusted', async () => {
    const shim = createGitShim(box.dir);
    let trusted = true;
    const shimmed = new GitRepository({
      root: box.work,
      isTrusted: () => trusted,
      env: { ...box.env, PATH: `${shim.dir}:${box.env.PATH}` },
    });
    await shimmed.head();
    assert.ok(shim.calls().length >= 1, 'the shim sees git processes when trusted (so its silence below means something)');

    trusted = false;
    const before = shim.calls().length;
    const attempts: Array<Promise<unknown>> = [
      shimmed.head(),
      shimmed.status(),
      shimmed.plannedCommit(),
      shimmed.commit('x'),
      shimmed.push(),
      shimmed.pullRebase(),
      shimmed.ignored([join(box.work, 'a')]),
      shimmed.addWorktree(join(box.dir, 'wt'), 'HEAD'),
      withTemporaryWorktree(shimmed, 'HEAD', async () => 1),
    ];
    for (const attempt of attempts) {
      await assert.rejects(attempt, (e) => DeployGuardError.is(e, 'UntrustedWorkspace'));
    }
    assert.deepEqual(shim.calls().slice(before), []);
  });
});
