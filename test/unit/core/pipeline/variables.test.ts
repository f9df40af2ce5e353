import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeployGuardError } from '../../../../src/core/errors';
import {
  findVariables,
  pipelineSecrets,
  resolveVariables,
  toShellReferences,
  variableEnvironment,
  type VariableContext,
} from '../../../../src/core/pipeline';

const ctx: VariableContext = {
  envName: 'dev',
  git: { sha: '0123456789abcdef0123456789abcdef01234567', branch: 'feature/x' },
  deploymentId: '20261126T223000123Z-ab12cd',
  processEnv: { TOKEN: 's3cr3t-value', EMPTY: '' },
};

describe('variables', () => {
  it('resolves every built-in and ${env:VAR} in values', () => {
    assert.equal(
      resolveVariables('${env.name}|${git.sha}|${git.shortSha}|${git.branch}|${deployment.id}|${env:TOKEN}|${env:EMPTY}', ctx),
      'dev|0123456789abcdef0123456789abcdef01234567|0123456|feature/x|20261126T223000123Z-ab12cd|s3cr3t-value|',
    );
  });

  it('throws ConfigInvalid naming the variable when it has no value', () => {
    assert.throws(
      () => resolveVariables('x-${env:MISSING}', ctx, 'stack.name'),
      (err) =>
        DeployGuardError.is(err, 'ConfigInvalid') &&
        /\$\{env:MISSING\} in stack\.name: environment variable MISSING is not set/.test(err.message),
    );
    assert.throws(
      () => resolveVariables('${git.sha}', { envName: 'dev', processEnv: {} }),
      (err) => DeployGuardError.is(err, 'ConfigInvalid') && /not a git repository/.test(err.message),
    );
    assert.throws(
      () => resolveVariables('${nope}', ctx),
      (err) => DeployGuardError.is(err, 'ConfigInvalid'),
    );
  });

  it('turns variables in bash into environment references, never values', () => {
    const hostile: VariableContext = { ...ctx, git: { sha: ctx.git!.sha, branch: '$(touch /tmp/pwned)' } };
    const script = toShellReferences('echo ${git.branch} "${env.name}" ${env:TOKEN} ${HOME}', hostile);
    assert.equal(script, 'echo ${DEPLOYGUARD_GIT_BRANCH} "${DEPLOYGUARD_ENV}" ${TOKEN} ${HOME}');
    assert.ok(!script.includes('touch'));
    assert.deepEqual(variableEnvironment(hostile), {
      DEPLOYGUARD_ENV: 'dev',
      DEPLOYGUARD_GIT_SHA: ctx.git!.sha,
      DEPLOYGUARD_GIT_SHORT_SHA: '0123456',
      DEPLOYGUARD_GIT_BRANCH: '$(touch /tmp/pwned)',
      DEPLOYGUARD_DEPLOYMENT_ID: '20261126T223000123Z-ab12cd',
    });
  });

  it('finds only our references in shell mode', () => {
    const refs = findVariables('${HOME} ${1:-x} ${env.name} ${env:A} ${git.nope}', 'shell');
    assert.deepEqual(
      refs.map((r) => [r.kind, r.name, r.index]),
      [
        ['builtin', 'env.name', 16],
        ['process-env', 'A', 28],
        ['unknown', 'git.nope', 37],
      ],
    );
  });

  it('collects the ${env:VAR} values used anywhere as secrets', () => {
    const secrets = pipelineSecrets(
      {
        steps: [{ run: 'deploy --token ${env:TOKEN}', env: {} }],
        stack: { name: 's', parameters: { P: '${env:TOKEN}', Q: '${env:MISSING}' }, tags: {} },
      },
      ctx.processEnv,
    );
    assert.deepEqual(secrets, ['s3cr3t-value']);
  });
});
