import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CloudFormationClient, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand, type StateValue } from '@aws-sdk/client-cloudwatch';
import type { Page } from 'playwright-core';
import type { DeploymentRecord } from '../../src/core/history/record';
import { MOTO_ENV } from '../support/moto';
import { waitFor, type Workbench } from './support/workbench';

/**
 * A git repository with a deployguard.yaml for the editor-surface tests, history in its own
 * DEPLOYGUARD_HOME, and helpers that drive moto (alarms, templates) and the workbench (quick
 * picks, modal dialogs, the status bar, tree rows).
 */
export const ENVIRONMENTS = {
  /** rollback: auto, a short bake. */
  dev: { alarm: 'editor-dev-5xx', bake: '15s', rollback: 'auto' },
  /** rollback: prompt. */
  staging: { alarm: 'editor-staging-5xx', bake: '15s', rollback: 'prompt' },
  /** A bake long enough to reload the window in the middle of it (on a busy machine); the test cancels it. */
  preview: { alarm: 'editor-preview-5xx', bake: '150s', rollback: 'auto' },
} as const;
export type EnvName = keyof typeof ENVIRONMENTS;

const PIPELINE = `version: 1
name: editor-e2e
steps:
  - name: Build
    run: echo "building for \${env.name}"
stack:
  name: editor-\${env.name}
  template: infra/template.yaml
environments:
${Object.entries(ENVIRONMENTS)
  .map(
    ([name, e]) => `  ${name}:
    region: us-east-1
    health:
      alarms: [${e.alarm}]
      bake: ${e.bake}
      pollSeconds: 1
      rollback: ${e.rollback}
`,
  )
  .join('')}`;

/** Each version changes a resource property, so every deploy has a real change set. */
export function template(version: string): string {
  return `AWSTemplateFormatVersion: "2010-09-09"
Description: Deploy Guard editor e2e
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      DisplayName: orders-${version}
`;
}

export interface EditorFixture {
  readonly repo: string;
  readonly home: string;
  readonly endpoint: string;
  /** Environment for code-server (and so the extension host) and the CLI. */
  readonly env: Record<string, string>;
  /** Writes a new template version and commits it; returns the commit's sha. */
  commitVersion(version: string): string;
  /** Runs `deployguard deploy` from source (not dist/, which others rebuild). */
  cliDeploy(environment: EnvName, bake?: string): { status: number | null; output: string };
  setAlarm(environment: EnvName, state: StateValue): Promise<void>;
  /** The stack's deployed template body. */
  deployedTemplate(environment: EnvName): Promise<string>;
  /** Every history record of an environment's stack, newest first. */
  records(environment: EnvName): DeploymentRecord[];
  dispose(): void;
}

export async function createEditorFixture(endpoint: string): Promise<EditorFixture> {
  const repo = mkdtempSync(join(tmpdir(), 'deployguard-editor-'));
  const home = mkdtempSync(join(tmpdir(), 'deployguard-editor-home-'));
  writeFileSync(join(repo, 'deployguard.yaml'), PIPELINE);
  execFileSync('mkdir', ['-p', join(repo, 'infra')]);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  const env: Record<string, string> = { ...MOTO_ENV, AWS_ENDPOINT_URL: endpoint, DEPLOYGUARD_HOME: home };
  const credentials = { accessKeyId: MOTO_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: MOTO_ENV.AWS_SECRET_ACCESS_KEY };
  const cw = new CloudWatchClient({ endpoint, region: MOTO_ENV.AWS_REGION, credentials });
  const cfn = new CloudFormationClient({ endpoint, region: MOTO_ENV.AWS_REGION, credentials });
  for (const e of Object.values(ENVIRONMENTS)) {
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: e.alarm,
        MetricName: '5XXError',
        Namespace: 'EditorE2E',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    );
    await cw.send(new SetAlarmStateCommand({ AlarmName: e.alarm, StateValue: 'OK', StateReason: 'healthy' }));
  }

  const fixture: EditorFixture = {
    repo,
    home,
    endpoint,
    env,
    commitVersion(version) {
      writeFileSync(join(repo, 'infra', 'template.yaml'), template(version));
      git('add', '.');
      git('-c', 'user.name=Editor Test', '-c', 'user.email=editor@example.com', 'commit', '-q', '-m', `Release ${version}`);
      return git('rev-parse', 'HEAD');
    },
    cliDeploy(environment, bake = '1s') {
      const result = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          resolve('src/cli.ts'),
          'deploy',
          environment,
          '--file',
          join(repo, 'deployguard.yaml'),
          '--skip-steps',
          '--yes',
          '--bake',
          bake,
        ],
        { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 },
      );
      return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
    },
    async setAlarm(environment, state) {
      await cw.send(
        new SetAlarmStateCommand({
          AlarmName: ENVIRONMENTS[environment].alarm,
          StateValue: state,
          StateReason: `set ${state} by the test`,
        }),
      );
    },
    async deployedTemplate(environment) {
      const out = await cfn.send(new GetTemplateCommand({ StackName: `editor-${environment}` }));
      return out.TemplateBody ?? '';
    },
    records(environment) {
      const dir = join(home, 'stacks', '123456789012', 'us-east-1', `editor-${environment}`, 'records');
      let names: string[] = [];
      try {
        names = readdirSync(dir).filter((n) => n.endsWith('.json'));
      } catch {
        return [];
      }
      return names
        .sort()
        .reverse()
        .map((n) => JSON.parse(readFileSync(join(dir, n), 'utf8')) as DeploymentRecord);
    },
    dispose() {
      cw.destroy();
      cfn.destroy();
    },
  };
  return fixture;
}

