// Real git repositories for tests: a bare "remote", a working clone (the user's editor) and a
// second clone (a colleague or a terminal) that can push behind the first one's back.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface GitSandbox {
  readonly dir: string;
  /** HOME for every git process here: holds the identity and nothing else of the machine's. */
  readonly home: string;
  readonly remote: string;
  /** The "editor" clone Deploy Guard works in. */
  readonly work: string;
  /** Another clone, for pushes "from a terminal" or from a colleague. */
  readonly other: string;
  /** Environment for git processes started by tests and by the code under test. */
  readonly env: NodeJS.ProcessEnv;
  git(cwd: string, ...args: string[]): string;
  write(cwd: string, file: string, text: string): void;
  /** Writes, commits and returns the new sha. */
  commitFile(cwd: string, file: string, text: string, message?: string): string;
  cleanup(): void;
}

export function createGitSandbox(): GitSandbox {
  const dir = mkdtempSync(join(tmpdir(), 'dg-git-'));
  const home = join(dir, 'home');
  mkdirSync(home);
  writeFileSync(
    join(home, '.gitconfig'),
    '[user]\n\tname = Test User\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n',
  );
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.toUpperCase().startsWith('GIT_')) env[key] = value;
  }
  Object.assign(env, { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' });

  const git = (cwd: string, ...args: string[]): string =>
    execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const write = (cwd: string, file: string, text: string): void => {
    mkdirSync(dirname(join(cwd, file)), { recursive: true });
    writeFileSync(join(cwd, file), text);
  };
  const commitFile = (cwd: string, file: string, text: string, message = `change ${file}`): string => {
    write(cwd, file, text);
    git(cwd, 'add', '--', file);
    git(cwd, 'commit', '-q', '-m', message);
    return git(cwd, 'rev-parse', 'HEAD');
  };

  const remote = join(dir, 'remote.git');
  git(dir, 'init', '-q', '--bare', remote);
  const work = join(dir, 'work');
  git(dir, 'clone', '-q', remote, work);
  write(work, '.gitignore', 'build/\n*.log\n');
  commitFile(work, 'app.txt', 'v1\n', 'first');
  git(work, 'add', '.gitignore');
  git(work, 'commit', '-q', '-m', 'ignore build output');
  git(work, 'push', '-q', '-u', 'origin', 'main');
  const other = join(dir, 'other');
  git(dir, 'clone', '-q', remote, other);

  return {
    dir,
    home,
    remote,
    work,
    other,
    env,
    git,
    write,
    commitFile,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A directory with a `git` shim that appends each invocation to `log` and then runs the real git:
 * put `dir` first on PATH to prove which git processes (if any) were started.
 */
export function createGitShim(parent: string): { dir: string; log: string; calls(): string[] } {
  const dir = join(parent, 'shim');
  mkdirSync(dir, { recursive: true });
  const log = join(parent, 'git-calls.log');
  writeFileSync(log, '');
  const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  const shim = join(dir, 'git');
  writeFileSync(shim, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${realGit}' "$@"\n`);
  chmodSync(shim, 0o755);
  return {
    dir,
    log,
    calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean),
  };
}
