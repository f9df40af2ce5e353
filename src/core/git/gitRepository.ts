import { simpleGit, type SimpleGit } from 'simple-git';
import { DeployGuardError, errorMessage } from '../errors';
import { silentLogger, type Logger } from '../logger';
import { GIT_ENV_OVERRIDES, gitEnvironment } from './gitEnvironment';
import { parsePushRejection, PushRejectedError } from './pushRejected';
import { parseStatusV2, type FileChange, type RepositoryStatus } from './status';

export interface GitRepositoryOptions {
  /** The repository's root folder (the working tree). */
  readonly root: string;
  /**
   * Asked before every git process. Git reads `.git/config`, which can name programs to run
   * (fsmonitor, hooks, pagers), so an untrusted workspace must start no git at all (GitLens
   * CVE-2023-46944). The extension passes `() => vscode.workspace.isTrusted`.
   */
  readonly isTrusted: () => boolean;
  /** Base environment for git (default: this process's); risky keys are removed from it. */
  readonly env?: NodeJS.ProcessEnv;
  readonly logger?: Logger;
  /** A local git command silent this long is killed (default 60 s). */
  readonly localTimeoutMs?: number;
  /** A push or pull silent this long is killed (default 120 s): a hung network never hangs a deploy. */
  readonly networkTimeoutMs?: number;
}

/** What a deployment records about the code it deployed (the record's commit, branch and dirty flag). */
export interface CommitInfo {
  readonly sha: string;
  readonly shortSha: string;
  /** Undefined when HEAD is detached. */
  readonly branch: string | undefined;
  /** True when the deployed files differ from the commit (uncommitted or untracked changes). */
  readonly dirty: boolean;
}

/** A commit as a person reads it in a list: hash, subject, author and date. */
export interface CommitSummary {
  readonly sha: string;
  readonly subject: string;
  /** `Name <email>`. */
  readonly author: string;
  /** ISO author date. */
  readonly date: string;
}

export interface PlannedCommit {
  /** `staged`: only what is in the index (the user staged on purpose); `all`: every change. */
  readonly mode: 'staged' | 'all';
  readonly files: readonly FileChange[];
}

export interface PushResult {
  readonly remote: string;
  readonly branch: string;
  readonly sha: string;
  /** True when the branch had no upstream and this push set it. */
  readonly setUpstream: boolean;
}

const GUARDED_KEYS = Object.keys(GIT_ENV_OVERRIDES);

/**
 * Every git operation Deploy Guard performs, through simple-git, with trust checked first and
 * prompts made impossible. One instance per repository root; cheap to create.
 */
export class GitRepository {
  readonly root: string;
  private readonly logger: Logger;
  private readonly env: Record<string, string>;

  constructor(private readonly options: GitRepositoryOptions) {
    this.root = options.root;
    this.logger = options.logger ?? silentLogger;
    this.env = gitEnvironment(options.env);
  }

  /** A simple-git instance for one command, or an UntrustedWorkspace error before any process starts. */
  private git(network = false, signal?: AbortSignal, cwd = this.root, input?: string): SimpleGit {
    if (!this.options.isTrusted()) {
      throw new DeployGuardError('UntrustedWorkspace', `Deploy Guard runs no git command in ${this.root}: the workspace is not trusted.`, {
        hint: 'trust the workspace (Manage Workspace Trust) to deploy from it',
      });
    }
    const block = network ? (this.options.networkTimeoutMs ?? 120_000) : (this.options.localTimeoutMs ?? 60_000);
    return simpleGit({
      baseDir: cwd,
      maxConcurrentProcesses: 4,
      trimmed: false,
      timeout: { block },
      allowEnvironment: GUARDED_KEYS,
      // Our own constant GIT_ASKPASS=echo (never a value from the repository): it makes git fail
      // fast instead of asking for a password nobody can type.
      unsafe: { allowUnsafeAskPass: true },
      ...(signal ? { abort: signal } : {}),
      ...(input !== undefined ? { input: () => input } : {}),
    }).env(this.env);
  }

  /** Runs raw git arguments, turning failures into GitFailed with git's own words. */
  private async run(
    args: string[],
    what: string,
    opts: { network?: boolean; signal?: AbortSignal; cwd?: string; input?: string } = {},
  ): Promise<string> {
    const git = this.git(opts.network, opts.signal, opts.cwd, opts.input);
    this.logger.debug(`git ${args.join(' ')}`);
    try {
      return await git.raw(args);
    } catch (err) {
      throw new DeployGuardError('GitFailed', `Could not ${what} in ${opts.cwd ?? this.root}: ${gitOutput(err)}`, { cause: err });
    }
  }

