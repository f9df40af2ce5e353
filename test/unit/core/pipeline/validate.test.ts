import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadPipeline, validatePipelineText, HEALTH_DEFAULTS } from '../../../../src/core/pipeline';
import { editDistance, closest } from '../../../../src/core/pipeline/didYouMean';
import { FIXTURES, makeFixtureRepo } from './fixtureRepo';

describe('loadPipeline on a valid file', () => {
  let repo: ReturnType<typeof makeFixtureRepo>;
  before(() => {
    repo = makeFixtureRepo();
  });
  after(() => repo.dispose());

  it('builds the typed model with the documented defaults', async () => {
    const result = await loadPipeline(repo.root);
    assert.deepEqual(result.problems, []);
    const config = result.config!;
    assert.equal(result.file, join(repo.root, 'deployguard.yaml'));
    assert.equal(config.name, 'orders-service');
    assert.deepEqual(
      config.steps.map((s) => [s.name, s.timeoutMs]),
      [
        ['Install', undefined],
        ['Test', 600_000],
        ['Package', undefined],
      ],
    );
    // Scalars in env maps become strings; variables are kept for per-deployment resolution.
    assert.deepEqual(config.steps[2]!.env, { STAGE: '${env.name}', RETRIES: '3' });
    assert.equal(config.stack.name, 'orders-${env.name}');
    assert.deepEqual(config.stack.capabilities, ['CAPABILITY_IAM']);
    const dev = config.environments.dev!;
    assert.equal(dev.confirm, false);
    assert.deepEqual(dev.deployOn, ['save']);
    assert.equal(dev.health, undefined);
    const prod = config.environments.prod!;
    assert.equal(prod.confirm, true, 'prod* environments always confirm');
    assert.deepEqual(prod.health, {
      alarms: ['orders-prod-5xx'],
      alarmPrefix: 'orders-prod-',
      stackAlarms: true,
      bakeMs: 600_000,
      pollSeconds: 10,
      rollback: 'auto',
    });
  });

  it('applies health defaults and forces confirm on prod with a warning', () => {
    const text = `version: 1
name: svc
stack: { name: svc, template: infra/template.yaml }
environments:
  production:
    region: us-east-1
    confirm: false
    health: { alarms: [a] }
`;
    const result = validatePipelineText(text, { file: '/x/deployguard.yaml', repoRoot: repo.root });
    assert.deepEqual(
      result.problems.map((p) => [p.line, p.column, p.severity, p.code]),
      [[7, 14, 'warning', 'confirm-forced']],
    );
    const env = result.config!.environments.production!;
    assert.equal(env.confirm, true);
    assert.equal(env.health!.bakeMs, HEALTH_DEFAULTS.bakeMs);
    assert.equal(env.health!.pollSeconds, HEALTH_DEFAULTS.pollSeconds);
    assert.equal(env.health!.rollback, 'auto');
    assert.deepEqual(result.config!.steps, []);
  });

  it('leaves bash variables in run alone but checks ours', () => {
    const text = `version: 1
name: svc
steps:
  - name: ok
    run: echo "\${HOME} \${1:-x} \${env.name} \${env:TOKEN} \${git.sha}"
stack: { name: svc, template: infra/template.yaml }
environments: { dev: { region: eu-west-1 } }
`;
    const result = validatePipelineText(text, { file: '/x/deployguard.yaml', repoRoot: repo.root });
    assert.deepEqual(result.problems, []);
    assert.ok(result.config);
  });

  it('validates text without a repository (no file checks)', () => {
    const text = `version: 1\nname: svc\nstack: { name: svc, template: does/not/exist.yaml }\nenvironments: { dev: { region: eu-west-1 } }\n`;
    assert.ok(validatePipelineText(text, { file: '/x/deployguard.yaml' }).config);
  });

  it('a missing template is a note naming the step expected to make it when steps run, an error when none do', () => {
    const text = (steps: string) =>
      `version: 1\nname: svc\n${steps}stack: { name: svc, template: cdk.out/Orders.template.json }\nenvironments: { dev: { region: eu-west-1 } }\n`;
    const withSynth = validatePipelineText(text('steps:\n  - { name: Synth, run: npx cdk synth }\n'), {
      file: '/x/deployguard.yaml',
      repoRoot: repo.root,
    });
    assert.ok(withSynth.config);
    assert.deepEqual(
      withSynth.problems.map((p) => [p.severity, p.code]),
      [['info', 'template-made-by-step']],
    );
    assert.match(withSynth.problems[0]!.message, /does not exist yet: step Synth is expected to make it/);
    const unnamed = validatePipelineText(text('steps:\n  - { name: Test, run: npm test }\n'), {
      file: '/x/deployguard.yaml',
      repoRoot: repo.root,
    });
    assert.ok(unnamed.config);
    assert.match(unnamed.problems[0]!.message, /must be made by one of the steps \(Test\)/);
    const none = validatePipelineText(text(''), { file: '/x/deployguard.yaml', repoRoot: repo.root });
    assert.equal(none.config, undefined);
    assert.equal(none.problems[0]!.code, 'file-not-found');
  });

  it('checks stack.roleArn is a role ARN, and lets it use variables', () => {
    const text = (arn: string) =>
      `version: 1\nname: svc\nstack: { name: svc, template: infra/template.yaml, roleArn: "${arn}" }\nenvironments: { dev: { region: eu-west-1 } }\n`;
    const options = { file: '/x/deployguard.yaml', repoRoot: repo.root };
    assert.deepEqual(validatePipelineText(text('arn:aws:iam::123456789012:role/deploy/orders'), options).problems, []);
    assert.deepEqual(validatePipelineText(text('arn:aws:iam::123456789012:role/deploy-${env.name}'), options).problems, []);
    const bad = validatePipelineText(text('deploy-role'), options);
    assert.deepEqual(
      bad.problems.map((p) => p.code),
      ['bad-role-arn'],
    );
    assert.match(bad.problems[0]!.message, /is not an IAM role ARN: it looks like arn:aws:iam::123456789012:role\/deploy-orders/);
  });

  it('reports a missing pipeline file at 1:1 without throwing', async () => {
    const result = await loadPipeline(repo.root, { file: 'nope.yaml' });
    assert.equal(result.config, undefined);
    assert.equal(result.problems.length, 1);
    assert.equal(result.problems[0]!.code, 'file-not-found');
    assert.match(result.problems[0]!.message, /nope\.yaml does not exist/);
  });

  it('warns when a template is too large to send inline', async () => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(repo.root, 'infra', 'big.yaml'), `# ${'x'.repeat(60_000)}\nResources: {}\n`);
    const text = `version: 1\nname: svc\nstack: { name: svc, template: infra/big.yaml }\nenvironments: { dev: { region: eu-west-1 } }\n`;
    const result = validatePipelineText(text, { file: join(repo.root, 'deployguard.yaml'), repoRoot: repo.root });
    assert.deepEqual(
      result.problems.map((p) => p.code),
      ['template-too-large'],
    );
    assert.match(result.problems[0]!.message, /60,017 bytes.*templateBucket/);
    const withBucket = text.replace('infra/big.yaml', 'infra/big.yaml, templateBucket: my-artifacts');
    assert.ok(validatePipelineText(withBucket, { file: 'f', repoRoot: repo.root }).config);
  });

  it('the shipped example in the fixtures is valid', async () => {
    const result = await loadPipeline(join(FIXTURES, 'repo'));
    assert.deepEqual(result.problems, []);
  });
});

