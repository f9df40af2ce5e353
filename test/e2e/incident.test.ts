import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Frame } from 'playwright-core';
import { HistoryStore } from '../../src/core/history/store';
import { HISTORY_SCHEMA_VERSION, type DeploymentRecord } from '../../src/core/history/record';
import { newDeploymentId } from '../../src/core/history/paths';
import { createGitSandbox, type GitSandbox } from '../support/gitRepos';
import { startWorkbench, waitFor, type Workbench } from './support/workbench';

// From a failed stack event to its cause, in a real VS Code (code-server + Chromium): a failed
// deployment's run panel lists the resource that failed; "Open in Template" opens the workspace's
// template at that resource's definition and names the commit that last changed those lines. The
// template is a SAM template (its Transform last, so the queue keeps its lines): a resource SAM
// generated opens the function it came from.
const SHOW_RUN_KEY = 'ctrl+alt+shift+f9';
const OPEN_GENERATED_KEY = 'ctrl+alt+shift+f10';
const START_TIMEOUT = 5 * 60_000;

const template = (timeout: number) => `AWSTemplateFormatVersion: '2010-09-09'
Description: orders
Resources:
  Topic:
    Type: AWS::SNS::Topic
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: ${timeout}
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Runtime: nodejs22.x
      InlineCode: exports.handler = async () => ({})
Outputs:
  QueueUrl:
    Value: !Ref Queue
Transform: AWS::Serverless-2016-10-31
`;

const PIPELINE = `version: 1
name: orders
steps:
  - name: Build
    run: echo build
stack:
  name: orders-e2e
  template: infra/template.yaml
environments:
  e2e:
    region: us-east-1
`;

interface Story {
  readonly git: GitSandbox;
  readonly home: string;
  readonly id: string;
  readonly badSha: string;
}

/** A repository whose second commit (by Ada) changed the queue, and the record of its failed deployment. */
async function makeStory(): Promise<Story> {
  const git = createGitSandbox();
  git.write(git.work, 'deployguard.yaml', PIPELINE);
  git.git(git.work, 'add', 'deployguard.yaml');
  git.commitFile(git.work, 'infra/template.yaml', template(30), 'Add the orders queue');
  git.write(git.work, 'infra/template.yaml', template(99999));
  git.git(git.work, 'add', 'infra/template.yaml');
  git.git(git.work, '-c', 'user.name=Ada Lovelace', '-c', 'user.email=ada@example.com', 'commit', '-q', '-m', 'Raise the queue timeout');
  const badSha = git.git(git.work, 'rev-parse', 'HEAD');
  const home = mkdtempSync(join(tmpdir(), 'deployguard-incident-e2e-'));
  const id = newDeploymentId();
  const history = new HistoryStore(home).stack({ account: '123456789012', region: 'us-east-1', stackName: 'orders-e2e' });
  mkdirSync(join(history.dir, 'records'), { recursive: true });
  const body = template(99999);
  const at = (s: number) => new Date(Date.now() - 60_000 + s * 1000).toISOString();
  const record: DeploymentRecord = {
    schemaVersion: HISTORY_SCHEMA_VERSION,
    id,
    kind: 'deploy',
    environment: 'e2e',
    stackName: 'orders-e2e',
    region: 'us-east-1',
    account: '123456789012',
    commit: badSha,
    branch: 'main',
    template: { body, sha256: createHash('sha256').update(body).digest('hex') },
    parameters: [],
    tags: {},
    capabilities: [],
    status: 'failed',
    reason: 'Queue UPDATE_FAILED: Invalid value for the parameter VisibilityTimeout',
    startedAt: at(0),
    finishedAt: at(20),
    steps: [],
    changes: [{ action: 'Modify', logicalId: 'Queue', resourceType: 'AWS::SQS::Queue' }],
    stackEvents: [
      { eventId: 'e1', timestamp: at(5), logicalId: 'Queue', resourceType: 'AWS::SQS::Queue', status: 'UPDATE_IN_PROGRESS' },
      {
        eventId: 'e2',
        timestamp: at(6),
        logicalId: 'Queue',
        resourceType: 'AWS::SQS::Queue',
        status: 'UPDATE_FAILED',
        reason: 'Invalid value for the parameter VisibilityTimeout',
      },
      {
        eventId: 'e3',
        timestamp: at(9),
        logicalId: 'orders-e2e',
        resourceType: 'AWS::CloudFormation::Stack',
        status: 'UPDATE_ROLLBACK_COMPLETE',
      },
    ],
  };
  await history.write(record);
  return { git, home, id, badSha };
}

