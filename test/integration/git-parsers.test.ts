import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gitEnvironment, parsePushRejection, parseStatusV2 } from '../../src/core/git';

// The parsers over git's documented machine formats, with exact samples of what git 2.39 prints.
describe('git output parsers', () => {
  it('reads push --porcelain rejections by reason', () => {
    const head = 'To /tmp/remote.git\n';
    const tail = 'Done\n';
    assert.deepEqual(parsePushRejection(`${head}!\trefs/heads/main:refs/heads/main\t[rejected] (fetch first)\n${tail}`), {
      reason: 'fetch-first',
      detail: 'fetch first',
    });
    assert.deepEqual(parsePushRejection(`${head}!\tHEAD:refs/heads/main\t[rejected] (non-fast-forward)\n`), {
      reason: 'non-fast-forward',
      detail: 'non-fast-forward',
    });
    assert.deepEqual(parsePushRejection(`${head}!\tHEAD:refs/heads/main\t[rejected] (stale info)\n`), {
      reason: 'stale-info',
      detail: 'stale info',
    });
    assert.deepEqual(parsePushRejection(`${head}!\tHEAD:refs/heads/main\t[remote rejected] (pre-receive hook declined)\n`), {
      reason: 'remote-rejected',
      detail: 'pre-receive hook declined',
    });
    assert.equal(parsePushRejection(`${head} \tHEAD:refs/heads/main\t1a2b3c4..5d6e7f8\n${tail}`), undefined);
    assert.equal(parsePushRejection("fatal: could not read Username for 'https://example.com': terminal prompts disabled"), undefined);
  });

  it('reads status --porcelain=v2 --branch -z: head, branch, upstream, ahead/behind, every kind of change', () => {
    const sha = 'a'.repeat(40);
    const out = [
      `# branch.oid ${sha}`,
      '# branch.head main',
      '# branch.upstream origin/main',
      '# branch.ab +2 -1',
      `1 .M N... 100644 100644 100644 ${'b'.repeat(40)} ${'b'.repeat(40)} src/app file.ts`,
      `1 A. N... 000000 100644 100644 ${'0'.repeat(40)} ${'c'.repeat(40)} new.ts`,
      `2 R. N... 100644 100644 100644 ${'d'.repeat(40)} ${'d'.repeat(40)} R100 renamed.ts`,
      'old name.ts',
      `u UU N... 100644 100644 100644 100644 ${'e'.repeat(40)} ${'e'.repeat(40)} ${'e'.repeat(40)} conflict.ts`,
      '? untracked dir/file.txt',
      '',
    ].join('\0');
    const status = parseStatusV2(out);
    assert.equal(status.sha, sha);
    assert.equal(status.branch, 'main');
    assert.equal(status.upstream, 'origin/main');
    assert.equal(status.ahead, 2);
    assert.equal(status.behind, 1);
    assert.deepEqual(status.changes, [
      { path: 'src/app file.ts', kind: 'modified', staged: false, unstaged: true },
      { path: 'new.ts', kind: 'added', staged: true, unstaged: false },
      { path: 'renamed.ts', from: 'old name.ts', kind: 'renamed', staged: true, unstaged: false },
      { path: 'conflict.ts', kind: 'conflicted', staged: false, unstaged: true },
      { path: 'untracked dir/file.txt', kind: 'untracked', staged: false, unstaged: true },
    ]);
  });

  it('reads an unborn branch and a detached HEAD', () => {
    assert.deepEqual(parseStatusV2('# branch.oid (initial)\0# branch.head main\0'), {
      sha: undefined,
      branch: 'main',
      upstream: undefined,
      ahead: 0,
      behind: 0,
      changes: [],
    });
    assert.equal(parseStatusV2(`# branch.oid ${'f'.repeat(40)}\0# branch.head (detached)\0`).branch, undefined);
  });

  it('builds a git environment that cannot prompt and cannot be redirected', () => {
    const env = gitEnvironment({
      PATH: '/usr/bin',
      HOME: '/home/u',
      GIT_DIR: '/elsewhere/.git',
      GIT_ASKPASS: '/usr/bin/ksshaskpass',
      SSH_ASKPASS: '/usr/bin/ssh-askpass',
      GIT_SSH_COMMAND: 'evil',
      EDITOR: 'vim',
      git_config_global: '/tmp/x',
    });
    assert.equal(env.GIT_TERMINAL_PROMPT, '0');
    assert.equal(env.GIT_ASKPASS, 'echo');
    assert.equal(env.GCM_INTERACTIVE, 'never');
    assert.equal(env.SSH_ASKPASS_REQUIRE, 'never');
    assert.equal(env.PATH, '/usr/bin');
    assert.equal(env.HOME, '/home/u');
    for (const key of ['GIT_DIR', 'SSH_ASKPASS', 'GIT_SSH_COMMAND', 'EDITOR', 'git_config_global']) assert.equal(env[key], undefined, key);
  });
});
