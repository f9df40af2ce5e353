import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canTransition, isFinal, statusRow } from '../../../../src/core/deploymentStatus';
import { openEnding, openReason, unverifiedLiveVersion, type StopFacts } from '../../../../src/core/deployment/inDoubt';
import { CancelledError, DeployGuardError } from '../../../../src/core/errors';
import { HISTORY_SCHEMA_VERSION, type DeploymentRecord, type ParameterRecord } from '../../../../src/core/history/record';
import type { DeploymentStatus } from '../../../../src/core/model';

const at = (minute: number) => new Date(Date.UTC(2026, 11, 1, 10, minute)).toISOString();

describe('in doubt: how a run that stops early leaves its record', () => {
  const expired = new DeployGuardError('CredentialsExpired', 'Lost access to the stack while following it: ExpiredToken');
  const lostContact = new DeployGuardError('StackNeedsAttention', 'Could not read the stack for 300 s');
  const unknown = new DeployGuardError('OutcomeUnknown', 'the answer was lost and the change set could not be read');
  const refused = new DeployGuardError('AwsRequestFailed', 'Executing change set: ValidationError');
  const cancel = new CancelledError('The deployment');
  const facts = (status: DeploymentStatus, operationSent = false, verdictKnown = false): StopFacts => ({
    status,
    operationSent,
    verdictKnown,
  });

  const rows: [what: string, err: unknown, facts: StopFacts, expected: ReturnType<typeof openEnding>][] = [
    ['execute answer lost, change set unreadable', unknown, facts('deploying'), 'in-doubt'],
    ['credentials expired while following an accepted operation', expired, facts('deploying', true), 'in-doubt'],
    ['contact lost while following an accepted operation', lostContact, facts('deploying', true), 'in-doubt'],
    ['credentials expired before the execute was accepted: nothing went out', expired, facts('deploying', false), undefined],
    ['the execute refused (and the change set shows it never ran)', refused, facts('deploying', false), undefined],
    [
      'a person cancels the update: CloudFormation is asked to roll it back, a cancel as always',
      cancel,
      facts('deploying', true),
      undefined,
    ],
    ['Ctrl+C during the bake', cancel, facts('watching', true), 'unverified'],
    ['any error during the bake, before a verdict', expired, facts('watching', true), 'unverified'],
    ['cancelled after the verdict (a rollback under way): closed as before', cancel, facts('watching', true, true), undefined],
    ['cancelled while the watch shows unhealthy', cancel, facts('unhealthy', true, true), undefined],
    ['a reattach stopped again before anything changed: still in doubt', expired, facts('in-doubt'), 'in-doubt'],
    ['a re-watch stopped before it began: still unverified', cancel, facts('unverified'), 'unverified'],
    ['a failed step: the stack was not touched', new DeployGuardError('StepFailed', 'exit 1'), facts('running-steps'), undefined],
  ];
  for (const [what, err, f, expected] of rows) {
    it(`${what} → ${expected ?? 'closed'}`, () => assert.equal(openEnding(err, f), expected));
  }

  it('an aborted signal counts as a cancel whatever the error says', () => {
    const controller = new AbortController();
    controller.abort();
    assert.equal(openEnding(expired, facts('deploying', true), controller.signal), undefined);
    assert.equal(openEnding(expired, facts('watching', true), controller.signal), 'unverified');
  });

  it('the open statuses are not final, are reached from the phase they interrupt, and lead back to the watch', () => {
    for (const status of ['in-doubt', 'unverified'] as const) {
      assert.equal(isFinal(status), false);
      assert.equal(statusRow(status).exitCode, 4, 'a person has to know');
      assert.equal(statusRow(status).rollbackTarget, false, 'never a rollback target');
    }
    assert.equal(statusRow('unverified').words, 'live, not verified');
    assert.ok(canTransition('deploying', 'in-doubt'));
    assert.ok(canTransition('watching', 'unverified'));
    assert.ok(canTransition('in-doubt', 'deploying') && canTransition('in-doubt', 'watching'));
    assert.ok(canTransition('unverified', 'watching'));
    assert.ok(!canTransition('unverified', 'unchanged'), 'a live unverified version is never "unchanged"');
    assert.ok(!canTransition('stable', 'unverified'));
  });

  it('the reason says what happened and what the next run does', () => {
    assert.equal(
      openReason('in-doubt', 'Lost access (sign in again and run the same deploy to reattach)', false).startsWith('In doubt: '),
      true,
    );
    assert.match(
      openReason('unverified', 'x', true),
      /^Live, not verified: the bake was stopped before a verdict; run the same deploy again/,
    );
    assert.match(openReason('unverified', 'ExpiredToken', false), /the bake stopped \(ExpiredToken\)/);
  });
});

