import * as vscode from 'vscode';
import { DisposableStore } from '../../core/disposable';
import { DeployGuardError } from '../../core/errors';
import type { FileChange, GitRepository, PlannedCommit, PushResult } from '../../core/git';
import type { Logger } from '../../core/logger';
import { Commands } from '../commands';
import type { EngineHost } from '../engineHost';
import { loadEngine } from '../engineLoader';
import { requireTrustedWorkspace } from '../workspaceState';
import type { EditorTriggers } from './editorTriggers';

const DRAFT_KEY = 'deployGuard.commitMessageDraft';
const PULL_AND_RETRY = 'Pull and Retry';
const DEPLOY_HEAD = 'Deploy HEAD…';
const PUSH_AND_DEPLOY = 'Push and Deploy';
const DEPLOY = 'Deploy…';
const TITLE = 'Deploy Guard: Save, Commit, Push and Deploy';

export interface SaveCommitPushDeployDeps {
  readonly host: EngineHost;
  readonly triggers: EditorTriggers;
  readonly logger: Logger;
  readonly state: vscode.Memento;
}

/**
 * `Deploy Guard: Save, Commit, Push and Deploy`: saves dirty editors, shows what
 * will be committed and asks for the message (the draft is kept if you cancel), commits, pushes
 * (setting the upstream when missing, never forcing), and lets the push trigger deploy exactly
 * the pushed commit, opening its run panel. A rejected push offers Pull and Retry and deploys
 * nothing. With nothing to commit it offers to deploy HEAD instead.
 */
export async function saveCommitPushDeploy(deps: SaveCommitPushDeployDeps): Promise<void> {
  requireTrustedWorkspace('Save, Commit, Push and Deploy');
  const root = deps.host.repoRoot();
  if (!root) throw new DeployGuardError('Usage', 'Open the folder that contains deployguard.yaml first');
  await vscode.workspace.saveAll(false);

  const engine = loadEngine();
  const repo = new engine.GitRepository({ root, isTrusted: () => vscode.workspace.isTrusted, logger: deps.logger });
  const status = await repo.status();
  if (!status.branch) {
    throw new DeployGuardError('Usage', 'HEAD is detached, so there is no branch to commit to and push', {
      hint: 'check out a branch first',
    });
  }
  await deps.triggers.reload();
  const env = deps.triggers.pushEnvironmentFor(status.branch);
  const plan = await repo.plannedCommit();

  if (plan.files.length === 0) {
    await nothingToCommit(deps, repo, status.branch, status.upstream === undefined || status.ahead > 0, env?.name);
    return;
  }

  const message = await askCommitMessage(deps.state, plan, status.branch, env?.name);
  if (message === undefined) return; // cancelled: the draft is kept
  // Arm the push trigger before pushing, so it sees our own push as a move of the ref.
  await deps.triggers.startPushTriggers();
  const sha = await repo.commit(message);
  await deps.state.update(DRAFT_KEY, undefined);
  deps.logger.info(`committed ${sha.slice(0, 7)} on ${status.branch}`);
  const pushed = await pushWithRetry(repo, deps.logger);
  if (!pushed) return;
  await afterPush(deps, pushed, env?.name);
}

async function afterPush(deps: SaveCommitPushDeployDeps, pushed: PushResult, envName: string | undefined): Promise<void> {
  const short = pushed.sha.slice(0, 7);
  if (!envName) {
    const choice = await vscode.window.showInformationMessage(
      `Pushed ${short} to ${pushed.remote}/${pushed.branch}${pushed.setUpstream ? ' (upstream set)' : ''}. No environment deploys on pushes to ${pushed.branch}.`,
      DEPLOY,
    );
    if (choice === DEPLOY) await vscode.commands.executeCommand(Commands.deploy);
    return;
  }
  vscode.window.setStatusBarMessage(`Pushed ${short} to ${pushed.remote}/${pushed.branch}: deploying it to ${envName}`, 5000);
  openRunPanelWhenStarted(deps.host, envName, pushed.sha);
  deps.triggers.poke();
}

/** Opens the run panel of the deployment the push trigger starts for `sha` (within a minute). */
function openRunPanelWhenStarted(host: EngineHost, environment: string, sha: string): void {
  const listener = host.onEvent((event) => {
    if (event.type === 'deployment-started' && event.environment === environment && event.commit === sha) {
      done();
      void vscode.commands.executeCommand(Commands.showRun, { deploymentId: event.deploymentId });
    }
  });
  const timer = setTimeout(() => done(), 60_000);
  function done(): void {
    clearTimeout(timer);
    listener.dispose();
  }
}

