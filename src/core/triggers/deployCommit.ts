import type { GitRepository } from '../git/gitRepository';
import { commitInfo } from '../git/gitRepository';
import type { Logger } from '../logger';
import { withTemporaryWorktree } from '../git/worktree';
import type { DeployOnEvent } from '../deploymentTrigger';
import type { DeployCallback, TriggerDeployRequest } from './types';

/**
 * Deploys exactly `sha`. When the working tree is at that commit and clean, the pipeline runs
 * in the repository root; otherwise (another commit checked out, or uncommitted/untracked files)
 * it runs in a temporary worktree of `sha`, removed afterwards. Either way the recorded commit is
 * clean (`dirty: false`) because the files deployed are exactly the commit's.
 */
export async function deployExactCommit(args: {
  repo: GitRepository;
  sha: string;
  branch: string;
  environment: string;
  reason: DeployOnEvent;
  deploy: DeployCallback;
  signal: AbortSignal;
  logger: Logger;
  onStart?: (request: Omit<TriggerDeployRequest, 'signal'>) => void;
}): Promise<{ request: Omit<TriggerDeployRequest, 'signal'>; result: unknown }> {
  const { repo, sha, branch, environment, reason, deploy, signal, logger } = args;
  const status = await repo.status(signal);
  const commit = commitInfo(sha, branch, false);
  if (status.sha === sha && status.changes.length === 0) {
    const request = { environment, commit, reason };
    args.onStart?.(request);
    return { request, result: await deploy({ ...request, signal }) };
  }
  logger.info(
    status.sha === sha
      ? `The working tree has uncommitted changes; deploying ${commit.shortSha} from a clean temporary worktree.`
      : `The working tree is at ${status.sha?.slice(0, 7) ?? 'no commit'}; deploying ${commit.shortSha} from a temporary worktree.`,
  );
  return withTemporaryWorktree(
    repo,
    sha,
    async (worktree) => {
      const request = { environment, commit, worktree, reason };
      args.onStart?.(request);
      return { request, result: await deploy({ ...request, signal }) };
    },
    logger,
  );
}
