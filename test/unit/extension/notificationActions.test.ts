import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Actions, failedActions, needsPersonActions, rolledBackActions } from '../../../src/extension/notificationActions';

const INCIDENT = [Actions.openIncidentNote, Actions.copyIncidentNote];

describe('notification buttons', () => {
  it('an automatic rollback: View Logs, its alarm, its rollback run, then the incident note', () => {
    assert.deepEqual(rolledBackActions({ alarm: 'orders-5xx', rollbackDeploymentId: 'r1' }), [
      'View Logs',
      'Open Alarm',
      'Show Run',
      'Open Incident Note',
      'Copy Incident Note',
    ]);
    assert.deepEqual(rolledBackActions({}), ['View Logs', ...INCIDENT]);
  });

  it('every bad ending offers its incident note, last', () => {
    const endings = [
      failedActions(),
      rolledBackActions({ alarm: 'a' }),
      ...[false, true].flatMap((unwatched) => [false, true].map((stuck) => needsPersonActions({ unwatched, stuck }))),
    ];
    for (const actions of endings) assert.deepEqual(actions.slice(-2), INCIDENT, actions.join(', '));
  });

  it('needs a person: Watch the Live Version first when unwatched, Continue Rollback when stuck', () => {
    assert.deepEqual(needsPersonActions({ unwatched: true, stuck: true }), [
      'Watch the Live Version',
      'View Logs',
      'Open Stack in AWS Console',
      'Continue Rollback',
      ...INCIDENT,
    ]);
    assert.deepEqual(needsPersonActions({ unwatched: false, stuck: false }), ['View Logs', 'Open Stack in AWS Console', ...INCIDENT]);
  });

  it('the demo prints the buttons from this table, not its own list', async () => {
    const scenario = await readFile(join(__dirname, '../../../scripts/demo/scenario.ts'), 'utf8');
    assert.match(scenario, /from '\.\.\/\.\.\/src\/extension\/notificationActions'/);
    assert.doesNotMatch(scenario, /\[View Logs\]/);
  });
});
