import { join, relative } from 'node:path';
import { runDeployment, type DeploymentOutcome, type EngineContext } from '../deployment';
import { DeployGuardError } from '../errors';
import { findEnvironment, loadPipeline } from '../pipeline';
import { assertSaveTriggerAllowed } from './triggerGuards';
import type { DeployCallback } from './types';

export interface EngineDeployOptions {
  readonly context: EngineContext;
  /** The repository root the pipeline file lives in. */
  readonly repoRoot: string;
  /** The pipeline file (absolute); its place relative to the root is kept inside a worktree. */
  readonly pipelineFile: string;
  readonly processEnv?: NodeJS.ProcessEnv;
  /** From user settings or a CLI flag (trusted); see AwsSelection. */
  readonly userEndpoint?: string;
  readonly userProfile?: string;
  /** Shown to a second deploy refused by the stack lock: `deployguard watch`, `vscode`. */
  readonly holder: string;
}

/**
 * The trigger → engine adapter: turns a trigger's request into `runDeployment` (steps, then the
 * stack), like `deployguard deploy ENV`. The pipeline file is read again from the folder being
 * deployed — a worktree holds the pushed commit's own deployguard.yaml, and a watched tree may
 * have had its pipeline edited — so what runs is always what that folder says.
 */
export function engineDeployCallback(options: EngineDeployOptions): DeployCallback<DeploymentOutcome> {
  return async (request) => {
    const folder = request.worktree ?? options.repoRoot;
    const file = join(folder, relative(options.repoRoot, options.pipelineFile));
    const loaded = await loadPipeline(folder, { file });
    if (!loaded.config) {
      const first = loaded.problems.find((p) => p.severity === 'error') ?? loaded.problems[0];
      throw new DeployGuardError(
        'ConfigInvalid',
        `The pipeline file at ${request.commit.shortSha}${request.commit.dirty ? ' (with uncommitted changes)' : ''} has problems, so it was not deployed${first ? `: line ${first.line}: ${first.message}` : ''}.`,
        { hint: 'fix deployguard.yaml (deployguard validate lists the problems)' },
      );
    }
    const env = findEnvironment(loaded.config, request.environment);
    if (!env) {
      throw new DeployGuardError(
        'ConfigInvalid',
        `The pipeline file at ${request.commit.shortSha} no longer has an environment "${request.environment}".`,
      );
    }
    if (request.reason === 'save') assertSaveTriggerAllowed(env);
    const { commit } = request;
    return runDeployment(options.context, {
      pipeline: loaded.config,
      environment: request.environment,
      ...(options.processEnv ? { processEnv: options.processEnv } : {}),
      ...(options.userEndpoint ? { userEndpoint: options.userEndpoint } : {}),
      ...(options.userProfile ? { userProfile: options.userProfile } : {}),
      git: { sha: commit.sha, shortSha: commit.shortSha, ...(commit.branch ? { branch: commit.branch } : {}), dirty: commit.dirty },
      repoRoot: folder,
      trigger: request.reason,
      holder: options.holder,
      signal: request.signal,
    });
  };
}
