import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ValidateFunction } from 'ajv';
import { build } from 'esbuild';
import { schemaValidator } from '../../../../src/core/pipeline/schemaValidator';

// The bundles' validator is compiled at build time by scripts/schemaValidatorPlugin.mjs; it must
// judge every file exactly as the one compiled from source does (the same errors, with the
// verbose fields the messages are built from).
const SAMPLES: unknown[] = [
  { version: 1, name: 'app', steps: [{ name: 'Build', run: 'npm test' }], stack: { name: 'app', template: 't.yaml' } },
  { version: 2, name: 'app', stack: { name: 'app', template: 't.yaml' }, environments: { dev: { region: 'eu-west-1' } } },
  { version: 1, nmae: 'app', steps: [], stack: { name: 'app' }, environments: { dev: {}, 'bad name': { region: 3 } } },
  { version: 1, name: 'app', steps: 'npm test', stack: { name: 'app', template: 't.yaml', parameters: { Size: ['x'] } } },
  'not a mapping',
  null,
];

describe('the pipeline schema validator compiled at build time', () => {
  it('reports what the validator compiled from source reports, for valid and invalid files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dg-schema-plugin-'));
    try {
      const { schemaValidatorPlugin } = await import('../../../../scripts/schemaValidatorPlugin.mjs');
      const out = join(dir, 'validator.cjs');
      await build({
        stdin: {
          contents: "export { schemaValidator } from './src/core/pipeline/schemaValidator';",
          resolveDir: process.cwd(),
          loader: 'ts',
        },
        bundle: true,
        platform: 'node',
        format: 'cjs',
        outfile: out,
        logLevel: 'warning',
        plugins: [schemaValidatorPlugin],
      });
      const bundled = (createRequire(__filename)(out) as { schemaValidator: () => ValidateFunction }).schemaValidator();
      const source = schemaValidator();
      assert.notEqual(bundled, source);
      let invalid = 0;
      for (const sample of SAMPLES) {
        const ok = source(sample);
        assert.equal(bundled(sample), ok, JSON.stringify(sample));
        if (!ok) invalid++;
        assert.deepEqual(bundled.errors ?? null, source.errors ?? null, JSON.stringify(sample));
      }
      assert.ok(invalid >= 4, 'the samples exercise the errors');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
