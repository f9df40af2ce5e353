// `npm run bench` runs every benchmark under scripts/bench/ (each an .mjs file that prints its
// figures); `npm run bench -- NAME [args]` runs one. Benchmarks print figures; they never pass or fail on timing.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'bench');
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.mjs'))
  .map((f) => f.replace(/\.mjs$/, ''))
  .sort();
const [name, ...args] = process.argv.slice(2);
if (name && !all.includes(name)) {
  console.error(`unknown benchmark "${name}"; available: ${all.join(', ')}`);
  process.exit(2);
}
let status = 0;
for (const bench of name ? [name] : all) {
  console.log(`\n== ${bench} ==`);
  const result = spawnSync(process.execPath, [join(dir, `${bench}.mjs`), ...args], { stdio: 'inherit' });
  if (result.status !== 0) status = result.status ?? 1;
}
process.exit(status);
