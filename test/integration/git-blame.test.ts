/**
 * GitRepository's two answers for the incident note and "Open in Template", against real
 * repositories: the commits between two versions, and the commit that last changed some lines.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { GitRepository } from '../../src/core/git';
import { createGitSandbox } from '../support/gitRepos';

describe('git: commits between versions, and who last changed some lines', () => {
  const git = createGitSandbox();
  after(() => git.cleanup());
  const repo = () => new GitRepository({ root: git.work, isTrusted: () => true, env: git.env });
  const ada = ['-c', 'user.name=Ada Lovelace', '-c', 'user.email=ada@example.com'];

  it('lists the commits in the bad version and not in the good one, newest first', async () => {
    const good = git.commitFile(git.work, 'infra/t.yaml', 'Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n', 'Add the queue');
    git.write(git.work, 'infra/t.yaml', 'Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      DelaySeconds: 5\n');
    git.git(git.work, 'add', 'infra/t.yaml');
    git.git(git.work, ...ada, 'commit', '-q', '-m', 'Delay the queue');
    const bad = git.git(git.work, 'rev-parse', 'HEAD');
    const commits = await repo().commitsBetween(good, bad);
    assert.deepEqual(
      commits.map((c) => [c.sha, c.subject, c.author]),
      [[bad, 'Delay the queue', 'Ada Lovelace <ada@example.com>']],
    );
    assert.deepEqual(await repo().commitsBetween(bad, good), []);
    await assert.rejects(repo().commitsBetween('--output=x', bad), /is not a commit id/);
  });

  it('names the newest commit of the lines, the descendant when two share a second', async () => {
    const last = await repo().lastChange('infra/t.yaml', 2, 5);
    assert.equal(last?.subject, 'Delay the queue');
    assert.equal(last?.author, 'Ada Lovelace <ada@example.com>');
    assert.equal((await repo().lastChange('infra/t.yaml', 1, 3))?.subject, 'Add the queue', 'lines the second commit did not touch');
    assert.equal((await repo().lastChange('infra/t.yaml', 1, 1))?.subject, 'Add the queue');
  });
});
