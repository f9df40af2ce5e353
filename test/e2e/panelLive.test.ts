import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import type { Frame } from 'playwright-core';
import { MOTO_ENV, startMoto, type Moto } from '../support/moto';
import { startWorkbench, waitFor, type Workbench } from './support/workbench';

// A real deployment started from the palette in a real VS Code, against a real moto_server:
// the run panel opens by itself and follows the run as it goes — steps, log lines, the stack
// events of the operation, then the health watch with its guarded alarm and bake countdown.
const START_TIMEOUT = 5 * 60_000;
const ALARM = 'panel-live-5xx';

const PIPELINE = (endpoint: string) => `version: 1
name: panel-live
steps:
  - name: Build
    run: bash build.sh
  - name: Hostile output
    run: bash hostile.sh
stack:
  name: panel-live-\${env.name}
  template: template.yaml
environments:
  dev:
    region: us-east-1
    endpoint: ${endpoint}
    health:
      alarms: [${ALARM}]
      bake: 12s
      pollSeconds: 1
      rollback: auto
`;

// Slow enough that the panel is seen filling while the step runs; says "Deploy succeeded" early,
// which must change nothing.
const BUILD = `echo "Deploy succeeded"
for i in $(seq 1 100); do printf '\\033[36mbuilding\\033[0m part %d\\n' "$i"; sleep 0.25; done
echo "build done"
`;
const HOSTILE = String.raw`printf '%s\n' '<script>document.title="PWNED-SCRIPT"</script>'
printf '%s\n' '</div><img src=x onerror="document.title=\"PWNED-IMG\"">'
printf '\033]8;;javascript:document.title="PWNED-LINK"\033\\click me\033]8;;\033\\\n'
`;
const TEMPLATE = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: panel-live-topic
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: panel-live-queue
`;

function makeRepo(endpoint: string): string {
  const repo = mkdtempSync(join(tmpdir(), 'deployguard-panel-live-'));
  writeFileSync(join(repo, 'deployguard.yaml'), PIPELINE(endpoint));
  writeFileSync(join(repo, 'build.sh'), BUILD);
  writeFileSync(join(repo, 'hostile.sh'), HOSTILE);
  writeFileSync(join(repo, 'template.yaml'), TEMPLATE);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('-c', 'user.name=Panel Test', '-c', 'user.email=panel@example.com', 'commit', '-q', '-m', 'Live panel test');
  return repo;
}

async function rowsText(frame: Frame): Promise<string[]> {
  return frame.locator('.log-row').evaluateAll((els) => els.map((e) => e.textContent ?? ''));
}

describe('the run panel follows a real deployment as it goes', { timeout: START_TIMEOUT + 240_000 }, () => {
  let moto: Moto | undefined;
  let bench: Workbench | undefined;
  let repo: string | undefined;
  let home: string | undefined;
  const wb = () => {
    assert.ok(bench, 'the workbench did not start');
    return bench;
  };

  before(
    async () => {
      moto = await startMoto();
      const cw = new CloudWatchClient({
        endpoint: moto.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      });
      await cw.send(
        new PutMetricAlarmCommand({
          AlarmName: ALARM,
          MetricName: '5XXError',
          Namespace: 'PanelLive',
          Statistic: 'Sum',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        }),
      );
      await cw.send(new SetAlarmStateCommand({ AlarmName: ALARM, StateValue: 'OK', StateReason: 'healthy before the deploy' }));
      cw.destroy();
      repo = makeRepo(moto.endpoint);
      home = mkdtempSync(join(tmpdir(), 'deployguard-panel-live-home-'));
      bench = await startWorkbench({
        workspace: repo,
        trust: true,
        name: 'panel-live',
        env: { ...MOTO_ENV, DEPLOYGUARD_HOME: home },
        settings: { 'deployGuard.openRunPanel': true },
      });
    },
    { timeout: START_TIMEOUT },
  );

  after(async () => {
    await bench?.close();
    await moto?.stop();
    if (repo) rmSync(repo, { recursive: true, force: true });
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('opens on Deploy and shows steps, log lines, stack events and health while the run goes', async () => {
    try {
      await followRun();
    } catch (err) {
      await bench?.screenshot('FAILED-panel-live').catch(() => undefined);
      throw err;
    }
  });

  async function followRun(): Promise<void> {
    const page = wb().page;
    await wb().runCommand('Deploy Guard: Deploy…');
    // One environment may be picked for us; otherwise pick it.
    const pick = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'dev' });
    if (
      await pick
        .first()
        .isVisible()
        .catch(() => false)
    )
      await pick.first().click();
    // First run of this pipeline: the approval dialog asks before any step runs.
    const run = page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Run Pipeline' });
    await run.waitFor({ state: 'visible', timeout: 60_000 });
    await run.click();

    const frame = await wb().webviewFrame(async (f) => (await f.locator('.run-status[data-status]').count()) > 0, 60_000);
    assert.match((await frame.locator('.run-title').textContent()) ?? '', /panel-live-dev → dev/);

    // The Build step is running and its lines arrive while it runs.
    const firstCount = await waitFor(
      'build lines while the step runs',
      async () => {
        const steps = await frame.locator('.step').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
        const rows = await rowsText(frame);
        const building = rows.filter((r) => r.startsWith('building part')).length;
        return steps[0] === 'running' && building > 0 ? building : undefined;
      },
      60_000,
      50,
    );
    await wb().screenshot('panel-live-steps');
    const latest = async () => Math.max(0, ...(await rowsText(frame)).map((r) => Number(/^building part (\d+)$/.exec(r)?.[1] ?? 0)));
    const seen = await latest();
    await waitFor('more build lines', async () => ((await latest()) > seen ? true : undefined), 20_000, 50);
    assert.ok(firstCount > 0);

    // A line saying "Deploy succeeded" is only text: the status is still the engine's. (The filter
    // finds it: the virtual list only renders the rows on screen, and follow-tail has moved on.)
    await frame.locator('.log-filter').click();
    await page.keyboard.type('Deploy succeeded');
    // Typed key by key, the filter passes through prefixes that match more lines: wait until it
    // has settled on the whole text.
    await waitFor(
      'the filter to settle on the one line',
      async () =>
        /^1 of \d+ lines match/.test((await frame.locator('.log-status').textContent()) ?? '') &&
        (await rowsText(frame)).some((r) => r === 'Deploy succeeded')
          ? true
          : undefined,
      15_000,
      50,
    );
    assert.equal(await frame.locator('.run-status').getAttribute('data-status'), 'running-steps');
    for (let k = 0; k < 'Deploy succeeded'.length; k++) await page.keyboard.press('Backspace');
    await waitFor(
      'the filter cleared',
      async () => (/^\d[\d,]* lines/.test((await frame.locator('.log-status').textContent()) ?? '') ? true : undefined),
      15_000,
      50,
    );
    assert.equal(await frame.locator('.log-row span.fg6', { hasText: 'building' }).first().count(), 1, 'ANSI colour kept');

    // The hostile step's output is literal text.
    await waitFor(
      'the hostile lines',
      async () => ((await rowsText(frame)).some((r) => r.includes('<script>document.title')) ? true : undefined),
      60_000,
    );
    assert.ok((await rowsText(frame)).some((r) => r === 'click me'));

    // Stack events of this operation arrive in the Stack tab.
    await frame.locator('#tab-stack').click();
    await waitFor(
      'stack events',
      async () => {
        const cells = await frame.locator('vscode-data-grid-row.event').allTextContents();
        return cells.some((c) => c.includes('CREATE_COMPLETE')) ? true : undefined;
      },
      90_000,
    );
    // (moto reports this operation's events for the stack itself; the change set names the resources.)
    assert.ok((await frame.locator('vscode-data-grid-row.event', { hasText: 'panel-live-dev' }).count()) > 0);
    assert.ok((await frame.locator('.change', { hasText: 'AWS::SNS::Topic' }).count()) > 0);
    await wb().screenshot('panel-live-stack-events');

    // The health watch: the guarded alarm with its state, and the bake countdown.
    await frame.locator('#tab-health').click();
    await waitFor(
      'the health watch',
      async () => ((await frame.locator('.alarm .alarm-name', { hasText: ALARM }).count()) > 0 ? true : undefined),
      90_000,
    );
    await waitFor(
      'the bake countdown',
      async () => (/Bake: \d+:\d\d left/.test((await frame.locator('.bake').textContent()) ?? '') ? true : undefined),
      30_000,
    );
    assert.equal(await frame.locator('.run-status').getAttribute('data-status'), 'watching');
    await wb().screenshot('panel-live-health');

    // The bake ends healthy: stable, verdict shown, Cancel no longer offered.
    await waitFor(
      'stable',
      async () => ((await frame.locator('.run-status').getAttribute('data-status')) === 'stable' ? true : undefined),
      90_000,
    );
    assert.match((await frame.locator('.verdict').textContent()) ?? '', /Healthy/);
    assert.equal(await frame.locator('#action-cancel').getAttribute('disabled'), '');
    const title = await page.title();
    assert.ok(!title.includes('PWNED'), title);
    await wb().screenshot('panel-live-stable');
  }
});
