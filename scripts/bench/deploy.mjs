// `npm run bench -- deploy [pairs-direct] [pairs-held]`: wall time of `deployguard deploy --skip-steps`
// vs `aws cloudformation deploy` (awscli) on the same template against the same moto_server,
// alternating runs: (a) direct to moto, (b) through the fault proxy holding each new stack in
// CREATE_IN_PROGRESS for 20 s. Prints both ratios. The work is in deployMain.ts (run under tsx
// because it hosts the proxy from test/support); deployguard itself runs as a bundled CLI.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const result = spawnSync(process.execPath, ['--no-warnings', '--import', 'tsx', join(here, 'deployMain.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: join(here, '..', '..'),
});
process.exit(result.status ?? 1);
