import { join } from 'node:path';
import * as vscode from 'vscode';
import { DeployGuardError } from '../../core/errors';
import { PIPELINE_FILE, requireTrustedWorkspace } from '../workspaceState';
import { approvalKey, decideApproval, describeChange, toStoredApproval, type StoredApproval } from './approvalState';
import { loadPipelineTools } from './pipelineToolsLoader';

const APPROVED_SCHEME = 'deployguard-approved';
const RUN = 'Run Pipeline';
const SHOW_CHANGES = 'Show Changes';
const SHOW_FILE = 'Show Pipeline File';

/**
 * Serves the approved copies of pipeline files for the "what changed" diff:
 * deployguard-approved:/<path>?<approval key>.
 */
class ApprovedContent implements vscode.TextDocumentContentProvider {
  constructor(private readonly state: vscode.Memento) {}
  provideTextDocumentContent(uri: vscode.Uri): string {
    const stored = this.state.get<StoredApproval>(uri.query);
    const file = stored?.files.find((f) => f.path === uri.path.replace(/^\//, ''));
    if (!file) return '(this file was not part of the pipeline when it was approved)';
    return file.text ?? '(this file was too large to keep a copy of when it was approved)';
  }
}

/** Registered on first use, once per activation (owned by that activation's subscriptions). */
const providers = new WeakSet<vscode.ExtensionContext>();

function ensureProvider(context: vscode.ExtensionContext): void {
  if (providers.has(context)) return;
  providers.add(context);
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(APPROVED_SCHEME, new ApprovedContent(context.globalState)),
  );
}

async function showChanges(context: vscode.ExtensionContext, repoRoot: string, key: string, paths: readonly string[]): Promise<void> {
  ensureProvider(context);
  for (const path of paths) {
    const approved = vscode.Uri.from({ scheme: APPROVED_SCHEME, path: `/${path}`, query: key });
    const current = vscode.Uri.file(join(repoRoot, path));
    await vscode.commands.executeCommand('vscode.diff', approved, current, `${path} (approved ↔ now)`, { preview: false });
  }
}

/**
 * Asks once before a pipeline runs whose file — or a script its steps run — changed since the
 * user last approved it (or that never ran here). A trusted folder can still receive a hostile
 * deployguard.yaml through a pull request; this is the second gate, after workspace trust.
 * Throws UntrustedWorkspace in an untrusted workspace; resolves false when the user declines.
 * Call it in every command that would run steps, right before running them.
 */
export async function confirmPipelineRun(
  context: vscode.ExtensionContext,
  repoRoot: string,
  options: {
    readonly pipelineFile?: string;
    /**
     * The repository the approval belongs to. A push deploys from a fresh worktree of the
     * workspace's repository each time: it is approved as that repository, not as a new folder.
     */
    readonly approvalRoot?: string;
  } = {},
): Promise<boolean> {
  const pipelineFile = options.pipelineFile ?? join(repoRoot, PIPELINE_FILE);
  const approvalRoot = options.approvalRoot ?? repoRoot;
  requireTrustedWorkspace('Running the pipeline');
  const tools = loadPipelineTools();
  const loaded = await tools.loadPipeline(repoRoot, { file: pipelineFile });
  if (!loaded.config) {
    throw new DeployGuardError('ConfigInvalid', `${PIPELINE_FILE} has problems, so nothing can run`, {
      hint: 'see the Problems panel (Deploy Guard: Validate Pipeline File)',
    });
  }
  const current = tools.pipelineFingerprint(repoRoot, loaded.file, loaded.config);
  const key = approvalKey(approvalRoot);
  const decision = decideApproval(context.globalState.get<StoredApproval>(key), current);
  if (decision.kind === 'approved') return true;

  const steps = loaded.config.steps.map((s) => s.name).join(', ') || 'no steps';
  const scripts = current.files.slice(1).map((f) => f.path);
  for (;;) {
    let choice: string | undefined;
    if (decision.kind === 'first-run') {
      choice = await vscode.window.showWarningMessage(
        `Run the pipeline in ${approvalRoot} for the first time?`,
        {
          modal: true,
          detail: `Deploy Guard will run these steps with bash: ${steps}${scripts.length > 0 ? ` (and the scripts ${scripts.join(', ')})` : ''}. Only run pipelines you trust. You will be asked again when ${PIPELINE_FILE} or one of these scripts changes.`,
        },
        RUN,
        SHOW_FILE,
      );
      if (choice === SHOW_FILE) {
        await vscode.window.showTextDocument(vscode.Uri.file(loaded.file), { preview: false });
        continue;
      }
    } else {
      choice = await vscode.window.showWarningMessage(
        `The pipeline changed since you last approved running it.`,
        {
          modal: true,
          detail: `${describeChange(decision)}. Review the changes before running: a pull request can change what a pipeline runs.`,
        },
        RUN,
        SHOW_CHANGES,
      );
      if (choice === SHOW_CHANGES) {
        await showChanges(context, repoRoot, key, [...decision.changed, ...decision.added]);
        continue;
      }
    }
    if (choice !== RUN) return false;
    // Store what was approved only now, after the user said so, with the exact files shown.
    await context.globalState.update(key, toStoredApproval(current));
    return true;
  }
}
