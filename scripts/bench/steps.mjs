// `npm run bench -- steps [runs]`: a step printing 100,000 lines through the step runner
// (line splitting, masking, the callback, the log file) vs the same command in plain bash.
// The work is in stepsMain.ts, run under tsx because it drives the engine from its sources.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const result = spawnSync(process.execPath, ['--no-warnings', '--import', 'tsx', join(here, 'stepsMain.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