describe('did you mean', () => {
  it('counts a transposition as one edit', () => {
    assert.equal(editDistance('dve', 'dev'), 1);
    assert.equal(editDistance('timout', 'timeout'), 1);
    assert.equal(editDistance('abc', 'xyz'), 3);
  });
  it('suggests only close names', () => {
    assert.equal(closest('enviroments', ['environments', 'steps']), 'environments');
    assert.equal(closest('automatic', ['auto', 'prompt', 'off']), 'auto');
    assert.equal(closest('zzz', ['environments', 'steps']), undefined);
    assert.equal(closest('STEPS', ['steps']), 'steps');
  });
});

describe('stack name variables', () => {
  const base = (name: string) =>
    `version: 1\nname: s\nstack: { name: "${name}", template: t.yaml }\nenvironments: { dev: { region: eu-west-1 } }\n`;
  it('refuses ${deployment.id} and warns about per-commit stacks', () => {
    const byId = validatePipelineText(base('s-${deployment.id}'), { file: '/r/deployguard.yaml' });
    assert.deepEqual(
      byId.problems.map((p) => [p.line, p.column, p.severity, p.code]),
      [[3, 16, 'error', 'bad-stack-name']],
    );
    const bySha = validatePipelineText(base('s-${git.shortSha}'), { file: '/r/deployguard.yaml' });
    assert.deepEqual(
      bySha.problems.map((p) => [p.severity, p.code]),
      [['warning', 'stack-per-commit']],
    );
    assert.ok(bySha.config);
  });
});

