import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWebviewMessage, readPanelUiState } from '../../../src/shared/protocol';

describe('webview → host messages are validated as untrusted input', () => {
  it('accepts exactly the protocol shapes', () => {
    for (const type of ['ready', 'requestSnapshot', 'cancel', 'rollback', 'openConsole', 'openLogFile']) {
      assert.ok(isWebviewMessage({ type }), type);
    }
    assert.ok(isWebviewMessage({ type: 'openAlarm', alarm: 'orders-prod-5xx' }));
    assert.ok(isWebviewMessage({ type: 'applied', rev: 0 }));
    assert.ok(isWebviewMessage({ type: 'applied', rev: 123456 }));
    assert.ok(isWebviewMessage({ type: 'fetchLog', from: 0, to: 1 }));
    assert.ok(isWebviewMessage({ type: 'fetchLog', from: 80_000, to: 100_000 }));
  });

  it('rejects anything else', () => {
    const bad: unknown[] = [
      null,
      undefined,
      'ready',
      42,
      [],
      ['ready'],
      {},
      { type: 'READY' },
      { type: 'runCommand', command: 'workbench.action.terminal.new' },
      { type: 'cancel', deploymentId: 'someone-elses-run' }, // a panel acts only on its own run
      { type: 'openAlarm' },
      { type: 'openAlarm', alarm: '' },
      { type: 'openAlarm', alarm: 7 },
      { type: 'openAlarm', alarm: 'x'.repeat(256) },
      { type: 'openAlarm', alarm: 'a\nb' },
      { type: 'openAlarm', alarm: 'a', extra: true },
      { type: 'applied' },
      { type: 'applied', rev: -1 },
      { type: 'applied', rev: 1.5 },
      { type: 'applied', rev: '3' },
      { type: 'applied', rev: Number.MAX_VALUE },
      { type: 'applied', rev: 1, extra: true },
      { type: 'fetchLog', from: 5, to: 5 },
      { type: 'fetchLog', from: 6, to: 5 },
      { type: 'fetchLog', from: -1, to: 5 },
      { type: 'fetchLog', from: 0, to: 20_001 },
      { type: 'fetchLog', from: 0.5, to: 5 },
      { type: 'fetchLog', from: '0', to: 5 },
      { type: 'fetchLog', from: 0 },
      { type: 'fetchLog', from: 0, to: 5, deploymentId: 'x' },
      Object.create({ type: 'ready' }),
    ];
    for (const value of bad) assert.equal(isWebviewMessage(value), false, JSON.stringify(value));
  });

  it('reads persisted panel state defensively', () => {
    assert.deepEqual(readPanelUiState({ deploymentId: '20261126T223000123Z-ab12cd', follow: false, filter: 'err' }), {
      deploymentId: '20261126T223000123Z-ab12cd',
      follow: false,
      filter: 'err',
      tab: undefined,
    });
    assert.equal(readPanelUiState({ deploymentId: '../../etc/passwd' }), undefined);
    assert.equal(readPanelUiState({ deploymentId: 5 }), undefined);
    assert.equal(readPanelUiState(null), undefined);
  });
});

describe('the incident and timeline messages', () => {
  it('accepts the incident note, a resource to open in the template and a linked run', () => {
    assert.ok(isWebviewMessage({ type: 'openIncidentNote' }));
    assert.ok(isWebviewMessage({ type: 'copyIncidentNote' }));
    assert.ok(isWebviewMessage({ type: 'openInTemplate', logicalId: 'OrdersTable' }));
    assert.ok(isWebviewMessage({ type: 'openRun', deploymentId: '20261204T215731967Z-351781' }));
  });

  it('refuses their near misses', () => {
    const bad: unknown[] = [
      { type: 'openIncidentNote', deploymentId: 'x' },
      { type: 'openInTemplate' },
      { type: 'openInTemplate', logicalId: '' },
      { type: 'openInTemplate', logicalId: 'Orders-Table' },
      { type: 'openInTemplate', logicalId: '../../etc/passwd' },
      { type: 'openInTemplate', logicalId: 'A'.repeat(256) },
      { type: 'openInTemplate', logicalId: 'A', line: 3 },
      { type: 'openRun' },
      { type: 'openRun', deploymentId: 'a b' },
      { type: 'openRun', deploymentId: 'x'.repeat(129) },
    ];
    for (const message of bad) assert.equal(isWebviewMessage(message), false, JSON.stringify(message));
  });

  it('keeps the timeline kinds a person filtered out, and nothing odd', () => {
    assert.deepEqual(readPanelUiState({ deploymentId: 'd1', hiddenKinds: ['stack-event', 7, '<b>'] })?.hiddenKinds, ['stack-event']);
  });
});
