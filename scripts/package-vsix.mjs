// Packages dist/ into dist-vsix/deploy-guard.vsix with vsce (the allowlist is .vscodeignore),
// and prints the sizes README.md reports. Run after the production build (`npm run package`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

// A development build (npm run build / watch) leaves source maps in dist/; the production build
// writes none, so any map there is stale. vsce lets a `!dist/webview/**` allowlist line win over
// `**/*.map`, so remove them rather than ship them.
function removeMaps(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) removeMaps(path);
    else if (entry.name.endsWith('.map')) rmSync(path, { force: true });
  }
}
removeMaps('dist');

// vsce needs the output folder to exist.
mkdirSync('dist-vsix', { recursive: true });
const out = 'dist-vsix/deploy-guard.vsix';
const result = spawnSync('npx', ['vsce', 'package', '--no-dependencies', '--allow-missing-repository', '--out', out], {
  stdio: ['ignore', 'inherit', 'inherit'],
});
if (result.status !== 0) process.exit(result.status ?? 1);
const kb = (path) => `${(statSync(path).size / 1024).toFixed(1)} KB`;
console.log(`${out}: ${kb(out)}; activation bundle dist/extension.js: ${kb('dist/extension.js')} (minified)`);
