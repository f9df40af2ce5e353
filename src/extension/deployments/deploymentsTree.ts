import * as vscode from 'vscode';
import { DisposableStore } from '../../core/disposable';
import { errorMessage } from '../../core/errors';
import type { Logger } from '../../core/logger';
import { CommitDetailsCache } from '../commitDetails';
import { ContextKeys } from '../commands';
import type { EngineHost } from '../engineHost';
import { currentStable } from '../environmentState';
import type { DeploymentRecord } from '../../core/history/record';
import { holderIdentity } from '../../core/history/holder';
import { runningElsewhere } from '../statusBarText';
import { SharedHistoryRefresher } from './sharedHistoryRefresher';
import { TeamHistoryWatch } from './teamHistoryWatch';
import { deploymentItem, environmentItem, messageItem, outputItem } from './treeItems';
import { loadEnvironment, loadTreeContents, outputRows, type EnvironmentEntry, type TreeContents, type TreeNode } from './treeModel';

export const DEPLOYMENTS_VIEW_ID = 'deployGuard.deployments';

/**
 * The Deployments view: environments from deployguard.yaml, each with its history newest first.
 *
 * It reads files (the pipeline, the history folder) and listens to the engine's events; it never
 * calls AWS. History is re-read when a deployment starts or finishes; between those, live status
 * comes from the events. What other windows, machines and CI add is picked up by the
 * SharedHistoryRefresher (on showing, on focus, and every 30 s while something runs elsewhere;
 * with the view hidden, only while the status bar names a deployment running elsewhere, which it
 * reads from this view's histories). While something is being watched, a one-second ticker
 * re-renders only the environment rows, for the countdown.
 *
 * Nothing is read until the view is first shown (that is also when the engine is first loaded),
 * except in a trusted workspace whose history is a team store: there the TeamHistoryWatch reads
 * a few seconds after activation and on focus, so the status bar names a run elsewhere.
 */
