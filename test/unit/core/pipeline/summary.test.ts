import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describePipeline } from '../../../../src/core/pipeline/summary';
import type { PipelineConfig } from '../../../../src/core/pipeline/types';

function config(steps: number, stack: Partial<PipelineConfig['stack']> = {}): PipelineConfig {
  const base = {
    version: 1,
    name: 'orders',
    steps: Array.from({ length: steps }, (_, i) => ({ name: `s${i}`, run: 'true', env: {} })),
    stack: { name: 'orders-dev', template: 'template.yaml', parameters: {}, capabilities: [], tags: {}, ...stack },
    environments: { dev: { name: 'dev', region: 'us-east-1' }, prod: { name: 'prod', region: 'eu-west-1' } },
  };
  return base as unknown as PipelineConfig;
}

describe('describePipeline: the one line a valid pipeline file gets', () => {
  const cases: [string, PipelineConfig, string][] = [
    ['one step', config(1), '1 step, environments dev, prod'],
    ['three steps', config(3), '3 steps, environments dev, prod'],
    [
      'a CDK app and no steps of its own',
      config(0, { cdk: { stack: 'OrdersStack' } }),
      'no steps, then the CDK stack OrdersStack synthesised in the repository root, environments dev, prod',
    ],
    [
      'a CDK app in a folder, after a step',
      config(1, { cdk: { stack: 'Prod/Orders', cwd: 'infra' } }),
      '1 step, then the CDK stack Prod/Orders synthesised in infra, environments dev, prod',
    ],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => assert.equal(describePipeline(input), expected));
  }
});
