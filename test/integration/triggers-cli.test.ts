import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createWatchCommand } from '../../src/cli/commands/watch';
import { runCli } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/types';
import { ExitCode } from '../../src/core/model';
import type { TriggerDeployRequest } from '../../src/core/triggers';
import { sleep } from '../../src/core/time';
import { createGitSandbox, type GitSandbox } from '../support/gitRepos';

const PIPELINE = `version: 1
name: watch-test
steps:
  - name: Check
    run: "true"
stack:
  name: watch-\${env.name}
  template: template.yaml
environments:
  dev:
    region: us-east-1
    deployOn: [save]
  prod:
    region: us-east-1
    branch: main
    deployOn: [push]
`;
const TEMPLATE = 'Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n';

function captureIo(cwd: string, env: NodeJS.ProcessEnv) {
  const controller = new AbortController();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const io: CliIo = { stdout, stderr, env, cwd, signal: controller.signal, isTty: false };
  return { io, controller, out: () => out, err: () => err };
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('deployguard watch ENV', () => {
  let box: GitSandbox;

  beforeEach(() => {
    box = createGitSandbox();
    box.write(box.work, 'deployguard.yaml', PIPELINE);
    box.commitFile(box.work, 'template.yaml', TEMPLATE, 'pipeline');
  });
  afterEach(() => box.cleanup());

  it('redeploys on file changes from the file system, ignores ignored files, and stops cleanly on Ctrl+C', async () => {
    const requests: TriggerDeployRequest[] = [];
    const command = createWatchCommand(({ environment, repoRoot }) => {
      assert.equal(environment.name, 'dev');
      assert.equal(repoRoot, box.work);
      return async (request) => {
        requests.push(request);
        return { status: 'stable' };
      };
    });
    const cap = captureIo(box.work, box.env);
    const running = command.run(['dev', '--debounce', '300'], cap.io);
    await waitFor('the watch to start', () => cap.err().includes('Watching'));

    box.write(box.work, 'build/out.js', 'ignored build output');
    box.write(box.work, 'trace.log', 'ignored log');
    await sleep(1000);
    assert.equal(requests.length, 0, 'ignored files do not deploy');

    box.write(box.work, 'app.txt', 'edited\n');
    await waitFor('a deploy', () => requests.length === 1);
    assert.equal(requests[0]!.reason, 'save');
    assert.equal(requests[0]!.commit.dirty, true);
    assert.deepEqual(requests[0]!.savedFiles, [join(box.work, 'app.txt')]);
    await waitFor('the deploy to end', () => cap.err().includes('ended: stable'));

    // A folder created after the watch began is watched too.
    mkdirSync(join(box.work, 'src', 'feature'), { recursive: true });
    await sleep(200);
    box.write(box.work, 'src/feature/new.txt', 'new\n');
    await waitFor('a second deploy', () => requests.length === 2).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${cap.err()}\n${JSON.stringify(requests.map((r) => r.savedFiles))}`);
    });
    assert.ok(requests[1]!.savedFiles?.includes(join(box.work, 'src/feature/new.txt')));

    cap.controller.abort();
    assert.equal(await running, ExitCode.Ok);
    assert.match(cap.err(), /Stopped watching/);
    await sleep(500);
    box.write(box.work, 'app.txt', 'after stop\n');
    await sleep(800);
    assert.equal(requests.length, 2, 'nothing is watched after Ctrl+C');
  });

  it('Ctrl+C during a deploy cancels it through its signal and returns', async () => {
    let aborted = false;
    const command = createWatchCommand(
      () => (request) =>
        new Promise((done) =>
          request.signal.addEventListener('abort', () => {
            aborted = true;
            done({ status: 'cancelled' });
          }),
        ),
    );
    const cap = captureIo(box.work, box.env);
    const running = command.run(['dev', '--debounce', '200'], cap.io);
    await waitFor('the watch to start', () => cap.err().includes('Watching'));
    box.write(box.work, 'app.txt', 'edited\n');
    await waitFor('the deploy to start', () => cap.err().includes('▶ deploying dev'));
    cap.controller.abort();
    assert.equal(await running, ExitCode.Ok);
    assert.equal(aborted, true);
    assert.match(cap.err(), /cancelling the deploy in progress/);
  });

  it('refuses an environment that does not deploy on save, and bad flags, with exit code 2', async () => {
    const cap = captureIo(box.work, box.env);
    assert.equal(await runCli(['watch', 'prod'], cap.io), ExitCode.Usage);
    assert.match(cap.err(), /does not deploy on save/);
    assert.equal(await runCli(['watch', 'dev', '--debounce', '10'], cap.io), ExitCode.Usage);
    assert.equal(await runCli(['watch', 'nope'], cap.io), ExitCode.Usage);
    assert.equal(await runCli(['watch'], cap.io), ExitCode.Usage);
  });

  it('the real CLI process stops cleanly on SIGINT', async () => {
    const cli = resolve('src/cli.ts');
    // tsx by absolute path: the CLI runs in the sandbox repository, where 'tsx' does not resolve.
    const tsx = pathToFileURL(resolve('node_modules/tsx/dist/loader.mjs')).href;
    const child = spawn(process.execPath, ['--import', tsx, cli, 'watch', 'dev'], {
      cwd: box.work,
      env: box.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await waitFor('the watch to start', () => err.includes('Watching'), 30_000);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
    assert.equal(code, 0, err);
    assert.match(err, /Stopped watching/);
  });
});
