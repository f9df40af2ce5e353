import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { CloudFormationClient, DescribeStacksCommand, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Frame } from 'playwright-core';
import { BAD_RELEASE_REASON, cloudWatch, createGuardedAlarms, setAlarmState } from '../../scripts/demo/alarms';
import { createSampleRepo, headSha, readTemplate, V2_CODE_LINE, writeV2Template, type SampleRepo } from '../../scripts/demo/sampleRepo';
import type { DeploymentRecord } from '../../src/core/history/record';
import { MOTO_ENV, startMoto, type Moto } from '../support/moto';
import { measureActivation, readStatus, STATUS_KEYBINDING } from './activationProbe';
import { answerDialog, deployFromPalette, waitForStatusBar, withScreenshot } from './editorSupport';
import { ARTIFACTS_DIR, startWorkbench, waitFor, type Workbench } from './support/workbench';

// The newcomer's story (the README's Quick start) end to end in a real VS Code (code-server + Chromium) against a
// real moto_server, on the same sample repository `npm run demo` makes: open it, trust it, the
// Deployments view lists dev and prod; deploy prod v1 from the palette → stable; change the code,
// Save, Commit, Push and Deploy → v2 deploying with the run panel live; an alarm goes to ALARM →
// the rollback notification names it; View Logs → the run panel shows the rollback; the tree
// shows v2 rolled back and v1 current; the emulator's GetTemplate is v1's again.
// Each moment is saved as a screenshot in test-artifacts/e2e/story-*.png.
const START_TIMEOUT = 5 * 60_000;
const ALARM = 'orders-prod-5xx';
/** Short, so the suite stays fast; long enough to flip the alarm while v2 bakes. */
const BAKE = '40s';
const short = (sha: string) => sha.slice(0, 7);

