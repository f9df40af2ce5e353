import { DeployGuardError } from '../errors';

/** Why the remote refused a push, as `git push --porcelain` reports it. */
export type PushRejectionReason = 'non-fast-forward' | 'fetch-first' | 'stale-info' | 'remote-rejected' | 'other';

/**
 * The remote refused the push (code `PushRejected`). Deploy Guard never force-pushes: the way on
 * is to integrate the remote's commits (`Pull and Retry`) and push again. Nothing is deployed.
 */
export class PushRejectedError extends DeployGuardError {
  constructor(
    readonly remote: string,
    readonly branch: string,
    readonly reason: PushRejectionReason,
    readonly detail: string,
  ) {
    super('PushRejected', pushRejectedMessage(remote, branch, reason, detail), {
      hint:
        reason === 'remote-rejected'
          ? "read the remote's message above; Deploy Guard never force-pushes"
          : `pull ${remote}/${branch} (Pull and Retry), then push again; Deploy Guard never force-pushes`,
    });
  }
}

function pushRejectedMessage(remote: string, branch: string, reason: PushRejectionReason, detail: string): string {
  const target = `${remote}/${branch}`;
  switch (reason) {
    case 'fetch-first':
      return `The push to ${target} was rejected: the remote has commits you do not have yet (fetch first). Nothing was deployed.`;
    case 'non-fast-forward':
      return `The push to ${target} was rejected: your branch is behind ${target} (non-fast-forward). Nothing was deployed.`;
    case 'stale-info':
      return `The push to ${target} was rejected: the remote moved since it was last fetched (stale info). Nothing was deployed.`;
    case 'remote-rejected':
      return `The remote refused the push to ${target}${detail ? ` (${detail})` : ''}. Nothing was deployed.`;
    case 'other':
      return `The push to ${target} was rejected${detail ? ` (${detail})` : ''}. Nothing was deployed.`;
  }
}

/**
 * Finds a rejected ref in `git push --porcelain` output: lines `!<TAB>src:dst<TAB>[rejected] (reason)`
 * or `!<TAB>src:dst<TAB>[remote rejected] (reason)`. Returns undefined when nothing was rejected.
 */
export function parsePushRejection(output: string): { reason: PushRejectionReason; detail: string } | undefined {
  for (const line of output.split('\n')) {
    if (!line.startsWith('!\t')) continue;
    const summary = line.split('\t')[2] ?? '';
    const detail = /\(([^)]*)\)\s*$/.exec(summary)?.[1]?.trim() ?? '';
    if (summary.startsWith('[remote rejected]')) return { reason: 'remote-rejected', detail };
    if (detail === 'fetch first') return { reason: 'fetch-first', detail };
    if (detail === 'non-fast-forward') return { reason: 'non-fast-forward', detail };
    if (detail === 'stale info') return { reason: 'stale-info', detail };
    return { reason: 'other', detail };
  }
  return undefined;
}
