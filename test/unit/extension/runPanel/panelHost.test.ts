import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FlushScheduler, type SchedulerTimers } from '../../../../src/extension/runPanel/flushScheduler';
import { buildPanelHtml, contentSecurityPolicy, createNonce } from '../../../../src/extension/runPanel/html';
import { migrateRecord } from '../../../../src/core/history/readRecord';
import { modelFromRecord } from '../../../../src/extension/runPanel/fromRecord';
import { readLogTail } from '../../../../src/extension/runPanel/logTail';
import { alarmConsoleUrl, stackConsoleUrl } from '../../../../src/extension/runPanel/consoleUrls';

const CSP_SOURCE = 'https://*.vscode-cdn.net';

describe('run panel HTML', () => {
  const html = buildPanelHtml({
    cspSource: CSP_SOURCE,
    scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/main.js',
    styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/panel.css',
    title: '</title><script>alert(1)</script>',
    nonce: 'abc123==',
  });

  it('has a strict CSP: nothing by default, scripts only by nonce, styles only from the webview origin', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1]?.replaceAll('&#39;', "'");
    assert.equal(
      csp,
      `default-src 'none'; script-src 'nonce-abc123=='; style-src ${CSP_SOURCE}; font-src ${CSP_SOURCE}; img-src ${CSP_SOURCE}`,
    );
    assert.ok(!html.includes('unsafe-inline') && !html.includes('unsafe-eval'));
  });

  it('has no inline script: every <script> has a src and the nonce', () => {
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.equal(scripts.length, 1);
    assert.match(scripts[0]![1]!, /type="module" nonce="abc123==" src="https:\/\/[^"]+main\.js"/);
    assert.equal(scripts[0]![2], '');
  });

  it('escapes what it interpolates', () => {
    assert.ok(html.includes('<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>'));
  });

  it("links the webview bundle's own stylesheet (the chart library's) from the webview origin, before the panel's", () => {
    const withBundle = buildPanelHtml({
      cspSource: CSP_SOURCE,
      scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/main.js',
      styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/panel.css',
      bundleStyleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/main.css',
      title: 'run',
      nonce: 'abc123==',
    });
    const links = [...withBundle.matchAll(/<link rel="stylesheet" href="([^"]+)">/g)].map((m) => m[1]);
    assert.deepEqual(links, [
      'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/main.css',
      'https://file+.vscode-resource.vscode-cdn.net/ext/media/panel.css',
    ]);
    assert.ok(!/<style/.test(withBundle), 'no inline style element');
  });

  it('makes a fresh 128-bit nonce each load', () => {
    const a = createNonce();
    assert.equal(Buffer.from(a, 'base64').length, 16);
    assert.notEqual(a, createNonce());
    assert.ok(!contentSecurityPolicy(CSP_SOURCE, a).includes('undefined'));
  });
});

describe('delta batching (≤ 10 messages a second)', () => {
  function fakeTimers() {
    let now = 0;
    const queue: { at: number; fn: () => void }[] = [];
    const timers: SchedulerTimers = {
      now: () => now,
      setTimeout: (fn, ms) => {
        const t = { at: now + ms, fn };
        queue.push(t);
        return t;
      },
      clearTimeout: (h) => queue.splice(queue.indexOf(h as never), 1),
    };
    const advance = (ms: number) => {
      const end = now + ms;
      for (;;) {
        queue.sort((a, b) => a.at - b.at);
        const next = queue[0];
        if (!next || next.at > end) break;
        queue.shift();
        now = next.at;
        next.fn();
      }
      now = end;
    };
    return { timers, advance };
  }

  it('flushes a lone change at once and coalesces a burst into one flush per 100 ms', () => {
    const { timers, advance } = fakeTimers();
    const flushes: number[] = [];
    const scheduler = new FlushScheduler(() => flushes.push(timers.now()), 100, timers);
    scheduler.request();
    assert.deepEqual(flushes, [0]);
    // 10,000 changes over one second
    for (let ms = 0; ms < 1000; ms++) {
      for (let k = 0; k < 10; k++) scheduler.request();
      advance(1);
    }
    advance(200);
    assert.ok(flushes.length <= 12, `too many flushes: ${flushes.length}`);
    for (let k = 1; k < flushes.length; k++) assert.ok(flushes[k]! - flushes[k - 1]! >= 100);
    scheduler.dispose();
    scheduler.request();
    advance(1000);
    const count = flushes.length;
    assert.equal(flushes.length, count);
  });

  it('waits longer after a burst, once, then keeps the usual interval', () => {
    const { timers, advance } = fakeTimers();
    const flushes: number[] = [];
    const scheduler = new FlushScheduler(() => flushes.push(timers.now()), 100, timers);
    scheduler.request();
    scheduler.stretchNext(400);
    for (let ms = 0; ms < 1000; ms += 10) {
      scheduler.request();
      advance(10);
    }
    // 0, then 400 (stretched), then every 100 ms again.
    assert.deepEqual(flushes.slice(0, 4), [0, 400, 500, 600]);
    scheduler.dispose();
  });

  it('holds the next flush until the webview acknowledged the last message, coalescing meanwhile', () => {
    const { timers, advance } = fakeTimers();
    const flushes: number[] = [];
    const scheduler = new FlushScheduler(
      () => {
        flushes.push(timers.now());
        scheduler.awaitAck();
      },
      100,
      timers,
      2000,
    );
    scheduler.request();
    assert.deepEqual(flushes, [0]);
    assert.ok(scheduler.awaiting);
    // The webview is slow: changes keep coming for 700 ms, nothing goes out.
    for (let ms = 0; ms < 700; ms += 10) {
      scheduler.request();
      advance(10);
    }
    assert.deepEqual(flushes, [0]);
    scheduler.acknowledged(); // applied: everything held back goes in one flush, at once
    assert.deepEqual(flushes, [0, 700]);
    // A webview that never answers holds deltas back only for the timeout.
    scheduler.request();
    advance(1999);
    assert.deepEqual(flushes, [0, 700]);
    advance(1);
    assert.deepEqual(flushes, [0, 700, 2700]);
    // An acknowledgement with nothing held back flushes nothing.
    scheduler.acknowledged();
    assert.deepEqual(flushes, [0, 700, 2700]);
    scheduler.dispose();
    scheduler.acknowledged();
    advance(5000);
    assert.deepEqual(flushes, [0, 700, 2700]);
  });
});