describe('environments.NAME.account', () => {
  const base = (account: string) =>
    `version: 1\nname: s\nstack: { name: s, template: t.yaml }\nenvironments:\n  prod:\n    region: eu-west-1\n    account: ${account}\n`;
  const check = (account: string) => validatePipelineText(base(account), { file: '/r/deployguard.yaml' });

  it('a quoted 12-digit id pins the environment', () => {
    const result = check('"012345678901"');
    assert.deepEqual(result.problems, []);
    assert.equal(result.config!.environments.prod!.account, '012345678901');
  });

  it('a number is refused at its position with the quoted form, leading zeros kept from the source', () => {
    const [problem, ...rest] = check('012345678901').problems;
    assert.equal(rest.length, 0);
    assert.deepEqual([problem!.line, problem!.column, problem!.code], [7, 14, 'account-not-quoted']);
    assert.match(problem!.message, /environments\.prod\.account must be in quotes.*write account: "012345678901"/);
  });

  it('anything but 12 digits is refused', () => {
    for (const bad of ['"12345"', '"1234567890123"', '"12345678901a"']) {
      const result = check(bad);
      assert.equal(result.config, undefined, bad);
      assert.match(result.problems[0]!.message, /12 digits, in quotes/, bad);
    }
  });
});

describe('history: (top level and per environment)', () => {
  const text = (top: string, env: string) =>
    `version: 1\nname: s\nstack: { name: s, template: t.yaml }\n${top}environments:\n  prod:\n    region: eu-west-1\n${env}`;
  const check = (top: string, env: string) => validatePipelineText(text(top, env), { file: '/r/deployguard.yaml' });

  it('s3://BUCKET/PREFIX at the top and in an environment are kept for the location choice', () => {
    const result = check('history: s3://team-ledger/orders\n', '    history: s3://prod-ledger\n');
    assert.deepEqual(result.problems, []);
    assert.equal(result.config!.history, 's3://team-ledger/orders');
    assert.equal(result.config!.environments.prod!.history, 's3://prod-ledger');
    assert.equal(check('', '').config!.history, undefined);
  });

  it('anything else is refused at its position', () => {
    const [top] = check('history: /tmp/ledger\n', '').problems;
    assert.deepEqual([top!.line, top!.column], [4, 10]);
    assert.match(top!.message, /history.*s3:\/\/BUCKET\/PREFIX/);
    const [env] = check('', '    history: s3://Upper_Case\n').problems;
    assert.equal(env!.line, 7);
    assert.match(env!.message, /environments\.prod\.history/);
  });
});

describe('environments.NAME.notify and stack.notificationArns', () => {
  const TOPIC = 'arn:aws:sns:eu-west-1:111111111111:deploys';
  const check = (stackExtra: string, envExtra: string) =>
    validatePipelineText(
      `version: 1\nname: s\nstack: { name: s, template: t.yaml${stackExtra} }\nenvironments:\n  prod:\n    region: eu-west-1\n${envExtra}`,
      { file: '/r/deployguard.yaml' },
    );

  it('SNS topic ARNs are taken into the model', () => {
    const result = check(`, notificationArns: [${TOPIC}]`, `    notify:\n      sns: [${TOPIC}, ${TOPIC}.fifo]\n`);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.config!.stack.notificationArns, [TOPIC]);
    assert.deepEqual(result.config!.environments.prod!.notify, { sns: [TOPIC, `${TOPIC}.fifo`] });
  });

  it('absent: no notify section, no NotificationARNs', () => {
    const result = check('', '');
    assert.equal(result.config!.environments.prod!.notify, undefined);
    assert.equal(result.config!.stack.notificationArns, undefined);
  });

  it('a webhook is not a key of the file, and anything but a topic ARN is refused', () => {
    assert.equal(check('', '    notify:\n      webhook: https://hooks.example.com/x\n').config, undefined);
    for (const bad of ['arn:aws:sqs:eu-west-1:111111111111:q', 'https://sns.example.com/topic', 'arn:aws:sns:eu-west-1:1111:t']) {
      const result = check('', `    notify:\n      sns: ["${bad}"]\n`);
      assert.equal(result.config, undefined, bad);
      assert.match(result.problems[0]!.message, /an SNS topic ARN/, bad);
    }
  });
});