describe(
  "the newcomer's story in a real VS Code: deploy, watch, catch a bad release, roll back, tell",
  { timeout: START_TIMEOUT + 10 * 60_000 },
  () => {
    let moto: Moto | undefined;
    let cw: CloudWatchClient | undefined;
    let cfn: CloudFormationClient | undefined;
    let bench: Workbench | undefined;
    let root: string | undefined;
    let sample: SampleRepo | undefined;
    let home: string | undefined;
    let workbenchReadyAt = 0;
    const versions: { v1?: string; v1Id?: string; v2?: string; v1Template?: string } = {};
    const measured: Record<string, unknown> = {};
    const wb = () => {
      assert.ok(bench, 'the workbench did not start');
      return bench;
    };
    const repo = () => {
      assert.ok(sample, 'the sample repository was not made');
      return sample.dir;
    };
    const records = (): DeploymentRecord[] => {
      assert.ok(home);
      const dir = join(home, 'stacks', '123456789012', 'us-east-1', 'orders-prod', 'records');
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
    };

    before(
      async () => {
        moto = await startMoto();
        cw = cloudWatch(moto.endpoint);
        await createGuardedAlarms(cw);
        cfn = new CloudFormationClient({
          region: MOTO_ENV.AWS_REGION,
          endpoint: moto.endpoint,
          credentials: { accessKeyId: MOTO_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: MOTO_ENV.AWS_SECRET_ACCESS_KEY },
        });
        root = mkdtempSync(join(tmpdir(), 'deployguard-story-'));
        home = join(root, 'deployguard-home');
        mkdirSync(home);
        // The demo's repository, with prod's bake and poll shortened for the suite.
        sample = createSampleRepo(root, { bake: BAKE, pollSeconds: 1 });
        versions.v1 = headSha(sample.dir);
        versions.v1Template = readTemplate(sample.dir);
        bench = await startWorkbench({
          workspace: sample.dir,
          trust: true,
          name: 'story',
          env: { ...MOTO_ENV, AWS_ENDPOINT_URL: moto.endpoint, DEPLOYGUARD_HOME: home },
          // Auto save off (code-server's web default is afterDelay): Save, Commit, Push and Deploy saves.
          settings: { 'deployGuard.openRunPanel': true, 'files.autoSave': 'off' },
          keybindings: [STATUS_KEYBINDING],
        });
        workbenchReadyAt = Date.now();
        // Smaller pictures for the README; the workbench lays itself out again.
        await bench.page.setViewportSize({ width: 1280, height: 800 });
      },
      { timeout: START_TIMEOUT },
    );

    after(async () => {
      if (Object.keys(measured).length > 0) {
        mkdirSync(ARTIFACTS_DIR, { recursive: true });
        writeFileSync(join(ARTIFACTS_DIR, 'story-measurements.json'), `${JSON.stringify(measured, null, 2)}\n`);
      }
      await bench?.close();
      cw?.destroy();
      cfn?.destroy();
      await moto?.stop();
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it('opens the sample repository, trusted: activation loaded no engine; the Deployments view lists dev and prod', (t: TestContext) =>
      withScreenshot(bench, 'open', async () => {
        // Activation, before anything is clicked: it must not have loaded the engine bundle (which
        // carries the AWS SDK). The timings are recorded (figures, not asserted: a timed test on a
        // shared 2-core machine measures the machine); `npm run bench -- activation` reports them.
        const activation = await measureActivation(wb(), workbenchReadyAt);
        assert.equal(activation.engineLoaded, false, 'activation loaded dist/engine.js');
        if (activation.awsSdkLoaded !== undefined) assert.equal(activation.awsSdkLoaded, false, 'activation loaded the AWS SDK');
        Object.assign(measured, activation);

        await wb().openView('Deploy Guard');
        const rows = await waitFor(
          'the dev and prod rows',
          async () => {
            const items = await wb().treeItems('Deployments');
            const top = items.filter((r) => r.level === 1).map((r) => r.label);
            return top.includes('dev') && top.includes('prod') ? items : undefined;
          },
          30_000,
        );
        assert.deepEqual(
          rows.filter((r) => r.level === 1).map((r) => r.label),
          ['dev', 'prod'],
        );
        assert.match(rows.find((r) => r.label === 'prod')!.description, /not deployed yet/);
        // The Deployments view reads the pipeline and history through the engine bundle (the editor
        // surface's choice), so showing it may load the engine — recorded. The AWS SDK is its own
        // bundle where the build splits it out (awsSdkLoaded reported): showing history must not load it.
        const afterView = await readStatus(wb());
        measured['engineLoadedAfterViewShown'] = afterView.engineLoaded;
        if (afterView.awsSdkLoaded !== undefined) {
          measured['awsSdkLoadedAfterViewShown'] = afterView.awsSdkLoaded;
          assert.equal(afterView.awsSdkLoaded, false, 'showing the Deployments view loaded the AWS SDK before any deploy');
        }
        t.diagnostic(`activation: ${JSON.stringify(measured)}`);
        await wb().screenshot('1-deployments-view');
      }));

    it('deploys prod v1 from the palette (confirming the change set): it bakes and becomes stable', () =>
      withScreenshot(bench, 'v1', async () => {
        const page = wb().page;
        await deployFromPalette(wb(), 'prod', 10_000);
        // prod asks before its stack changes, showing the change set.
        const confirm = page.locator('.monaco-dialog-box', { hasText: 'Deploy to prod?' });
        await confirm.waitFor({ state: 'visible', timeout: 90_000 });
        assert.match(await confirm.innerText(), /Add OrdersTable/);
        await wb().screenshot('2-confirm-change-set');
        await confirm.locator('.monaco-button', { hasText: /^\s*Deploy\s*$/ }).click();

        await waitForStatusBar(wb(), 'prod', /^prod: watching/, 90_000);
        const stable = await waitForStatusBar(wb(), 'prod', new RegExp(`^prod: stable ${short(versions.v1!)}$`), 90_000);
        assert.ok(stable);
        const [v1] = records();
        assert.equal(v1?.status, 'stable');
        assert.equal(v1?.commit, versions.v1);
        assert.equal(v1?.trigger, 'command');
        versions.v1Id = v1?.id;
        // The first deploy is what loads the AWS SDK (where the build reports it separately).
        const afterDeploy = await readStatus(wb());
        if (afterDeploy.awsSdkLoaded !== undefined)
          assert.equal(afterDeploy.awsSdkLoaded, true, 'a deploy ran without loading the AWS SDK?');
        await wb().screenshot('3-v1-stable');
      }));

    it('changes the code and runs Save, Commit, Push and Deploy: v2 deploys and the run panel follows it live', () =>
      withScreenshot(bench, 'v2', async () => {
        const page = wb().page;
        // The infrastructure part of v2 (a dead-letter queue) lands on disk; the code part is typed.
        writeV2Template(repo());
        await wb().openFileForTyping('src/orders.js');
        await page.keyboard.press('Control+End');
        await page.keyboard.press('Enter');
        // Typed as text (no auto-closing brackets to trip over).
        await page.keyboard.insertText(V2_CODE_LINE);
        await waitFor(
          'the editor to be dirty',
          async () => ((await page.locator('.tab.dirty', { hasText: 'orders.js' }).count()) > 0 ? true : undefined),
          10_000,
        );

        await wb().runCommand('Deploy Guard: Save, Commit, Push and Deploy');
        const input = page.locator('.quick-input-widget .quick-input-box input');
        // It shows what will be committed and asks for the message.
        await input.waitFor({ state: 'visible', timeout: 30_000 });
        assert.match(
          (await page.locator('.quick-input-widget').innerText()).replace(/\s+/g, ' '),
          /2 changed files on main.*infra\/template\.yaml.*src\/orders\.js.*deploys it to prod/,
        );
        await input.fill('orders-service v2: launch discount, dead-letter queue for fulfilment');
        await wb().screenshot('4-commit-message');
        await page.keyboard.press('Enter');
        // The push trigger deploys the pushed commit (the first run of the pipeline may ask first).
        await answerDialog(page, 'Run Pipeline', 10_000);
        // The deploy of prod confirms its change set first (the push trigger's words, or Deploy…'s).
        const confirm = page.locator('.monaco-dialog-box', { hasText: /wants to deploy \w+ to prod|Deploy to prod\?/ });
        await confirm.waitFor({ state: 'visible', timeout: 90_000 });
        assert.match(await confirm.innerText(), /Add FulfilmentDeadLetters/);
        await confirm.locator('.monaco-button', { hasText: /^\s*Deploy\s*$/ }).click();

        versions.v2 = headSha(repo());
        assert.notEqual(versions.v2, versions.v1, 'no v2 commit was made');
        assert.ok(readFileSync(join(repo(), 'src', 'orders.js'), 'utf8').includes(V2_CODE_LINE), 'the edit was not saved');
        assert.equal(headSha(sample!.remote), versions.v2, 'v2 was not pushed to origin');
        await waitForStatusBar(wb(), 'prod', /^prod: (deploying|watching)/, 60_000);

        // The run panel opened by itself and follows v2.
        const frame = await wb().webviewFrame(async (f) => {
          const title = (await f.locator('.run-title').textContent()) ?? '';
          return (
            title.includes('prod') &&
            (await f.locator('.run-status[data-status]').count()) > 0 &&
            (await f.locator('body').innerText()).includes(short(versions.v2!))
          );
        }, 60_000);
        await waitFor(
          'the panel to show the watch',
          async () => ((await frame.locator('.run-status').getAttribute('data-status')) === 'watching' ? true : undefined),
          60_000,
        );
        await frame.locator('#tab-health').click();
        await waitFor(
          'the guarded alarm in the panel',
          async () => ((await frame.locator('.alarm .alarm-name', { hasText: ALARM }).count()) > 0 ? true : undefined),
          30_000,
        );
        const [v2] = records();
        assert.equal(v2?.commit, versions.v2);
        assert.equal(v2?.status, 'watching');
        await wb().screenshot('5-v2-watching-panel-live');
      }));

    it('an alarm goes into ALARM during the bake: prod rolls back by itself and the notification names the alarm', () =>
      withScreenshot(bench, 'rollback', async () => {
        assert.ok(cw);
        await waitForStatusBar(wb(), 'prod', /^prod: watching/, 30_000);
        // Toasts from earlier moments (and VS Code's own, e.g. the JavaScript server) out of the way.
        await wb().runCommand('Notifications: Clear All Notifications');
        await setAlarmState(cw, ALARM, 'ALARM', BAD_RELEASE_REASON);
        // The restore fixes it: the alarm is back to OK within the restore's verification window.
        await waitForStatusBar(wb(), 'prod', /^prod: (unhealthy|rolling back|verifying restore)/, 90_000);
        await setAlarmState(cw, ALARM, 'OK', 'back to normal after the rollback');
        const note = await wb().waitForNotification(/prod — .* rolled back automatically/, 90_000);
        assert.match(note.message, new RegExp(short(versions.v2!)));
        assert.match(note.message, new RegExp(`alarm ${ALARM}`));
        assert.ok(note.actions.includes('View Logs'), `actions: ${note.actions.join(', ')}`);
        assert.ok(note.actions.includes('Open Alarm'), `actions: ${note.actions.join(', ')}`);
        await waitForStatusBar(wb(), 'prod', /^prod: rolled back/, 20_000);
        // The rollback is told in v2's panel, still in front: it opened no panel of its own.
        await waitFor(
          "v2's panel in front, rolled back",
          async () =>
            /prod: rolled-back/.test((await wb().page.locator('.part.editor .tab.active').first().textContent()) ?? '') ? true : undefined,
          10_000,
        );
        await waitFor(
          'the prod row to say rolled back',
          async () => {
            const prod = (await wb().treeItems('Deployments')).find((r) => r.level === 1 && r.label === 'prod');
            return prod && /^rolled back/.test(prod.description) ? true : undefined;
          },
          20_000,
        );
        // The toast slides in: wait until it is drawn fully opaque before the picture.
        await waitFor(
          'the toast to finish appearing',
          async () => {
            const opacity = await wb()
              .page.locator('.notifications-toasts .notification-toast-container')
              .first()
              .evaluate(
                (el) => (globalThis as unknown as { getComputedStyle(e: unknown): { opacity: string } }).getComputedStyle(el).opacity,
              );
            return opacity === '1' ? true : undefined;
          },
          5_000,
        ).catch(() => undefined);
        await wb().screenshot('6-rollback-notification');
        await setAlarmState(cw, ALARM, 'OK', 'back to normal after the rollback');
      }));

    it('View Logs opens the run panel on v2, showing the verdict and the rollback to v1', () =>
      withScreenshot(bench, 'view-logs', async () => {
        await wb().runCommand('View: Close All Editors');
        await waitFor(
          'no editor tabs',
          async () => ((await wb().page.locator('.part.editor .tabs-container .tab').count()) === 0 ? true : undefined),
          10_000,
        );
        await wb().clickNotificationAction(/prod — .* rolled back automatically/, 'View Logs');
        const frame: Frame = await wb().webviewFrame(
          async (f) => (await f.locator('.run-status[data-status="rolled-back"]').count()) > 0,
          30_000,
        );
        await frame.locator('#tab-health').click();
        const verdict = await waitFor(
          'the verdict',
          async () => {
            const text = (await frame.locator('.verdict').textContent()) ?? '';
            return /Unhealthy/.test(text) ? text : undefined;
          },
          15_000,
        );
        assert.match(verdict, new RegExp(ALARM));
        const restored = await waitFor(
          'the rollback line',
          async () => {
            const text =
              (await frame
                .locator('.rollback.rollback-succeeded')
                .textContent()
                .catch(() => '')) ?? '';
            return text ? text : undefined;
          },
          15_000,
        );
        assert.match(restored, new RegExp(`^Restored deployment ${versions.v1Id}`));
        assert.doesNotMatch(restored, new RegExp(ALARM), 'the verdict above says why; the restore line does not repeat it');
        await wb().screenshot('7-run-panel-rollback');
      }));

    it("the tree shows v2 rolled back and v1 current; the emulator's template is v1's again", () =>
      withScreenshot(bench, 'tree', async () => {
        assert.ok(cfn);
        await wb().openView('Deploy Guard');
        const rows = await waitFor(
          'prod: rolled back, v1 stable',
          async () => {
            const items = await wb().treeItems('Deployments');
            const prod = items.find((r) => r.level === 1 && r.label === 'prod');
            return prod && new RegExp(`rolled back.*${short(versions.v1!)}`).test(prod.description) ? items : undefined;
          },
          30_000,
        );
        const prodIndex = rows.findIndex((r) => r.level === 1 && r.label === 'prod');
        const history = rows.slice(prodIndex + 1).filter((r) => r.level === 2);
        const v2Row = history.find((r) => r.label.startsWith(short(versions.v2!)));
        const current = history.find((r) => /current/.test(r.description));
        assert.ok(v2Row, `no v2 row under prod: ${JSON.stringify(history)}`);
        assert.match(`${v2Row.description} ${v2Row.ariaLabel}`, /rolled.back/i);
        assert.ok(current, `no current row under prod: ${JSON.stringify(history)}`);
        assert.ok(current.label.startsWith(short(versions.v1!)), `current is ${current.label}, not v1 ${short(versions.v1!)}`);
        await wb().screenshot('8-tree-rolled-back');

        const body = (await cfn.send(new GetTemplateCommand({ StackName: 'orders-prod' }))).TemplateBody;
        assert.equal(body, versions.v1Template, "GetTemplate is not v1's template");
        const stack = (await cfn.send(new DescribeStacksCommand({ StackName: 'orders-prod' }))).Stacks?.[0];
        assert.equal(stack?.Parameters?.find((p) => p.ParameterKey === 'Version')?.ParameterValue, short(versions.v1!));
        const all = records();
        assert.equal(all.find((r) => r.commit === versions.v2 && r.kind === 'deploy')?.status, 'rolled-back');
        assert.equal(all.filter((r) => r.kind === 'rollback').length, 1, 'exactly one rollback record');
      }));
  },
);