/**
 * A record written by an earlier version (schema 1, its health watch under `extra`), read the way
 * the history store reads it and shown the way the run panel shows it.
 */
function healthFromExtra(extra: unknown) {
  const read = migrateRecord({
    schemaVersion: 1,
    id: '20261127T010000000Z-abc123',
    kind: 'deploy',
    status: 'rolled-back',
    template: { body: 'Resources: {}', sha256: 'x' },
    startedAt: '2026-11-27T01:00:00.000Z',
    steps: [],
    ...(extra === undefined ? {} : { extra }),
  });
  if (read.kind !== 'record') throw new Error(`the record itself was not read: ${read.problem}`);
  return modelFromRecord(read.record, false).snapshot().health;
}

describe('reading a finished run back', () => {
  it('keeps the last lines of a log file and counts them all, invalid UTF-8 included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dg-logtail-'));
    const file = join(dir, 'run.log');
    const lines = Array.from({ length: 25_000 }, (_, k) => `line ${k}`);
    writeFileSync(file, Buffer.concat([Buffer.from(lines.join('\n') + '\n'), Buffer.from([0xff, 0xfe, 0x41])]));
    const tail = await readLogTail(file, 1000);
    assert.equal(tail.total, 25_001);
    assert.equal(tail.lines.length, 1000);
    assert.equal(tail.lines[0], 'line 24001');
    assert.equal(tail.lines.at(-1), '\ufffd\ufffdA');
  });

  it('reads health facts from a record defensively', () => {
    const health = healthFromExtra({
      health: {
        alarms: [
          { name: 'a', state: 'ALARM', changedAt: '2026-11-26T22:40:00Z' },
          { name: 7, state: 'OK' },
          { name: 'b', state: 'WEIRD' },
        ],
        verdict: { kind: 'unhealthy', alarm: 'a', reason: 'Threshold Crossed' },
        rollback: { phase: 'succeeded', targetDeploymentId: 'v1' },
        bakeEndsAt: 5,
      },
    })!;
    assert.deepEqual(
      health.alarms.map((a) => a.name),
      ['a'],
    );
    assert.equal(health.alarms[0]!.changedAt, Date.parse('2026-11-26T22:40:00Z'));
    assert.equal(health.verdict?.kind, 'unhealthy');
    assert.equal(health.rollback?.phase, 'succeeded');
    assert.equal(healthFromExtra({ health: 'nope' }), undefined);
    assert.equal(healthFromExtra(undefined), undefined);
  });

  it('builds console links only for real region names', () => {
    assert.equal(
      stackConsoleUrl('eu-west-1', 'orders-prod'),
      'https://eu-west-1.console.aws.amazon.com/cloudformation/home?region=eu-west-1#/stacks/stackinfo?stackId=orders-prod',
    );
    assert.equal(stackConsoleUrl('evil.example/x', 'orders'), undefined);
    assert.match(alarmConsoleUrl('us-east-1', 'a/b c')!, /alarmsV2:alarm\/a%2Fb%20c$/);
  });
});
