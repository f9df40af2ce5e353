import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Frame, type Locator, type Page } from 'playwright-core';
import { freePort } from '../../support/moto';
import { CHROMIUM_PATH, ensureHost, type CodeServerCommand, type E2eHost } from './codeServer';

/**
 * A real VS Code (code-server, the host DEPLOYGUARD_E2E_HOST picks: the oldest supported VS Code
 * or the newest release, see E2E_HOSTS) with the packaged Deploy Guard .vsix installed, opened on a workspace folder in headless Debian Chromium, plus the few helpers tests
 * need to drive it like a user: the command palette, the activity bar, tree rows, notifications,
 * webview panels and the Output panel.
 *
 * Every start gets a fresh user-data and extensions folder (state from an earlier run cannot leak
 * in); close() kills code-server's whole process group. Waits poll a condition with a bound; none
 * sleeps a fixed time.
 */

export const ARTIFACTS_DIR = resolve('test-artifacts', 'e2e');
export const DEFAULT_VSIX = resolve('dist-vsix', 'deploy-guard.vsix');

/** Chromium as root in a container: no sandbox, no GPU, nothing that phones home. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** User settings that keep the workbench quiet and deterministic; tests may add their own. */
const BASE_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'git.enabled': false,
  'git.autoRepositoryDetection': false,
  'chat.commandCenter.enabled': false,
  'workbench.colorTheme': 'Default Dark Modern',
  'remote.autoForwardPorts': false,
  // The trust dialog on every start, as the tests answer it: VS Code 1.100 shows it once per
  // folder by default, later releases never (they open in Restricted Mode with a banner).
  'security.workspace.trust.startupPrompt': 'always',
  // Later releases open the Chat view in the secondary side bar on start; it takes a third of the
  // window and the focus, and has nothing to do with the extension.
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
};

export interface WorkbenchOptions {
  /** The folder to open (absolute or relative to the repository root). */
  readonly workspace: string;
  /** Answer the workspace-trust dialog with "Yes" (default) or "No". */
  readonly trust?: boolean;
  /** Extra environment for code-server and so the extension host (AWS_ENDPOINT_URL, DEPLOYGUARD_HOME, AWS creds…). */
  readonly env?: Readonly<Record<string, string>>;
  /** User settings merged over the quiet defaults. */
  readonly settings?: Readonly<Record<string, unknown>>;
  /** User keybindings, e.g. to reach a command the palette hides: `{ key: 'ctrl+alt+f12', command: 'deployGuard._status' }`. */
  readonly keybindings?: readonly { readonly key: string; readonly command: string; readonly args?: unknown }[];
  /** Defaults to dist-vsix/deploy-guard.vsix (`npm run package`). */
  readonly vsix?: string;
  /** Prefix for screenshot names. */
  readonly name?: string;
}

export interface TreeItem {
  readonly label: string;
  readonly description: string;
  readonly ariaLabel: string;
  /** 1 for top-level rows. */
  readonly level: number;
  /** undefined for leaves. */
  readonly expanded: boolean | undefined;
}

export interface Notification {
  readonly message: string;
  readonly source: string;
  readonly actions: readonly string[];
}

export type TextMatch = string | RegExp;

