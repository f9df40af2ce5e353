import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startMoto, type Moto } from '../support/moto';
import {
  answerDialog,
  createEditorFixture,
  deployFromPalette,
  reloadWindow,
  statusBarText,
  waitForEnvironmentRow,
  waitForStatusBar,
  withScreenshot,
  type EditorFixture,
} from './editorSupport';
import { DEFAULT_VSIX, startWorkbench, waitFor, type Workbench } from './support/workbench';

// The editor surface in a real VS Code (code-server + Chromium) against a real
// moto_server: the Deployments tree, the status bar, the notifications and their actions, the
// prompt policy's decision, the untrusted workspace, and a window reload mid-deployment.
// One workbench serves the trusted tests in order (each builds on the history the last left).
const START_TIMEOUT = 5 * 60_000;
const STATUS_KEY = 'ctrl+alt+shift+f9';

const short = (sha: string) => sha.slice(0, 7);

/**
 * This file's own copy of the packaged extension: other suites may repackage dist-vsix/ while
 * these tests install it.
 */
function privateVsix(): string {
  const copy = join(tmpdir(), `deployguard-editor-${process.pid}.vsix`);
  if (!existsSync(copy)) {
    copyFileSync(DEFAULT_VSIX, copy);
    process.once('exit', () => rmSync(copy, { force: true }));
  }
  return copy;
}

