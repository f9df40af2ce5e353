import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadPipeline } from '../../../../src/core/pipeline';
import { FIXTURES, makeFixtureRepo } from './fixtureRepo';

const SCALE = 'a duration is a whole number and a unit: 500ms, 90s, 10m, 1h';
const STACK_RULE = 'start with a letter, then letters, digits and hyphens, at most 128 characters';
const VARS = 'use ${env.name}, ${git.sha}, ${git.shortSha}, ${git.branch}, ${deployment.id} or ${env:NAME}';

/**
 * The bad-file corpus: every file in test/fixtures/pipeline/bad with the exact problems
 * (`LINE:COL message`, `<repo>` standing for the temporary repository) it must produce.
 */
const CORPUS: Record<string, string[]> = {
  'tab-indent.yaml': [
    '4:1 tabs are not allowed for indentation in YAML: indent with spaces',
    '5:1 tabs are not allowed for indentation in YAML: indent with spaces',
  ],
  'duplicate-key.yaml': ['3:1 duplicate key "name": each key may appear once'],
  'bad-indent.yaml': [
    '8:4 bad indentation: this line is indented more than the key above it, so YAML reads it as part of that value (line the keys up)',
  ],
  'unclosed-quote.yaml': ['5:10 YAML syntax: this quoted string is never closed (add the closing quote)'],
  'multiple-documents.yaml': ['12:1 only one YAML document is allowed in deployguard.yaml (remove the "---" separator)'],
  'custom-tag.yaml': ['2:7 custom YAML tags are not allowed (!!js/function): write plain values'],
  'yaml-bomb.yaml': ['3:8 too many alias expansions (more than 100): this looks like a YAML bomb, so the file is refused'],
  'empty-file.yaml': ['1:1 the file is empty: start with "version: 1" (run "Deploy Guard: Create Pipeline File" for a starter)'],
  'unknown-key-top.yaml': [
    '1:1 missing required key "environments" at the top level',
    '9:1 unknown key "enviroments" at the top level (did you mean "environments"?)',
  ],
  'unknown-key-step.yaml': ['6:5 unknown key "timout" in step 1 (did you mean "timeout"?)'],
  'wrong-type-timeout.yaml': [`6:14 steps[0].timeout: bad duration 10: ${SCALE}`],
  'wrong-type-steps.yaml': ['3:8 steps must be a list, not a string ("npm test")'],
  'environments-as-list.yaml': ['9:15 environments must be a mapping, not a list'],
  'bad-duration.yaml': [`6:14 steps[0].timeout: bad duration "10 minutes": ${SCALE}`],
  'bad-duration-bake.yaml': [`14:13 environments.dev.health.bake: bad duration "5x": ${SCALE}`],
  'unknown-variable.yaml': [`7:16 unknown variable \${env.nam} (did you mean \${env.name}?): ${VARS}`],
  'unknown-variable-in-run.yaml': [`5:23 unknown variable \${git.commit}: ${VARS}`],
  'variable-not-allowed.yaml': ['8:19 stack.template: variables are not allowed here (${env.name})'],
  'missing-template.yaml': ['8:13 template "infra/missing.yaml" does not exist (looked for <repo>/infra/missing.yaml)'],
  'template-outside-dotdot.yaml': ['8:13 template "../outside.yaml" resolves outside the repository: keep it inside <repo>'],
  'template-outside-symlink.yaml': ['8:13 template "infra/escape.yaml" is a symlink that resolves outside the repository (to <outside>)'],
  'template-absolute.yaml': ['8:13 template must be a path relative to the repository root, not an absolute path ("/etc/hostname")'],
  'cwd-outside.yaml': ['6:10 steps[0].cwd "../elsewhere" resolves outside the repository: keep it inside <repo>'],
  'missing-region.yaml': ['10:3 missing required key "region" in environment "dev" (e.g. region: eu-west-1)'],
  'bad-region.yaml': ['11:13 environments.dev.region: "Europe" is not valid: an AWS region looks like eu-west-1 or us-east-2'],
  'empty-steps.yaml': ['3:8 steps is empty: add at least one step, or remove the "steps" key'],
  'step-without-run.yaml': ['4:5 missing required key "run" in step 1'],
  'duplicate-step-names.yaml': ['6:11 duplicate step name "Test" (also step 1): step names must be unique'],
  'missing-stack.yaml': ['1:1 missing required key "stack" at the top level'],
  'bad-stack-name.yaml': [`7:9 stack name "orders_service" is not a valid CloudFormation stack name: ${STACK_RULE}`],
  'stack-name-from-env.yaml': [
    `7:9 stack name "orders-my_env" (for environment "my_env") is not a valid CloudFormation stack name: ${STACK_RULE}`,
  ],
  'bad-capability.yaml': [
    '9:18 stack.capabilities[0]: "CAPABILITY_IAMM" is not one of CAPABILITY_IAM, CAPABILITY_NAMED_IAM, CAPABILITY_AUTO_EXPAND (did you mean "CAPABILITY_IAM"?)',
  ],
  'bad-rollback-policy.yaml': [
    '14:17 environments.dev.health.rollback: "automatic" is not one of auto, prompt, off (did you mean "auto"?)',
  ],
  'version-2.yaml': ['1:10 unsupported version 2: this Deploy Guard reads version: 1'],
  'push-without-branch.yaml': ['12:15 environment "dev" deploys on push but names no branch: add branch: (e.g. branch: main)'],
  'save-on-prod.yaml': [
    '12:16 environment "production" cannot use deployOn: [save] because its name starts with "prod": deploy on save is for dev stacks only',
  ],
  'save-with-alarms.yaml': [
    '12:22 environment "dev" cannot use deployOn: [save] because it has guarded alarms (health): deploy on save is for dev stacks only',
  ],
  'endpoint-not-loopback.yaml': [
    '12:15 environments.dev.endpoint "https://cloudformation.evil.example" is not a loopback address: a repository may only point at a local emulator; set other endpoints in the user setting deployGuard.endpoint',
  ],
};