export interface Workbench {
  /** Which code-server (VS Code version) this is. */
  readonly host: E2eHost;
  readonly page: Page;
  readonly url: string;
  readonly workspace: string;
  readonly userDataDir: string;
  /** Runs a command by its palette title ("Deploy Guard: Show Extension Logs") through F1. */
  runCommand(title: string): Promise<void>;
  /**
   * Runs a command that opens a quick pick (Go to File..., Preferences: Color Theme), types
   * `text` and clicks the row whose label or description matches `row` — all again if a
   * webview taking the focus back closed the pick under us (microsoft/vscode#93950).
   */
  runCommandAndPick(title: string, text: string, row: RegExp): Promise<void>;
  /** Opens a workspace file (path relative to the workspace) and puts the keyboard focus in its text. */
  openFileForTyping(path: string): Promise<void>;
  /** Opens an activity-bar container (default "Deploy Guard") and waits for its first view. */
  openView(container?: string): Promise<void>;
  /** The activity-bar icon of a container (by its title), e.g. to assert it is there. */
  activityBarItem(container: string): Locator;
  /** The titles of the views the side bar shows now (expanded or not). */
  visibleViews(): Promise<string[]>;
  /** The rendered rows of a tree view (default "Deployments"); only rows on screen (the tree virtualises). */
  treeItems(view?: string): Promise<TreeItem[]>;
  /** The welcome text a view shows while its tree is empty ('' when it shows none). */
  welcomeText(view?: string): Promise<string>;
  /** The toasts on screen now. */
  notifications(): Promise<Notification[]>;
  /** Waits for a toast whose message matches. */
  waitForNotification(message: TextMatch, timeoutMs?: number): Promise<Notification>;
  /** Clicks an action button ("View Logs") of the toast whose message matches. */
  clickNotificationAction(message: TextMatch, action: string, timeoutMs?: number): Promise<void>;
  /** The DOM of a webview panel: by its tab title, or the first webview document the predicate accepts. */
  webviewFrame(match: string | ((frame: Frame) => Promise<boolean>), timeoutMs?: number): Promise<Frame>;
  /** The text the Output panel shows now (its selected channel). */
  outputText(): Promise<string>;
  /** The name of the channel the Output panel shows ('' when the panel is closed). */
  outputChannel(): Promise<string>;
  /** Waits until the Output panel's text matches, and returns it. */
  waitForOutput(match: TextMatch, timeoutMs?: number): Promise<string>;
  /** The Deploy Guard log file the extension host writes (the "Deploy Guard" output channel, complete). */
  extensionLog(): string;
  /**
   * VS Code's own measure of an extension's activation (code loading + activate()), read from
   * "Developer: Show Running Extensions" (which it opens as an editor).
   */
  hostActivationMs(extension?: string): Promise<number>;
  /** Saves test-artifacts/e2e/<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
  /** "Developer: Reload Window", then waits for the workbench again. */
  reloadWindow(): Promise<void>;
  /** code-server's own output (last lines), for failure messages. */
  serverOutput(): string;
  /** Closes the browser, kills code-server's process group and removes the temporary folders. */
  close(): Promise<void>;
}

const running = new Set<number>();
let exitHookInstalled = false;

/** If a test process dies without close(), take the servers with it. */
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = () => running.forEach((pid) => killGroup(pid, 'SIGKILL'));
  process.once('exit', killAll);
  // 'exit' does not run when a signal ends the process (the test runner's timeout, Ctrl+C), and
  // playwright's own SIGTERM listener keeps the process alive: kill the servers and exit, which
  // also runs playwright's exit hook that kills the browser.
  const codes = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;
  for (const [signal, code] of Object.entries(codes)) {
    process.once(signal, () => {
      killAll();
      process.exit(code);
    });
  }
}

