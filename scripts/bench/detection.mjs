// `npm run bench -- detection [latency|rate]`: the health watch's benchmark (issue 5). The work is
// in detectionMain.ts, run under tsx because it drives the engine from its TypeScript sources.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const result = spawnSync(process.execPath, ['--no-warnings', '--import', 'tsx', join(here, 'detectionMain.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
