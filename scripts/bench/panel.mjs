// `npm run bench -- panel`: a step printing 100,000 lines (10 % coloured) through a real deploy
// into the run panel, in the real VS Code host (code-server + Chromium via Playwright/CDP):
// last line on screen, the webview's JS heap, and a command answering meanwhile.
// The work is in panelMain.ts, run under tsx because it uses the e2e harness from its sources.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const result = spawnSync(process.execPath, ['--no-warnings', '--import', 'tsx', join(here, 'panelMain.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