/** Polls `probe` until it returns a value other than undefined, or fails with `what` after the bound. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

const matches = (text: string, match: TextMatch) => (typeof match === 'string' ? text.includes(match) : match.test(text));
const clean = (text: string | null | undefined) => (text ?? '').replace(/\u00a0/g, ' ').trim();

function installExtension(codeServer: CodeServerCommand, userDataDir: string, extensionsDir: string, vsix: string): void {
  const args = [codeServer.entry, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--install-extension', vsix];
  const result = spawnSync(codeServer.node, args, { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) {
    throw new Error(
      `code-server --install-extension ${vsix} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  const installed = readdirSync(extensionsDir).filter((d) => d.startsWith('deployguard.deploy-guard'));
  if (installed.length === 0)
    throw new Error(`installing ${vsix} left no deployguard.deploy-guard folder in ${extensionsDir}:\n${result.stdout}`);
}

async function waitForHttp(url: string, child: ChildProcess, output: () => string): Promise<void> {
  await waitFor(
    `code-server to answer on ${url}`,
    async () => {
      if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}:\n${output()}`);
      const res = await fetch(`${url}/healthz`);
      return res.ok ? true : undefined;
    },
    30_000,
    200,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${output()}`);
  });
}

export async function startWorkbench(options: WorkbenchOptions): Promise<Workbench> {
  const started = Date.now();
  const codeServer = await ensureHost();
  const vsix = resolve(options.vsix ?? DEFAULT_VSIX);
  if (!existsSync(vsix))
    throw new Error(`${vsix} does not exist: run \`npm run package\` first (npm test does it when e2e tests are selected)`);
  const workspace = resolve(options.workspace);
  if (!statSync(workspace).isDirectory()) throw new Error(`workspace ${workspace} is not a folder`);

  const root = mkdtempSync(join(tmpdir(), 'deployguard-e2e-'));
  const userDataDir = join(root, 'user-data');
  const extensionsDir = join(root, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...BASE_SETTINGS, ...options.settings }, null, 2));
  if (options.keybindings) writeFileSync(join(userDataDir, 'User', 'keybindings.json'), JSON.stringify(options.keybindings, null, 2));

  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  let output = '';
  const serverOutput = () => output;

  const close = async () => {
    await browser?.close().catch(() => undefined);
    browser = undefined;
    if (server?.pid !== undefined) {
      const pid = server.pid;
      const exited = server.exitCode !== null || server.signalCode !== null;
      killGroup(pid, 'SIGTERM');
      if (!exited) {
        const child = server;
        const gone = new Promise<void>((r) => child.once('exit', () => r()));
        const timer = new Promise<void>((r) => setTimeout(r, 5000));
        await Promise.race([gone, timer]);
      }
      // The extension host and watchers share the group and may outlive the server's own exit.
      killGroup(pid, 'SIGKILL');
      running.delete(pid);
      server = undefined;
    }
    rmSync(root, { recursive: true, force: true });
  };

  try {
    installExtension(codeServer, userDataDir, extensionsDir, vsix);

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // Run with the host's own node: the extension host it forks runs on the same binary.
    server = spawn(
      codeServer.node,
      [
        codeServer.entry,
        '--auth',
        'none',
        '--bind-addr',
        `127.0.0.1:${port}`,
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-getting-started-override',
        '--user-data-dir',
        userDataDir,
        '--extensions-dir',
        extensionsDir,
      ],
      // Its own process group, so close() can kill the extension host and watchers with it.
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } },
    );
    installExitHook();
    if (server.pid !== undefined) running.add(server.pid);
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
    };
    server.stdout?.on('data', keep);
    server.stderr?.on('data', keep);
    const child = server;
    await waitForHttp(url, child, serverOutput);

    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${url}/?folder=${encodeURIComponent(workspace)}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await waitForWorkbench(page);
    await answerTrustDialog(page, options.trust ?? true);

    process.stderr.write(
      `[workbench] VS Code ${codeServer.host.vscodeVersion} (${codeServer.host.name} host) ready on ${url} in ${((Date.now() - started) / 1000).toFixed(1)} s (workspace ${workspace}, trusted: ${options.trust ?? true})\n`,
    );
    return createWorkbench({ host: codeServer.host, page, url, workspace, userDataDir, name: options.name ?? '', serverOutput, close });
  } catch (err) {
    await close();
    throw err;
  }
}

async function waitForWorkbench(page: Page): Promise<void> {
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout: 120_000 });
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: 30_000 });
}

/** The trust dialog is modal and blocks every click until answered. */
async function answerTrustDialog(page: Page, trust: boolean): Promise<void> {
  const label = trust ? 'Yes, I trust the authors' : "No, I don't trust the authors";
  const button = page.locator('.monaco-dialog-box .monaco-button', { hasText: label });
  await button.waitFor({ state: 'visible', timeout: 60_000 });
  await button.click();
  await page.locator('.monaco-dialog-box').waitFor({ state: 'detached', timeout: 10_000 });
}

interface Parts {
  readonly host: E2eHost;
  readonly page: Page;
  readonly url: string;
  readonly workspace: string;
  readonly userDataDir: string;
  readonly name: string;
  readonly serverOutput: () => string;
  readonly close: () => Promise<void>;
}

