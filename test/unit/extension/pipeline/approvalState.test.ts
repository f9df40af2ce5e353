import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PipelineFingerprint } from '../../../../src/core/pipeline';
import { approvalKey, decideApproval, describeChange, toStoredApproval } from '../../../../src/extension/pipeline/approvalState';

function fp(files: Record<string, string>): PipelineFingerprint {
  const list = Object.entries(files).map(([path, sha256]) => ({ path, sha256, text: `content ${sha256}` }));
  return { hash: list.map((f) => `${f.path}=${f.sha256}`).join(','), files: list };
}

describe('pipeline run approval (globalState, keyed by repo and hash)', () => {
  const v1 = fp({ 'deployguard.yaml': 'a', 'scripts/deploy.sh': 'b' });

  it('asks on the first run, then not again while nothing changed', () => {
    assert.deepEqual(decideApproval(undefined, v1), { kind: 'first-run' });
    const stored = toStoredApproval(v1, new Date('2026-11-26T00:00:00Z'));
    assert.equal(stored.approvedAt, '2026-11-26T00:00:00.000Z');
    assert.deepEqual(decideApproval(stored, v1), { kind: 'approved' });
  });

  it('names what changed, what was added and what was removed', () => {
    const stored = toStoredApproval(v1);
    const v2 = fp({ 'deployguard.yaml': 'a', 'scripts/deploy.sh': 'CHANGED', 'scripts/new.sh': 'c' });
    const decision = decideApproval(stored, v2);
    assert.deepEqual(decision, { kind: 'changed', changed: ['scripts/deploy.sh'], added: ['scripts/new.sh'], removed: [] });
    assert.equal(
      describeChange(decision as Extract<typeof decision, { kind: 'changed' }>),
      'changed: scripts/deploy.sh; now also runs: scripts/new.sh',
    );
    const v3 = fp({ 'deployguard.yaml': 'z' });
    assert.deepEqual(decideApproval(stored, v3), {
      kind: 'changed',
      changed: ['deployguard.yaml'],
      added: [],
      removed: ['scripts/deploy.sh'],
    });
  });

  it('treats a damaged stored value as never approved', () => {
    assert.deepEqual(decideApproval({ hash: 1 } as never, v1), { kind: 'first-run' });
  });

  it('keys approvals by repository path', () => {
    assert.equal(approvalKey('/repos/a'), approvalKey('/repos/a/'));
    assert.notEqual(approvalKey('/repos/a'), approvalKey('/repos/b'));
    assert.match(approvalKey('/repos/a'), /^deployGuard\.pipelineApproval\.[0-9a-f]{32}$/);
  });
});
