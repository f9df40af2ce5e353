// The command line every benchmark under scripts/bench/ takes: `NAME.mjs [positional…] [--quick] [--plan]`.
//   --quick  the short form: the fewest trials and sizes that still run the whole path once.
//            `npm run bench -- --quick` runs every benchmark so (CI does, after the tests): it
//            notices a benchmark that can no longer run, and prints figures nobody should compare.
//   --plan   prints the chosen settings and both forms as one JSON line and exits 0 before any
//            work; test/unit/bench.test.ts checks with it that every benchmark has a quick form.
// Positional arguments override the settings named in `positional`, in order. An unknown flag, an
// extra argument or a number that is not one is a usage error (exit 2), never silently ignored: a
// benchmark that quietly ran its full form instead of the quick one would hold CI for an hour.
// The forms live here, in plain node, so --plan answers at once; the work runs in NAME's main
// TypeScript file under tsx, which reads the settings with benchSettings() from ./settings.ts.
import { spawnSync } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The environment variable the settings travel in, as JSON (read by settings.ts). */
export const SETTINGS_VARIABLE = 'DEPLOYGUARD_BENCH_SETTINGS';

function usage(bench, message) {
  console.error(`bench ${bench}: ${message}`);
  process.exit(2);
}

/**
 * Runs the benchmark whose wrapper is `wrapperUrl` (its import.meta.url): parses the command line
 * against `forms` ({ full, quick, positional }) and runs `main` (a .ts file beside the wrapper)
 * under tsx from the repository root, exiting with its status.
 */
export function runBench(wrapperUrl, { full, quick, positional = [], main }, argv = process.argv.slice(2)) {
  const wrapper = fileURLToPath(wrapperUrl);
  const bench = basename(wrapper, '.mjs');
  const flags = argv.filter((a) => a.startsWith('--'));
  const unknown = flags.filter((f) => f !== '--quick' && f !== '--plan');
  if (unknown.length > 0) usage(bench, `unknown flag ${unknown.join(' ')} (flags: --quick, --plan)`);
  const isQuick = flags.includes('--quick');
  const values = argv.filter((a) => !a.startsWith('--'));
  if (values.length > positional.length)
    usage(bench, `too many arguments: ${values.join(' ')} (it takes ${positional.length > 0 ? positional.join(', ') : 'none'})`);
  const settings = { ...(isQuick ? quick : full) };
  values.forEach((value, i) => {
    const name = positional[i];
    if (typeof full[name] === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n) || n < 0) usage(bench, `${name} must be a number ≥ 0, not "${value}"`);
      settings[name] = n;
    } else {
      settings[name] = value;
    }
  });
  if (flags.includes('--plan')) {
    console.log(JSON.stringify({ bench, quick: isQuick, settings, forms: { full, quick }, main }));
    process.exit(0);
  }
  const result = spawnSync(process.execPath, ['--no-warnings', '--import', 'tsx', join(dirname(wrapper), main)], {
    stdio: 'inherit',
    cwd: REPO_ROOT,
    env: { ...process.env, [SETTINGS_VARIABLE]: JSON.stringify(settings) },
  });
  if (result.error) console.error(`bench ${bench}: could not start node: ${result.error.message}`);
  process.exit(result.status ?? 1);
}
