import * as vscode from 'vscode';
import type { Logger } from '../core/logger';
import { loadEngine } from './engineLoader';

/** A commit's subject and author, for tree rows and tooltips. */
export interface CommitDetails {
  readonly message: string;
  readonly author?: string;
}

/** The part of the built-in git extension's API used here (`vscode.git`, API version 1). */
interface GitApi {
  getRepository(uri: vscode.Uri): { getCommit(ref: string): Promise<{ message: string; authorName?: string }> } | null;
}

/**
 * Commit messages come from VS Code's own git extension: it already runs git for this folder, so
 * Deploy Guard starts no process for a tooltip. Absent (git disabled, not a repository, the
 * commit is not local) means the row shows the commit id alone. Results are cached per sha.
 */
export class CommitDetailsCache {
  private readonly resolved = new Map<string, CommitDetails | null>();
  private readonly pending = new Set<string>();

  /**
   * What is known now, synchronously (for rendering). The first call for a sha starts the look-up
   * and calls `onFound` when it brings a message.
   */
  known(root: string | undefined, sha: string | undefined, onFound: () => void): CommitDetails | undefined {
    if (!root || !sha || !vscode.workspace.isTrusted) return undefined;
    const hit = this.resolved.get(sha);
    if (hit !== undefined) return hit ?? undefined;
    if (!this.pending.has(sha)) {
      this.pending.add(sha);
      void lookUp(root, sha).then((details) => {
        this.pending.delete(sha);
        this.resolved.set(sha, details ?? null);
        if (details) onFound();
      });
    }
    return undefined;
  }
}

/**
 * A commit's message from git itself (the engine's GitRepository), for the run panel's header:
 * unlike a tree row, a run is worth one git process, and its commit need not be one the git
 * extension has loaded. Only in a trusted workspace, since git reads `.git/config`, which can
 * name programs to run. The repository is the first workspace folder, the one EngineHost
 * deploys from; the engine is already loaded then (a run is live or was read from history).
 */
export function gitCommitMessage(logger: Logger): (sha: string) => Promise<string | undefined> {
  return async (sha) => {
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (!root || !vscode.workspace.isTrusted) return undefined;
    const { GitRepository } = loadEngine();
    return new GitRepository({ root, isTrusted: () => vscode.workspace.isTrusted, logger }).commitSubject(sha);
  };
}

async function lookUp(root: string, sha: string): Promise<CommitDetails | undefined> {
  try {
    const extension = vscode.extensions.getExtension<{ getAPI(version: 1): GitApi }>('vscode.git');
    if (!extension) return undefined;
    const api = (extension.isActive ? extension.exports : await extension.activate()).getAPI(1);
    const commit = await api.getRepository(vscode.Uri.file(root))?.getCommit(sha);
    return commit ? { message: commit.message, ...(commit.authorName ? { author: commit.authorName } : {}) } : undefined;
  } catch {
    return undefined;
  }
}