  /** HEAD, branch, upstream and every changed file, from one `git status`. */
  async status(signal?: AbortSignal): Promise<RepositoryStatus> {
    const out = await this.run(['status', '--porcelain=v2', '--branch', '-z', '--untracked-files=all'], 'read the repository status', {
      ...(signal ? { signal } : {}),
    });
    return parseStatusV2(out);
  }

  /** The commit that a deploy of the working tree would record. */
  async head(signal?: AbortSignal): Promise<CommitInfo> {
    const status = await this.status(signal);
    if (!status.sha) {
      throw new DeployGuardError('GitFailed', `${this.root} has no commits yet, so there is nothing to deploy.`, {
        hint: 'make a first commit',
      });
    }
    return commitInfo(status.sha, status.branch, status.changes.length > 0);
  }

  /**
   * The commits reachable from `to` and not from `from` (`git log from..to`), newest first, at most
   * `limit`: what a deployment of `to` added to a deployment of `from`. Both come from history
   * records, so each is checked to be a commit id before git sees it.
   */
  async commitsBetween(from: string, to: string, limit = 50): Promise<CommitSummary[]> {
    for (const sha of [from, to]) {
      if (!/^[0-9a-f]{4,64}$/i.test(sha)) throw new DeployGuardError('GitFailed', `${JSON.stringify(sha)} is not a commit id.`);
    }
    const out = await this.run(
      [
        'log',
        `--max-count=${limit}`,
        '--no-show-signature',
        '--format=%H%x1f%s%x1f%an <%ae>%x1f%aI%x1e',
        '--end-of-options',
        `${from}..${to}`,
      ],
      `list the commits between ${from.slice(0, 7)} and ${to.slice(0, 7)}`,
    );
    return out
      .split('\x1e')
      .map((line) => line.trim())
      .filter((line) => line.length > 0)
      .map((line) => {
        const [sha = '', subject = '', author = '', date = ''] = line.split('\x1f');
        return { sha, subject, author, date };
      });
  }

  /**
   * The commit that last changed lines `start`–`end` (1-based) of `path` (relative to the root)
   * as it is in `revision` (default the working tree): of the commits `git blame` names for those
   * lines, the newest. Undefined when the lines are not committed yet.
   */
  async lastChange(path: string, start: number, end: number, revision?: string): Promise<CommitSummary | undefined> {
    if (revision !== undefined && !/^[0-9a-f]{4,64}$/i.test(revision)) {
      throw new DeployGuardError('GitFailed', `${JSON.stringify(revision)} is not a commit id.`);
    }
    const out = await this.run(
      ['blame', '--porcelain', '-L', `${start},${end}`, ...(revision ? [revision] : []), '--', path],
      `find who last changed ${path} lines ${start}-${end}`,
    );
    const blamed = blamedCommits(out);
    const newest = blamed[0];
    if (!newest) return undefined;
    // Commits in the same second (a rebase, a script) tie on time: the descendant is the newer one,
    // and git lists descendants before their ancestors in topological order.
    const ties = blamed.filter((c) => c.date === newest.date);
    if (ties.length === 1) return newest;
    const order = await this.run(
      ['rev-list', '--topo-order', '--max-count=10000', '--end-of-options', ...ties.map((c) => c.sha)],
      'order the commits that changed those lines',
    );
    const first = order.split('\n').find((sha) => ties.some((c) => c.sha === sha.trim()));
    return ties.find((c) => c.sha === first?.trim()) ?? newest;
  }

  /** The full sha a revision names (`HEAD`, `origin/main`, a sha). */
  async resolve(revision: string): Promise<string> {
    return (await this.run(['rev-parse', '--verify', '--end-of-options', `${revision}^{commit}`], `resolve ${revision}`)).trim();
  }

  /**
   * A commit's subject (its message's first paragraph on one line), for a run's header. The sha
   * comes from a history record, so it is checked to be one before git sees it.
   */
  async commitSubject(sha: string): Promise<string> {
    if (!/^[0-9a-f]{4,64}$/i.test(sha)) throw new DeployGuardError('GitFailed', `${JSON.stringify(sha)} is not a commit id.`);
    const out = await this.run(
      ['log', '-1', '--no-show-signature', '--format=%s', '--end-of-options', `${sha}^{commit}`],
      `read commit ${sha}`,
    );
    return out.trim();
  }

