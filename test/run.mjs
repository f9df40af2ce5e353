// The single test command (`npm test`): builds and packages the extension, then runs every
// suite with node's test runner in one invocation, so CI reads one closing summary.
//   npm test                  unit + integration + e2e
//   npm test -- unit          only the named suites (unit, integration, e2e)
//   npm test -- unit/foo      only files whose path contains the text
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SUITES = ['unit', 'integration', 'e2e'];
const filters = process.argv.slice(2);

function findTests(dir) {
  let out = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out = out.concat(findTests(path));
    else if (entry.endsWith('.test.ts')) out.push(path);
  }
  return out.sort();
}

const files = SUITES.flatMap((suite) => findTests(join('test', suite))).filter(
  (file) => filters.length === 0 || filters.some((f) => file.includes(f)),
);
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(2);
}

// Every suite but the pure unit tests runs the built artefacts (dist/cli.js, the .vsix). The
// real-VS-Code tests and the bundle checks need the production .vsix, so those package first.
const needsPackage = files.some((f) => f.includes(join('test', 'e2e')) || f.endsWith('bundle.test.ts'));
const build = spawnSync('npm', ['run', needsPackage ? 'package' : 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
  stdio: 'inherit',
  env: { ...process.env, DEPLOYGUARD_TEST: '1' },
});
process.exit(result.status ?? 1);
