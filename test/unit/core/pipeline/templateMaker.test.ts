import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makerWords, stepMakingTemplate } from '../../../../src/core/pipeline/templateMaker';
import type { StepConfig } from '../../../../src/core/pipeline/types';

const step = (name: string, run: string, cwd?: string): StepConfig => ({ name, run, env: {}, ...(cwd ? { cwd } : {}) });

describe('stepMakingTemplate', () => {
  it('finds the step that runs a tool writing the template folder', () => {
    const steps = [step('Install', 'npm ci'), step('Synth', 'npx cdk synth OrdersStack'), step('Test', 'npm test')];
    assert.equal(stepMakingTemplate(steps, 'cdk.out/OrdersStack.template.json')?.name, 'Synth');
    assert.equal(stepMakingTemplate([step('Build', 'sam build')], '.aws-sam/build/template.yaml')?.name, 'Build');
  });

  it('finds a step naming the file or its folder, the last such step winning', () => {
    assert.equal(stepMakingTemplate([step('A', 'make build/stack.yaml')], 'build/stack.yaml')?.name, 'A');
    assert.equal(stepMakingTemplate([step('A', 'mkdir -p build'), step('B', 'cp x build/')], './build/stack.yaml')?.name, 'B');
    assert.equal(stepMakingTemplate([step('A', 'node gen.js > ../out/stack.yaml', 'tools')], 'out/stack.yaml')?.name, 'A');
  });

  it('names nobody when no step obviously makes it', () => {
    assert.equal(stepMakingTemplate([step('Test', 'npm test')], 'cdk.out/X.template.json'), undefined);
    assert.equal(
      stepMakingTemplate([step('Test', 'rebuild everything')], 'build/stack.yaml'),
      undefined,
      'a word that only contains the folder',
    );
    assert.equal(makerWords([step('Test', 'npm test'), step('Lint', 'npm run lint')], 'x/y.yaml'), 'one of the steps (Test, Lint)');
    assert.equal(makerWords([step('Test', 'npm test')], 'x/y.yaml'), 'step Test');
  });
});
