import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sortedFinite } from '../../../../../src/core/health/metrics/sortFinite';
import { seeded } from '../../../../support/seeded';

/** The reference: the finite values through the built-in typed-array sort. */
function builtIn(values: readonly number[]): Float64Array {
  return Float64Array.from(values.filter((v) => Number.isFinite(v))).sort();
}

describe('sortedFinite', () => {
  const random = seeded(17);
  const shapes: ReadonlyArray<readonly [string, () => number]> = [
    ['latency-like', () => 100 * Math.exp(0.5 * (random() - 0.5))],
    ['both signs, wide magnitudes', () => (random() < 0.5 ? -1 : 1) * Math.exp(60 * (random() - 0.5))],
    ['small counts (ties everywhere)', () => Math.floor(random() * 5)],
    ['signed zeros', () => (random() < 0.5 ? -0 : 0)],
    ['subnormals', () => 1e-310 * (random() - 0.5)],
    ['equal in the high 32 bits', () => 100 + random() * 1e-9],
    ['non-finite mixed in', () => [NaN, Infinity, -Infinity, 3, -3, 0, -0, 1e-300][Math.floor(random() * 8)] as number],
  ];
  for (const [name, draw] of shapes) {
    it(`orders ${name} exactly as the built-in sort does, dropping non-finite values`, () => {
      for (const n of [0, 1, 5, 127, 128, 129, 1440, 3000]) {
        const values = Array.from({ length: n }, draw);
        const sorted = sortedFinite(values);
        const expected = builtIn(values);
        assert.equal(sorted.length, expected.length, `${n} values`);
        // Object.is tells −0 from +0: the built-in sort puts −0 first, and so must this one.
        sorted.forEach((v, i) => assert.ok(Object.is(v, expected[i]), `${n} values: at ${i}, ${v} vs ${expected[i]}`));
      }
    });
  }

  it('leaves its input alone and returns a new array each time', () => {
    const values = [3, 1, 2, ...Array.from({ length: 200 }, (_, i) => 200 - i)];
    const copy = [...values];
    const first = sortedFinite(values);
    const second = sortedFinite(values);
    assert.deepEqual(values, copy);
    assert.notEqual(first.buffer, second.buffer);
    assert.deepEqual([...first], [...second]);
  });
});
