import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readZip, type ZipEntry } from '../support/zip';

// Checks the shipped artefact itself — dist-vsix/deploy-guard.vsix, which `npm test` packages
// before any suite that needs it — rather than dist/, which a development build may have replaced.
const VSIX = 'dist-vsix/deploy-guard.vsix';
const MAX_VSIX_BYTES = 3 * 1024 * 1024;
const MAX_ACTIVATION_BUNDLE_BYTES = 150 * 1024;

/** What the allowlist in .vscodeignore lets into the package (vsce renames README/CHANGELOG/LICENSE). */
const ALLOWED = [
  /^extension\.vsixmanifest$/,
  /^\[Content_Types\]\.xml$/,
  /^extension\/package\.json$/,
  /^extension\/readme\.md$/i,
  /^extension\/changelog\.md$/i,
  /^extension\/license(\.txt)?$/i,
  /^extension\/media\/[^]+$/,
  /^extension\/dist\/[^]+$/,
];

function entries(): ZipEntry[] {
  assert.ok(existsSync(VSIX), `${VSIX} is missing: run \`npm run package\` (npm test does it first)`);
  return readZip(VSIX);
}

function entry(name: string): ZipEntry {
  const found = entries().find((e) => e.name === name);
  assert.ok(found, `${VSIX} has no ${name}`);
  return found;
}

describe('the packaged .vsix', () => {
  it('is under 3 MB', () => {
    const size = statSync(VSIX).size;
    assert.ok(size < MAX_VSIX_BYTES, `${VSIX} is ${size} bytes`);
  });

  it('holds only dist/, media/, package.json, README, CHANGELOG and LICENSE', () => {
    const names = entries().map((e) => e.name);
    const stray = names.filter((name) => !ALLOWED.some((pattern) => pattern.test(name)));
    assert.deepEqual(stray, [], `files outside the allowlist: ${stray.join(', ')}`);
    assert.deepEqual(
      names.filter((n) => n.endsWith('.map') || n.endsWith('.ts') || n.includes('node_modules/')),
      [],
    );
    for (const required of ['extension/package.json', 'extension/dist/extension.js', 'extension/dist/engine.js', 'extension/dist/cli.js']) {
      assert.ok(names.includes(required), `missing ${required}`);
    }
    assert.ok(
      names.some((n) => /^extension\/readme\.md$/i.test(n)),
      'missing README',
    );
    assert.ok(
      names.some((n) => /^extension\/media\/.+\.svg$/.test(n)),
      'missing the activity-bar icon',
    );
  });

  it("ships the manifest's main entry point and activity-bar icon", () => {
    const manifest = JSON.parse(entry('extension/package.json').read().toString('utf8')) as {
      main: string;
      contributes: { viewsContainers: { activitybar: { icon: string }[] } };
    };
    assert.equal(manifest.main, './dist/extension.js');
    for (const container of manifest.contributes.viewsContainers.activitybar) entry(`extension/${container.icon}`);
  });
});

describe('the activation bundle (dist/extension.js in the .vsix)', () => {
  it('is a minified production build under 150 KB', () => {
    const bundle = entry('extension/dist/extension.js');
    assert.ok(bundle.size < MAX_ACTIVATION_BUNDLE_BYTES, `extension.js is ${bundle.size} bytes`);
    const text = bundle.read().toString('utf8');
    assert.doesNotMatch(text, /sourceMappingURL/, 'a production build has no source map');
    // Minified output is never indented. (Counting lines does not work: esbuild prints a string
    // holding a newline as a template literal with a raw line break, so minified code has some.)
    const indented = text.split('\n').filter((line) => /^\s+\S/.test(line)).length;
    assert.equal(indented, 0, `extension.js has ${indented} indented lines: not minified`);
  });

  it('contains no AWS SDK code and loads the engine only through ./engine.js', () => {
    const text = entry('extension/dist/extension.js').read().toString('utf8');
    for (const marker of ['@aws-sdk', '@smithy', 'CloudFormationClient', 'CloudWatchClient', 'DescribeStacksCommand', 'x-amz-']) {
      assert.ok(!text.includes(marker), `the activation bundle contains "${marker}"`);
    }
    assert.match(text, /require\(["']\.\/engine\.js["']\)/, 'the engine is required lazily from ./engine.js');
  });
});
