import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { AwsClients } from '../../src/core/aws/clients';
import { HistoryBucket } from '../../src/core/aws/historyBucket';
import { holderIdentity } from '../../src/core/history/holder';
import type { DeploymentRecord } from '../../src/core/history/record';
import { S3HistoryStore, type S3StackHistory } from '../../src/core/history/s3Store';
import { SHARED_HISTORY_REFRESH } from '../../src/extension/deployments/refreshPolicy';
import { ACCOUNT, record, REGION } from '../support/healthFixtures';
import { MOTO_ENV, startMoto, type Moto } from '../support/moto';
import { answerDialog, statusBarText, waitForStatusBar, withScreenshot } from './editorSupport';
import { startWorkbench, waitFor, type Workbench } from './support/workbench';

// A window whose Deployments view is never shown, on a workspace whose history is a team bucket
// (moto): the status bar still names the deployment a CI run has open in that bucket, from the
// read the extension defers until a few seconds after activation, and lets go of it when the run
// ends (the refresher's loop, which reads while the status bar names one).
const START_TIMEOUT = 5 * 60_000;
const BUCKET = 'team-status-history';
const PREFIX = 'team';
const STACK = 'team-prod';

const PIPELINE = `version: 1
name: team-status-e2e
history: s3://${BUCKET}/${PREFIX}
stack:
  name: team-\${env.name}
  template: infra/template.yaml
environments:
  prod:
    region: ${REGION}
`;

const TEMPLATE = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Topic:
    Type: AWS::SNS::Topic