  /** Local branches (short names) whose tip is exactly `sha`. */
  async branchesAt(sha: string): Promise<string[]> {
    const out = await this.run(
      ['for-each-ref', '--format=%(refname:short)', `--points-at=${sha}`, 'refs/heads'],
      'list the branches at a commit',
    );
    return out
      .split('\n')
      .map((b) => b.trim())
      .filter(Boolean);
  }

  /** What `commit` would commit: the staged files if any are staged, otherwise every change. */
  async plannedCommit(): Promise<PlannedCommit> {
    const { changes } = await this.status();
    const staged = changes.filter((c) => c.staged);
    return staged.length > 0 ? { mode: 'staged', files: staged } : { mode: 'all', files: changes };
  }

  /**
   * Commits what `plannedCommit` shows and returns the new HEAD. Hooks run (the workspace is
   * trusted and the user's hooks are part of their commit). Throws GitFailed when there is
   * nothing to commit; callers check `plannedCommit` first.
   */
  async commit(message: string): Promise<string> {
    if (message.trim() === '') throw new DeployGuardError('Usage', 'A commit needs a message.');
    const plan = await this.plannedCommit();
    if (plan.files.length === 0) {
      throw new DeployGuardError('GitFailed', `There is nothing to commit in ${this.root}.`, { hint: 'deploy HEAD instead' });
    }
    if (plan.mode === 'all') await this.run(['add', '--all'], 'stage the changes');
    // An argument vector, never a shell string: the message cannot inject anything.
    await this.run(['commit', '--no-edit', '-m', message], 'commit');
    return this.resolve('HEAD');
  }

