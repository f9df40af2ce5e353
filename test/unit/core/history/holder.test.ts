import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { holderIdentity, holderWords, identityWords } from '../../../../src/core/history/holder';

describe('holder identity', () => {
  it('names a person at a machine outside CI', () => {
    assert.deepEqual(holderIdentity({}, 'ana', 'laptop'), { name: 'ana@laptop' });
  });

  it('names the CI run and its page from the runner variables', () => {
    const cases: [NodeJS.ProcessEnv, { name: string; url?: string; ci: string }][] = [
      [
        { GITHUB_ACTIONS: 'true', GITHUB_RUN_ID: '4711', GITHUB_REPOSITORY: 'acme/orders', GITHUB_SERVER_URL: 'https://ghe.example/' },
        { name: 'CI run 4711', url: 'https://ghe.example/acme/orders/actions/runs/4711', ci: 'GitHub Actions' },
      ],
      [
        { GITHUB_ACTIONS: 'true', GITHUB_RUN_ID: '9' },
        { name: 'CI run 9', ci: 'GitHub Actions' },
      ],
      [
        { GITLAB_CI: 'true', CI_JOB_ID: '77', CI_JOB_URL: 'https://gitlab.example/acme/-/jobs/77' },
        { name: 'CI run 77', url: 'https://gitlab.example/acme/-/jobs/77', ci: 'GitLab CI' },
      ],
      [
        { CODEBUILD_BUILD_ID: 'orders:abc', CODEBUILD_BUILD_URL: 'https://console.aws/codebuild/abc' },
        { name: 'CI run orders:abc', url: 'https://console.aws/codebuild/abc', ci: 'CodeBuild' },
      ],
      [
        { JENKINS_URL: 'https://jenkins/', BUILD_NUMBER: '12', BUILD_URL: 'https://jenkins/job/orders/12/' },
        { name: 'CI run 12', url: 'https://jenkins/job/orders/12/', ci: 'Jenkins' },
      ],
    ];
    for (const [env, expected] of cases) assert.deepEqual(holderIdentity(env, 'runner', 'host'), expected);
  });

  it('a CI variable without its run id falls back to the person; control characters are dropped', () => {
    assert.deepEqual(holderIdentity({ GITLAB_CI: 'true' }, 'ci', 'box'), { name: 'ci@box' });
    assert.equal(holderIdentity({ JENKINS_URL: 'x', BUILD_NUMBER: '5\u001b[2J' }, 'u', 'h').name, 'CI run 5[2J');
  });

  it('words: the holder with its page', () => {
    assert.equal(holderWords({ by: 'CI run 4711', byUrl: 'https://x/4711' }), 'CI run 4711 (https://x/4711)');
    assert.equal(holderWords({ by: 'ana@laptop' }), 'ana@laptop');
    assert.equal(holderWords({}), undefined);
  });

  it('words: who started a deployment, with the CI system and page when there are', () => {
    assert.equal(identityWords({ name: 'ana@laptop' }), 'ana@laptop');
    assert.equal(
      identityWords({ name: 'CI run 4711', ci: 'GitHub Actions', url: 'https://x/4711' }),
      'CI run 4711 (GitHub Actions, https://x/4711)',
    );
    assert.equal(identityWords({ name: 'CI run 9', ci: 'Jenkins' }), 'CI run 9 (Jenkins)');
  });
});
