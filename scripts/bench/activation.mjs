// `npm run bench -- activation [trials]`: Deploy Guard's activation in a real VS Code
// (code-server + Chromium, the end-to-end harness) on the demo's sample repository: activate()'s
// own time, the time from VS Code starting to activate it to active, and whether activation loaded
// the engine (and with it the AWS SDK). The work is in activationMain.ts, run under tsx.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const result = spawnSync(
  process.execPath,
  ['--no-warnings', '--import', 'tsx', join(here, 'activationMain.ts'), ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
);
process.exit(result.status ?? 1);
