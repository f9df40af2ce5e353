import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { PipelineFingerprint, FingerprintedFile } from '../../core/pipeline/fingerprint';

/**
 * What is kept in globalState (not in the workspace, which the repository could write) for a
 * repository whose pipeline the user approved: the fingerprint hash and the files as approved,
 * so a later prompt can show exactly what changed. No `vscode` import: unit-tested directly.
 */
export interface StoredApproval {
  readonly hash: string;
  readonly approvedAt: string;
  readonly files: readonly FingerprintedFile[];
}

export type ApprovalDecision =
  | { readonly kind: 'approved' }
  | { readonly kind: 'first-run' }
  | {
      readonly kind: 'changed';
      readonly changed: readonly string[];
      readonly added: readonly string[];
      readonly removed: readonly string[];
    };

/** The globalState key for a repository: its absolute path, hashed (keys stay short and opaque). */
export function approvalKey(repoRoot: string): string {
  return `deployGuard.pipelineApproval.${createHash('sha256').update(resolve(repoRoot)).digest('hex').slice(0, 32)}`;
}

export function decideApproval(stored: StoredApproval | undefined, current: PipelineFingerprint): ApprovalDecision {
  if (!stored || typeof stored.hash !== 'string' || !Array.isArray(stored.files)) return { kind: 'first-run' };
  if (stored.hash === current.hash) return { kind: 'approved' };
  const before = new Map(stored.files.map((f) => [f.path, f.sha256]));
  const now = new Map(current.files.map((f) => [f.path, f.sha256]));
  return {
    kind: 'changed',
    changed: [...now].filter(([p, h]) => before.has(p) && before.get(p) !== h).map(([p]) => p),
    added: [...now.keys()].filter((p) => !before.has(p)),
    removed: [...before.keys()].filter((p) => !now.has(p)),
  };
}

export function toStoredApproval(current: PipelineFingerprint, now = new Date()): StoredApproval {
  return { hash: current.hash, approvedAt: now.toISOString(), files: current.files };
}

/** One sentence naming what changed, for the modal prompt. */
export function describeChange(decision: Extract<ApprovalDecision, { kind: 'changed' }>): string {
  const parts: string[] = [];
  if (decision.changed.length > 0) parts.push(`changed: ${decision.changed.join(', ')}`);
  if (decision.added.length > 0) parts.push(`now also runs: ${decision.added.join(', ')}`);
  if (decision.removed.length > 0) parts.push(`no longer runs: ${decision.removed.join(', ')}`);
  return parts.join('; ');
}
