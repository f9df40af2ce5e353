// `npm run bench -- triggers [pushes]`: how fast the push trigger notices a `git push` (push exit →
// deploy callback, p50/p95), how a burst of saves coalesces (saves → deploys, last save → deploy
// start), and what the CLI watcher costs on a repository with a large ignored tree.
// The work is in triggersMain.ts, run under tsx because it drives the triggers from their sources.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const result = spawnSync(process.execPath, ['--no-warnings', '--import', 'tsx', join(here, 'triggersMain.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
