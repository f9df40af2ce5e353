import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const IMPORTS_VSCODE = /(?:from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)|import\(\s*['"]vscode['"]\s*\))/;

describe('architecture boundaries (DESIGN.md §5)', () => {
  for (const dir of ['src/core', 'src/webview', 'src/shared', 'src/cli']) {
    it(`${dir} never imports vscode`, () => {
      const offenders = sourceFiles(dir).filter((file) => IMPORTS_VSCODE.test(readFileSync(file, 'utf8')));
      assert.deepEqual(offenders, []);
    });
  }

  it('the detector itself catches a vscode import', () => {
    assert.ok(IMPORTS_VSCODE.test(`import * as vscode from 'vscode';`));
    assert.ok(IMPORTS_VSCODE.test(`const v = require("vscode")`));
    assert.ok(!IMPORTS_VSCODE.test(`import { x } from './vscodeish';`));
  });
});
