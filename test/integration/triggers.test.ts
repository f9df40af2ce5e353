import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DeployGuardError } from '../../src/core/errors';
import { GitRepository, PushRejectedError } from '../../src/core/git';
import type { EnvironmentConfig } from '../../src/core/pipeline/types';
import { PushTrigger, SaveTrigger, type TriggerDeployRequest } from '../../src/core/triggers';
import { sleep } from '../../src/core/time';
import { createGitSandbox, createGitShim, type GitSandbox } from '../support/gitRepos';

interface Seen {
  readonly request: TriggerDeployRequest;
  /** app.txt as the pipeline saw it, in the folder it ran in. */
  readonly appTxt: string;
  readonly folder: string;
  readonly folderExisted: boolean;
}

/** A deploy callback that records what it was asked, and can be held open to simulate a long deploy. */
function recordingDeploy(root: string) {
  const seen: Seen[] = [];
  let hold: Promise<void> | undefined;
  let release: () => void = () => undefined;
  let running = 0;
  let maxRunning = 0;
  const started: Array<() => void> = [];
  return {
    seen,
    get maxRunning() {
      return maxRunning;
    },
    holdNext(): void {
      hold = new Promise((r) => (release = r));
    },
    release: () => release(),
    /** Resolves when the n-th deploy (1-based) has started. */
    started(n: number): Promise<void> {
      if (seen.length >= n) return Promise.resolve();
      return new Promise((resolve) => started.push(() => seen.length >= n && resolve()));
    },
    deploy: async (request: TriggerDeployRequest) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      const folder = request.worktree ?? root;
      seen.push({ request, folder, folderExisted: existsSync(folder), appTxt: readFileSync(join(folder, 'app.txt'), 'utf8') });
      for (const s of started) s();
      const h = hold;
      hold = undefined;
      if (h) await h;
      running--;
      return 'stable';
    },
  };
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

const pushEnv: EnvironmentConfig = { name: 'staging', region: 'eu-west-1', branch: 'main', deployOn: ['push'], confirm: false };
const saveEnv: EnvironmentConfig = { name: 'dev', region: 'eu-west-1', deployOn: ['save'], confirm: false };

