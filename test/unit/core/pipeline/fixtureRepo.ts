import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FIXTURES = join(__dirname, '..', '..', '..', 'fixtures', 'pipeline');

/**
 * A throw-away repository laid out like test/fixtures/pipeline/repo, inside a parent folder that
 * also holds `outside.yaml` (for `../` escapes) and with `infra/escape.yaml` a symlink to it.
 */
export function makeFixtureRepo(): { root: string; outside: string; dispose(): void } {
  const parent = mkdtempSync(join(tmpdir(), 'dg-pipeline-'));
  const root = join(parent, 'repo');
  cpSync(join(FIXTURES, 'repo'), root, { recursive: true });
  const outside = join(parent, 'outside.yaml');
  writeFileSync(outside, 'Resources: {}\n');
  symlinkSync(outside, join(root, 'infra', 'escape.yaml'));
  return { root, outside, dispose: () => rmSync(parent, { recursive: true, force: true }) };
}
