import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EngineEvent } from '../../../../src/core/events';
import { GitRepository } from '../../../../src/core/git';
import type { Logger } from '../../../../src/core/logger';
import { setCommitSubject } from '../../../../src/extension/runPanel/commitMessage';
import { RunModel } from '../../../../src/extension/runPanel/runState';
import { wireSnapshot } from '../../../../src/extension/runPanel/wire';
import { commitLine } from '../../../../src/webview/format';
import { createGitSandbox, type GitSandbox } from '../../../support/gitRepos';

const ID = '20261126T223000123Z-ab12cd';

function started(commit: string): EngineEvent {
  return {
    type: 'deployment-started',
    deploymentId: ID,
    at: '2026-11-26T22:30:00.000Z',
    kind: 'deploy',
    environment: 'prod',
    stackName: 'orders-prod',
    region: 'eu-west-1',
    account: '123456789012',
    commit,
    branch: 'main',
    steps: [],
  };
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (m: string | Error) => void lines.push(String(m));
  return { lines, trace: log, debug: log, info: log, warn: log, error: log };
}

/** The header line as the webview shows it, from what the host would post. */
const headerLine = (model: RunModel) => commitLine(wireSnapshot(model.snapshot(), model.logStart).header.commit);

describe('run panel header: the commit subject', () => {
  let sandbox: GitSandbox;
  let sha: string;
  before(() => {
    sandbox = createGitSandbox();
    sha = sandbox.commitFile(sandbox.work, 'app.txt', 'v2\n', 'Fix the checkout total\n\nThe tax was added twice.');
  });
  after(() => sandbox.cleanup());

  const repo = (trusted = true) => new GitRepository({ root: sandbox.work, isTrusted: () => trusted, env: sandbox.env });

  it('shows the subject from git once the commit message is known', async () => {
    const model = new RunModel({ deploymentId: ID, live: true });
    model.apply(started(sha));
    assert.equal(headerLine(model), `${sha.slice(0, 7)} (main)`);

    const r = repo();
    assert.equal(await setCommitSubject(model, (s) => r.commitSubject(s), recordingLogger()), true);
    assert.equal(headerLine(model), `${sha.slice(0, 7)} (main) — Fix the checkout total`);
    assert.equal(model.takeDelta()?.header?.commit?.message, 'Fix the checkout total');
  });

  it('leaves the sha alone for a commit this repository lacks, and shows no message from an untrusted workspace', async () => {
    const unknown = 'f'.repeat(40);
    const model = new RunModel({ deploymentId: ID, live: true });
    model.apply(started(unknown));
    const logger = recordingLogger();
    const r = repo();
    assert.equal(await setCommitSubject(model, (s) => r.commitSubject(s), logger), false);
    assert.equal(headerLine(model), `${unknown.slice(0, 7)} (main)`);
    assert.match(logger.lines.join('\n'), new RegExp(`no message for commit ${unknown}`));

    const untrusted = new RunModel({ deploymentId: ID, live: true });
    untrusted.apply(started(sha));
    const closed = repo(false);
    assert.equal(await setCommitSubject(untrusted, (s) => closed.commitSubject(s), recordingLogger()), false);
    assert.equal(headerLine(untrusted), `${sha.slice(0, 7)} (main)`);
  });

  it('refuses what is not a commit id before git sees it', async () => {
    await assert.rejects(repo().commitSubject('--output=/tmp/x'), { code: 'GitFailed' });
  });
});