describe('push trigger with real git', () => {
  let box: GitSandbox;
  let repo: GitRepository;
  let trigger: PushTrigger | undefined;

  beforeEach(() => {
    box = createGitSandbox();
    repo = new GitRepository({ root: box.work, isTrusted: () => true, env: box.env });
  });
  afterEach(() => {
    trigger?.dispose();
    trigger = undefined;
    box.cleanup();
  });

  it('a push from a terminal deploys exactly the pushed commit, once, in the clean working tree', async () => {
    const rec = recordingDeploy(box.work);
    trigger = new PushTrigger({ repo, environment: pushEnv, deploy: rec.deploy, isTrusted: () => true, pollMs: 60_000 });
    await trigger.start();
    await sleep(300);
    assert.equal(rec.seen.length, 0, 'starting the trigger deploys nothing');

    const sha = box.commitFile(box.work, 'app.txt', 'v2\n');
    box.git(box.work, 'push', '-q', 'origin', 'main');
    await waitFor('the push to deploy', () => rec.seen.length === 1);
    await trigger.whenIdle();

    const [first] = rec.seen;
    assert.equal(first!.request.commit.sha, sha);
    assert.equal(first!.request.commit.branch, 'main');
    assert.equal(first!.request.commit.dirty, false);
    assert.equal(first!.request.reason, 'push');
    assert.equal(first!.request.environment, 'staging');
    assert.equal(first!.request.worktree, undefined, 'HEAD is the pushed commit and clean: no worktree needed');
    assert.equal(first!.appTxt, 'v2\n');

    // More events for the same sha (a fetch, a poke, packed-refs rewritten by gc) deploy nothing more.
    box.git(box.work, 'fetch', '-q');
    box.git(box.work, 'pack-refs', '--all');
    await trigger.poke();
    await sleep(500);
    assert.equal(rec.seen.length, 1);
  });

  it('a push while the tree is dirty deploys the pushed commit from a temporary worktree, removed afterwards', async () => {
    const rec = recordingDeploy(box.work);
    trigger = new PushTrigger({ repo, environment: pushEnv, deploy: rec.deploy, isTrusted: () => true, pollMs: 60_000 });
    await trigger.start();
    const sha = box.commitFile(box.work, 'app.txt', 'committed v2\n');
    box.write(box.work, 'app.txt', 'dirty, not committed\n');
    box.write(box.work, 'scratch.txt', 'untracked');
    box.git(box.work, 'push', '-q', 'origin', 'main');
    await waitFor('the push to deploy', () => rec.seen.length === 1);
    await trigger.whenIdle();

    const [run] = rec.seen;
    assert.ok(run!.request.worktree, 'ran in a worktree');
    assert.notEqual(run!.request.worktree, box.work);
    assert.equal(run!.folderExisted, true);
    assert.equal(run!.appTxt, 'committed v2\n', 'the pipeline saw the pushed commit, not the dirty file');
    assert.equal(existsSync(join(run!.request.worktree, 'scratch.txt')), false);
    assert.equal(run!.request.commit.sha, sha);
    assert.equal(run!.request.commit.dirty, false);
    assert.equal(existsSync(run!.request.worktree), false, 'the worktree is removed');
    assert.deepEqual(await repo.worktrees(), [box.work]);
    assert.equal(readFileSync(join(box.work, 'app.txt'), 'utf8'), 'dirty, not committed\n', "the user's files are untouched");
  });

  it('a push of the branch while another branch is checked out deploys the pushed commit from a worktree', async () => {
    const rec = recordingDeploy(box.work);
    trigger = new PushTrigger({ repo, environment: pushEnv, deploy: rec.deploy, isTrusted: () => true, pollMs: 60_000 });
    await trigger.start();
    const pushed = box.commitFile(box.work, 'app.txt', 'main v2\n');
    box.git(box.work, 'checkout', '-q', '-b', 'feature');
    box.commitFile(box.work, 'app.txt', 'feature work\n');
    box.git(box.work, 'push', '-q', 'origin', 'main');
    await waitFor('the push to deploy', () => rec.seen.length === 1);
    await trigger.whenIdle();
    assert.equal(rec.seen[0]!.request.commit.sha, pushed);
    assert.equal(rec.seen[0]!.request.commit.branch, 'main');
    assert.equal(rec.seen[0]!.appTxt, 'main v2\n', 'the pushed commit, not the checked-out feature branch');
    assert.ok(rec.seen[0]!.request.worktree);
    assert.equal(existsSync(rec.seen[0]!.request.worktree), false);
  });

  it("a fetch of a colleague's push does not deploy from this editor, unless asked to", async () => {
    const rec = recordingDeploy(box.work);
    trigger = new PushTrigger({ repo, environment: pushEnv, deploy: rec.deploy, isTrusted: () => true, pollMs: 60_000 });
    await trigger.start();
    const theirs = box.commitFile(box.other, 'app.txt', 'theirs\n');
    box.git(box.other, 'push', '-q', 'origin', 'main');
    box.git(box.work, 'fetch', '-q');
    await sleep(800);
    await trigger.whenIdle();
    assert.equal(rec.seen.length, 0, 'every editor with autofetch would otherwise redeploy it');
    trigger.dispose();

    const again = box.commitFile(box.other, 'app.txt', 'theirs again\n');
    box.git(box.other, 'push', '-q', 'origin', 'main');
    trigger = new PushTrigger({
      repo,
      environment: pushEnv,
      deploy: rec.deploy,
      isTrusted: () => true,
      pollMs: 60_000,
      deployFetchedCommits: true,
    });
    await trigger.start();
    box.git(box.work, 'fetch', '-q');
    await waitFor('the fetched push to deploy', () => rec.seen.length === 1);
    await trigger.whenIdle();
    assert.notEqual(again, theirs);
    assert.equal(rec.seen[0]!.request.commit.sha, again);
    assert.equal(rec.seen[0]!.appTxt, 'theirs again\n');
    assert.ok(rec.seen[0]!.request.worktree, 'the working tree is elsewhere: a worktree');
  });

  it('pushes during a running deploy become exactly one follow-up for the newest commit', async () => {
    const rec = recordingDeploy(box.work);
    trigger = new PushTrigger({ repo, environment: pushEnv, deploy: rec.deploy, isTrusted: () => true, pollMs: 60_000 });
    await trigger.start();
    rec.holdNext();
    const first = box.commitFile(box.work, 'app.txt', 'one\n');
    box.git(box.work, 'push', '-q', 'origin', 'main');
    await rec.started(1);
    box.commitFile(box.work, 'app.txt', 'two\n');
    box.git(box.work, 'push', '-q', 'origin', 'main');
    await trigger.poke();
    const third = box.commitFile(box.work, 'app.txt', 'three\n');
    box.git(box.work, 'push', '-q', 'origin', 'main');
    await trigger.poke();
    await sleep(300);
    assert.equal(rec.seen.length, 1, 'nothing starts while a deploy runs');
    rec.release();
    await waitFor('the follow-up', () => rec.seen.length === 2);
    await trigger.whenIdle();
    await sleep(300);
    assert.deepEqual(
      rec.seen.map((s) => s.request.commit.sha),
      [first, third],
    );
    assert.equal(rec.maxRunning, 1);
  });

  it('a push between an earlier baseline and start() is deployed at start (the editor arms a light watcher first)', async () => {
    const rec = recordingDeploy(box.work);
    const baseline = box.git(box.work, 'rev-parse', 'origin/main');
    const sha = box.commitFile(box.work, 'app.txt', 'pushed before start\n');
    box.git(box.work, 'push', '-q', 'origin', 'main');
    trigger = new PushTrigger({ repo, environment: pushEnv, deploy: rec.deploy, isTrusted: () => true, pollMs: 60_000, baseline });
    await trigger.start();
    await waitFor('the deploy', () => rec.seen.length === 1);
    await trigger.whenIdle();
    assert.equal(rec.seen[0]!.request.commit.sha, sha);

    const unchanged = new PushTrigger({
      repo,
      environment: pushEnv,
      deploy: rec.deploy,
      isTrusted: () => true,
      pollMs: 60_000,
      baseline: sha,
    });
    await unchanged.start();
    await sleep(300);
    unchanged.dispose();
    assert.equal(rec.seen.length, 1, 'no move since the baseline: nothing to deploy');
  });

  it('a rejected push deploys nothing', async () => {
    const rec = recordingDeploy(box.work);
    trigger = new PushTrigger({ repo, environment: pushEnv, deploy: rec.deploy, isTrusted: () => true, pollMs: 200 });
    await trigger.start();
    box.commitFile(box.other, 'app.txt', 'theirs\n');
    box.git(box.other, 'push', '-q', 'origin', 'main');
    box.commitFile(box.work, 'app.txt', 'mine\n');
    await assert.rejects(repo.push(), (e) => e instanceof PushRejectedError && e.reason === 'fetch-first');
    await trigger.poke();
    await sleep(800);
    assert.equal(rec.seen.length, 0);
  });

  it('in an untrusted workspace starts no git process and deploys nothing', async () => {
    const shim = createGitShim(box.dir);
    const env = { ...box.env, PATH: `${shim.dir}:${box.env.PATH}` };
    const untrustedRepo = new GitRepository({ root: box.work, isTrusted: () => false, env });
    const rec = recordingDeploy(box.work);
    trigger = new PushTrigger({ repo: untrustedRepo, environment: pushEnv, deploy: rec.deploy, isTrusted: () => false, pollMs: 100 });
    await assert.rejects(trigger.start(), (e) => DeployGuardError.is(e, 'UntrustedWorkspace'));

    const save = new SaveTrigger({ repo: untrustedRepo, environment: saveEnv, deploy: rec.deploy, isTrusted: () => false, debounceMs: 50 });
    save.onSave(join(box.work, 'app.txt'));
    box.commitFile(box.work, 'app.txt', 'v2\n');
    box.git(box.work, 'push', '-q', 'origin', 'main');
    await sleep(400);
    await save.settled();
    save.dispose();
    assert.equal(rec.seen.length, 0);
    assert.deepEqual(shim.calls(), [], 'not one git process');
  });
});