describe('the editor surface in a real VS Code, trusted workspace, against moto', { timeout: START_TIMEOUT + 10 * 60_000 }, () => {
  let moto: Moto | undefined;
  let fx: EditorFixture | undefined;
  let bench: Workbench | undefined;
  const versions: Record<string, string> = {};
  const hostileHome = join(tmpdir(), `deployguard-hostile-home-${process.pid}`);
  const wb = () => {
    assert.ok(bench, 'the workbench did not start');
    return bench;
  };
  const fixture = () => {
    assert.ok(fx, 'the fixture was not made');
    return fx;
  };

  before(
    async () => {
      moto = await startMoto();
      fx = await createEditorFixture(moto.endpoint);
      // v1 of dev and staging deployed by the CLI before the editor opens: the tree must show it.
      versions['v1'] = fx.commitVersion('v1');
      for (const env of ['dev', 'staging'] as const) {
        const result = fx.cliDeploy(env);
        assert.equal(result.status, 0, `CLI deploy of ${env} failed:\n${result.output}`);
      }
      // A repository's own settings try to redirect history and AWS calls: both must be ignored.
      mkdirSync(join(fx.repo, '.vscode'), { recursive: true });
      writeFileSync(
        join(fx.repo, '.vscode', 'settings.json'),
        JSON.stringify({ 'deployGuard.historyFolder': hostileHome, 'deployGuard.endpoint': 'http://203.0.113.7:9' }),
      );
      bench = await startWorkbench({
        workspace: fx.repo,
        trust: true,
        name: 'editor',
        vsix: privateVsix(),
        env: fx.env,
        settings: { 'deployGuard.openRunPanel': true, 'git.enabled': true },
      });
    },
    { timeout: START_TIMEOUT },
  );

  after(async () => {
    await bench?.close();
    fx?.dispose();
    await moto?.stop();
    if (fx) {
      rmSync(fx.repo, { recursive: true, force: true });
      rmSync(fx.home, { recursive: true, force: true });
    }
  });

  it('shows the environments and the history a CLI deploy left', () =>
    withScreenshot(bench, 'tree-after-cli', async () => {
      await wb().openView('Deploy Guard');
      const dev = await waitForEnvironmentRow(wb(), 'dev', new RegExp(`^stable ${short(versions['v1']!)} · `));
      assert.equal(dev.expanded, true);
      await waitForEnvironmentRow(wb(), 'staging', new RegExp(`^stable ${short(versions['v1']!)}`));
      await waitForEnvironmentRow(wb(), 'preview', /^not deployed yet$/);
      const rows = await wb().treeItems('Deployments');
      const devIndex = rows.findIndex((r) => r.level === 1 && r.label === 'dev');
      const history = rows[devIndex + 1];
      assert.ok(history && history.level === 2, `no history row under dev: ${JSON.stringify(rows)}`);
      assert.ok(history.label.startsWith(short(versions['v1']!)), history.label);
      // Who: the commit's author once VS Code's git extension has answered, the trigger until then.
      assert.match(history.description, /^● current · (Editor Test|cli) · \d+[smhd] ago · \d+/);
      assert.deepEqual(await statusBarText(wb().page, 'dev'), '', 'no status-bar item before a deployment in this window');
      await wb().screenshot('tree-after-cli-deploy');
    }));

  it('deploys from the palette to stable; the tree and the status bar follow', () =>
    withScreenshot(bench, 'palette-deploy', async () => {
      versions['v2'] = fixture().commitVersion('v2');
      await deployFromPalette(wb(), 'dev');
      await waitForStatusBar(wb(), 'dev', /^dev: (deploying|watching)/, 60_000);
      const watching = await waitForStatusBar(wb(), 'dev', /^dev: watching \d+:\d\d$/, 60_000);
      const row = await waitForEnvironmentRow(wb(), 'dev', /^watching \d+:\d\d left$/, 10_000);
      await wb().screenshot('deploy-watching');
      const stable = await waitForStatusBar(wb(), 'dev', new RegExp(`^dev: stable ${short(versions['v2'])}$`), 60_000);
      await waitForEnvironmentRow(wb(), 'dev', new RegExp(`^stable ${short(versions['v2'])} · `), 10_000);
      assert.ok(watching && row && stable);
      const [newest] = fixture().records('dev');
      assert.equal(newest?.status, 'stable');
      assert.equal(newest?.commit, versions['v2']);
      assert.equal(newest?.trigger, 'command');
      // The workspace's deployGuard.historyFolder and deployGuard.endpoint were ignored (user settings only).
      assert.equal(existsSync(hostileHome), false, 'history was written where the workspace settings said');
      // Quiet by default: no notification for a stable deployment.
      assert.equal((await wb().notifications()).filter((n) => /is stable/.test(n.message)).length, 0);
      await wb().screenshot('deploy-stable');
    }));

  it('an alarm going into ALARM during the bake rolls back; the notification says so and View Logs opens the run', () =>
    withScreenshot(bench, 'auto-rollback', async () => {
      versions['v3'] = fixture().commitVersion('v3');
      await deployFromPalette(wb(), 'dev');
      await waitForStatusBar(wb(), 'dev', /^dev: watching/, 90_000);
      await fixture().setAlarm('dev', 'ALARM');
      // The restore fixes it: the alarm is back to OK within the restore's verification window.
      await waitForStatusBar(wb(), 'dev', /^dev: (unhealthy|rolling back|verifying restore)/, 90_000);
      await fixture().setAlarm('dev', 'OK');
      const note = await wb().waitForNotification(/dev — .* rolled back automatically/, 90_000);
      await fixture().setAlarm('dev', 'OK');
      assert.match(note.message, new RegExp(short(versions['v3'])));
      assert.match(note.message, /editor-dev-5xx/);
      assert.deepEqual(note.actions, ['View Logs', 'Open Alarm', 'Show Run', 'Open Incident Note', 'Copy Incident Note']);
      await waitForStatusBar(wb(), 'dev', /^dev: rolled back$/, 10_000);
      await waitForEnvironmentRow(wb(), 'dev', new RegExp(`^rolled back · stable ${short(versions['v2']!)}`), 20_000);
      await wb().screenshot('rollback-notification');
      // The stack runs v2 again; the history says v3 was rolled back.
      assert.match(await fixture().deployedTemplate('dev'), /orders-v2/);
      const v3 = fixture()
        .records('dev')
        .find((r) => r.commit === versions['v3'] && r.kind === 'deploy');
      assert.equal(v3?.status, 'rolled-back');

      // Close the panel the deployment opened, then View Logs must open the run again.
      await wb().runCommand('View: Close All Editors');
      await waitFor(
        'no editor tabs',
        async () => ((await wb().page.locator('.part.editor .tabs-container .tab').count()) === 0 ? true : undefined),
        10_000,
      );
      await wb().clickNotificationAction(/dev — .* rolled back automatically/, 'View Logs');
      // The run of v3 (its commit in the header), in a panel.
      const frame = await wb().webviewFrame(
        async (f) => ((await f.locator('body').textContent()) ?? '').includes(short(versions['v3']!)),
        30_000,
      );
      assert.ok(frame);
      assert.equal(await wb().page.locator('.part.editor .tabs-container .tab').count(), 1);
      await wb().screenshot('rollback-view-logs-run');
    }));

  it('a prompt environment asks; Keep This Version keeps it', () =>
    withScreenshot(bench, 'prompt-keep', async () => {
      versions['v4'] = fixture().commitVersion('v4');
      await deployFromPalette(wb(), 'staging');
      await waitForStatusBar(wb(), 'staging', /^staging: watching/, 90_000);
      await fixture().setAlarm('staging', 'ALARM');
      const question = await wb().waitForNotification(/staging — .* is unhealthy .* Roll back to the stable/, 90_000);
      assert.deepEqual(question.actions, ['Roll Back Now', 'Keep This Version', 'View Logs']);
      assert.match(question.message, /editor-staging-5xx/);
      await wb().screenshot('prompt-question');
      await wb().clickNotificationAction(/staging — .* is unhealthy/, 'Keep This Version');
      const finished = await waitFor(
        'the staging deployment to end',
        async () => {
          const [newest] = fixture().records('staging');
          return newest && newest.commit === versions['v4'] && newest.finishedAt ? newest : undefined;
        },
        60_000,
      );
      await fixture().setAlarm('staging', 'OK');
      assert.notEqual(finished.status, 'rolled-back');
      assert.equal(
        fixture()
          .records('staging')
          .filter((r) => r.kind === 'rollback').length,
        0,
        'no rollback record',
      );
      assert.match(await fixture().deployedTemplate('staging'), /orders-v4/, 'the stack keeps v4');
      await wb().screenshot('prompt-kept');
    }));

  it('a window reload in the middle of a deployment shows the same deployment, still live, afterwards (and Cancel reaches it)', () =>
    withScreenshot(bench, 'reload', async () => {
      await deployFromPalette(wb(), 'preview');
      await waitForStatusBar(wb(), 'preview', /^preview: watching/, 90_000);
      const before = fixture().records('preview')[0];
      assert.equal(before?.status, 'watching');
      await wb().screenshot('reload-before');
      await reloadWindow(wb());
      // Reattached at activation, whether or not the view is open: the status bar shows it live.
      const bar = await waitForStatusBar(wb(), 'preview', /^preview: watching \d+:\d\d$/, 90_000);
      // Then the view (its container's progress badge can swallow a click while it loads).
      await wb()
        .runCommand('Deploy Guard: Focus on Deployments View')
        .catch(() => wb().openView('Deploy Guard'));
      const row = await waitForEnvironmentRow(wb(), 'preview', /^watching \d+:\d\d left$/, 60_000);
      assert.ok(row && bar);
      await wb().screenshot('reload-after-still-watching');
      // This window owns the reattached deployment: Cancel reaches it and stops that same record's
      // bake. The version is live and was never verified: the record stays open as such (the next
      // deploy, or Watch the Live Version, watches it), never closed as if nothing had gone out.
      await wb().runCommand('Deploy Guard: Cancel Deployment');
      await waitForStatusBar(wb(), 'preview', /^preview: live, not verified$/, 60_000);
      const records = fixture().records('preview');
      assert.equal(records.length, 1, `one deployment, not two: ${records.map((r) => `${r.id} ${r.status}`).join(', ')}`);
      assert.equal(records[0]?.id, before?.id);
      assert.equal(records[0]?.status, 'unverified');
      await wb().screenshot('reload-after-cancelled');
    }));

  // Last: it leaves the window without credentials.
  it('no credentials from the profile the user settings name: the deploy is refused with the fix and the view says how to sign in', () =>
    withScreenshot(bench, 'no-credentials', async () => {
      const settingsFile = join(wb().userDataDir, 'User', 'settings.json');
      const profile = 'deployguard-e2e-nobody';
      writeFileSync(
        settingsFile,
        JSON.stringify({ ...(JSON.parse(readFileSync(settingsFile, 'utf8')) as object), 'deployGuard.profile': profile }, null, 2),
      );
      // This code-server does not watch its user settings file: a reload reads it.
      await reloadWindow(wb());
      const recordsBefore = fixture().records('dev').length;
      await deployFromPalette(wb(), 'dev');
      // The engine's error, told by its kind across the two bundles: its words and its fix.
      const refused = await wb().waitForNotification(new RegExp(`no AWS credentials from profile "${profile}"`), 60_000);
      assert.match(refused.message, new RegExp(`— sign in with "aws sso login --profile ${profile}" or check ~/\\.aws/config`));
      assert.deepEqual(refused.actions, ['View Logs']);
      await wb()
        .runCommand('Deploy Guard: Focus on Deployments View')
        .catch(() => wb().openView('Deploy Guard'));
      await waitFor(
        'the no-credentials welcome in the Deployments view',
        async () => (/No AWS credentials were found for this pipeline/.test(await wb().welcomeText('Deployments')) ? true : undefined),
        30_000,
      );
      assert.equal(fixture().records('dev').length, recordsBefore, 'nothing was deployed or recorded');
      await wb().screenshot('no-credentials-welcome');
    }));
});

