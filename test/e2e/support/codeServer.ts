import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Installs code-server (a real VS Code workbench served to a browser, with a real Node extension
 * host) once per machine, following the recipe in ../shared/notes/real-vscode-e2e.md.
 *
 * The install lives in the user cache, outside the clone and keyed by version, so every clone,
 * every later run and CI reuse it. A completion marker makes a half-finished install (killed
 * run, full disk) start over instead of being trusted; a lock directory keeps two test processes
 * from installing into the same folder at once.
 */

/** The newest code-server whose `engines.node` is 20 (VS Code 1.100). */
export const CODE_SERVER_VERSION = '4.100.3';

/** Debian's Chromium: playwright-core downloads no browser, and these machines cannot either. */
export const CHROMIUM_PATH = process.env.DEPLOYGUARD_CHROMIUM ?? '/usr/bin/chromium';

const MARKER = '.deployguard-install-complete';
const INSTALL_TIMEOUT_MS = 15 * 60_000;
const LOCK_WAIT_MS = 20 * 60_000;

/** `${XDG_CACHE_HOME:-~/.cache}/deployguard/code-server-<version>`. */
export function codeServerDir(): string {
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'deployguard', `code-server-${CODE_SERVER_VERSION}`);
}

export function codeServerBinary(dir = codeServerDir()): string {
  return join(dir, 'node_modules', '.bin', 'code-server');
}

interface Requirement {
  readonly debianPackage: string;
  readonly why: string;
  readonly present: () => boolean;
}

const onPath = (command: string) => (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(join(d, command)));

const requirements = (chromiumPath: string): readonly Requirement[] => [
  { debianPackage: 'chromium', why: `the browser the tests drive (expected at ${chromiumPath})`, present: () => existsSync(chromiumPath) },
  {
    debianPackage: 'libkrb5-dev',
    why: "headers for code-server's native kerberos module",
    present: () => existsSync('/usr/include/krb5.h') || onPath('krb5-config'),
  },
  {
    debianPackage: 'ripgrep',
    why: "VS Code's search binary (its npm package would download one)",
    present: () => existsSync('/usr/bin/rg'),
  },
  { debianPackage: 'g++', why: 'compiles the native modules', present: () => onPath('g++') },
  { debianPackage: 'make', why: 'compiles the native modules', present: () => onPath('make') },
  { debianPackage: 'python3', why: 'node-gyp runs it', present: () => onPath('python3') },
];

/**
 * Fails — never skips — when the machine lacks what the real-VS-Code tests need, naming the exact
 * Debian packages to install. `.ci/run` installs them on a fresh CI machine.
 */
export function assertPrerequisites(chromiumPath = CHROMIUM_PATH): void {
  const missing = requirements(chromiumPath).filter((r) => !r.present());
  if (missing.length === 0) return;
  const list = missing.map((r) => `  - ${r.debianPackage}: ${r.why}`).join('\n');
  const names = missing.map((r) => r.debianPackage).join(' ');
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  throw new Error(
    `The real-VS-Code tests cannot run: missing Debian packages\n${list}\n` +
      `Install them with:  ${sudo}apt-get install -y ${names}\n` +
      `(bash .ci/run does this on a fresh machine${sudo ? '; it needs root or sudo' : ''}).`,
  );
}

/** Runs one install step; on failure throws with the step and the tail of its output. */
function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-6000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), INSTALL_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`code-server install: cannot run ${command}: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(
          new Error(`code-server install: \`${command} ${args.join(' ')}\` in ${cwd} failed (${signal ?? `exit ${code}`}):\n${output}`),
        );
    });
  });
}

function progress(message: string): void {
  process.stderr.write(`[code-server] ${message}\n`);
}

/** node-gyp would download node's headers from the internet; the local install ships them. */
function nodeHeadersEnv(): NodeJS.ProcessEnv {
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'node.h')) ? { npm_config_nodedir: prefix } : {};
}