/** Pushes; on a rejection (non-fast-forward, fetch first) offers Pull and Retry. Never forces. */
async function pushWithRetry(repo: GitRepository, logger: Logger): Promise<PushResult | undefined> {
  for (;;) {
    try {
      return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Pushing…' }, () => repo.push());
    } catch (err) {
      // The error class lives in the engine bundle: decide by its code.
      if ((err as { code?: unknown }).code !== 'PushRejected') throw err;
      const rejected = err as DeployGuardError;
      logger.warn(rejected.message);
      const choice = await vscode.window.showErrorMessage(rejected.message, PULL_AND_RETRY);
      if (choice !== PULL_AND_RETRY) return undefined;
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Pulling (rebase)…' }, () =>
        repo.pullRebase(),
      );
    }
  }
}

async function nothingToCommit(
  deps: SaveCommitPushDeployDeps,
  repo: GitRepository,
  branch: string,
  unpushed: boolean,
  envName: string | undefined,
): Promise<void> {
  const head = await repo.head();
  if (unpushed && envName) {
    const choice = await vscode.window.showInformationMessage(
      `Nothing to commit on ${branch}, but ${head.shortSha} is not pushed yet. Push it (and deploy it to ${envName})?`,
      PUSH_AND_DEPLOY,
      DEPLOY_HEAD,
    );
    if (choice === PUSH_AND_DEPLOY) {
      await deps.triggers.startPushTriggers();
      const pushed = await pushWithRetry(repo, deps.logger);
      if (pushed) await afterPush(deps, pushed, envName);
      return;
    }
    if (choice === DEPLOY_HEAD) await vscode.commands.executeCommand(Commands.deploy, { environment: envName });
    return;
  }
  const choice = await vscode.window.showInformationMessage(
    `Nothing to commit on ${branch}. Deploy ${head.shortSha} (HEAD) instead?`,
    DEPLOY_HEAD,
  );
  if (choice === DEPLOY_HEAD) await vscode.commands.executeCommand(Commands.deploy, envName ? { environment: envName } : undefined);
}

function describeFile(change: FileChange): string {
  const mark = { modified: 'M', added: 'A', deleted: 'D', renamed: 'R', copied: 'C', 'type-changed': 'T', untracked: 'U', conflicted: '!' }[
    change.kind
  ];
  return `${mark} ${change.path}`;
}

/** The commit message, with what will be committed shown above it; undefined when cancelled. */
async function askCommitMessage(
  state: vscode.Memento,
  plan: PlannedCommit,
  branch: string,
  envName: string | undefined,
): Promise<string | undefined> {
  const conflicted = plan.files.filter((f) => f.kind === 'conflicted');
  if (conflicted.length > 0) {
    throw new DeployGuardError('Usage', `Resolve the merge conflicts first: ${conflicted.map((f) => f.path).join(', ')}`);
  }
  const input = vscode.window.createInputBox();
  const shown = plan.files.slice(0, 6).map(describeFile).join(',  ');
  const more = plan.files.length > 6 ? `,  … and ${plan.files.length - 6} more` : '';
  input.title = `${TITLE}: ${plan.files.length} ${plan.mode === 'staged' ? 'staged' : 'changed'} file${plan.files.length === 1 ? '' : 's'} on ${branch}`;
  input.prompt = `Commits ${shown}${more}. Then pushes ${branch}${envName ? ` and deploys it to ${envName}` : ''}.`;
  input.placeholder = 'Commit message';
  input.value = state.get<string>(DRAFT_KEY) ?? '';
  input.ignoreFocusOut = true;
  const showChanges: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('diff'), tooltip: 'Show the changes (Source Control)' };
  input.buttons = [showChanges];
  return new Promise<string | undefined>((resolve) => {
    const subscriptions = new DisposableStore();
    const finish = (value: string | undefined) => {
      if (subscriptions.isDisposed) return; // settled already
      subscriptions.dispose();
      input.dispose();
      resolve(value);
    };
    subscriptions.add(
      input.onDidChangeValue((value) => {
        void state.update(DRAFT_KEY, value);
        input.validationMessage = undefined;
      }),
    );
    subscriptions.add(
      input.onDidTriggerButton((button) => {
        if (button === showChanges) void vscode.commands.executeCommand('workbench.view.scm');
      }),
    );
    subscriptions.add(
      input.onDidAccept(() => {
        if (input.value.trim() === '') {
          input.validationMessage = 'A commit needs a message';
          return;
        }
        finish(input.value);
      }),
    );
    subscriptions.add(input.onDidHide(() => finish(undefined)));
    input.show();
  });
}
