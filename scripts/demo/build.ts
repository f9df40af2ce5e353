import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runOrThrow } from './processes';

export interface Built {
  /** The CLI bundle (dist/cli.js, with its sibling bundles), copied into the demo's folder. */
  readonly cli: string;
  /** The packaged extension, copied into the demo's folder (interactive mode only). */
  readonly vsix?: string;
}

/**
 * Builds the extension (and packages the .vsix when VS Code will be started) with the project's
 * own npm scripts, then copies what the demo runs into its temporary folder: a rebuild of dist/
 * while the demo runs (`npm run watch`, a test run) cannot change the code under it.
 */
export function buildExtension(into: string, options: { packageVsix: boolean }, say: (line: string) => void): Built {
  const script = options.packageVsix ? 'package' : 'build';
  say(`npm run ${script}${options.packageVsix ? ' (production bundles and dist-vsix/deploy-guard.vsix)' : ''}`);
  runOrThrow('npm', ['run', '--silent', script]);
  mkdirSync(join(into, 'bin'), { recursive: true });
  // The CLI requires sibling bundles at run time (dist/aws-sdk.js on its first AWS call), so
  // every top-level file of dist/ goes along.
  for (const name of readdirSync('dist')) {
    if (statSync(join('dist', name)).isFile()) copyFileSync(join('dist', name), join(into, 'bin', name));
  }
  const cli = join(into, 'bin', 'cli.js');
  if (!existsSync(cli)) throw new Error(`npm run ${script} did not produce dist/cli.js`);
  if (!options.packageVsix) return { cli };
  const built = join('dist-vsix', 'deploy-guard.vsix');
  if (!existsSync(built)) throw new Error(`npm run package did not produce ${built}`);
  const vsix = join(into, 'bin', 'deploy-guard.vsix');
  copyFileSync(built, vsix);
  return { cli, vsix };
}
