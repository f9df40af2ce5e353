import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../logger';
import { silentLogger } from '../logger';
import { errorMessage } from '../errors';
import type { GitRepository } from './gitRepository';

/**
 * Runs `fn` in a temporary `git worktree` checked out at exactly `sha` (detached), and removes
 * the worktree afterwards whatever happens — so a deploy of a pushed commit never sees the
 * user's uncommitted files and never touches their working tree or branch.
 */
export async function withTemporaryWorktree<T>(
  repo: GitRepository,
  sha: string,
  fn: (path: string) => Promise<T>,
  logger: Logger = silentLogger,
): Promise<T> {
  // mkdtemp gives a fresh, empty, unguessable folder; git accepts an empty folder as the target.
  const path = await mkdtemp(join(tmpdir(), `deployguard-${sha.slice(0, 7)}-`));
  try {
    await repo.addWorktree(path, sha);
  } catch (err) {
    await rm(path, { recursive: true, force: true });
    throw err;
  }
  logger.info(`Running in a temporary worktree of ${sha.slice(0, 7)} at ${path}`);
  try {
    return await fn(path);
  } finally {
    await removeWorktreeQuietly(repo, path, logger);
  }
}

async function removeWorktreeQuietly(repo: GitRepository, path: string, logger: Logger): Promise<void> {
  try {
    await repo.removeWorktree(path);
  } catch (err) {
    // The folder goes anyway, and prune drops git's record of it: a leftover worktree would
    // block the next `worktree add` of the same commit and fill the temp folder.
    logger.warn(`Could not remove the worktree at ${path} cleanly (${errorMessage(err)}); deleting it.`);
    await rm(path, { recursive: true, force: true }).catch(() => undefined);
    await repo.pruneWorktrees().catch(() => undefined);
  }
}
