import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StackPollers, type PollUpdate } from '../../../src/core/aws/stackPoller';
import { Emitter } from '../../../src/core/emitter';
import type { Logger } from '../../../src/core/logger';

function recordingLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  const quiet = () => undefined;
  return { errors, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: (m) => void errors.push(String(m)) };
}

describe('a failing listener is logged, and the others still hear the event', () => {
  it('Emitter', () => {
    const logger = recordingLogger();
    const emitter = new Emitter<number>(() => logger);
    const heard: number[] = [];
    emitter.event(() => {
      throw new Error('view bug');
    });
    emitter.event((n) => heard.push(n));
    emitter.fire(1);
    assert.deepEqual(heard, [1]);
    assert.deepEqual(logger.errors, ['an event listener failed: view bug']);
  });

  it('StackPoller', async () => {
    const logger = recordingLogger();
    const timing = { initialMs: 5, maxMs: 10, maxErrorMs: 10, factor: 1.5, jitter: 0 };
    // No AWS needed: a client that cannot be made still yields an update (with `error`) to every subscriber.
    const poller = new StackPollers(logger, timing).get('test', 'arn:stack/orders', () => Promise.reject(new Error('no client')));
    const failing = poller.subscribe(() => {
      throw new Error('subscriber bug');
    });
    const heard = await new Promise<PollUpdate>((resolve) => {
      const second = poller.subscribe((update) => {
        second.dispose();
        resolve(update);
      });
    });
    failing.dispose();
    assert.ok(heard.error, 'the second subscriber heard the failed poll');
    assert.match(logger.errors[0] ?? '', /^a subscriber of the poller of arn:stack\/orders failed: subscriber bug$/);
  });
});