function createWorkbench(parts: Parts): Workbench {
  const { page } = parts;
  const quickInput = page.locator('.quick-input-widget');

  // A container with one view merges the view's header into the side-bar title and hides it,
  // but the header (and its h3 title) stays in the DOM, so it still identifies the pane.
  const paneBody = (view: string) =>
    page
      .locator('.part.sidebar .pane')
      .filter({ has: page.locator('.pane-header h3.title', { hasText: new RegExp(`^\\s*${escapeRegExp(view)}\\s*$`, 'i') }) });

  const openPalette = () =>
    waitFor(
      'the command palette to open',
      async () => {
        if (await quickInput.isVisible()) return true;
        await page.keyboard.press('F1');
        await quickInput.waitFor({ state: 'visible', timeout: 2000 });
        return true;
      },
      15_000,
    );

  const runCommand = async (title: string) => {
    const input = quickInput.locator('.quick-input-box input');
    // Exact title match, so "Refresh" never runs another extension's Refresh.
    const row = quickInput.locator('.monaco-list-row').filter({
      has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(title)}\\s*$`) }),
    });
    // The palette lists a command only once its enablement holds (e.g. isWorkspaceTrusted just
    // after the trust dialog), and keeps the list it computed when it opened: on a busy machine
    // the first opening can be too early, so close it and ask again, within a bounded time.
    const deadline = Date.now() + 45_000;
    for (;;) {
      await openPalette();
      // A webview that is being focused (a panel just shown or clicked) takes the focus back a
      // moment later and closes the palette (microsoft/vscode#93950): then open it again.
      const typed = await input.fill(`>${title}`, { timeout: 3_000 }).then(
        () => true,
        () => false,
      );
      const found =
        typed &&
        (await row
          .first()
          .waitFor({ state: 'visible', timeout: 8_000 })
          .then(
            () => true,
            () => false,
          ));
      if (found) break;
      if (Date.now() > deadline) {
        const offered = await quickInput.locator('.monaco-list-row .label-name').allTextContents();
        throw new Error(
          `the command palette offers no command titled "${title}" (it offers: ${offered.slice(0, 10).join(' | ') || 'nothing'})`,
        );
      }
      await page.keyboard.press('Escape');
      await quickInput.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
    }
    await row.first().click();
    // The palette closes, or turns into the command's own quick pick; or the page goes away (a
    // window reload), taking the input with it: each look is bounded, so a look at an input that
    // is gone counts as taken instead of waiting out the locator's own 30 s.
    await waitFor(
      'the palette to take the command',
      async () => {
        if (!(await quickInput.isVisible())) return true;
        const value = await input.inputValue({ timeout: 1000 }).catch(() => undefined);
        return value === `>${title}` ? undefined : true;
      },
      5000,
    );
  };

  const runCommandAndPick = async (title: string, text: string, row: RegExp): Promise<void> => {
    await waitFor(
      `"${text}" to be picked in ${title}`,
      async () => {
        await runCommand(title);
        const typed = await quickInput
          .locator('.quick-input-box input')
          .fill(text, { timeout: 3_000 })
          .then(
            () => true,
            () => false,
          );
        const target = quickInput
          .locator('.monaco-list-row')
          .filter({ has: page.locator('.label-name, .label-description', { hasText: row }) })
          .first();
        const picked =
          typed &&
          (await target.click({ timeout: 10_000 }).then(
            () => true,
            () => false,
          ));
        return picked ? true : undefined;
      },
      90_000,
      500,
    );
  };

  const openFileForTyping = async (path: string) => {
    const name = path.split('/').pop() ?? path;
    await runCommandAndPick('Go to File...', path, new RegExp(`^\\s*${escapeRegExp(name)}\\s*$`));
    // Go to File leaves the focus in the editor, but a run panel's webview can take it back a
    // moment later and swallow the first keys: click into the text and wait for the focus.
    const editor = page.locator(`.part.editor .monaco-editor[data-uri$="${path}"]`).first();
    await editor.waitFor({ state: 'visible', timeout: 20_000 });
    await editor.locator('.view-lines').click();
    await page.locator(`.part.editor .monaco-editor.focused[data-uri$="${path}"]`).first().waitFor({ state: 'visible', timeout: 10_000 });
  };

  /** An activity-bar icon: its aria-label is the container's title, plus its keybinding if it has one. */
  const activityBarItem = (container: string) =>
    page
      .locator(
        `.part.activitybar a.action-label[aria-label="${container}"], .part.activitybar a.action-label[aria-label^="${container} ("]`,
      )
      .first();

  const openView = async (container = 'Deploy Guard') => {
    const sidebarTitle = page.locator('.part.sidebar .composite.title h2');
    // "Deploy Guard", or "Deploy Guard: Deployments" when the container has a single view.
    const showing = async () => {
      const title = clean(await sidebarTitle.textContent({ timeout: 500 }).catch(() => '')).toLowerCase();
      return title === container.toLowerCase() || title.startsWith(`${container.toLowerCase()}:`);
    };
    // Clicking the icon of the container already shown closes the side bar, and right after a
    // reload the workbench may still be restoring it: so click only when the icon is not checked
    // or the side bar is hidden, and look again (clicking again if needed) until it shows.
    const icon = activityBarItem(container);
    await icon.waitFor({ state: 'visible', timeout: 30_000 });
    const checked = page.locator('.part.activitybar li.action-item.checked').filter({ has: icon });
    let lastClick = 0;
    await waitFor(
      `the "${container}" container to show in the side bar`,
      async () => {
        if (await showing()) return true;
        if (Date.now() - lastClick < 3000) return undefined;
        const open = (await checked.count()) > 0 && (await page.locator('.part.sidebar').isVisible());
        if (!open) {
          await icon.click({ timeout: 5000 });
          lastClick = Date.now();
        }
        return undefined;
      },
      60_000,
      250,
    );
    await page.locator('.part.sidebar .pane .pane-body').first().waitFor({ state: 'visible', timeout: 30_000 });
  };

  const visibleViews = async () => {
    const titles = await page
      .locator('.part.sidebar .pane')
      .filter({ has: page.locator('.pane-body:visible') })
      .locator('.pane-header h3.title')
      .allTextContents();
    return titles.map((t) => clean(t));
  };

  const treeItems = async (view = 'Deployments') => {
    const rows = paneBody(view).locator('.pane-body .monaco-list-row');
    return rows.evaluateAll((elements) =>
      elements.map((el) => {
        const expanded = el.getAttribute('aria-expanded');
        return {
          label: (el.querySelector('.label-name')?.textContent ?? '').replace(/\u00a0/g, ' ').trim(),
          description: (el.querySelector('.label-description')?.textContent ?? '').replace(/\u00a0/g, ' ').trim(),
          ariaLabel: el.getAttribute('aria-label') ?? '',
          level: Number(el.getAttribute('aria-level') ?? '1'),
          expanded: expanded === null ? undefined : expanded === 'true',
        };
      }),
    );
  };

  const welcomeText = async (view = 'Deployments') => {
    const welcome = paneBody(view).locator('.welcome-view-content');
    if ((await welcome.count()) === 0) return '';
    return clean((await welcome.first().innerText()).replace(/\n+/g, '\n'));
  };

  const notifications = async (): Promise<Notification[]> =>
    page.locator('.notifications-toasts .notification-toast').evaluateAll((toasts) =>
      toasts.map((toast) => ({
        message: (toast.querySelector('.notification-list-item-message')?.textContent ?? '').trim(),
        source: (toast.querySelector('.notification-list-item-source')?.textContent ?? '').replace(/^\s*Source:\s*/, '').trim(),
        actions: [...toast.querySelectorAll('.notification-list-item-buttons-container .monaco-button')].map((b) =>
          (b.textContent ?? '').trim(),
        ),
      })),
    );

  const waitForNotification = (message: TextMatch, timeoutMs = 15_000) =>
    waitFor(
      `a notification matching ${String(message)}`,
      async () => (await notifications()).find((n) => matches(n.message, message)),
      timeoutMs,
    );

  const clickNotificationAction = async (message: TextMatch, action: string, timeoutMs = 15_000) => {
    await waitForNotification(message, timeoutMs);
    const toast = page
      .locator('.notifications-toasts .notification-toast')
      .filter({ has: page.locator('.notification-list-item-message', { hasText: message }) });
    await toast
      .locator('.notification-list-item-buttons-container .monaco-button', { hasText: action })
      .first()
      .click({ timeout: timeoutMs });
  };

  /**
   * The documents of the webviews on the page, visible ones first. code-server nests each as
   * iframe.webview (the host) > iframe#active-frame (the extension's HTML); the inner frame
   * starts as #pending-frame and is renamed, so it is found by its id now, not its name then.
   */
  const webviewDocuments = async (visibleOnly: boolean): Promise<Frame[]> => {
    const found: Frame[] = [];
    for (const host of await page.locator('iframe.webview.ready').elementHandles()) {
      if (visibleOnly && !(await host.isVisible())) continue;
      const inner = await (await (await host.contentFrame())?.$('iframe#active-frame'))?.contentFrame();
      if (inner && (await inner.evaluate('document.readyState === "complete"').catch(() => false))) found.push(inner);
    }
    return found;
  };

  const webviewFrame = async (match: string | ((frame: Frame) => Promise<boolean>), timeoutMs = 30_000): Promise<Frame> => {
    if (typeof match === 'string') {
      // Activating the panel's tab makes its webview the one laid out and visible.
      const tab = page.locator('.part.editor .tabs-container .tab', { hasText: match });
      await tab.first().click({ timeout: timeoutMs });
      return waitFor(`the webview panel "${match}"`, async () => (await webviewDocuments(true))[0], timeoutMs);
    }
    return waitFor(
      'a webview accepted by the predicate',
      async () => {
        for (const frame of await webviewDocuments(false)) if (await match(frame).catch(() => false)) return frame;
        return undefined;
      },
      timeoutMs,
    );
  };

  const outputText = async () => {
    const lines = page.locator('.part.panel .output-view .view-lines .view-line');
    const texts = await lines.allTextContents();
    return texts.map((t) => t.replace(/\u00a0/g, ' ')).join('\n');
  };

  const outputChannel = async () => {
    // The channel picker is a native <select> in the Output panel's title bar.
    const chosen = await page.locator('.part.panel select.monaco-select-box').evaluateAll((selects) =>
      selects.map((el) => {
        const select = el as unknown as { options: { text: string }[]; selectedIndex: number };
        return select.options[select.selectedIndex]?.text ?? '';
      }),
    );
    return chosen.find((name) => name !== '') ?? '';
  };

  const waitForOutput = (match: TextMatch, timeoutMs = 15_000) =>
    waitFor(
      `the Output panel to show ${String(match)}`,
      async () => {
        const text = await outputText();
        return matches(text, match) ? text : undefined;
      },
      timeoutMs,
    );

  const extensionLog = () => {
    const logs = findFiles(join(parts.userDataDir, 'logs'), (path) => /deployguard\.deploy-guard/.test(path) && path.endsWith('.log'));
    return logs.map((path) => readFileSync(path, 'utf8')).join('\n');
  };

  const hostActivationMs = async (extension = 'Deploy Guard') => {
    await runCommand('Developer: Show Running Extensions');
    const list = page.locator('.part.editor .monaco-list').first();
    const row = page
      .locator('.part.editor .monaco-list-row')
      .filter({ has: page.locator('.name', { hasText: new RegExp(`^${escapeRegExp(extension)}$`) }) });
    try {
      const text = await waitFor(
        `"${extension}" to show an activation time in Running Extensions`,
        async () => {
          if ((await row.count()) === 0) {
            // The list is sorted slowest first and renders only the rows in view: an extension
            // that activated quickly sits below the fold until the list is scrolled to it.
            await list.hover({ timeout: 1000 }).catch(() => undefined);
            await page.mouse.wheel(0, 300);
            return undefined;
          }
          const time = clean(await row.first().locator('.activation-time').textContent({ timeout: 1000 }));
          return /\d+\s*ms/.test(time) ? time : undefined;
        },
        30_000,
      );
      return Number(/(\d+)\s*ms/.exec(text)![1]);
    } finally {
      // Later releases open this editor as a modal over the workbench, which takes every click
      // until it is closed (so it is closed even when the time was not found, or every later test
      // would fail on it); 1.100 opens it as a tab, which stays out of the way.
      const modal = page.locator('.monaco-modal-editor-block');
      await waitFor(
        'the Running Extensions modal to close',
        async () => {
          if ((await modal.count()) === 0) return true;
          await page.keyboard.press('Escape');
          return undefined;
        },
        10_000,
        500,
      );
    }
  };

  const screenshot = async (name: string) => {
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    const file = join(ARTIFACTS_DIR, `${parts.name ? `${parts.name}-` : ''}${name.replace(/[^\w.-]+/g, '-')}.png`);
    await page.screenshot({ path: file });
    return file;
  };

  const reloadWindow = async () => {
    const loaded = page.waitForEvent('load', { timeout: 30_000 });
    await runCommand('Developer: Reload Window');
    await loaded;
    await waitForWorkbench(page);
  };

  return {
    host: parts.host,
    page,
    url: parts.url,
    workspace: parts.workspace,
    userDataDir: parts.userDataDir,
    runCommand,
    runCommandAndPick,
    openFileForTyping,
    activityBarItem,
    openView,
    visibleViews,
    treeItems,
    welcomeText,
    notifications,
    waitForNotification,
    clickNotificationAction,
    webviewFrame,
    outputText,
    outputChannel,
    waitForOutput,
    extensionLog,
    hostActivationMs,
    screenshot,
    reloadWindow,
    serverOutput: parts.serverOutput,
    close: parts.close,
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function findFiles(dir: string, accept: (path: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findFiles(path, accept));
    else if (accept(path)) out.push(path);
  }
  return out.sort();
}
