import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoalescingRunner } from '../../../../src/core/triggers';

const fail = (err: unknown): void => assert.fail(`unexpected task error: ${String(err)}`);

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('CoalescingRunner: never two at once, never a queue', () => {
  it('runs a request at once when idle', async () => {
    const ran: number[] = [];
    const runner = new CoalescingRunner<number>({ task: async (v) => void ran.push(v), onError: fail });
    runner.request(1);
    assert.equal(runner.isRunning, true);
    await runner.whenIdle();
    assert.deepEqual(ran, [1]);
  });

  it('turns any number of requests during a run into exactly one follow-up with the newest value', async () => {
    const gates = [deferred(), deferred()];
    const ran: number[] = [];
    let concurrent = 0;
    let maxConcurrent = 0;
    const runner = new CoalescingRunner<number>({
      task: async (v) => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        ran.push(v);
        await gates[ran.length - 1]?.promise;
        concurrent--;
      },
      onError: fail,
    });
    runner.request(1);
    for (let v = 2; v <= 10; v++) runner.request(v);
    assert.equal(runner.hasPending, true);
    gates[0]!.resolve();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(ran, [1, 10]);
    assert.equal(runner.hasPending, false);
    gates[1]!.resolve();
    await runner.whenIdle();
    assert.deepEqual(ran, [1, 10]);
    assert.equal(maxConcurrent, 1);
  });

  it('merges pending values when asked to', async () => {
    const gate = deferred();
    const ran: string[][] = [];
    const runner = new CoalescingRunner<string[]>({
      task: async (v) => {
        ran.push(v);
        if (ran.length === 1) await gate.promise;
      },
      onError: fail,
      merge: (a, b) => [...a, ...b],
    });
    runner.request(['a']);
    runner.request(['b']);
    runner.request(['c']);
    gate.resolve();
    await runner.whenIdle();
    assert.deepEqual(ran, [['a'], ['b', 'c']]);
  });

  it('reports a failing task and still runs the follow-up', async () => {
    const errors: unknown[] = [];
    const ran: number[] = [];
    const gate = deferred();
    const runner = new CoalescingRunner<number>({
      task: async (v) => {
        ran.push(v);
        if (v === 1) {
          await gate.promise;
          throw new Error('boom');
        }
      },
      onError: (e) => errors.push(e),
    });
    runner.request(1);
    runner.request(2);
    gate.resolve();
    await runner.whenIdle();
    assert.deepEqual(ran, [1, 2]);
    assert.equal(errors.length, 1);
  });

  it('on dispose aborts the running task and drops the follow-up', async () => {
    let sawAbort = false;
    const ran: number[] = [];
    const runner = new CoalescingRunner<number>({
      task: (v, signal) => {
        ran.push(v);
        return new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => {
            sawAbort = true;
            resolve();
          }),
        );
      },
      onError: fail,
    });
    runner.request(1);
    runner.request(2);
    runner.dispose();
    await runner.whenIdle();
    runner.request(3);
    assert.equal(sawAbort, true);
    assert.deepEqual(ran, [1]);
    assert.equal(runner.isRunning, false);
  });

  it('tells its state changes', async () => {
    const states: string[] = [];
    const gate = deferred();
    const runner: CoalescingRunner<number> = new CoalescingRunner<number>({
      task: () => gate.promise,
      onError: fail,
      onStateChange: () => states.push(`${runner.isRunning ? 'running' : 'idle'}${runner.hasPending ? '+pending' : ''}`),
    });
    runner.request(1);
    runner.request(2);
    gate.resolve();
    await runner.whenIdle();
    assert.deepEqual(states, ['running', 'running+pending', 'running', 'idle']);
  });
});