describe('in doubt: a deploy with nothing to change watches a version that went out unverified', () => {
  const v2 = { templateSha256: 'sha-v2', parameters: [{ key: 'Version', value: 'v2' }] as ParameterRecord[] };

  function rec(id: string, spec: Partial<DeploymentRecord> & { sha?: string; version?: string; t: number }): DeploymentRecord {
    const { sha, version, t, ...rest } = spec;
    const status = rest.status ?? 'stable';
    return {
      schemaVersion: HISTORY_SCHEMA_VERSION,
      id,
      kind: 'deploy',
      environment: 'prod',
      stackName: 'orders-prod',
      region: 'eu-west-1',
      account: '123456789012',
      template: { body: id, sha256: sha ?? 'sha-v2' },
      parameters: [{ key: 'Version', value: version ?? 'v2' }],
      tags: {},
      capabilities: [],
      startedAt: at(t - 1),
      finishedAt: at(t),
      steps: [],
      ...(status === 'stable' ? { verification: { kind: 'alarms' as const, alarms: ['orders-5xx'], at: at(t) } } : {}),
      ...rest,
      status,
    };
  }

  const v1 = rec('v1', { sha: 'sha-v1', version: 'v1', t: 1, previous: {} });

  it('a verified current version of the same template and parameters is unchanged', () => {
    assert.equal(unverifiedLiveVersion([v1, rec('v2', { t: 3, previous: { deploymentId: 'v1' } })], v2), undefined);
  });

  it('an open record of this version (in doubt, or live and unverified) is watched', () => {
    for (const status of ['in-doubt', 'unverified'] as const) {
      const open = rec('v2', { t: 3, status, previous: { deploymentId: 'v1' } });
      assert.equal(unverifiedLiveVersion([v1, open], v2)?.id, 'v2', status);
    }
  });

  it('a record closed by a run before this rule, whose operation went out and was never baked, is watched', () => {
    const cancelled = rec('v2', { t: 3, status: 'cancelled', stackStatus: 'UPDATE_COMPLETE', previous: { deploymentId: 'v1' } });
    const expired = rec('v2b', { t: 4, status: 'needs-attention', stackStatus: 'UPDATE_IN_PROGRESS', previous: { deploymentId: 'v1' } });
    assert.equal(unverifiedLiveVersion([v1, cancelled], v2)?.id, 'v2');
    assert.equal(unverifiedLiveVersion([v1, expired], v2)?.id, 'v2b');
  });

  it('nothing to watch when the operation rolled back, never went out, or the bake reached a verdict', () => {
    const rows: DeploymentRecord[] = [
      rec('rolled', { t: 3, status: 'cancelled', stackStatus: 'UPDATE_ROLLBACK_COMPLETE' }),
      rec('never', { t: 3, status: 'cancelled' }),
      rec('failed', { t: 3, status: 'needs-attention', stackStatus: 'UPDATE_FAILED' }),
      rec('judged', {
        t: 3,
        status: 'needs-attention',
        stackStatus: 'UPDATE_COMPLETE',
        healthWatch: {
          version: 1,
          deployStartedAt: 0,
          bakeStartedAt: 0,
          deadline: at(5),
          bakeMs: 1,
          pollMs: 1,
          alarms: [],
          baseline: {},
          verdict: { kind: 'unknown', reason: 'could not read', alarms: [] },
        },
      }),
    ];
    for (const r of rows) assert.equal(unverifiedLiveVersion([v1, r], v2), undefined, r.id);
  });

  it('another version, or the same template with other parameters, is not this version', () => {
    const open = rec('v2', { t: 3, status: 'unverified' });
    assert.equal(unverifiedLiveVersion([v1, open], { ...v2, templateSha256: 'sha-v3' }), undefined);
    assert.equal(unverifiedLiveVersion([v1, open], { ...v2, parameters: [{ key: 'Version', value: 'v3' }] }), undefined);
    const two = rec('two', {
      t: 4,
      status: 'unverified',
      parameters: [
        { key: 'Version', value: 'v2' },
        { key: 'Name', value: 'orders' },
      ],
    });
    const reordered = {
      ...v2,
      parameters: [
        { key: 'Name', value: 'orders' },
        { key: 'Version', value: 'v2' },
      ],
    };
    assert.equal(unverifiedLiveVersion([v1, two], reordered)?.id, 'two', 'parameters compared whatever their order');
  });

  it('the stack as found (baseline) is never verified, but no deploy sent it out: unchanged as before', () => {
    const baseline = rec('found', { kind: 'baseline', t: 1, verification: { kind: 'as-found', at: at(1) } });
    assert.equal(unverifiedLiveVersion([baseline], v2), undefined);
  });
});
