import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { composeIncidentNote, datapointsIn, incidentMarkdown, needsIncidentNote } from '../../../../src/core/incident/incidentNote';
import { buildIncidentNote } from '../../../../src/core/incident/writeIncident';
import { migrateRecord } from '../../../../src/core/history/readRecord';
import { ALARM_REASON, at, badRecord, goodRecord, rollbackRecord } from './incidentRecords';

const commits = [{ sha: 'b'.repeat(40), subject: 'Shorten the queue timeout', author: 'Ada <ada@example.com>' }];

describe('incident note', () => {
  it('is due for every status that went wrong, and for no other', () => {
    for (const s of ['rolled-back', 'rolled-back-unhealthy', 'rollback-failed', 'failed', 'needs-attention'] as const)
      assert.ok(needsIncidentNote(s), s);
    for (const s of ['stable', 'unchanged', 'cancelled', 'watching'] as const) assert.equal(needsIncidentNote(s), false, s);
  });

  it('after an automatic rollback: what fired, when, what changed, what was restored', () => {
    const note = composeIncidentNote({ record: badRecord(), good: goodRecord(), rollback: rollbackRecord(), git: { commits }, now: at(9) });
    assert.equal(note.fired.kind, 'alarm');
    assert.equal(note.fired.name, 'orders-5xx');
    assert.equal(note.fired.reason, ALARM_REASON);
    assert.deepEqual(note.fired.datapoints, ['7.0 (04/12/26 21:04:00)']);
    assert.deepEqual(note.times, {
      deployStartedAt: at(2),
      firstBadSignalAt: at(4),
      decidedAt: at(4, 5),
      rollbackStartedAt: at(4, 6),
      restoredAt: at(5),
      verifiedAt: at(7, 50),
      finishedAt: at(8),
    });
    assert.deepEqual(note.changes.resources, [
      {
        action: 'Modify',
        logicalId: 'Queue',
        resourceType: 'AWS::SQS::Queue',
        properties: [{ property: 'VisibilityTimeout', change: 'modified' }],
      },
    ]);
    assert.deepEqual(note.changes.commits, commits);
    assert.match(note.changes.templateDiff ?? '', /^- {6}VisibilityTimeout: 30$/m);
    assert.match(note.changes.templateDiff ?? '', /^\+ {6}VisibilityTimeout: 5$/m);
    assert.deepEqual(note.restore, {
      deploymentId: 'good',
      commit: 'a'.repeat(40),
      restored: true,
      rollbackDeploymentId: 'rollback',
      verification: 'verified',
      verificationReason: 'every guarded alarm OK at the end of the window',
    });
    assert.equal(note.headline, 'prod rolled back: alarm orders-5xx fired');
  });

  it('in Markdown names the alarm, both commits, the subject and the changed property', () => {
    const md = incidentMarkdown(
      composeIncidentNote({ record: badRecord(), good: goodRecord(), rollback: rollbackRecord(), git: { commits }, now: at(9) }),
    );
    assert.match(md, /^# Incident: prod rolled back: alarm orders-5xx fired$/m);
    assert.match(md, /\*\*Alarm:\*\* `orders-5xx`/);
    assert.match(md, /`bbbbbbbbbbbb` Shorten the queue timeout — Ada <ada@example.com>/);
    assert.match(md, /Deployment `good` \(commit `aaaaaaaaaaaa`\) was restored by `rollback`; recovery \*\*verified\*\*/);
    assert.match(md, /Modify `Queue` \(AWS::SQS::Queue\): `VisibilityTimeout` modified/);
    assert.match(md, /\| Restore complete \| 2026-12-04T21:05:00.000Z \|/);
    assert.match(md, /```diff\n--- template of good\n\+\+\+ template of bad\n@@ /);
  });

  it('a failed stack update blames the first resource that failed, not the cancellations after it', () => {
    const { health: _h, healthWatch: _w, ...rest } = badRecord();
    const record = {
      ...rest,
      status: 'failed' as const,
      stackEvents: [
        {
          eventId: 'x1',
          timestamp: at(2, 20),
          logicalId: 'Other',
          resourceType: 'AWS::SNS::Topic',
          status: 'UPDATE_FAILED',
          reason: 'Resource update cancelled',
        },
        {
          eventId: 'x2',
          timestamp: at(2, 21),
          logicalId: 'Queue',
          resourceType: 'AWS::SQS::Queue',
          status: 'UPDATE_FAILED',
          reason: 'Invalid VisibilityTimeout',
        },
      ],
    };
    const note = composeIncidentNote({ record, good: goodRecord(), now: at(9) });
    assert.deepEqual(note.fired, {
      kind: 'stack',
      name: 'Queue',
      reason: 'Invalid VisibilityTimeout',
      resourceType: 'AWS::SQS::Queue',
      eventId: 'x2',
    });
    assert.equal(note.times.firstBadSignalAt, at(2, 21));
    assert.equal(note.restore?.restored, false);
    assert.equal(note.restore?.verification, 'not-verified');
  });

  it('says why commits are missing instead of leaving them out silently', async () => {
    const records = [goodRecord(), badRecord(), rollbackRecord()];
    const none = await buildIncidentNote(badRecord(), records, undefined);
    assert.equal(none.changes.commitsUnavailable, 'no git repository was at hand when the note was written');
    const failing = await buildIncidentNote(badRecord(), records, {
      commitsBetween: () => Promise.reject(new Error('bad object bbbb')),
    });
    assert.equal(failing.changes.commitsUnavailable, 'git could not list them: bad object bbbb');
    const listed = await buildIncidentNote(badRecord(), records, {
      commitsBetween: (from, to) =>
        Promise.resolve(from === 'a'.repeat(40) && to === 'b'.repeat(40) ? commits.map((c) => ({ ...c, date: '' })) : []),
    });
    assert.deepEqual(listed.changes.commits, commits);
    assert.equal(listed.restore?.rollbackDeploymentId, 'rollback');
  });

  it('is read back from a stored record; a malformed one is left out and reported', () => {
    const note = composeIncidentNote({ record: badRecord(), good: goodRecord(), rollback: rollbackRecord(), git: { commits }, now: at(9) });
    const stored = JSON.parse(JSON.stringify({ ...badRecord(), incident: note })) as unknown;
    const read = migrateRecord(stored);
    assert.equal(read.kind, 'record');
    assert.deepEqual(read.kind === 'record' ? read.record.incident : undefined, note);
    const broken = migrateRecord({ ...badRecord(), incident: { ...note, fired: 'an alarm' } });
    assert.equal(broken.kind === 'record' ? broken.record.incident : 'no record', undefined);
    assert.match(broken.kind === 'record' ? broken.problems.join() : '', /incident section was left out/);
  });

  it('reads the datapoints CloudWatch names in its reason', () => {
    assert.deepEqual(datapointsIn('Threshold Crossed: 2 datapoints [5.0 (04/12/26 21:04:00), 7.0 (04/12/26 21:03:00)] were greater'), [
      '5.0 (04/12/26 21:04:00)',
      '7.0 (04/12/26 21:03:00)',
    ]);
    assert.deepEqual(datapointsIn('Alarm set by hand'), []);
  });
});

describe('incident note of a rollback that went wrong', () => {
  it('compares with the version it was to restore, and says the restore is still unhealthy', () => {
    const restore = { ...rollbackRecord(), status: 'rolled-back-unhealthy' as const, previous: { deploymentId: 'bad' } };
    const { verification: _v, ...unverified } = restore;
    const note = composeIncidentNote({ record: unverified, good: goodRecord(), rollback: unverified, now: at(9) });
    assert.equal(note.restore?.deploymentId, 'good');
    assert.equal(note.restore?.restored, true);
    assert.equal(note.restore?.verification, 'still-unhealthy');
    assert.match(incidentMarkdown(note), /The restored version is still unhealthy/);
  });
});
