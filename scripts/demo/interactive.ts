import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ensureCodeServer } from '../../test/e2e/support/codeServer';
import { BAD_RELEASE_REASON, cloudWatch, GUARDED_ALARMS, setAlarmState } from './alarms';
import { freePort } from './emulator';
import { bold, cyan, dim, green, yellow } from './narrator';
import type { ProcessGroups } from './processes';
import { rolledBackActions } from '../../src/extension/notificationActions';

export interface InteractiveSetup {
  readonly groups: ProcessGroups;
  readonly root: string;
  readonly vsix: string;
  readonly repo: string;
  readonly endpoint: string;
  /** The environment code-server (and so the extension host) runs with. */
  readonly env: NodeJS.ProcessEnv;
  readonly say: (line: string) => void;
  /** True once Ctrl+C has asked everything to stop. */
  readonly stopping: () => boolean;
}

/** User settings for the demo window: quiet, and a notification when a deployment becomes stable too. */
const SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'workbench.colorTheme': 'Default Dark Modern',
  'remote.autoForwardPorts': false,
  'deployGuard.notifications.success': true,
};

/**
 * Starts the real VS Code (code-server, the install the end-to-end tests cache per user) with the
 * freshly packaged .vsix and the sample repository, prints the URL, and then lets the person flip
 * the guarded alarms from this terminal. Resolves when code-server exits; Ctrl+C is handled by
 * the caller (it stops every process group).
 */
export async function startInteractive(setup: InteractiveSetup): Promise<void> {
  const { groups, root, vsix, repo, endpoint, env, say } = setup;
  say(`${bold('•')} starting VS Code (code-server; installed once per machine, 2-3 minutes, if this one has none yet) with the extension`);
  const binary = await ensureCodeServer();
  const userData = join(root, 'code-server', 'user-data');
  const extensions = join(root, 'code-server', 'extensions');
  mkdirSync(join(userData, 'User'), { recursive: true });
  mkdirSync(extensions, { recursive: true });
  writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify(SETTINGS, null, 2));
  const install = spawnSync(binary, ['--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', vsix], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (install.status !== 0 || !readdirSync(extensions).some((d) => d.startsWith('deployguard.deploy-guard'))) {
    throw new Error(`code-server could not install ${vsix}:\n${install.stdout}\n${install.stderr}`);
  }

  const port = await freePort();
  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(repo)}`;
  let output = '';
  const server = groups.start(
    'code-server',
    binary,
    [
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
      '--user-data-dir',
      userData,
      '--extensions-dir',
      extensions,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-6000);
  };
  server.stdout?.on('data', keep);
  server.stderr?.on('data', keep);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`code-server exited with ${server.exitCode}:\n${output}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`code-server did not answer on port ${port} within 60 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }

  say('');
  say(bold(green('VS Code with Deploy Guard is ready. Open this in your browser:')));
  say(`    ${bold(cyan(url))}`);
  say('');
  say(bold('Then play the story:'));
  say(`  1. Answer ${bold('Yes, I trust the authors')}; open the ${bold('Deploy Guard')} view (rocket in the activity bar): dev and prod.`);
  say(
    `  2. F1 → ${bold('Deploy Guard: Deploy…')} → prod → ${bold('Run Pipeline')} (its first run asks) → ${bold('Deploy')} on the change set.`,
  );
  say('     Watch the run panel: steps, stack events, the bake. It ends stable (v1).');
  say(`  3. Change src/orders.js, then F1 → ${bold('Deploy Guard: Save, Commit, Push and Deploy')}.`);
  say(`  4. While v2 bakes, type ${bold('alarm')} + Enter here: the demo sets ${GUARDED_ALARMS[0]} to ALARM.`);
  // The editor's buttons for an automatic rollback blamed on an alarm, from the table its notification reads.
  const buttons = rolledBackActions({ alarm: GUARDED_ALARMS[0], rollbackDeploymentId: 'the restore' }).join(', ');
  say(`     Deploy Guard rolls prod back to v1 by itself and tells you in a notification (${buttons}).`);
  say(`  5. Once v1 is back it is verified under the same alarms: type ${bold('ok')} + Enter while it says "verifying restore"`);
  say('     (errors stop with v1) and the rollback ends verified; leave the alarm on and it ends "rolled back, still unhealthy".');
  say('');
  say(dim(`Emulator: ${endpoint}   Repository: ${repo}   (origin: a bare repository next to it)`));
  say(dim('Commands here: alarm (5xx → ALARM), latency (latency → ALARM), ok (both → OK). Ctrl+C stops everything.'));

  const cw = cloudWatch(endpoint);
  const input = process.stdin.isTTY || !process.stdin.readableEnded ? createInterface({ input: process.stdin }) : undefined;
  input?.on('line', (line) => {
    const word = line.trim().toLowerCase();
    const flip = async (names: readonly string[], state: 'ALARM' | 'OK') => {
      for (const name of names)
        await setAlarmState(cw, name, state, state === 'ALARM' ? BAD_RELEASE_REASON : 'Threshold Crossed: back under the threshold');
      say(`${state === 'ALARM' ? yellow('🔔') : green('✔')} ${names.join(', ')} → ${state}`);
    };
    const done = (p: Promise<void>) => p.catch((err: unknown) => say(`could not set the alarm: ${(err as Error).message}`));
    if (word === 'alarm') void done(flip([GUARDED_ALARMS[0]], 'ALARM'));
    else if (word === 'latency') void done(flip([GUARDED_ALARMS[1]], 'ALARM'));
    else if (word === 'ok') void done(flip(GUARDED_ALARMS, 'OK'));
    else if (word !== '') say(dim('type alarm, latency or ok (Ctrl+C stops the demo)'));
  });
  try {
    const code = await new Promise<number | null>((resolve) => server.once('exit', (c) => resolve(c)));
    // Stopped by Ctrl+C (the caller's cleanup) is the normal end; anything else is worth showing.
    if (!setup.stopping()) say(`code-server stopped by itself (exit ${code}):\n${output.split('\n').slice(-10).join('\n')}`);
  } finally {
    input?.close();
    cw.destroy();
  }
}