describe('save trigger with real git', () => {
  let box: GitSandbox;
  let repo: GitRepository;
  let trigger: SaveTrigger | undefined;

  beforeEach(() => {
    box = createGitSandbox();
    repo = new GitRepository({ root: box.work, isTrusted: () => true, env: box.env });
  });
  afterEach(() => {
    trigger?.dispose();
    trigger = undefined;
    box.cleanup();
  });

  it('ten saves in two seconds make exactly one deploy (default 1.5 s debounce) of the working tree as it is', async () => {
    const rec = recordingDeploy(box.work);
    trigger = new SaveTrigger({ repo, environment: saveEnv, deploy: rec.deploy, isTrusted: () => true });
    const head = box.git(box.work, 'rev-parse', 'HEAD');
    for (let i = 1; i <= 10; i++) {
      box.write(box.work, 'app.txt', `save ${i}\n`);
      trigger.onSave(join(box.work, 'app.txt'));
      await sleep(200);
    }
    assert.equal(rec.seen.length, 0, 'still inside the debounce');
    await trigger.settled();
    await sleep(300);
    assert.equal(rec.seen.length, 1);
    const [run] = rec.seen;
    assert.equal(run!.request.reason, 'save');
    assert.equal(run!.request.commit.sha, head);
    assert.equal(run!.request.commit.branch, 'main');
    assert.equal(run!.request.commit.dirty, true);
    assert.equal(run!.request.worktree, undefined);
    assert.deepEqual(run!.request.savedFiles, [join(box.work, 'app.txt')]);
    assert.equal(run!.appTxt, 'save 10\n');
  });

  it('saves of git-ignored files, files in .git and outside the repository do not deploy', async () => {
    const rec = recordingDeploy(box.work);
    trigger = new SaveTrigger({ repo, environment: saveEnv, deploy: rec.deploy, isTrusted: () => true, debounceMs: 100 });
    box.write(box.work, 'build/bundle.js', 'x');
    trigger.onSave(join(box.work, 'build/bundle.js'));
    trigger.onSave(join(box.work, 'debug.log'));
    trigger.onSave(join(box.work, '.git', 'index'));
    trigger.onSave(join(box.dir, 'elsewhere.txt'));
    await trigger.settled();
    await sleep(300);
    assert.equal(rec.seen.length, 0);

    trigger.onSave('app.txt'); // relative to the repository root
    await trigger.settled();
    assert.equal(rec.seen.length, 1);
  });

  it('saves during a running deploy make exactly one follow-up, with the newest state', async () => {
    const rec = recordingDeploy(box.work);
    trigger = new SaveTrigger({ repo, environment: saveEnv, deploy: rec.deploy, isTrusted: () => true, debounceMs: 100 });
    let followUpPending = false;
    trigger.onDidChangeState((e) => (followUpPending = e.followUpPending));
    rec.holdNext();
    box.write(box.work, 'app.txt', 'first\n');
    trigger.onSave(join(box.work, 'app.txt'));
    await rec.started(1);
    for (let i = 1; i <= 5; i++) {
      box.write(box.work, 'app.txt', `during ${i}\n`);
      box.write(box.work, `other${i}.txt`, 'x');
      trigger.onSave(join(box.work, 'app.txt'));
      trigger.onSave(join(box.work, `other${i}.txt`));
      await sleep(150); // longer than the debounce: each burst settles while the deploy still runs
    }
    // Let the last burst's ignore check and debounce finish while the first deploy still runs.
    await waitFor('the follow-up to be pending', () => followUpPending);
    await sleep(500);
    assert.equal(rec.seen.length, 1);
    assert.equal(trigger.state, 'deploying');
    rec.release();
    await trigger.settled();
    await sleep(300);
    assert.equal(rec.seen.length, 2, 'exactly one follow-up');
    assert.equal(rec.maxRunning, 1, 'never two at once');
    assert.equal(rec.seen[1]!.appTxt, 'during 5\n');
    assert.equal(rec.seen[1]!.request.savedFiles?.length, 6, 'the follow-up covers every file saved meanwhile');
  });

  it('pausing drops saves; resuming deploys again on the next save', async () => {
    const rec = recordingDeploy(box.work);
    trigger = new SaveTrigger({ repo, environment: saveEnv, deploy: rec.deploy, isTrusted: () => true, debounceMs: 100 });
    const states: string[] = [];
    trigger.onDidChangeState((e) => states.push(e.state));
    trigger.onSave('app.txt');
    trigger.setPaused(true);
    trigger.onSave('app.txt');
    await trigger.settled();
    await sleep(300);
    assert.equal(rec.seen.length, 0);
    assert.equal(trigger.state, 'paused');
    trigger.setPaused(false);
    trigger.onSave('app.txt');
    await trigger.settled();
    assert.equal(rec.seen.length, 1);
    assert.ok(states.includes('paused'));
  });

  it('refuses a guarded or prod environment at runtime', () => {
    const rec = recordingDeploy(box.work);
    assert.throws(
      () => new SaveTrigger({ repo, environment: { ...saveEnv, name: 'prod' }, deploy: rec.deploy, isTrusted: () => true }),
      (e) => DeployGuardError.is(e, 'ConfigInvalid'),
    );
  });
});
