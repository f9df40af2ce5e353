import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Frame } from 'playwright-core';
import { HistoryStore } from '../../src/core/history/store';
import { HISTORY_SCHEMA_VERSION, type DeploymentRecord } from '../../src/core/history/record';
import { newDeploymentId } from '../../src/core/history/paths';
import { runSteps } from '../../src/core/pipeline';
import { startWorkbench, waitFor, type Workbench } from './support/workbench';

// The run panel in a real VS Code (code-server + Chromium): a run's history record and the
// log its real steps printed — including a hostile corpus — shown in the webview; the panel comes
// back after a window reload.
const WORKSPACE = 'test/fixtures/workspaces/basic';
const SHOW_RUN_KEY = 'ctrl+alt+shift+f8';
const START_TIMEOUT = 5 * 60_000;

/** What a build script could print to attack the panel; every line must show up as plain text. */
const HOSTILE_SCRIPT = String.raw`
printf '%s\n' '<script>document.title="PWNED-SCRIPT"</script>'
printf '%s\n' '</div><img src=x onerror="document.title=\"PWNED-IMG\"">'
printf '\033]8;;javascript:document.title="PWNED-LINK"\033\\click me\033]8;;\033\\\n'
printf 'before\033]52;c;cHduZWQ=\007after\n'
printf 'user \342\200\256gnp.exe\n'
printf 'Deploy FAILED\rDeploy OK    \n'
printf 'bad \377\376 bytes\n'
printf '\033[32mgreen ok\033[0m \033[1;31mbold red\033[0m\n'
head -c 10000 /dev/zero | tr '\0' 'x'; printf '\n'
echo "Deploy succeeded"
`;

interface FinishedRun {
  readonly id: string;
  readonly home: string;
}

/**
 * A finished run made by the engine's real parts: the steps run through the engine's step runner
 * (bash, masking, the log file) and the record goes through the history store, the way a deploy
 * writes them. The second step fails, so the record says `failed` — while the log says
 * "Deploy succeeded".
 */
async function makeFinishedRun(): Promise<FinishedRun> {
  const home = mkdtempSync(join(tmpdir(), 'deployguard-panel-e2e-'));
  const repo = join(home, 'repo');
  mkdirSync(repo);
  writeFileSync(join(repo, 'hostile.sh'), HOSTILE_SCRIPT);
  const id = newDeploymentId();
  const store = new HistoryStore(home);
  const history = store.stack({ account: '123456789012', region: 'us-east-1', stackName: 'hello-e2e' });
  const logFile = history.logPath(id);
  mkdirSync(join(history.dir, 'logs'), { recursive: true });
  const startedAt = new Date().toISOString();
  const result = await runSteps({
    steps: [
      { name: 'Print hostile output', run: 'bash hostile.sh', env: {} },
      { name: 'Fail on purpose', run: 'echo "about to fail"; exit 3', env: {} },
    ],
    repoRoot: repo,
    logFile,
  });
  assert.equal(result.status, 'failed');
  const body = 'Resources: {}\n';
  const record: DeploymentRecord = {
    schemaVersion: HISTORY_SCHEMA_VERSION,
    id,
    kind: 'deploy',
    environment: 'e2e',
    stackName: 'hello-e2e',
    region: 'us-east-1',
    account: '123456789012',
    commit: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    branch: 'main',
    template: { body, sha256: createHash('sha256').update(body).digest('hex') },
    parameters: [],
    tags: {},
    capabilities: [],
    status: 'failed',
    reason: 'step "Fail on purpose" exited with 3',
    startedAt,
    finishedAt: new Date().toISOString(),
    steps: result.steps.map((s) => ({ ...s })),
    logFile,
  };
  await history.write(record);
  return { id, home };
}

interface ThemeColours {
  readonly background: string;
  readonly text: Record<string, string>;
}

/**
 * Run in the webview: the panel's background (the first opaque one up from the log) and the
 * colours of its texts. A string, because this file is type-checked without the DOM library.
 */
