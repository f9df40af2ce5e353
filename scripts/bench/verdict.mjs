// `npm run bench -- verdict [--quick]`: the metric verdict's benchmark — false positives with no
// change, detection of a +30 % shift and analysis time, for judgeMetric and a reference
// implementation of Kayenta's classifier on the same seeded series. The work is in verdictMain.ts,
// run under tsx because it drives the verdict from its TypeScript sources. --quick judges 100
// series per case instead of 1,000.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const result = spawnSync(process.execPath, ['--no-warnings', '--import', 'tsx', join(here, 'verdictMain.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
