// `npm run bench` runs every benchmark under scripts/bench/ (each an .mjs file that prints its
// figures); `npm run bench -- NAME [args]` runs one. `--quick` runs the short form of each (the
// fewest trials and sizes that still run the whole path): `npm run bench -- --quick` is what CI
// runs to notice a benchmark that can no longer run. Benchmarks print figures; they never pass or
// fail on timing: the exit status is non-zero only when a benchmark could not run (a crash, a
// missing file, a usage error).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'bench');
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.mjs'))
  .map((f) => f.replace(/\.mjs$/, ''))
  .sort();
const argv = process.argv.slice(2);
const flags = argv.filter((a) => a.startsWith('--'));
const [name, ...rest] = argv.filter((a) => !a.startsWith('--'));
if (name && !all.includes(name)) {
  console.error(`unknown benchmark "${name}"; available: ${all.join(', ')}`);
  process.exit(2);
}
if (!name && rest.length > 0) {
  console.error('arguments other than flags need a benchmark name: npm run bench -- NAME [args]');
  process.exit(2);
}
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
if (flags.includes('--quick'))
  console.log(
    'quick form: each benchmark runs once, briefly, to show it still runs; its figures are not comparable with docs/BENCHMARKS.md',
  );
const ran = [];
for (const bench of name ? [name] : all) {
  console.log(`\n== ${[bench, ...rest, ...flags].join(' ')} (load average ${load()}) ==`);
  const started = Date.now();
  const result = spawnSync(process.execPath, [join(dir, `${bench}.mjs`), ...rest, ...flags], { stdio: 'inherit' });
  const status = result.error ? `could not start: ${result.error.message}` : result.signal ? `killed by ${result.signal}` : result.status;
  ran.push({ bench, status, seconds: (Date.now() - started) / 1000 });
}
const failed = ran.filter((r) => r.status !== 0);
if (ran.length > 1) {
  console.log(`\n== ${ran.length} benchmarks, load average ${load()} ==`);
  for (const r of ran)
    console.log(`  ${r.bench.padEnd(12)} ${r.seconds.toFixed(1).padStart(6)} s   ${r.status === 0 ? 'ran' : `FAILED (${r.status})`}`);
  console.log(
    `  ${'total'.padEnd(12)} ${ran
      .reduce((sum, r) => sum + r.seconds, 0)
      .toFixed(1)
      .padStart(6)} s`,
  );
}
if (failed.length > 0) {
  console.error(`\ncould not run: ${failed.map((r) => r.bench).join(', ')}`);
  process.exit(1);
}