export class DeploymentsTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly historyRead = new vscode.EventEmitter<void>();
  /** Fires after the view read histories (every environment's, or one's): the status bar follows it. */
  readonly onDidReadHistory = this.historyRead.event;
  private contents: Promise<TreeContents> | undefined;
  private envNodes = new Map<string, Extract<TreeNode, { kind: 'environment' }>>();
  private readonly commits = new CommitDetailsCache();
  private readonly subscriptions = new DisposableStore();
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly host: EngineHost,
    private readonly logger: Logger,
  ) {
    this.subscriptions.add(this.changed);
    this.subscriptions.add(this.historyRead);
    this.subscriptions.add(
      host.onChange((change) => {
        const { event, deployment } = change;
        // A record file appears (started) or reaches its final form (finished): re-read history.
        if (event.type === 'deployment-started' || change.finishedNow || event.type === 'rollback-finished')
          void this.reloadEnvironment(deployment.environment);
        else this.rerenderEnvironment(deployment.environment);
        this.updateTicker();
      }),
    );
    this.subscriptions.add(vscode.workspace.onDidGrantWorkspaceTrust(() => this.refresh()));
    this.subscriptions.add(host.onCredentialsChanged(() => this.changed.fire(undefined)));
  }

  /** The records the view read last (every environment's), for deciding whether to re-read. */
  *shownRecords(): Iterable<DeploymentRecord> {
    for (const node of this.envNodes.values()) yield* node.env.records;
  }

  /**
   * Every environment as read last, with its records (the status bar names what runs elsewhere
   * from them), where its history lives and whether it answered.
   */
  *readEnvironments(): Iterable<EnvironmentEntry> {
    for (const node of this.envNodes.values()) yield node.env;
  }

  /**
   * Re-reads everything now, whether or not the view is visible (VS Code asks a hidden view for
   * nothing): while the status bar names a deployment running elsewhere, it must learn when it ends.
   */
  readNow(): void {
    void this.readQuietly().then((failure) => {
      if (failure !== undefined) this.logger.warn(`Deployments view: ${failure}`);
    });
  }

  /**
   * readNow for a caller that decides itself what a failure is worth in the log (a background
   * read for the status bar writes one line per outage, not one per read): resolves when the read
   * ended, to the failure's words, or undefined when it read (or had nothing it may read).
   */
  readQuietly(): Promise<string | undefined> {
    if (!vscode.workspace.isTrusted || this.host.credentialsMissing) return Promise.resolve(undefined);
    this.contents = undefined;
    const reading = this.load();
    this.changed.fire(undefined);
    return reading.then(
      () => undefined,
      (err: unknown) => {
        if (this.contents === reading) this.contents = undefined;
        return errorMessage(err);
      },
    );
  }

  /** Re-reads everything (Refresh, the pipeline file changed, trust granted). */
  refresh(): void {
    this.contents = undefined;
    this.changed.fire(undefined);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const now = Date.now();
    switch (node.kind) {
      case 'environment':
        return environmentItem(node.env, this.host.live.forEnvironment(node.env.name), now);
      case 'deployment': {
        const commit = this.commitFor(node.env, node.record.commit);
        return deploymentItem({
          env: node.env,
          record: node.record,
          live: this.host.live.get(node.record.id),
          currentStableId: currentStable(node.env.records)?.id,
          commit,
          now,
        });
      }
      case 'message':
        return messageItem(node);
      case 'output':
        return outputItem(node);
    }
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (!node) return this.roots();
    if (node.kind !== 'environment') return [];
    const env = node.env;
    const rows: TreeNode[] = [];
    if (env.error) {
      rows.push({
        kind: 'message',
        id: `msg:${env.name}:error`,
        severity: 'error',
        label: `Cannot read the history of ${env.stackName}`,
        detail: env.error.message,
        ...(env.error.hint ? { hint: env.error.hint } : {}),
      });
    }
    if (env.stale !== undefined) {
      rows.push({
        kind: 'message',
        id: `msg:${env.name}:stale`,
        severity: 'warning',
        label: env.stale,
        hint: 'these rows may be out of date; check the network, the credentials and the bucket, then refresh',
      });
    }
    if (env.damaged.length > 0) {
      rows.push({
        kind: 'message',
        id: `msg:${env.name}:damaged`,
        severity: 'warning',
        label: `${env.damaged.length} damaged history file(s) set aside`,
        detail: env.damaged.map((d) => d.movedTo ?? d.path).join(', '),
        hint: env.damaged.map((d) => `${d.path}: ${d.problem}`).join('; '),
      });
    }
    if (env.otherAccounts && env.otherAccounts.length > 0) {
      rows.push({
        kind: 'message',
        id: `msg:${env.name}:accounts`,
        severity: 'info',
        label: `${env.stackName} also has a history in account ${env.otherAccounts.join(', ')} (not shown)`,
        ...(env.account ? { detail: `showing account ${env.account}` } : {}),
        hint: `pin the environment to one account with environments.${env.name}.account in deployguard.yaml`,
      });
    }
    rows.push(...outputRows(env));
    rows.push(...env.records.map((record): TreeNode => ({ kind: 'deployment', id: `dep:${record.id}`, env, record })));
    if (rows.length === 0)
      rows.push({
        kind: 'message',
        id: `msg:${env.name}:empty`,
        severity: 'info',
        label: 'No deployments yet',
        detail: 'Deploy to start its history',
      });
    return rows;
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return node.kind === 'deployment' || node.kind === 'output' ? this.envNodes.get(node.env.name) : undefined;
  }

  dispose(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    this.subscriptions.dispose();
  }

  private async roots(): Promise<TreeNode[]> {
    // Untrusted: nothing is read or parsed, and the empty tree lets the welcome text explain why.
    if (!vscode.workspace.isTrusted) return [];
    // AWS said there are no credentials: the empty tree lets the welcome text say what to do.
    if (this.host.credentialsMissing) return [];
    let contents: TreeContents;
    try {
      contents = await this.load();
    } catch (err) {
      this.contents = undefined;
      this.logger.error(`Deployments view: ${errorMessage(err)}`);
      return [{ kind: 'message', id: 'msg:load-error', severity: 'error', label: 'Cannot show deployments', detail: errorMessage(err) }];
    }
    await vscode.commands.executeCommand(
      'setContext',
      ContextKeys.pipelineInvalid,
      contents.kind === 'empty' && contents.why === 'invalid-pipeline',
    );
    if (contents.kind === 'empty') return [];
    // Normally done at activation already; a no-op then.
    void this.host.resumeInterruptedDeployments();
    return [...this.envNodes.values()];
  }

  /** The contents being read or read last; a new read makes the environment nodes afresh. */
  private load(): Promise<TreeContents> {
    return (this.contents ??= loadTreeContents(this.host).then((contents) => {
      this.envNodes = new Map(
        contents.kind === 'environments'
          ? contents.environments.map((env) => [env.name, { kind: 'environment', id: `env:${env.name}`, env } as const])
          : [],
      );
      this.historyRead.fire();
      return contents;
    }));
  }

  private async reloadEnvironment(name: string): Promise<void> {
    const contents = await this.contents;
    if (!contents || contents.kind !== 'environments') return this.refresh();
    const index = contents.environments.findIndex((e) => e.name === name);
    const old = contents.environments[index];
    if (!old) return this.refresh();
    const fresh = await loadEnvironment(this.host, contents.pipeline, old.config);
    contents.environments[index] = fresh;
    const node = this.envNodes.get(name);
    if (!node) return this.refresh();
    // Same object, new data: the id is unchanged, so VS Code keeps its expansion and selection.
    (node as { env: EnvironmentEntry }).env = fresh;
    this.changed.fire(node);
    this.historyRead.fire();
  }

  private rerenderEnvironment(name: string): void {
    const node = this.envNodes.get(name);
    if (node) this.changed.fire(node);
  }

  /** Runs only while a deployment is being watched: the countdown in the environment's row. */
  private updateTicker(): void {
    const watching = this.host.live.running().some((d) => d.watchDeadlineMs !== undefined);
    if (watching && !this.ticker) {
      this.ticker = setInterval(() => {
        for (const d of this.host.live.running()) if (d.watchDeadlineMs !== undefined) this.rerenderEnvironment(d.environment);
      }, 1000);
    } else if (!watching && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  private commitFor(env: EnvironmentEntry, sha: string | undefined) {
    return this.commits.known(this.host.repoRoot(), sha, () => this.rerenderEnvironment(env.name));
  }
}

export function registerDeploymentsTree(
  host: EngineHost,
  logger: Logger,
): vscode.Disposable & { refresh(): void; provider: DeploymentsTreeProvider } {
  const provider = new DeploymentsTreeProvider(host, logger);
  const view = vscode.window.createTreeView(DEPLOYMENTS_VIEW_ID, { treeDataProvider: provider, showCollapseAll: true });
  // The file defines the environments: re-read the tree when it changes.
  const watcher = vscode.workspace.createFileSystemWatcher('**/deployguard.yaml');
  const subscriptions = new DisposableStore();
  subscriptions.add(view);
  subscriptions.add(provider);
  const here = holderIdentity().name;
  // The status bar's own rule (statusBarText.ts), so the loop runs exactly while it names one.
  const statusBarNamesOne = () =>
    runningElsewhere(provider.readEnvironments(), here, new Set(host.live.running().map((d) => d.id))) !== undefined;
  subscriptions.add(new SharedHistoryRefresher(view, provider, host.live, statusBarNamesOne));
  // With the view never shown, the status bar still learns of runs elsewhere in a team store.
  const teamWatch = subscriptions.add(
    new TeamHistoryWatch({ history: provider, view, statusBarNamesOne, repoRoot: () => host.repoRoot(), logger }),
  );
  const pipelineChanged = () => {
    teamWatch.pipelineChanged();
    provider.refresh();
  };
  subscriptions.add(watcher);
  subscriptions.add(watcher.onDidChange(pipelineChanged));
  subscriptions.add(watcher.onDidCreate(pipelineChanged));
  subscriptions.add(watcher.onDidDelete(pipelineChanged));
  return {
    provider,
    refresh: () => provider.refresh(),
    dispose: () => subscriptions.dispose(),
  };
}
