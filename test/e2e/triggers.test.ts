import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { CloudFormationClient, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import type { DeploymentRecord } from '../../src/core/history/record';
import { MOTO_ENV, startMoto, type Moto } from '../support/moto';
import { answerDialog } from './editorSupport';
import { startWorkbench, waitFor, type Workbench } from './support/workbench';

// Deploy on push and save in a real VS Code (code-server + Chromium) against moto: `Save, Commit, Push and Deploy`
// commits and pushes to a bare remote, and the push trigger deploys exactly the pushed commit;
// a rejected push offers Pull and Retry and deploys nothing until it succeeds.
const START_TIMEOUT = 5 * 60_000;

const PIPELINE = `version: 1
name: triggers-e2e
steps:
  - name: Build
    run: echo "building \${git.shortSha}"
stack:
  name: triggers-\${env.name}
  template: infra/template.yaml
environments:
  staging:
    region: us-east-1
    branch: main
    deployOn: [push]
  dev:
    region: us-east-1
    deployOn: [save]
`;

function template(version: string): string {
  return `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      DisplayName: triggers-${version}
`;
}

describe('Save, Commit, Push and Deploy in a real VS Code, against moto', { timeout: START_TIMEOUT + 10 * 60_000 }, () => {
  let moto: Moto | undefined;
  let bench: Workbench | undefined;
  let cfn: CloudFormationClient | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'deployguard-triggers-e2e-'));
  const repo = join(dir, 'work');
  const remote = join(dir, 'remote.git');
  const other = join(dir, 'other');
  const home = join(dir, 'dg-home');
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=E2E', '-c', 'user.email=e2e@example.com', ...args], { cwd, encoding: 'utf8' }).trim();
  const wb = () => {
    assert.ok(bench, 'the workbench did not start');
    return bench;
  };
  const records = (stack = 'triggers-staging'): DeploymentRecord[] => {
    const recordsDir = join(home, 'stacks', '123456789012', 'us-east-1', stack, 'records');
    let names: string[] = [];
    try {
      names = readdirSync(recordsDir).filter((n) => n.endsWith('.json'));
    } catch {
      return [];
    }
    return names.map((n) => JSON.parse(readFileSync(join(recordsDir, n), 'utf8')) as DeploymentRecord).filter((r) => r.kind === 'deploy');
  };
  const deployedTemplate = async () => (await cfn!.send(new GetTemplateCommand({ StackName: 'triggers-staging' }))).TemplateBody ?? '';

  async function runSaveCommitPushDeploy(message: string): Promise<void> {
    const page = wb().page;
    // The deploy-on-save toggle shows only once the workspace is trusted and the pipeline read:
    // before that the command is disabled (enablement: isWorkspaceTrusted) and not in the palette.
    await page
      .locator('.part.statusbar .statusbar-item', { hasText: 'Deploy on Save' })
      .first()
      .waitFor({ state: 'visible', timeout: 120_000 });
    await wb().runCommand('Deploy Guard: Save, Commit, Push and Deploy');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    // What will be committed is shown above the message box.
    await waitFor(
      'the files to be committed',
      async () => ((await page.locator('.quick-input-widget').innerText()).includes('infra/template.yaml') ? true : undefined),
      15_000,
    );
    await input.fill(message);
    await page.keyboard.press('Enter');
  }

  before(
    async () => {
      moto = await startMoto();
      cfn = new CloudFormationClient({
        endpoint: moto.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      });
      mkdirSync(home);
      execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote]);
      execFileSync('git', ['clone', '-q', remote, repo]);
      git(repo, 'symbolic-ref', 'HEAD', 'refs/heads/main');
      // The extension host commits with the repository's identity.
      git(repo, 'config', 'user.name', 'E2E');
      git(repo, 'config', 'user.email', 'e2e@example.com');
      writeFileSync(join(repo, 'deployguard.yaml'), PIPELINE);
      mkdirSync(join(repo, 'infra'));
      writeFileSync(join(repo, 'infra', 'template.yaml'), template('v1'));
      writeFileSync(join(repo, 'notes.txt'), 'notes\n');
      git(repo, 'add', '.');
      git(repo, 'commit', '-q', '-m', 'v1');
      git(repo, 'push', '-q', '-u', 'origin', 'main');
      execFileSync('git', ['clone', '-q', remote, other]);
      bench = await startWorkbench({
        workspace: repo,
        trust: true,
        name: 'triggers',
        env: { ...MOTO_ENV, AWS_ENDPOINT_URL: moto.endpoint, DEPLOYGUARD_HOME: home, GIT_TERMINAL_PROMPT: '0' },
        settings: { 'deployGuard.openRunPanel': true, 'git.enabled': true },
      });
    },
    { timeout: START_TIMEOUT },
  );

  after(async () => {
    await bench?.close();
    cfn?.destroy();
    await moto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  // A failing test leaves a screenshot of the workbench (a modal dialog, a toast) behind.
  afterEach(async (t) => {
    if ((t as unknown as { passed?: boolean }).passed === false)
      await bench?.screenshot(`FAILED-${t.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
  });

  it('commits, pushes with the remembered message, and the push deploys exactly that commit', async () => {
    writeFileSync(join(repo, 'infra', 'template.yaml'), template('v2'));
    await runSaveCommitPushDeploy('Release v2');
    // The first run of this pipeline in this window asks (the changed-pipeline approval).
    await answerDialog(wb().page, 'Run Pipeline', 60_000);
    const pushed = await waitFor(
      'the commit to reach the remote',
      () => {
        const head = git(remote, 'rev-parse', 'main');
        return git(remote, 'log', '-1', '--format=%s', 'main') === 'Release v2' ? head : undefined;
      },
      60_000,
    );
    assert.equal(git(repo, 'rev-parse', 'HEAD'), pushed);
    const record = await waitFor(
      'a stable deployment of the pushed commit',
      () => records().find((r) => r.commit === pushed && r.status === 'stable'),
      180_000,
      500,
    );
    assert.equal(record.trigger, 'push');
    assert.equal(record.branch, 'main');
    assert.equal(record.dirty, false);
    assert.equal(await deployedTemplate(), template('v2'));
    assert.equal(records().length, 1, 'one push, one deployment');
  });

  it('a rejected push says so, deploys nothing, and Pull and Retry pushes and deploys', async () => {
    // A colleague pushes first.
    writeFileSync(join(other, 'NOTES.md'), 'from a colleague\n');
    git(other, 'pull', '-q');
    git(other, 'add', 'NOTES.md');
    git(other, 'commit', '-q', '-m', 'colleague');
    git(other, 'push', '-q', 'origin', 'main');
    const theirs = git(remote, 'rev-parse', 'main');

    writeFileSync(join(repo, 'infra', 'template.yaml'), template('v3'));
    await runSaveCommitPushDeploy('Release v3');
    const toast = await wb().waitForNotification(/rejected/i, 60_000);
    assert.ok(toast.actions.includes('Pull and Retry'), `actions: ${toast.actions.join(', ')}`);
    assert.equal(git(remote, 'rev-parse', 'main'), theirs, 'nothing was forced over their commit');
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(records().length, 1, 'a rejected push deploys nothing');

    await wb().clickNotificationAction(/rejected/i, 'Pull and Retry');
    const pushed = await waitFor(
      'the retried push',
      () => {
        const head = git(remote, 'rev-parse', 'main');
        return head !== theirs ? head : undefined;
      },
      60_000,
    );
    assert.equal(git(remote, 'rev-parse', 'main~1'), theirs, 'rebased onto their commit, not forced');
    const record = await waitFor(
      'the deployment of the retried push',
      () => records().find((r) => r.commit === pushed && r.status === 'stable'),
      180_000,
      500,
    );
    assert.equal(record.trigger, 'push');
    assert.equal(await deployedTemplate(), template('v3'));
    assert.ok(!records().some((r) => r.commit === theirs), "the colleague's commit, only fetched here, was not deployed from this editor");
  });

  it('saving a file in the editor deploys the dev stack as the working tree is; the status-bar toggle pauses it', async () => {
    const page = wb().page;
    const toggle = page.locator('.part.statusbar .statusbar-item', { hasText: 'Deploy on Save' }).first();
    await toggle.waitFor({ state: 'visible', timeout: 60_000 });
    assert.match((await toggle.innerText()).replace(/\u00a0/g, ' '), /Deploy on Save: dev/);
    const head = git(repo, 'rev-parse', 'HEAD');

    const editAndSave = async (text: string) => {
      await wb().openFileForTyping('notes.txt');
      await page.keyboard.press('Control+End');
      await page.keyboard.type(text);
      await page.keyboard.press('Control+S');
      await waitFor(
        'the save to reach the disk',
        () => (readFileSync(join(repo, 'notes.txt'), 'utf8').includes(text) ? true : undefined),
        20_000,
      );
    };

    await editAndSave('saved once\n');
    // Approved in the first test already; asks only if this test runs alone.
    await answerDialog(page, 'Run Pipeline', 10_000);
    const record = await waitFor(
      'a save deployment of dev',
      () => records('triggers-dev').find((r) => r.status === 'stable'),
      180_000,
      500,
    );
    assert.equal(record.trigger, 'save');
    assert.equal(record.commit, head);
    assert.equal(record.dirty, true, 'the saved, uncommitted file made the tree dirty');

    await toggle.click();
    await waitFor('the toggle to say paused', async () => (/paused/.test(await toggle.innerText()) ? true : undefined), 15_000);
    await editAndSave('saved while paused\n');
    await new Promise((r) => setTimeout(r, 5000));
    assert.equal(records('triggers-dev').length, 1, 'paused: the save deployed nothing');
  });
});
