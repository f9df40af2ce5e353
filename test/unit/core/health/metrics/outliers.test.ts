import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fenceSorted, iqrFence, quantileOfSorted, removeOutliers } from '../../../../../src/core/health/metrics/outliers';

describe('IQR outlier fence', () => {
  it('takes quartiles by linear interpolation (R-7)', () => {
    assert.equal(quantileOfSorted([1, 2, 3, 4], 0.25), 1.75);
    assert.equal(quantileOfSorted([1, 2, 3, 4], 0.5), 2.5);
    assert.equal(quantileOfSorted([5], 0.75), 5);
    assert.ok(Number.isNaN(quantileOfSorted([], 0.5)));
  });

  it('sets the fence at 3 × IQR beyond the quartiles by default', () => {
    // 0..98 and one more value: Q1 = 24.75, Q3 = 74.25, IQR = 49.5 → fence [−123.75, 222.75].
    const values = Array.from({ length: 99 }, (_, i) => i);
    assert.deepEqual(iqrFence([...values, 222]), { lower: -123.75, upper: 222.75 });
    assert.equal(removeOutliers([...values, 222]).removed, 0);
    assert.deepEqual(removeOutliers([...values, 223]), { kept: values, removed: 1 });
    // A smaller factor fences closer: 1.5 × 49.5 above Q3 is 148.5.
    assert.equal(removeOutliers([...values, 160], 1.5).removed, 1);
  });

  it('sets a lone spike aside and keeps the original order of the rest', () => {
    const sample = [101, 99, 100, 102, 98, 100, 5000, 101, 99, 100, 103, 97];
    const fenced = removeOutliers(sample);
    assert.equal(fenced.removed, 1);
    assert.deepEqual(fenced.kept, [101, 99, 100, 102, 98, 100, 101, 99, 100, 103, 97]);
  });

  it('never fences inside the 1st–99th percentiles: a mostly-zero count keeps its rare values', () => {
    // Q1 = Q3 = 0: a bare IQR fence would be [0, 0] and drop every error; p99 keeps the 1s.
    const errors = [...Array.from({ length: 17 }, () => 0), 1, 1, 1];
    assert.deepEqual(removeOutliers(errors), { kept: errors, removed: 0 });
  });

  it('fences a sorted sample as one contiguous run, or not at all with an infinite factor', () => {
    const sorted = Float64Array.from([-900, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 900]);
    const fenced = fenceSorted(sorted);
    assert.deepEqual([...fenced.kept], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(fenced.removed, 2);
    assert.equal(fenceSorted(sorted, Infinity).kept.length, 12);
  });
});
