import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tailOfText } from '../../../../src/extension/runPanel/logTail';

describe('tailOfText: the window of a log read from the team history', () => {
  it('keeps the newest lines and counts them all', () => {
    const tail = tailOfText('one\ntwo\nthree\nfour\n', 2);
    assert.deepEqual(tail.lines, ['three', 'four']);
    assert.equal(tail.total, 4);
  });

  it('a last line without a newline is a line; an empty log has none', () => {
    assert.deepEqual(tailOfText('a\nb', 5), { lines: ['a', 'b'], total: 2 });
    assert.deepEqual(tailOfText('', 5), { lines: [], total: 0 });
  });
});
