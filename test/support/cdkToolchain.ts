import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { withInstallLock } from '../e2e/support/codeServer';

/**
 * The real CDK from the npm registry — the `aws-cdk` CLI, `aws-cdk-lib` and `constructs` — for
 * the CDK tests and the build benchmark. Installed once per machine into the user cache, outside
 * every clone and keyed by the versions, so later runs and CI reuse it (a first install takes
 * about a minute; a cached one nothing). A completion marker makes a half-finished install start
 * over; the install lock keeps two test processes from installing into the same folder at once.
 * A test app gets it as its node_modules (a symlink), as `npm ci` would have made it.
 */
export const CDK_VERSIONS = { cli: '2.1149.0', lib: '2.276.0', constructs: '10.8.1' } as const;

const MARKER = '.deployguard-install-complete';
const INSTALL_TIMEOUT_MS = 10 * 60_000;

export function cdkCacheDir(): string {
  const cache = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'deployguard');
  return join(cache, `cdk-${CDK_VERSIONS.cli}-lib-${CDK_VERSIONS.lib}-constructs-${CDK_VERSIONS.constructs}`);
}

function complete(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(dir, MARKER), 'utf8')) as { versions?: unknown }).versions !== undefined;
  } catch {
    return false;
  }
}

function npmInstall(dir: string): Promise<void> {
  const specs = [`aws-cdk@${CDK_VERSIONS.cli}`, `aws-cdk-lib@${CDK_VERSIONS.lib}`, `constructs@${CDK_VERSIONS.constructs}`];
  return new Promise((resolve, reject) => {
    let output = '';
    const child = spawn('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--ignore-scripts', ...specs], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, npm_config_update_notifier: 'false' },
    });
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), INSTALL_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`CDK install: cannot run npm: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`CDK install: npm install ${specs.join(' ')} in ${dir} failed (${signal ?? `exit ${code}`}):\n${output}`));
    });
  });
}

/** The cached install's node_modules (installing it first when it is not there yet). */
export async function cdkNodeModules(): Promise<string> {
  const dir = cdkCacheDir();
  if (!complete(dir)) {
    await withInstallLock(dir, async () => {
      if (complete(dir)) return;
      process.stderr.write(`[cdk] installing the CDK ${CDK_VERSIONS.cli} (lib ${CDK_VERSIONS.lib}) into ${dir}\n`);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, description: 'Deploy Guard test cache: the CDK' }) + '\n');
      await npmInstall(dir);
      writeFileSync(join(dir, MARKER), JSON.stringify({ versions: CDK_VERSIONS, installedAt: new Date().toISOString() }) + '\n');
    });
  }
  const modules = join(dir, 'node_modules');
  if (!existsSync(join(modules, '.bin', 'cdk')))
    throw new Error(`CDK install in ${dir} has no node_modules/.bin/cdk: delete ${dir} and run again`);
  return modules;
}
