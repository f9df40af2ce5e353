import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startWorkbench, waitFor, type Workbench } from './support/workbench';

// The pipeline file in a real VS Code: Create Pipeline File writes the commented
// starter, a mistake typed into it appears in the Problems panel with its line and column,
// Validate Pipeline File reports it, and fixing it clears the panel.
const START_TIMEOUT = 5 * 60_000;

async function withScreenshot(bench: Workbench | undefined, name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    await bench?.screenshot(`FAILED-pipeline-${name}`).catch(() => undefined);
    throw err;
  }
}

describe('deployguard.yaml in a real VS Code', { timeout: START_TIMEOUT + 3 * 60_000 }, () => {
  let bench: Workbench | undefined;
  let folder: string;
  const wb = () => {
    assert.ok(bench, 'the workbench did not start');
    return bench;
  };

  /** The rows of the Problems panel (opened with its keyboard shortcut). */
  async function problemRows(): Promise<string[]> {
    const panel = wb().page.locator('.markers-panel');
    if (!(await panel.isVisible())) await wb().page.keyboard.press('Control+Shift+M');
    await panel.waitFor({ state: 'visible', timeout: 10_000 });
    return (await panel.locator('.monaco-list-row').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  }

  before(
    async () => {
      folder = mkdtempSync(join(tmpdir(), 'dg-e2e-pipeline-'));
      mkdirSync(join(folder, 'infra'));
      writeFileSync(join(folder, 'infra', 'template.yaml'), 'Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n');
      bench = await startWorkbench({ workspace: folder, trust: true, name: 'pipeline-editor' });
    },
    { timeout: START_TIMEOUT },
  );

  after(async () => {
    await bench?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('Create Pipeline File writes a commented starter that points at the template and is valid', () =>
    withScreenshot(bench, 'create', async () => {
      await wb().runCommand('Deploy Guard: Create Pipeline File');
      const file = join(folder, 'deployguard.yaml');
      await waitFor('deployguard.yaml to be written', () => (existsSync(file) ? true : undefined), 20_000);
      const text = readFileSync(file, 'utf8');
      assert.match(text, /^# Deploy Guard pipeline/);
      assert.match(text, /\n {2}template: infra\/template\.yaml\n/);
      // It opens in an editor, and the Problems panel stays empty for it.
      await wb()
        .page.locator('.tabs-container .tab', { hasText: 'deployguard.yaml' })
        .first()
        .waitFor({ state: 'visible', timeout: 15_000 });
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual(
        (await problemRows()).filter((r) => r.includes('Deploy Guard')),
        [],
      );
    }));

  it('shows a mistake typed into the file in the Problems panel with its line and column', () =>
    withScreenshot(bench, 'typing', async () => {
      const editor = wb().page.locator('.part.editor .monaco-editor').first();
      await editor.click();
      await wb().page.keyboard.press('Control+Home');
      await wb().page.keyboard.type('bogus: 1');
      await wb().page.keyboard.press('Enter');
      const row = await waitFor(
        'the unknown key in the Problems panel',
        async () => (await problemRows()).find((r) => r.includes('unknown key "bogus" at the top level')),
        20_000,
      );
      assert.match(row, /\[Ln 1, Col 1\]/);
      await wb().screenshot('pipeline-problem');

      await wb().runCommand('Deploy Guard: Validate Pipeline File');
      await wb().waitForNotification(/deployguard\.yaml has 1 problem; nothing can run until they are fixed\./, 15_000);
    }));

  it('clears the problem once the line is removed', () =>
    withScreenshot(bench, 'fixed', async () => {
      const editor = wb().page.locator('.part.editor .monaco-editor').first();
      await editor.click();
      await wb().page.keyboard.press('Control+Home');
      await wb().page.keyboard.press('Shift+ArrowDown');
      await wb().page.keyboard.press('Delete');
      await waitFor(
        'the Problems panel to clear',
        async () => ((await problemRows()).some((r) => r.includes('bogus')) ? undefined : true),
        20_000,
      );
      await wb().runCommand('Deploy Guard: Validate Pipeline File');
      await wb().waitForNotification(/deployguard\.yaml is valid: 1 step, environments dev/, 15_000);
    }));
});