  /**
   * Pushes the current branch. Sets the upstream when the branch has none (to `remote`, default
   * the only remote or `origin`). Never `--force`: a rejection is a PushRejectedError.
   */
  async push(options: { remote?: string; signal?: AbortSignal } = {}): Promise<PushResult> {
    const status = await this.status(options.signal);
    if (!status.branch) {
      throw new DeployGuardError('GitFailed', `HEAD is detached in ${this.root}, so there is no branch to push.`, {
        hint: 'check out the branch to deploy, then try again',
      });
    }
    if (!status.sha) throw new DeployGuardError('GitFailed', `${this.root} has no commits to push.`);
    let remote: string;
    let remoteBranch: string;
    const setUpstream = status.upstream === undefined;
    if (status.upstream !== undefined && options.remote === undefined) {
      remote = (await this.run(['config', '--get', `branch.${status.branch}.remote`], 'read the upstream remote')).trim();
      const merge = (await this.run(['config', '--get', `branch.${status.branch}.merge`], 'read the upstream branch')).trim();
      remoteBranch = merge.replace(/^refs\/heads\//, '');
    } else {
      remote = options.remote ?? (await this.defaultRemote());
      remoteBranch = status.branch;
    }
    const args = [
      'push',
      '--porcelain',
      ...(setUpstream ? ['--set-upstream'] : []),
      '--end-of-options',
      remote,
      `HEAD:refs/heads/${remoteBranch}`,
    ];
    this.logger.info(`git ${args.join(' ')}`);
    const git = this.git(true, options.signal);
    try {
      await git.raw(args);
    } catch (err) {
      const output = gitOutput(err);
      const rejection = parsePushRejection(output);
      if (rejection) throw new PushRejectedError(remote, remoteBranch, rejection.reason, rejection.detail);
      throw new DeployGuardError('GitFailed', `Could not push ${status.branch} to ${remote}: ${output}`, {
        cause: err,
        hint: 'check the remote and your credentials (git prompts are off, so a missing password fails instead of asking)',
      });
    }
    return { remote, branch: remoteBranch, sha: status.sha, setUpstream };
  }

  /**
   * `Pull and Retry`: integrates the upstream's new commits by rebasing the local ones on top.
   * A conflict aborts the rebase, leaving the branch exactly as it was, and says so.
   */
  async pullRebase(signal?: AbortSignal): Promise<void> {
    try {
      await this.run(['pull', '--rebase', '--no-edit', '--no-autostash'], 'pull', { network: true, ...(signal ? { signal } : {}) });
    } catch (err) {
      const rebasing = await this.run(['rev-parse', '--git-path', 'rebase-merge'], 'inspect the rebase')
        .then((p) => p.trim())
        .catch(() => '');
      if (rebasing) {
        await this.run(['rebase', '--abort'], 'abort the rebase').catch(() => undefined);
      }
      throw DeployGuardError.chain(err, 'GitFailed', 'Pull before retrying the push failed; your branch is unchanged');
    }
  }

  /**
   * Which of `paths` (absolute, inside the repository) git ignores: `.gitignore` files, the
   * repository's exclude file and the user's global excludes. One process for the whole batch.
   */
  async ignored(paths: readonly string[]): Promise<Set<string>> {
    if (paths.length === 0) return new Set();
    // Exit code 1 means "none ignored", which simple-git does not treat as an error (no stderr).
    // Paths go through stdin, NUL-separated: no argument-length limit, no quoting of odd names.
    const out = await this.run(['check-ignore', '-z', '--stdin'], 'check which files git ignores', {
      input: paths.map((p) => `${p}\0`).join(''),
    });
    return new Set(out.split('\0').filter(Boolean));
  }

  /** Absolute path of the folder holding refs and packed-refs (shared by all worktrees). */
  async commonDir(): Promise<string> {
    return (await this.run(['rev-parse', '--path-format=absolute', '--git-common-dir'], 'find the git folder')).trim();
  }

  /** `git worktree add --detach <path> <sha>`: a clean checkout of exactly that commit. */
  async addWorktree(path: string, sha: string): Promise<void> {
    await this.run(['worktree', 'add', '--detach', '--end-of-options', path, sha], `create a worktree of ${sha.slice(0, 7)}`);
  }

  /** Removes a worktree made by addWorktree, even if a step left files in it. */
  async removeWorktree(path: string): Promise<void> {
    await this.run(['worktree', 'remove', '--force', '--end-of-options', path], 'remove the temporary worktree');
  }

  /** Forgets worktrees whose folders are gone (after a crash, or a manual delete). */
  async pruneWorktrees(): Promise<void> {
    await this.run(['worktree', 'prune'], 'prune worktrees');
  }

  /** Paths of every worktree of this repository, the main one first. */
  async worktrees(): Promise<string[]> {
    const out = await this.run(['worktree', 'list', '--porcelain', '-z'], 'list worktrees');
    return out
      .split('\0')
      .filter((line) => line.startsWith('worktree '))
      .map((line) => line.slice('worktree '.length));
  }

  private async defaultRemote(): Promise<string> {
    const remotes = (await this.run(['remote'], 'list remotes'))
      .split('\n')
      .map((r) => r.trim())
      .filter(Boolean);
    if (remotes.length === 0) {
      throw new DeployGuardError('GitFailed', `${this.root} has no git remote to push to.`, {
        hint: 'add one with git remote add origin URL',
      });
    }
    return remotes.length === 1 ? remotes[0]! : remotes.includes('origin') ? 'origin' : remotes[0]!;
  }
}

export function commitInfo(sha: string, branch: string | undefined, dirty: boolean): CommitInfo {
  return { sha, shortSha: sha.slice(0, 7), branch, dirty };
}

/** git's own output from a simple-git error, trimmed for a message. */
function gitOutput(err: unknown): string {
  return errorMessage(err)
    .trim()
    .replace(/\n{2,}/g, '\n');
}

/** The newest commit named in `git blame --porcelain` output (by author time); the all-zero id (not committed yet) is skipped. */
export function newestBlamed(porcelain: string): CommitSummary | undefined {
  return blamedCommits(porcelain)[0];
}

/** The commits named in `git blame --porcelain` output, newest author time first; not the all-zero id. */
export function blamedCommits(porcelain: string): CommitSummary[] {
  const commits = new Map<string, { subject?: string; author?: string; mail?: string; time?: number }>();
  let current: { subject?: string; author?: string; mail?: string; time?: number } | undefined;
  for (const line of porcelain.split('\n')) {
    const header = /^([0-9a-f]{40}|[0-9a-f]{64}) \d+ \d+/.exec(line);
    if (header) {
      const sha = header[1]!;
      current = commits.get(sha) ?? {};
      commits.set(sha, current);
      continue;
    }
    if (!current || line.startsWith('\t')) continue;
    const space = line.indexOf(' ');
    const key = space < 0 ? line : line.slice(0, space);
    const value = space < 0 ? '' : line.slice(space + 1);
    if (key === 'summary') current.subject = value;
    else if (key === 'author') current.author = value;
    else if (key === 'author-mail') current.mail = value;
    else if (key === 'author-time') current.time = Number(value);
  }
  const out: (CommitSummary & { time: number })[] = [];
  for (const [sha, c] of commits) {
    if (/^0+$/.test(sha) || c.time === undefined) continue;
    out.push({
      sha,
      subject: c.subject ?? '',
      author: `${c.author ?? ''}${c.mail ? ` ${c.mail}` : ''}`.trim(),
      date: new Date(c.time * 1000).toISOString(),
      time: c.time,
    });
  }
  return out.sort((a, b) => b.time - a.time).map(({ time: _t, ...c }) => c);
}