describe('from a failed stack event to its cause, in a real VS Code', { timeout: START_TIMEOUT + 180_000 }, () => {
  let bench: Workbench | undefined;
  let story: Story | undefined;
  const wb = () => {
    assert.ok(bench, 'the workbench did not start');
    return bench;
  };

  before(
    async () => {
      story = await makeStory();
      bench = await startWorkbench({
        workspace: story.git.work,
        trust: true,
        name: 'incident',
        env: { DEPLOYGUARD_HOME: story.home },
        settings: { 'deployGuard.openRunPanel': false },
        keybindings: [
          { key: SHOW_RUN_KEY, command: 'deployGuard.showRun', args: story.id },
          {
            key: OPEN_GENERATED_KEY,
            command: 'deployGuard.openResourceInTemplate',
            args: { deploymentId: story.id, logicalId: 'OrdersRole' },
          },
        ],
      });
    },
    { timeout: START_TIMEOUT },
  );

  after(async () => {
    await bench?.close();
    if (story) {
      rmSync(story.home, { recursive: true, force: true });
      story.git.cleanup();
    }
  });

  const openPanel = async (): Promise<Frame> =>
    waitFor(
      'the run panel to open',
      async () => {
        await wb().page.keyboard.press('Control+Alt+Shift+F9');
        return wb()
          .webviewFrame(async (frame) => (await frame.locator('.run-status[data-status]').count()) > 0, 5_000)
          .catch(() => undefined);
      },
      90_000,
      500,
    );

  it("the Timeline tab shows the failed resource on the run's time axis", async () => {
    const frame = await openPanel();
    await frame.locator('#tab-timeline').click();
    const titles = await waitFor(
      'the timeline entries',
      async () => {
        const texts = await frame.locator('.timeline-entry .timeline-title').allTextContents();
        return texts.length >= 4 ? texts : undefined;
      },
      20_000,
    );
    assert.deepEqual(titles, [
      'Deploy started from ' + story!.badSha.slice(0, 7),
      'Change set: 1 resource change',
      'Queue UPDATE_IN_PROGRESS',
      'Queue UPDATE_FAILED',
      'orders-e2e UPDATE_ROLLBACK_COMPLETE',
      'Deploy failed',
    ]);
    // Filtering by kind: only the stack events stay.
    for (const kind of ['status', 'change-set']) await frame.locator(`.timeline-filter[data-kind="${kind}"]`).click();
    assert.equal(await frame.locator('.timeline-entry').count(), 3);
    // An entry opens its detail: the Stack tab, with the failed event's row marked.
    await frame.locator('.timeline-entry.tone-bad').first().click();
    await waitFor(
      'the stack event row to be marked',
      async () => ((await frame.locator('vscode-data-grid-row.revealed').count()) === 1 ? true : undefined),
      10_000,
    );
    assert.equal(await frame.locator('#action-incident').isVisible(), true, 'a failed run offers its incident note');
  });

  it('Open in Template opens the template at the resource and names the commit that last changed it', async () => {
    const frame = await openPanel();
    await frame.locator('#tab-stack').click();
    const failed = frame.locator('.failed-resource[data-logical-id="Queue"]');
    await failed.waitFor({ state: 'visible', timeout: 20_000 });
    await failed.locator('.open-in-template').click();

    const note = await wb().waitForNotification(/Queue \(infra\/template\.yaml:6-9\) last changed in/, 30_000);
    assert.match(
      note.message,
      new RegExp(`last changed in ${story!.badSha.slice(0, 7)} "Raise the queue timeout" by Ada Lovelace <ada@example.com>`),
    );
    assert.deepEqual(note.actions, ['Copy Commit']);
    const tab = wb().page.locator('.part.editor .tabs-container .tab.active', { hasText: 'template.yaml' });
    await tab.waitFor({ state: 'visible', timeout: 10_000 });
    const cursor = await waitFor(
      'the cursor on the resource',
      async () => {
        const texts = await wb().page.locator('.part.statusbar .statusbar-item').allTextContents();
        return texts.find((t) => /Ln \d+, Col \d+/.test(t));
      },
      10_000,
    );
    assert.match(cursor, /Ln 6, Col 3/);
  });

  it('a resource SAM generated opens the resource it came from, and the message names both', async () => {
    await wb().page.keyboard.press('Control+Alt+Shift+F10');
    const note = await wb().waitForNotification(
      /OrdersRole, made by SAM from Orders \(infra\/template\.yaml:10-15\), last changed in/,
      30_000,
    );
    assert.match(note.message, /last changed in [0-9a-f]{7} "Add the orders queue" by Test User <test@example\.com>/);
    const cursor = await waitFor(
      'the cursor on the function',
      async () => {
        const texts = await wb().page.locator('.part.statusbar .statusbar-item').allTextContents();
        return texts.find((t) => /Ln 10, Col 3/.test(t));
      },
      10_000,
    );
    assert.match(cursor, /Ln 10, Col 3/);
  });
});
