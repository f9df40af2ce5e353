import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelledError } from '../../../src/core/errors';
import { formatCountdown, parseDuration, sleep } from '../../../src/core/time';

describe('parseDuration', () => {
  const cases: [string, number | undefined][] = [
    ['90s', 90_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['500ms', 500],
    ['0s', 0],
    ['10', undefined],
    ['10 minutes', undefined],
    ['-5s', undefined],
    ['1.5m', undefined],
    ['', undefined],
  ];
  for (const [text, expected] of cases) {
    it(`${JSON.stringify(text)} → ${expected}`, () => assert.equal(parseDuration(text), expected));
  }
});

describe('formatCountdown', () => {
  it('formats minutes and hours', () => {
    assert.equal(formatCountdown(192_000), '3:12');
    assert.equal(formatCountdown(3_725_000), '1:02:05');
    assert.equal(formatCountdown(-5), '0:00');
  });
});

describe('sleep', () => {
  it('rejects with CancelledError as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = sleep(10_000, controller.signal);
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(pending, CancelledError);
    assert.ok(Date.now() - started < 2_000);
  });
});
