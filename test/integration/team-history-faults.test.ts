/**
 * The team's history on S3 failing halfway through a deploy: the record and the write-ahead
 * journal entry come before every stack change, so when the bucket stops taking writes after the
 * change set was executed, the run says what the stack did and never that it succeeded, and the
 * next run — on another machine, the bucket back — finishes recording the same deployment from
 * the team's journal without deploying it again. Real SDK → fault proxy → moto (S3 and
 * CloudFormation); two machines are two DEPLOYGUARD_HOME folders sharing one bucket.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { AwsClients } from '../../src/core/aws/clients';
import { HistoryBucket } from '../../src/core/aws/historyBucket';
import { S3HistoryStore } from '../../src/core/history/s3Store';
import { spawnCli } from '../support/cliProcess';
import { cli, makeRepo, tempHome, topicTemplate, writeTemplate } from '../support/deployFixture';
import { ACCOUNT, REGION } from '../support/healthFixtures';
import { useMotoRig } from '../support/motoRig';

const BUCKET = 'team-history';
const STACK = 'orders-dev';

describe('team history on S3 failing halfway through a deploy (fault proxy + moto)', () => {
  const { moto, proxy, cfn, s3 } = useMotoRig({ proxy: true });

  beforeEach(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });

  async function teamRecords(home: string) {
    const clients = new AwsClients({ region: REGION, endpoint: moto.endpoint });
    try {
      const bucket = new HistoryBucket(() => clients.s3(), BUCKET, ACCOUNT);
      const store = new S3HistoryStore({ bucket, prefix: 'team', cacheRoot: join(home, 'cache', 's3') });
      const stack = store.stack({ account: ACCOUNT, region: REGION, stackName: STACK });
      return { records: (await stack.list()).records, open: (await stack.journal.openOperations()).open };
    } finally {
      clients.dispose();
    }
  }

  it('records and journal refused by S3 after the execute → says what the stack did, not success; machine B records it from the journal', async () => {
    const repo = await makeRepo({ extraStack: `history: s3://${BUCKET}/team\n` });
    const [homeA, homeB] = [await tempHome(), await tempHome()];
    const v1 = await cli(['deploy', 'dev', '--skip-steps', '--endpoint', moto.endpoint], { cwd: repo, home: homeA });
    assert.equal(v1.code, 0, v1.stderr);
    await writeTemplate(repo, topicTemplate('v2'));

    // From the moment CloudFormation is asked to run the update, the bucket answers every write of a
    // record or a journal entry with a 500 (the lock's own object still works).
    for (const keyContains of ['/records/', '/journal/']) {
      proxy.fault({ action: 'PutObject', kind: 'server-error', times: 10_000, keyContains, afterAction: 'ExecuteChangeSet' });
    }
    const run = await spawnCli(['deploy', 'dev', '--json', '--skip-steps', '--yes', '--endpoint', proxy.endpoint], {
      cwd: repo,
      home: homeA,
    }).done;
    const printed = run.stdout + run.stderr;
    assert.notEqual(run.code, 0, printed.slice(-2000));
    assert.equal(proxy.count('ExecuteChangeSet'), 1);
    assert.doesNotMatch(run.stderr, /\bstable\b/, 'never claims the deployment stable');
    // The write that fails may come while CloudFormation still runs the update or after it ended.
    assert.match(
      run.stderr,
      /stack orders-dev is UPDATE_COMPLETE after this deployment's change|this deployment's change to stack orders-dev was requested and may be under way/,
      `says what the stack did:\n${run.stderr}`,
    );
    assert.doesNotMatch(run.stderr, /nothing was changed on the stack/, 'never says the stack was left alone');
    assert.match(run.stderr, /could not record how it ended/);
    assert.match(run.stderr, /run the same deploy again: it finds this deployment in the journal/, 'says how to record it');
    assert.equal((await cfn.send(new GetTemplateCommand({ StackName: STACK }))).TemplateBody, topicTemplate('v2'));

    const left = await teamRecords(homeB);
    assert.equal(left.open.length, 1, "the team's journal still says what to finish");
    const interrupted = left.open[0]!.deploymentId;
    assert.notEqual(
      left.records.find((r) => r.id === interrupted)?.status,
      'stable',
      'the bucket never says stable for a deployment whose end was not recorded',
    );

    proxy.reset();
    const again = await cli(['deploy', 'dev', '--json', '--skip-steps', '--yes', '--endpoint', proxy.endpoint], { cwd: repo, home: homeB });
    assert.equal(again.code, 0, again.stderr + again.stdout.slice(-1500));
    assert.equal(proxy.count('ExecuteChangeSet'), 0, 'machine B recorded the same deployment, it did not deploy it again');
    const after = await teamRecords(homeB);
    const v2 = after.records.find((r) => r.id === interrupted);
    assert.equal(v2?.status, 'stable', v2?.reason);
    assert.equal(v2.stackStatus, 'UPDATE_COMPLETE');
    assert.equal(after.records.length, 2, 'v1 and v2, one record each');
    assert.equal(after.open.length, 0, 'nothing left open in the journal');
  });
});
