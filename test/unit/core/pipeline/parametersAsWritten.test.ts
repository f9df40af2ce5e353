import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveVariables, validatePipelineText } from '../../../../src/core/pipeline';
import { makeFixtureRepo } from './fixtureRepo';

const ctx = { envName: 'dev', processEnv: {} };

describe('parameters as people write them', () => {
  let repo: ReturnType<typeof makeFixtureRepo>;
  before(() => {
    repo = makeFixtureRepo();
    writeFileSync(
      join(repo.root, 'infra', 'params.yaml'),
      'Parameters:\n  ClusterVersion: { Type: String }\n  TrustedAccount: { Type: String, Default: "000000000000" }\n  LogFormat: { Type: String, Default: x }\nResources: {}\n',
    );
  });
  after(() => repo.dispose());

  const validate = (stackParameters: string, environments: string) =>
    validatePipelineText(
      `version: 1\nname: svc\nstack:\n  name: svc-\${env.name}\n  template: infra/params.yaml\n  parameters: ${stackParameters}\nenvironments:\n${environments}`,
      { file: join(repo.root, 'deployguard.yaml'), repoRoot: repo.root },
    );

  it('keeps the text of values YAML reads as numbers, and lets an environment override the stack', () => {
    const result = validate(
      '{ ClusterVersion: 1.30, TrustedAccount: 012345678901 }',
      '  dev:\n    region: eu-west-1\n  prod:\n    region: eu-west-1\n    parameters: { ClusterVersion: 1.31 }\n    tags: { owner: 007 }\n',
    );
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.config!.stack.parameters, { ClusterVersion: '1.30', TrustedAccount: '012345678901' });
    assert.deepEqual(result.config!.environments.prod!.parameters, { ClusterVersion: '1.31' });
    assert.deepEqual(result.config!.environments.prod!.tags, { owner: '007' });
  });

  it('reports parameters the template does not declare, with the closest name, and required ones nothing sets', () => {
    const result = validate(
      '{ ClusterVersoin: "1.30" }',
      '  dev:\n    region: eu-west-1\n    parameters: { ClusterVersion: "1.29" }\n  prod:\n    region: eu-west-1\n    parameters: { Bogus: x }\n',
    );
    assert.deepEqual(
      result.problems.map((p) => [p.line, p.severity, p.code, p.message]),
      [
        [
          6,
          'warning',
          'parameter-not-set',
          "parameter ClusterVersion has no Default in infra/params.yaml and nothing sets it for environment prod: creating the stack there fails (an existing stack keeps its value); set it under stack.parameters or the environment's parameters",
        ],
        [
          6,
          'error',
          'undeclared-parameter',
          'stack.parameters.ClusterVersoin: the template infra/params.yaml declares no parameter ClusterVersoin (did you mean ClusterVersion?); CloudFormation would refuse it',
        ],
        [
          13,
          'error',
          'undeclared-parameter',
          'environments.prod.parameters.Bogus: the template infra/params.yaml declares no parameter Bogus (it declares ClusterVersion, TrustedAccount, LogFormat); CloudFormation would refuse it',
        ],
      ],
    );
  });

  it('writes $${…} as the literal ${…}, and tells the escape for text that is not one of ours', () => {
    assert.equal(resolveVariables('$${AWS::Region}-${env.name} costs $$5', ctx), '${AWS::Region}-dev costs $$5');
    assert.equal(resolveVariables('$${env.name}', ctx), '${env.name}');
    const escaped = validate('{ ClusterVersion: "1", LogFormat: "$${AWS::Region} $${env.name}" }', '  dev:\n    region: eu-west-1\n');
    assert.deepEqual(escaped.problems, []);
    const unescaped = validate('{ ClusterVersion: "1", LogFormat: "${AWS::Region}" }', '  dev:\n    region: eu-west-1\n');
    assert.equal(unescaped.problems[0]!.code, 'unknown-variable');
    assert.match(unescaped.problems[0]!.message, /; for the literal text write \$\$\{AWS::Region\}$/);
  });
});
