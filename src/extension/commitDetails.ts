import * as vscode from 'vscode';

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