const THEME_PROBE = `(() => {
  const opaque = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor;
      if (c && c !== 'transparent' && !/rgba\\(.*,\\s*0\\)$/.test(c)) return c;
    }
    return getComputedStyle(document.documentElement).backgroundColor;
  };
  const colour = (selector) => { const e = document.querySelector(selector); return e ? getComputedStyle(e).color : undefined; };
  // The panel's tones (status words, failed steps, warnings), as a text in that tone would show.
  const tone = (name) => {
    const e = document.createElement('span');
    e.style.color = 'var(' + name + ')';
    document.body.appendChild(e);
    const c = getComputedStyle(e).color;
    e.remove();
    return c;
  };
  const text = {
    log: colour('.log-row'), title: colour('.run-title'), status: colour('.run-status'), step: colour('.step-name'), muted: colour('.step-duration'),
    ok: tone('--ok'), bad: tone('--bad'), warn: tone('--warn'), running: tone('--running'),
  };
  for (const k of Object.keys(text)) if (!text[k]) delete text[k];
  return { background: opaque(document.querySelector('.log-row') || document.body), text };
})()`;

function rgb(colour: string): [number, number, number] {
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(colour);
  assert.ok(m, `not an rgb colour: ${colour}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** WCAG relative luminance. */
function luminance(colour: string): number {
  const [r, g, b] = rgb(colour).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

async function panelText(frame: Frame, selector: string): Promise<string> {
  return (await frame.locator(selector).allTextContents()).join('\n');
}

describe('the run panel in a real VS Code', { timeout: START_TIMEOUT + 180_000 }, () => {
  let bench: Workbench | undefined;
  let run: FinishedRun | undefined;
  const wb = () => {
    assert.ok(bench, 'the workbench did not start');
    return bench;
  };

  before(
    async () => {
      run = await makeFinishedRun();
      bench = await startWorkbench({
        workspace: WORKSPACE,
        trust: true,
        name: 'panel',
        env: { DEPLOYGUARD_HOME: run.home },
        settings: { 'deployGuard.openRunPanel': false },
        keybindings: [{ key: SHOW_RUN_KEY, command: 'deployGuard.showRun', args: run.id }],
      });
    },
    { timeout: START_TIMEOUT },
  );

  after(async () => {
    await bench?.close();
    if (run) rmSync(run.home, { recursive: true, force: true });
  });

  const openPanel = async (timeoutMs = 30_000): Promise<Frame> =>
    wb().webviewFrame(async (frame) => (await frame.locator('.run-status[data-status]').count()) > 0, timeoutMs);

  it('shows a finished run from its history record: header, status from the record, steps, log', async () => {
    // The key runs deployGuard.showRun with the record's id (which also activates the extension).
    // Pressed again until the panel is there: the first press may land before the workbench has focus.
    const frame = await waitFor(
      'the run panel to open',
      async () => {
        await wb().page.keyboard.press('Control+Alt+Shift+F8');
        return openPanel(5_000).catch(() => undefined);
      },
      90_000,
      500,
    );
    await waitFor(
      'the log to show the hostile corpus',
      async () => ((await panelText(frame, '.log-row')).includes('green ok') ? true : undefined),
      20_000,
    );

    assert.match(await panelText(frame, '.run-title'), /hello-e2e → e2e/);
    // The status is the engine's (failed), although the log's last word is "Deploy succeeded".
    assert.equal(await frame.locator('.run-status').getAttribute('data-status'), 'failed');
    assert.match(await panelText(frame, '.run-reason'), /Fail on purpose/);
    assert.deepEqual(await frame.locator('.step').evaluateAll((els) => els.map((e) => e.getAttribute('data-status'))), [
      'succeeded',
      'failed',
    ]);
    assert.match(await panelText(frame, '.run-commit'), /^a1b2c3d \(main\)/);
    await wb().screenshot('panel-finished-run');
  });

  it('shows the hostile corpus as literal text, and none of it runs', async () => {
    const frame = await openPanel();
    const rows = await frame.locator('.log-row').evaluateAll((els) => els.map((e) => e.textContent ?? ''));
    const has = (text: string) => rows.some((r) => r.includes(text));
    assert.ok(has('<script>document.title="PWNED-SCRIPT"</script>'), 'the <script> line is shown as text');
    assert.ok(
      has('</div><img src=x onerror="document.title=\\"PWNED-IMG\\"">') || has('</div><img src=x onerror='),
      'the <img onerror> line is shown as text',
    );
    assert.ok(has('click me') && !has('javascript:'), 'OSC 8 link text kept, its javascript: target dropped');
    assert.ok(has('beforeafter') && !has('cHduZWQ='), 'OSC 52 clipboard write removed');
    assert.ok(has('⟨U+202E⟩'), 'bidi override made visible');
    assert.ok(has('Deploy FAILED\u240dDeploy OK'), 'a lone CR is shown, not obeyed');
    assert.ok(has('bad \ufffd\ufffd bytes'), 'invalid UTF-8 shown as replacement characters');
    assert.ok(
      rows.some((r) => r.length >= 10_000 && /^x+$/.test(r)),
      'the 10 kB line is there',
    );
    // Colours kept as styles.
    const green = await frame.locator('.log-row span.fg2', { hasText: 'green ok' }).count();
    assert.equal(green, 1);

    // Nothing was interpreted: no element came from log text, no script changed anything.
    // (A string, because this file is type-checked without the DOM library.)
    const dom = await frame.evaluate<{ imgs: number; scriptsFromLog: number; links: number; title: string }>(`({
      imgs: document.querySelectorAll('img').length,
      // VS Code injects its own bootstrap script into every webview; none may come from the log.
      scriptsFromLog: [...document.querySelectorAll('script')].filter((s) => s.textContent.includes('PWNED') || s.closest('#root')).length,
      links: document.querySelectorAll('a').length,
      title: document.title,
    })`);
    assert.deepEqual({ imgs: dom.imgs, scriptsFromLog: dom.scriptsFromLog, links: dom.links }, { imgs: 0, scriptsFromLog: 0, links: 0 });
    assert.ok(!dom.title.includes('PWNED'), `document.title is ${dom.title}`);
    const topTitle = await wb().page.title();
    assert.ok(!topTitle.includes('PWNED'), `the workbench title is ${topTitle}`);
    await wb().screenshot('panel-hostile-corpus');
  });

  it('opens the full log file from the panel', async () => {
    const frame = await openPanel();
    await frame.locator('.log-open-file').click();
    const tab = wb().page.locator('.part.editor .tabs-container .tab', { hasText: `${run!.id}.log` });
    await tab.first().waitFor({ state: 'visible', timeout: 30_000 });
    // Back to the panel for the next test.
    await wb().page.locator('.part.editor .tabs-container .tab', { hasText: 'e2e: failed' }).first().click();
  });

  it('follows the theme: light, high contrast and dark, with readable text in each', async () => {
    // By the names the theme picker shows: the themes' ids (what settings.json stores) differ
    // between releases ("Default Light Modern" in 1.100, "Light Modern" in 1.139), their labels not.
    const themes = [
      { theme: 'Light Modern', bodyClass: 'vscode-light', light: true },
      { theme: 'Dark High Contrast', bodyClass: 'vscode-high-contrast', light: false },
      { theme: 'Dark Modern', bodyClass: 'vscode-dark', light: false },
    ];
    const unreadable: string[] = [];
    for (const { theme, bodyClass, light } of themes) {
      // The way a person does it: the palette's theme picker, typing the name.
      await wb().runCommandAndPick('Preferences: Color Theme', theme, new RegExp(`^\\s*${theme}\\s*$`));
      const frame = await openPanel();
      await waitFor(
        `the panel to take the ${theme} theme`,
        async () => ((await frame.locator(`body.${bodyClass}`).count()) > 0 ? true : undefined),
        30_000,
      );
      const colours = await waitFor(
        `the ${theme} colours to settle`,
        async () => {
          const read = await frame.evaluate<ThemeColours>(THEME_PROBE);
          return light === luminance(read.background) > 0.5 ? read : undefined;
        },
        15_000,
      );
      for (const [part, colour] of Object.entries(colours.text)) {
        const ratio = contrast(colour, colours.background);
        // WCAG AA for text: 4.5.
        if (ratio < 4.5) unreadable.push(`${theme}: ${part} text ${colour} on ${colours.background} has contrast ${ratio.toFixed(2)}`);
      }
      await wb().screenshot(`panel-theme-${bodyClass}`);
    }
    assert.deepEqual(unreadable, []);
  });

  it('filters the log and keeps the filter across a window reload, with the same run restored', async () => {
    let frame = await openPanel();
    await frame.locator('.log-filter').click();
    await wb().page.keyboard.type('green');
    await waitFor('the filter to apply', async () => ((await panelText(frame, '.log-status')).includes('1 of') ? true : undefined), 10_000);

    await wb().reloadWindow();
    frame = await wb().webviewFrame(async (f) => (await f.locator('.run-status[data-status="failed"]').count()) > 0, 60_000);
    assert.match(await panelText(frame, '.run-title'), /hello-e2e → e2e/);
    await waitFor('the restored log', async () => ((await panelText(frame, '.log-row')).includes('green ok') ? true : undefined), 20_000);
    assert.match(await panelText(frame, '.log-status'), /1 of \d+ lines match/);
    await wb().screenshot('panel-restored');
  });
});