describe('deployguard.yaml bad-file corpus (exact line:column and message)', () => {
  let repo: ReturnType<typeof makeFixtureRepo>;
  before(() => {
    repo = makeFixtureRepo();
  });
  after(() => repo.dispose());

  async function problemsOf(text: string | undefined, fixture?: string): Promise<{ lines: string[]; valid: boolean; ms: number }> {
    const target = join(repo.root, 'deployguard.yaml');
    if (fixture) copyFileSync(join(FIXTURES, 'bad', fixture), target);
    else writeFileSync(target, text ?? '');
    const started = performance.now();
    const result = await loadPipeline(repo.root);
    const ms = performance.now() - started;
    const lines = result.problems.map((p) =>
      `${p.line}:${p.column} ${p.message}`.split(repo.root).join('<repo>').split(repo.outside).join('<outside>'),
    );
    for (const p of result.problems) assert.equal(p.file, target);
    return { lines, valid: result.config !== undefined, ms };
  }

  it('covers every fixture file, and at least 25 of them', () => {
    const files = readdirSync(join(FIXTURES, 'bad')).sort();
    assert.deepEqual(files, Object.keys(CORPUS).sort());
    assert.ok(files.length >= 25, `${files.length} fixtures`);
  });

  for (const [fixture, expected] of Object.entries(CORPUS)) {
    it(fixture, async () => {
      const { lines, valid } = await problemsOf(undefined, fixture);
      assert.equal(valid, false, 'a bad file must not produce a config');
      assert.deepEqual(lines, expected);
    });
  }

  it('refuses a 5 MB file by its size, without parsing it', async () => {
    const { lines, ms } = await problemsOf(`version: 1\n# ${'x'.repeat(5 * 1024 * 1024)}\n`);
    assert.deepEqual(lines, ['1:1 the file is 5.0 MB; a pipeline file may be at most 1 MB']);
    assert.ok(ms < 200, `${ms} ms`);
  });

  it('refuses deeply nested flow collections before parsing', async () => {
    const { lines, ms } = await problemsOf(`version: 1\nname: ${'['.repeat(200_000)}\n`);
    assert.deepEqual(lines, ['2:71 nested more than 64 levels deep: refusing to parse']);
    assert.ok(ms < 500, `${ms} ms`);
  });

  it('refuses deeply nested block collections and over-long files before parsing', async () => {
    const dashes = await problemsOf(`version: 1\nname: ${'- '.repeat(100_000)}x\n`);
    assert.deepEqual(dashes.lines, ['2:1 indented or nested more than 200 levels deep: refusing to parse']);
    const lines = await problemsOf('# comment\n'.repeat(2500));
    assert.deepEqual(lines.lines, ['2001:1 the file has more than 2000 lines: refusing to parse']);
    const commas = await problemsOf(`version: 1\nname: x\nstack: {${Array.from({ length: 3000 }, (_, i) => `k${i}: v`).join(', ')}}\n`);
    assert.deepEqual(commas.lines, ['3:1 the file has more than 2000 list or map entries separated by commas: refusing to parse']);
    for (const r of [dashes, lines, commas]) assert.ok(r.ms < 1000, `${r.ms} ms`);
  });

  it('refuses a custom tag on a mapping, and finds duplicate keys at any depth', async () => {
    const tagged = await problemsOf(
      'version: 1\nname: x\nstack: !Ref { name: a, template: infra/template.yaml }\nenvironments: { dev: { region: eu-west-1 } }\n',
    );
    assert.deepEqual(tagged.lines, ['3:8 custom YAML tags are not allowed (!Ref): write plain values']);
    const nested = await problemsOf(
      'version: 1\nname: x\nstack: { name: a, template: infra/template.yaml }\nenvironments:\n  dev:\n    region: eu-west-1\n    region: eu-west-2\n',
    );
    assert.deepEqual(nested.lines, ['7:5 duplicate key "region": each key may appear once']);
  });

  it('rejects the YAML bomb quickly', async () => {
    const { ms } = await problemsOf(undefined, 'yaml-bomb.yaml');
    assert.ok(ms < 500, `${ms} ms`);
  });

  it('reports every problem of a file with many at once, in file order', async () => {
    const text = [
      'version: 1',
      'name: orders',
      'steps:',
      '  - name: Build',
      '    run: make ${git.commit}',
      '    timeout: soon',
      'stack:',
      '  name: orders-${env.name}',
      '  template: infra/nope.yaml',
      '  colour: blue',
      'environments:',
      '  dev:',
      '    deployOn: [save]',
      '',
    ].join('\n');
    const { lines } = await problemsOf(text);
    assert.deepEqual(lines, [
      `5:15 unknown variable \${git.commit}: ${VARS}`,
      `6:14 steps[0].timeout: bad duration "soon": ${SCALE}`,
      // With steps, a missing template is one a step must make: a note, not an error.
      '9:13 template "infra/nope.yaml" does not exist yet: it must be made by one of the steps (Build), and is read after them',
      '10:3 unknown key "colour" in stack',
      '12:3 missing required key "region" in environment "dev" (e.g. region: eu-west-1)',
    ]);
  });
});