describe('the editor surface in an untrusted workspace', { timeout: START_TIMEOUT + 60_000 }, () => {
  let moto: Moto | undefined;
  let fx: EditorFixture | undefined;
  let bench: Workbench | undefined;

  before(
    async () => {
      moto = await startMoto();
      fx = await createEditorFixture(moto.endpoint);
      fx.commitVersion('v1');
      bench = await startWorkbench({
        workspace: fx.repo,
        trust: false,
        name: 'editor-untrusted',
        vsix: privateVsix(),
        env: fx.env,
        keybindings: [{ key: STATUS_KEY, command: 'deployGuard._status' }],
      });
    },
    { timeout: START_TIMEOUT },
  );

  after(async () => {
    await bench?.close();
    fx?.dispose();
    await moto?.stop();
    if (fx) {
      rmSync(fx.repo, { recursive: true, force: true });
      rmSync(fx.home, { recursive: true, force: true });
    }
  });

  it('shows the welcome text, refuses to deploy and loads nothing', () =>
    withScreenshot(bench, 'untrusted', async () => {
      assert.ok(bench && fx);
      await bench.openView('Deploy Guard');
      const text = await waitFor('the untrusted welcome text', async () => {
        const t = await bench!.welcomeText('Deployments');
        return /not trusted/.test(t) ? t : undefined;
      });
      assert.match(text, /runs nothing here/);
      assert.deepEqual(await bench.treeItems('Deployments'), []);
      await bench.screenshot('untrusted-welcome');

      // The palette does not offer Deploy (its enablement is isWorkspaceTrusted); if it ever did,
      // the command itself refuses.
      const offered = await bench.runCommand('Deploy Guard: Deploy…').then(
        () => true,
        (err: Error) => {
          assert.match(err.message, /offers no command titled "Deploy Guard: Deploy…"/);
          return false;
        },
      );
      if (offered) await bench.waitForNotification(/not allowed: this workspace is not trusted/);
      await bench.page.keyboard.press('Escape');
      await answerDialog(bench.page, 'Run Pipeline', 1_000).then((shown) => assert.equal(shown, false, 'no pipeline approval asked'));
      await bench.screenshot('untrusted-deploy-refused');

      // Nothing ran: no history, and the engine (with the AWS SDK) was never loaded.
      assert.deepEqual(fx.records('dev'), []);
      await bench.page.keyboard.press('Control+Alt+Shift+F9');
      await bench.runCommand('Deploy Guard: Show Extension Logs');
      const out = await bench.waitForOutput(/status \{.*\}/);
      const status = JSON.parse(/status (\{.*\})/.exec(out)![1]!) as { engineLoaded: boolean };
      assert.equal(status.engineLoaded, false);
    }));
});
