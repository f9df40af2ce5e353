/**
 * "Open in Template" for a CDK stack, against the real CDK (cached outside the clone, see
 * cdkToolchain.ts): an app synthesised by Deploy Guard's own synth step, then a logical id of its
 * stack mapped to the line of the app that made it and the commit that last changed that line —
 * for an app in JavaScript, and for one in TypeScript compiled by tsc with source maps.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cdkResourceSource } from '../../src/core/cdk/assemblySource';
import { cdkSynthStep } from '../../src/core/cdk/synthStep';
import { GitRepository } from '../../src/core/git';
import { cdkNodeModules } from '../support/cdkToolchain';
import { createGitSandbox, type GitSandbox } from '../support/gitRepos';

const FIXTURES = join(__dirname, '..', 'fixtures');
const TSC = join(__dirname, '..', '..', 'node_modules', '.bin', 'tsc');

/** The engine's synth step as it runs in a deploy: its script, its folder, its environment. */
function synth(root: string, stack: string): void {
  const step = cdkSynthStep({ stack });
  execFileSync('sh', ['-c', step.run], {
    cwd: root,
    env: { ...process.env, ...step.env, CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 180_000,
  });
}

describe('CDK: a failed resource back to the line of the app that made it (real CDK)', { timeout: 15 * 60_000 }, () => {
  let modules: string;
  const sandboxes: GitSandbox[] = [];
  before(async () => {
    modules = await cdkNodeModules();
  });
  after(() => sandboxes.forEach((s) => s.cleanup()));

  /** A committed copy of a fixture app (one more commit by Ada touching `app`), the cached CDK as its node_modules. */
  function appRepo(fixture: string): { git: GitSandbox; repo: GitRepository } {
    const git = createGitSandbox();
    sandboxes.push(git);
    cpSync(fixture, git.work, { recursive: true });
    rmSync(join(git.work, 'assembly'), { recursive: true, force: true });
    rmSync(join(git.work, 'lib'), { recursive: true, force: true });
    git.write(git.work, '.gitignore', 'node_modules\ncdk.out\nlib\n');
    git.git(git.work, 'add', '.');
    git.git(git.work, '-c', 'user.name=Ada Lovelace', '-c', 'user.email=ada@example.com', 'commit', '-q', '-m', 'The orders app');
    symlinkSync(modules, join(git.work, 'node_modules'));
    return { git, repo: new GitRepository({ root: git.work, isTrusted: () => true, env: git.env }) };
  }

  it('an app in JavaScript: the Lambda function and the role it made go to the `new Function` line', async () => {
    const { git, repo } = appRepo(join(FIXTURES, 'cdk-app'));
    synth(git.work, 'OrdersStack');
    const fn = await cdkResourceSource(git.work, { stack: 'OrdersStack' }, 'Handler886CB40B');
    assert.equal(fn.constructPath, 'OrdersStack/Handler/Resource');
    assert.deepEqual(fn.source, { path: 'app.mjs', line: 11, column: 1, endLine: 16 });
    const role = await cdkResourceSource(git.work, { stack: 'OrdersStack' }, 'HandlerServiceRoleFCDC14AE');
    assert.equal(role.source?.line, 11);
    assert.equal((await repo.lastChange('app.mjs', 11, 16))?.subject, 'The orders app');
  });

  it('an app in TypeScript compiled by tsc: the .ts line, through the source map', async () => {
    const { git, repo } = appRepo(join(FIXTURES, 'cdk-source', 'ts-compiled'));
    execFileSync(TSC, ['-p', '.'], { cwd: git.work, stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });
    synth(git.work, 'OrdersStack');
    const queue = await cdkResourceSource(git.work, { stack: 'OrdersStack' }, 'OrdersA9B65338');
    assert.deepEqual(queue.source, { path: 'bin/app.ts', line: 10, column: 10, endLine: 12, compiled: 'lib/app.js' });
    const blamed = await repo.lastChange('bin/app.ts', 10, 12);
    assert.equal(blamed?.author, 'Ada Lovelace <ada@example.com>');
  });
});