/** Picks an item of the open quick pick by its label. */
export async function pickQuickItem(page: Page, label: string): Promise<void> {
  const row = page
    .locator('.quick-input-widget .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${label}\\s*$`) }) });
  await row.first().waitFor({ state: 'visible', timeout: 20_000 });
  await row.first().click();
}

/** Clicks a button of a modal dialog if one with that button appears within the time given. */
export async function answerDialog(page: Page, button: string, timeoutMs = 20_000): Promise<boolean> {
  const locator = page.locator('.monaco-dialog-box .monaco-button', { hasText: button });
  try {
    await locator.first().waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    return false;
  }
  await locator.first().click();
  return true;
}

/** The text of the Deploy Guard status-bar item for an environment ('' when there is none). */
export async function statusBarText(page: Page, environment: string): Promise<string> {
  const texts = await page.locator('.part.statusbar .statusbar-item').allTextContents();
  return texts.map((t) => t.replace(/\u00a0/g, ' ').trim()).find((t) => t.startsWith(`${environment}:`)) ?? '';
}

export function waitForStatusBar(bench: Workbench, environment: string, match: RegExp, timeoutMs = 60_000): Promise<string> {
  return waitFor(
    `the status bar to show ${environment}: ${match}`,
    async () => {
      const text = await statusBarText(bench.page, environment);
      return match.test(text) ? text : undefined;
    },
    timeoutMs,
    100,
  );
}

/** Waits for the tree row of an environment whose description matches. */
export function waitForEnvironmentRow(bench: Workbench, environment: string, match: RegExp, timeoutMs = 60_000) {
  return waitFor(
    `the ${environment} row to say ${match}`,
    async () => {
      const rows = await bench.treeItems('Deployments');
      const row = rows.find((r) => r.level === 1 && r.label === environment);
      return row && match.test(row.description) ? row : undefined;
    },
    timeoutMs,
    100,
  );
}

/** Deploys from the palette: Deploy…, pick the environment, approve the pipeline on its first run. */
export async function deployFromPalette(bench: Workbench, environment: string, approvalTimeoutMs = 5_000): Promise<void> {
  await bench.runCommand('Deploy Guard: Deploy…');
  await pickQuickItem(bench.page, environment);
  // The first run of this pipeline in this window's user data asks for approval (pipeline/approval.ts).
  await answerDialog(bench.page, 'Run Pipeline', approvalTimeoutMs);
}

/** Runs a test's body; when it fails, saves a screenshot of the workbench as it was. */
export async function withScreenshot(bench: Workbench | undefined, name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    await bench?.screenshot(`FAILED-${name}`).catch(() => undefined);
    throw err;
  }
}

/**
 * "Developer: Reload Window", waiting for the new page with a bound that suits a loaded machine
 * (the harness's reloadWindow allows 30 s for the load event).
 */
export async function reloadWindow(bench: Workbench, timeoutMs = 180_000): Promise<void> {
  const loaded = bench.page.waitForEvent('load', { timeout: timeoutMs });
  await bench.runCommand('Developer: Reload Window');
  await loaded;
  await bench.page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout: timeoutMs });
  await bench.page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
}