`;

/** The CI run as its runner's variables name it, the way a deploy on that runner records it. */
const CI_RUN = holderIdentity(
  { GITHUB_ACTIONS: 'true', GITHUB_RUN_ID: '4711', GITHUB_REPOSITORY: 'acme/orders', GITHUB_SERVER_URL: 'https://github.com' },
  'runner',
  'ci-host',
);

describe(
  'the status bar names a run elsewhere in a team history, the Deployments view never shown',
  { timeout: START_TIMEOUT + 5 * 60_000 },
  () => {
    let moto: Moto | undefined;
    let bench: Workbench | undefined;
    let clients: AwsClients | undefined;
    let stack: S3StackHistory | undefined;
    let open: DeploymentRecord | undefined;
    let workbenchReadyAt = 0;
    const repo = mkdtempSync(join(tmpdir(), 'deployguard-team-status-'));
    const home = mkdtempSync(join(tmpdir(), 'deployguard-team-status-home-'));
    const ciCache = mkdtempSync(join(tmpdir(), 'deployguard-team-status-ci-'));
    const wb = () => {
      assert.ok(bench, 'the workbench did not start');
      return bench;
    };
    /** The Deployments view is not on screen (and so VS Code asked its tree for nothing). */
    const assertViewNeverShown = async () => {
      assert.deepEqual(
        (await wb().visibleViews()).filter((v) => v === 'Deployments'),
        [],
        'the Deployments view is shown: this test is about a window where it never was',
      );
    };

    before(
      async () => {
        moto = await startMoto();
        const s3 = new S3Client({
          endpoint: moto.endpoint,
          region: REGION,
          forcePathStyle: true,
          credentials: { accessKeyId: MOTO_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: MOTO_ENV.AWS_SECRET_ACCESS_KEY },
        });
        try {
          await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
        } finally {
          s3.destroy();
        }
        // The CI runner's deploy, open in the team bucket: written through the engine's own S3 store,
        // as that runner's deploy wrote it (its machine's cache is its own folder, not this window's).
        // The engine's clients in this process take their credentials from the environment, as the runner's do.
        Object.assign(process.env, MOTO_ENV);
        clients = new AwsClients({ region: REGION, endpoint: moto.endpoint }, { maxAttempts: 2 });
        const aws = clients;
        const store = new S3HistoryStore({
          bucket: new HistoryBucket(() => aws.s3(), BUCKET, ACCOUNT),
          prefix: PREFIX,
          cacheRoot: ciCache,
        });
        stack = store.stack({ account: ACCOUNT, region: REGION, stackName: STACK });
        open = record({ environment: 'prod', stackName: STACK, status: 'deploying', trigger: 'cli', startedBy: CI_RUN });
        await stack.write(open);

        writeFileSync(join(repo, 'deployguard.yaml'), PIPELINE);
        mkdirSync(join(repo, 'infra'));
        writeFileSync(join(repo, 'infra', 'template.yaml'), TEMPLATE);
        bench = await startWorkbench({
          workspace: repo,
          trust: true,
          name: 'team-status',
          env: { ...MOTO_ENV, AWS_ENDPOINT_URL: moto.endpoint, DEPLOYGUARD_HOME: home },
        });
        workbenchReadyAt = Date.now();
      },
      { timeout: START_TIMEOUT },
    );

    after(async () => {
      await bench?.close();
      clients?.dispose();
      await moto?.stop();
      for (const dir of [repo, home, ciCache]) rmSync(dir, { recursive: true, force: true });
    });

    it('names the CI run from the read deferred after activation, with no Deployments view ever shown', (t: TestContext) =>
      withScreenshot(bench, 'team-status-elsewhere', async () => {
        await assertViewNeverShown();
        // The deferred read comes a few seconds after activation (trust was granted at start-up); the
        // bound allows for loading the engine and the AWS SDK on a busy machine, and stays under the
        // 30 s focus gap: nothing but the deferred read can have put it there.
        const bound = SHARED_HISTORY_REFRESH.firstReadDelayMs + 25_000;
        const text = await waitForStatusBar(wb(), 'prod', /^prod: deploying — CI run 4711$/, bound);
        t.diagnostic(
          `the status bar named the CI run ${((Date.now() - workbenchReadyAt) / 1000).toFixed(1)} s after the workbench was ready`,
        );
        assert.equal(text, 'prod: deploying — CI run 4711');
        await assertViewNeverShown();
        assert.doesNotMatch(wb().extensionLog(), /team history could not be read/, 'the read worked: no failure line');
        await wb().screenshot('team-status-elsewhere');
      }));

    it('lets go of it once the CI run ends, the view still never shown', () =>
      withScreenshot(bench, 'team-status-ended', async () => {
        assert.ok(stack && open, 'the open record was not written');
        assert.equal(await statusBarText(wb().page, 'prod'), 'prod: deploying — CI run 4711', 'the run is named before it ends');
        await stack.write({
          ...open,
          status: 'stable',
          finishedAt: new Date().toISOString(),
          verification: { kind: 'unguarded', at: new Date().toISOString() },
        });
        // The refresher's loop reads every 30 s while the status bar names a run elsewhere.
        await waitForStatusBar(wb(), 'prod', /^$/, SHARED_HISTORY_REFRESH.runningElsewhereMs + 30_000).catch(async (err: unknown) => {
          throw new Error(`${String(err)}; the status bar still says "${await statusBarText(wb().page, 'prod')}"`);
        });
        await assertViewNeverShown();
      }));
  },
);

describe(
  'a team history that cannot be read stays quiet in a window whose Deployments view was never shown',
  { timeout: START_TIMEOUT + 2 * 60_000 },
  () => {
    let moto: Moto | undefined;
    let bench: Workbench | undefined;
    const repo = mkdtempSync(join(tmpdir(), 'deployguard-team-quiet-'));
    const home = mkdtempSync(join(tmpdir(), 'deployguard-team-quiet-home-'));
    const wb = () => {
      assert.ok(bench, 'the workbench did not start');
      return bench;
    };

    before(
      async () => {
        moto = await startMoto();
        // The bucket the file names was never created: every read of it fails.
        writeFileSync(join(repo, 'deployguard.yaml'), PIPELINE.replace(`s3://${BUCKET}/`, 's3://no-such-team-bucket/'));
        mkdirSync(join(repo, 'infra'));
        writeFileSync(join(repo, 'infra', 'template.yaml'), TEMPLATE);
        bench = await startWorkbench({
          workspace: repo,
          trust: true,
          name: 'team-quiet',
          env: { ...MOTO_ENV, AWS_ENDPOINT_URL: moto.endpoint, DEPLOYGUARD_HOME: home },
        });
      },
      { timeout: START_TIMEOUT },
    );

    after(async () => {
      await bench?.close();
      await moto?.stop();
      for (const dir of [repo, home]) rmSync(dir, { recursive: true, force: true });
    });

    it('writes one log line, shows no notification and nothing in the status bar', () =>
      withScreenshot(bench, 'team-quiet', async () => {
        const failure = /team history could not be read in the background/g;
        await waitFor(
          'the deferred read to fail and say so in the log',
          () => (wb().extensionLog().match(failure) ? true : undefined),
          SHARED_HISTORY_REFRESH.firstReadDelayMs + 25_000,
          250,
        );
        assert.equal(wb().extensionLog().match(failure)?.length, 1, wb().extensionLog());
        const lines = wb().extensionLog().split('\n');
        // Activation's own look for interrupted deployments in the team journal says, once, that it
        // could not look: a warning (nothing known to be in flight), not an error.
        const reattach = /\[warning\] Could not look for prod deployments to reattach to: .*no-such-team-bucket/;
        assert.equal(lines.filter((line) => reattach.test(line)).length, 1, wb().extensionLog());
        assert.deepEqual(
          lines.filter((line) => /\[(warning|error)\]/.test(line) && !reattach.test(line)),
          [],
          'a background read that failed logged warnings or errors',
        );
        assert.deepEqual(await wb().notifications(), [], 'a background read that failed showed a notification');
        assert.equal(await statusBarText(wb().page, 'prod'), '');
        assert.deepEqual(
          (await wb().visibleViews()).filter((v) => v === 'Deployments'),
          [],
        );
      }));

    it('a deploy the missing bucket refuses says what happened and what to do: the engine error with its hint', () =>
      withScreenshot(bench, 'team-refused', async () => {
        // One environment: Deploy… asks no pick, only the pipeline's approval on its first run.
        await wb().runCommand('Deploy Guard: Deploy…');
        await answerDialog(wb().page, 'Run Pipeline', 5_000);
        const refused = await wb().waitForNotification(/The history bucket no-such-team-bucket does not exist/, 60_000);
        // The hint travels on the engine's own error class, which the editor's bundle must
        // recognise (it must, too, to go on without a commit in a folder that is no git repository).
        assert.match(refused.message, /nothing was deployed — create it in account 123456789012 \(README: "Team history on S3"\)/);
        assert.ok(refused.actions.includes('View Logs'), JSON.stringify(refused.actions));
      }));
  },
);
