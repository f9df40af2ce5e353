// Packages dist/ into dist-vsix/deploy-guard.vsix with vsce (the allowlist is .vscodeignore),
// and prints the size. vsce needs the output folder to exist.
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';

mkdirSync('dist-vsix', { recursive: true });
const out = 'dist-vsix/deploy-guard.vsix';
const result = spawnSync('npx', ['vsce', 'package', '--no-dependencies', '--allow-missing-repository', '--out', out], {
  stdio: ['ignore', 'inherit', 'inherit'],
});
if (result.status !== 0) process.exit(result.status ?? 1);
console.log(`${out}: ${statSync(out).size} bytes`);