async function install(dir: string): Promise<void> {
  const started = Date.now();
  progress(`installing code-server@${CODE_SERVER_VERSION} into ${dir} (once per machine, about 2-3 minutes)`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'deployguard-code-server', private: true }, null, 2));
  const env = { ...nodeHeadersEnv(), npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

  // Its install scripts would download ripgrep from GitHub; the native modules are rebuilt below.
  progress('npm install code-server --ignore-scripts');
  await run('npm', ['install', `code-server@${CODE_SERVER_VERSION}`, '--ignore-scripts'], dir, env);
  await run('npm', ['rebuild', 'argon2'], dir, env);

  const vscodeDir = join(dir, 'node_modules', 'code-server', 'lib', 'vscode');
  progress('npm install (VS Code dependencies)');
  await run('npm', ['install', '--unsafe-perm', '--omit=dev', '--ignore-scripts'], vscodeDir, env);
  const rgBin = join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin');
  mkdirSync(rgBin, { recursive: true });
  rmSync(join(rgBin, 'rg'), { force: true });
  symlinkSync('/usr/bin/rg', join(rgBin, 'rg'));
  progress('npm rebuild (native modules)');
  await run('npm', ['rebuild', '@parcel/watcher', '@vscode/deviceid', '@vscode/spdlog', 'kerberos', 'native-watchdog'], vscodeDir, env);
  // node-pty's post-install calls `npx node-gyp`, which would otherwise stop to ask.
  await run('npm', ['rebuild', 'node-pty'], vscodeDir, { ...env, npm_config_yes: 'true' });
  rmSync(join(vscodeDir, 'node_modules.asar'), { force: true });
  symlinkSync('node_modules', join(vscodeDir, 'node_modules.asar'));

  if (!existsSync(codeServerBinary(dir))) throw new Error(`code-server install finished but ${codeServerBinary(dir)} is missing`);
  writeFileSync(join(dir, MARKER), JSON.stringify({ version: CODE_SERVER_VERSION, installedAt: new Date().toISOString() }) + '\n');
  progress(`installed in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** Whether `dir` holds a finished install of CODE_SERVER_VERSION (marker written last, binary present). */
export function isInstallComplete(dir: string): boolean {
  try {
    const marker = JSON.parse(readFileSync(join(dir, MARKER), 'utf8')) as { version?: string };
    return marker.version === CODE_SERVER_VERSION && existsSync(codeServerBinary(dir));
  } catch {
    return false;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A lock directory next to the install (mkdir is atomic). A lock left by a process that no longer
 * exists is taken over; a live one is waited for, with a bound.
 */
export async function withInstallLock<T>(dir: string, body: () => Promise<T>): Promise<T> {
  const lock = `${dir}.lock`;
  mkdirSync(dirname(lock), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  let announced = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner = NaN;
    try {
      owner = Number(readFileSync(join(lock, 'pid'), 'utf8'));
    } catch {
      /* the owner has made the directory but not yet written its pid */
    }
    if (Number.isInteger(owner) && owner > 0 && !processAlive(owner)) {
      progress(`taking over the install lock left by process ${owner}, which has exited`);
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(`code-server install: ${lock} is still held by process ${owner} after ${LOCK_WAIT_MS / 60_000} minutes`);
    if (!announced) progress(`waiting for process ${owner}, which is installing code-server`);
    announced = true;
    await new Promise((r) => setTimeout(r, 1000));
  }
  try {
    return await body();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * The code-server binary, installing it first if this machine has no complete install of
 * CODE_SERVER_VERSION yet. Throws (with what to install) when the machine cannot run it.
 */
export async function ensureCodeServer(): Promise<string> {
  assertPrerequisites();
  const dir = codeServerDir();
  if (isInstallComplete(dir)) return codeServerBinary(dir);
  return withInstallLock(dir, async () => {
    // Another process may have finished the install while this one waited for the lock.
    if (!isInstallComplete(dir)) await install(dir);
    return codeServerBinary(dir);
  });
}
