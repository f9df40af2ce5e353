import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeliveryError, maskUrl, maskUrlIn, webhookProblem, withRetries } from '../../../../src/core/notify/delivery';

describe('maskUrl: a webhook URL as a log may show it', () => {
  const cases: [string, string][] = [
    ['https://hooks.slack.com/services/T0/B0/secret', 'https://hooks.slack.com/***'],
    ['https://example.com/hook?token=abc', 'https://example.com/***?***'],
    ['https://example.com/?token=abc', 'https://example.com?***'],
    ['https://user:pass@example.com/x', 'https://example.com/***'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['not a url', '(an unreadable URL)'],
  ];
  for (const [url, masked] of cases) it(url, () => assert.equal(maskUrl(url), masked));

  it('masks the URL and its secret parts wherever they appear in a message', () => {
    const url = 'https://hooks.example.com/services/T0/B0/s3cret?sig=xyz123';
    const text = maskUrlIn(`POST ${url} failed; path /services/T0/B0/s3cret, query ?sig=xyz123`, url);
    assert.ok(!text.includes('s3cret') && !text.includes('xyz123'), text);
    assert.match(text, /https:\/\/hooks\.example\.com\/\*\*\*\?\*\*\*/);
  });
});

describe('webhookProblem', () => {
  it('takes http and https only', () => {
    assert.equal(webhookProblem('https://x.example/hook'), undefined);
    assert.equal(webhookProblem('http://127.0.0.1:1/hook'), undefined);
    assert.match(webhookProblem('file:///etc/passwd') ?? '', /not http/);
    assert.match(webhookProblem('hooks.slack.com/x') ?? '', /not a URL/);
  });
});

describe('withRetries', () => {
  const policy = { attempts: 3, backoffMs: 1, attemptTimeoutMs: 200 };
  const live = new AbortController().signal;

  it('tries again after a failure worth retrying, and stops once delivered', async () => {
    let tries = 0;
    const failure = await withRetries(policy, live, async () => {
      if (++tries < 2) throw new DeliveryError('HTTP 503', true);
    });
    assert.equal(failure, undefined);
    assert.equal(tries, 2);
  });
  it('gives up at once when the receiver refuses the message', async () => {
    let tries = 0;
    const failure = await withRetries(policy, live, async () => {
      tries++;
      throw new DeliveryError('the receiver answered HTTP 404', false);
    });
    assert.equal(tries, 1);
    assert.equal(failure, 'the receiver answered HTTP 404');
  });
  it('bounds a receiver that never answers: each try has its deadline, and the tries run out', async () => {
    let tries = 0;
    const started = Date.now();
    const failure = await withRetries(policy, live, (signal) => {
      tries++;
      return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    });
    assert.equal(tries, 3);
    assert.match(failure ?? '', /no answer within 200 ms \(after 3 tries\)/);
    assert.ok(Date.now() - started < 2_000);
  });
  it('stops when its owner is disposed', async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 20);
    const failure = await withRetries({ ...policy, attemptTimeoutMs: 10_000 }, stop.signal, (signal) => {
      return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    });
    assert.match(failure ?? '', /stopped/);
  });
});
