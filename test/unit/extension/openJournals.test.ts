import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Journal } from '../../../src/core/history/journal';
import { hasOpenJournalEntries, namesTeamHistory } from '../../../src/extension/openJournals';

// The activation-time check that decides whether the engine must load to reattach to an
// interrupted deployment, against journals written by the engine's own Journal.
describe('hasOpenJournalEntries', () => {
  const root = mkdtempSync(join(tmpdir(), 'dg-open-journals-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const stackDir = join(root, 'stacks', '123456789012', 'us-east-1', 'orders-dev');

  it('is false without history, and when every deployment finished', async () => {
    assert.equal(await hasOpenJournalEntries(join(root, 'nothing-here')), false);
    const journal = new Journal(join(stackDir, 'journal.jsonl'), join(stackDir, 'damaged'));
    await journal.append({ deploymentId: 'd1', phase: 'started' });
    await journal.append({ deploymentId: 'd1', phase: 'executing' });
    await journal.append({ deploymentId: 'd1', phase: 'finished' });
    assert.equal(await hasOpenJournalEntries(root), false);
  });

  it('is true when a deployment has no finished line (and ignores a torn line)', async () => {
    const journal = new Journal(join(stackDir, 'journal.jsonl'), join(stackDir, 'damaged'));
    await journal.append({ deploymentId: 'd2', phase: 'executing' });
    assert.equal(await hasOpenJournalEntries(root), true);
    mkdirSync(join(root, 'stacks', 'x', 'y', 'z'), { recursive: true });
    writeFileSync(join(root, 'stacks', 'x', 'y', 'z', 'journal.jsonl'), '{"deploymentId":"d3","pha');
    assert.equal(await hasOpenJournalEntries(root), true);
    await journal.append({ deploymentId: 'd2', phase: 'finished' });
    assert.equal(await hasOpenJournalEntries(root), false);
  });

  it('leaves a deployment a run left in doubt to a person: no reattach on its own at activation', async () => {
    const dir = join(root, 'stacks', '123456789012', 'us-east-1', 'orders-doubt');
    const journal = new Journal(join(dir, 'journal.jsonl'), join(dir, 'damaged'));
    await journal.append({ deploymentId: 'd5', phase: 'executing' });
    await journal.append({ deploymentId: 'd5', phase: 'in-doubt', status: 'in-doubt' });
    assert.equal(await hasOpenJournalEntries(root), false);
    assert.equal((await journal.openOperations()).open.length, 1, 'while the engine still sees it open');
    await journal.append({ deploymentId: 'd6', phase: 'started' });
    assert.equal(await hasOpenJournalEntries(root), true);
    await journal.append({ deploymentId: 'd6', phase: 'finished' });
  });

  it('reads DEPLOYGUARD_HOME when no folder is set', async () => {
    const journal = new Journal(join(stackDir, 'journal.jsonl'), join(stackDir, 'damaged'));
    await journal.append({ deploymentId: 'd4', phase: 'started' });
    assert.equal(await hasOpenJournalEntries(undefined, { DEPLOYGUARD_HOME: root }), true);
  });
});

// Whether activation loads the engine to read a team bucket's journal: a cheap look at the
// setting and the pipeline file's text; the engine decides which store each environment uses.
describe('namesTeamHistory', () => {
  const file = (history: string) => `stack:\n  name: orders\nenvironments:\n  prod:\n    region: eu-west-1\n    ${history}\n`;

  it("is true for an s3:// setting, or an s3:// history in deployguard.yaml (an environment's or the file's)", () => {
    assert.equal(namesTeamHistory('s3://acme-ledger/orders', undefined), true);
    assert.equal(namesTeamHistory(undefined, file('history: s3://acme-ledger/orders')), true);
    assert.equal(namesTeamHistory(undefined, `history: "s3://acme-ledger"\n${file('')}`), true);
  });

  it('is false for the local folder: no setting and no s3 history, or a setting of local over the file', () => {
    assert.equal(namesTeamHistory(undefined, undefined), false);
    assert.equal(namesTeamHistory(undefined, file('# history: s3://acme-ledger/orders')), false);
    assert.equal(namesTeamHistory('', file('')), false);
    assert.equal(namesTeamHistory('local', file('history: s3://acme-ledger/orders')), false);
  });
});
