// The single test command (`npm test`): builds and packages the extension, then runs every
// suite with node's test runner, and the real-VS-Code (e2e) files once per host:
//   1. unit + integration + every e2e file in the newest host (the newest code-server release);
//   2. the e2e files of OLDEST_HOST_FILES again in the oldest host (the oldest VS Code supported).
// The versions of both hosts are pinned in test/e2e/support/codeServer.ts (E2E_HOSTS).
//   npm test                  unit + integration + e2e (both hosts)
//   npm test -- unit          only the named suites (unit, integration, e2e)
//   npm test -- unit/foo      only files whose path contains the text
//   DEPLOYGUARD_E2E_HOST=oldest npm test -- e2e/panel    the selected e2e files in that host only
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SUITES = ['unit', 'integration', 'e2e'];
/** The e2e files that also run in the oldest host: the extension's start, the editor features and the whole story. */
const OLDEST_HOST_FILES = ['foundation', 'editor', 'story'].map((name) => join('test', 'e2e', `${name}.test.ts`));
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

const chosenHost = process.env.DEPLOYGUARD_E2E_HOST || undefined;
if (chosenHost !== undefined && chosenHost !== 'oldest' && chosenHost !== 'newest') {
  console.error(`DEPLOYGUARD_E2E_HOST="${chosenHost}" names no e2e host: use "oldest" or "newest"`);
  process.exit(2);
}

// Every suite but the pure unit tests runs the built artefacts (dist/cli.js, the .vsix). The
// real-VS-Code tests and the bundle checks need the production .vsix, so those package first.
const needsPackage = files.some((f) => f.includes(join('test', 'e2e')) || f.endsWith('bundle.test.ts'));
const build = spawnSync('npm', ['run', needsPackage ? 'package' : 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const isE2e = (file) => file.startsWith(join('test', 'e2e') + '/');
const runs = chosenHost
  ? [{ label: `e2e host ${chosenHost}`, host: chosenHost, files }]
  : [
      { label: 'e2e host newest', host: 'newest', files },
      { label: 'e2e host oldest', host: 'oldest', files: files.filter((f) => OLDEST_HOST_FILES.includes(f)) },
    ];

// The hosts the selected e2e files need, installed (or found in the user cache, at once) before
// any test starts: a first install takes minutes, longer than a test's start-up bound.
const hostsNeeded = runs.filter((r) => r.files.some(isE2e)).map((r) => r.host);
if (hostsNeeded.length > 0) {
  const install = spawnSync(process.execPath, ['--import', 'tsx', join('test', 'e2e', 'support', 'installCodeServer.ts'), ...hostsNeeded], {
    stdio: 'inherit',
  });
  if (install.status !== 0) process.exit(install.status ?? 1);
}

const results = [];
for (const run of runs.filter((r) => r.files.length > 0)) {
  const e2eCount = run.files.filter(isE2e).length;
  const what = run.files.length === e2eCount ? `${e2eCount} e2e files` : `${run.files.length} files, ${e2eCount} of them e2e`;
  console.log(`\n▶ npm test: ${what} (${run.label})\n`);
  const started = Date.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...run.files], {
    stdio: 'inherit',
    env: { ...process.env, DEPLOYGUARD_TEST: '1', DEPLOYGUARD_E2E_HOST: run.host },
  });
  results.push({ ...run, what, status: result.status ?? 1, seconds: Math.round((Date.now() - started) / 1000) });
}
if (results.length > 1) {
  console.log('\nnpm test summary:');
  for (const r of results) console.log(`  ${r.status === 0 ? 'passed' : 'FAILED'}  ${r.what} (${r.label}) in ${r.seconds} s`);
}
process.exit(results.find((r) => r.status !== 0)?.status ?? 0);
