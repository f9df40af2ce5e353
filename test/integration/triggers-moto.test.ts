import { GetTemplateCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { engineContext } from '../../src/cli/commands/engineSupport';
import { runCli } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/types';
import type { DeploymentOutcome } from '../../src/core/deployment';
import { GitRepository } from '../../src/core/git';
import type { DeploymentRecord } from '../../src/core/history/record';
import type { EnvironmentConfig } from '../../src/core/pipeline/types';
import { sleep } from '../../src/core/time';
import { PushTrigger, type TriggerRunEvent } from '../../src/core/triggers';
import { engineDeployCallback } from '../../src/core/triggers/engineDeploy';
import { cfnClient, tempHome, topicTemplate, useMotoCredentials } from '../support/deployFixture';
import { createGitSandbox } from '../support/gitRepos';
import { MOTO_ENV, startMoto, type Moto } from '../support/moto';

const PIPELINE = `version: 1
name: push-service
steps:
  - name: Build
    run: echo "building \${git.shortSha}"
stack:
  name: push-\${env.name}
  template: infra/template.yaml
  parameters:
    Name: "push-\${env.name}"
environments:
  staging:
    region: us-east-1
    branch: main
    deployOn: [push]
  dev:
    region: us-east-1
    deployOn: [save]
`;

async function readRecords(home: string, stack: string): Promise<DeploymentRecord[]> {
  const dir = join(home, 'stacks', '123456789012', 'us-east-1', stack, 'records');
  const names = (await readdir(dir).catch(() => [])).filter((n) => n.endsWith('.json'));
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8')) as DeploymentRecord));
}

describe('a push deploys exactly that commit through the real engine, against moto', () => {
  let moto: Moto;
  let cfn: CloudFormationClient;
  before(async () => {
    useMotoCredentials();
    moto = await startMoto();
    cfn = cfnClient(moto.endpoint);
  });
  after(async () => {
    cfn.destroy();
    await moto.stop();
  });

  it('git push from a terminal, with uncommitted edits in the tree → the pushed template is deployed, recorded with its commit', async () => {
    const box = createGitSandbox();
    const home = await tempHome();
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    const io: CliIo = {
      stdout,
      stderr: new PassThrough(),
      env: { ...box.env, ...MOTO_ENV, DEPLOYGUARD_HOME: home, DEPLOYGUARD_POLL_MS: '20' },
      cwd: box.work,
      signal: new AbortController().signal,
      isTty: false,
    };
    box.write(box.work, 'deployguard.yaml', PIPELINE);
    box.git(box.work, 'add', 'deployguard.yaml');
    box.commitFile(box.work, 'infra/template.yaml', topicTemplate('v1'), 'pipeline v1');
    box.git(box.work, 'push', '-q', 'origin', 'main');

    const repo = new GitRepository({ root: box.work, isTrusted: () => true, env: io.env });
    const environment: EnvironmentConfig = { name: 'staging', region: 'us-east-1', branch: 'main', deployOn: ['push'], confirm: false };
    const deploy = engineDeployCallback({
      context: engineContext(io, true),
      repoRoot: box.work,
      pipelineFile: join(box.work, 'deployguard.yaml'),
      processEnv: io.env,
      userEndpoint: moto.endpoint,
      holder: 'test',
    });
    const runs: TriggerRunEvent[] = [];
    const trigger = new PushTrigger({ repo, environment, deploy, isTrusted: () => true, pollMs: 60_000 });
    trigger.onDidRun((e) => runs.push(e));
    try {
      await trigger.start();
      const pushed = box.commitFile(box.work, 'infra/template.yaml', topicTemplate('v2'), 'template v2');
      // Uncommitted work in progress: must not be what gets deployed.
      box.write(box.work, 'infra/template.yaml', topicTemplate('v3-uncommitted'));
      box.git(box.work, 'push', '-q', 'origin', 'main');

      const deadline = Date.now() + 60_000;
      while (!runs.some((r) => r.type !== 'started') && Date.now() < deadline) await sleep(50);
      await trigger.whenIdle();
      const finished = runs.find((r) => r.type === 'finished');
      assert.ok(
        finished && finished.type === 'finished',
        `the deploy finished: ${JSON.stringify(runs.map((r) => (r.type === 'error' ? String(r.error) : r.type)))}\n${out}`,
      );
      const outcome = finished.result as DeploymentOutcome;
      assert.equal(outcome.exitCode, 0, out);
      assert.equal(outcome.record.status, 'stable');
      assert.ok(finished.request.worktree, 'deployed from a worktree because the tree was dirty');
      assert.equal(existsSync(finished.request.worktree), false, 'and the worktree is gone');

      const body = (await cfn.send(new GetTemplateCommand({ StackName: 'push-staging' }))).TemplateBody;
      assert.equal(body, topicTemplate('v2'), "the pushed commit's template, not the uncommitted v3");

      const deploys = (await readRecords(home, 'push-staging')).filter((r) => r.kind === 'deploy');
      assert.equal(deploys.length, 1, 'one push, one deployment');
      const [record] = deploys;
      assert.equal(record!.commit, pushed);
      assert.equal(record!.branch, 'main');
      assert.equal(record!.dirty, false);
      assert.equal(record!.trigger, 'push');
      assert.equal(record!.status, 'stable');
      assert.ok(out.includes(`building ${pushed.slice(0, 7)}`), 'the steps ran at the pushed commit');
    } finally {
      trigger.dispose();
      box.cleanup();
    }
  });

  it('deployguard watch dev: a saved template change is deployed as the dirty working tree, and Ctrl+C stops', async () => {
    const box = createGitSandbox();
    const home = await tempHome();
    const controller = new AbortController();
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (c: Buffer) => (err += c.toString()));
    const io: CliIo = {
      stdout: new PassThrough(),
      stderr,
      env: { ...box.env, ...MOTO_ENV, DEPLOYGUARD_HOME: home, DEPLOYGUARD_POLL_MS: '20' },
      cwd: box.work,
      signal: controller.signal,
      isTty: false,
    };
    box.write(box.work, 'deployguard.yaml', PIPELINE);
    box.git(box.work, 'add', 'deployguard.yaml');
    const head = box.commitFile(box.work, 'infra/template.yaml', topicTemplate('v1'), 'pipeline v1');
    try {
      const running = runCli(['watch', 'dev', '--debounce', '300', '--endpoint', moto.endpoint], io);
      const deadline = Date.now() + 60_000;
      while (!err.includes('Watching') && Date.now() < deadline) await sleep(25);
      box.write(box.work, 'infra/template.yaml', topicTemplate('v2-saved'));
      while (!err.includes('ended:') && Date.now() < deadline) await sleep(50);
      assert.match(err, /ended: stable/, err);
      const body = (await cfn.send(new GetTemplateCommand({ StackName: 'push-dev' }))).TemplateBody;
      assert.equal(body, topicTemplate('v2-saved'));
      const [record] = (await readRecords(home, 'push-dev')).filter((r) => r.kind === 'deploy');
      assert.equal(record!.commit, head);
      assert.equal(record!.dirty, true);
      assert.equal(record!.trigger, 'save');
      controller.abort();
      assert.equal(await running, 0);
    } finally {
      controller.abort();
      box.cleanup();
    }
  });
});
