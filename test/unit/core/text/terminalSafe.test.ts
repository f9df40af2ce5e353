import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonLineSafe, stepOutputSafe, terminalSafe } from '../../../../src/core/text/terminalSafe';

const OSC52 = '\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\x07';
const OSC52_ST = '\x1b]52;c;ZWNobyBwd25lZA==\x1b\\';
const CLEAR = '\x1b[2J\x1b[H';
const RLO = '\u202e';
const TITLE = '\x1b]0;owned\x07';
const HYPERLINK = '\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\';

describe('terminalSafe (AWS text)', () => {
  it('removes an OSC 52 clipboard write, a screen clear and shows a bidi override instead of obeying it', () => {
    const reason = `Threshold Crossed${OSC52}${CLEAR}: 1 datapoint ${RLO}txt.exe`;
    assert.equal(terminalSafe(reason), 'Threshold Crossed: 1 datapoint ⟨U+202E⟩txt.exe');
  });

  it('removes every escape, C0 and C1 control but newline and tab, SGR included', () => {
    assert.equal(terminalSafe('\x1b[31mred\x1b[0m'), 'red');
    assert.equal(terminalSafe(`a${OSC52_ST}b${TITLE}c`), 'abc');
    assert.equal(terminalSafe(HYPERLINK), 'click');
    assert.equal(terminalSafe('safe\rEVIL\bX\x07\x7f'), 'safeEVILX');
    assert.equal(terminalSafe('line 1\n\tline 2'), 'line 1\n\tline 2');
    assert.equal(terminalSafe('\x1bcreset \x1b(Bcharset \x1b7saved'), 'reset charset saved');
    assert.equal(terminalSafe('\x1bP1$qm\x1b\\dcs gone'), 'dcs gone');
  });

  it('removes the 8-bit C1 forms of CSI, OSC and the string controls', () => {
    assert.equal(terminalSafe('a\u009b2Jb'), 'ab');
    assert.equal(terminalSafe('a\u009d52;c;eA==\u0007b'), 'ab');
    assert.equal(terminalSafe('a\u0090payload\u009cb'), 'ab');
    assert.equal(terminalSafe('a\u0085b'), 'ab');
  });

  it('neutralises every bidi embedding, override and isolate', () => {
    for (const c of [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]) {
      const out = terminalSafe(`x${String.fromCharCode(c)}y`);
      assert.equal(out, `x⟨U+${c.toString(16).toUpperCase()}⟩y`);
    }
  });

  it('an unterminated string or sequence is dropped to its end, never printed half-obeyed', () => {
    assert.equal(terminalSafe('before\x1b]52;c;AAAA'), 'before');
    assert.equal(terminalSafe('before\x1b['), 'before');
    assert.equal(terminalSafe('before\x1b'), 'before');
  });

  it('leaves ordinary text, including non-Latin scripts and emoji, unchanged', () => {
    const text = 'Stack orders-prod: UPDATE_FAILED — ресурс 失败 ✔ 🚀 [1] (x;y)';
    assert.equal(terminalSafe(text), text);
  });
});

describe('stepOutputSafe (step output)', () => {
  it('keeps colours and styles (SGR) and nothing else', () => {
    assert.equal(stepOutputSafe('\x1b[1;32m✔ built\x1b[0m'), '\x1b[1;32m✔ built\x1b[0m');
    assert.equal(stepOutputSafe('\x1b[38;2;255;0;0mrgb\x1b[m'), '\x1b[38;2;255;0;0mrgb\x1b[m');
    assert.equal(stepOutputSafe(`\x1b[31mred${OSC52}${CLEAR}\x1b[0m`), '\x1b[31mred\x1b[0m');
  });

  it('removes CSI that only look like SGR (private or intermediate bytes) and other controls', () => {
    assert.equal(stepOutputSafe('a\x1b[?25lb\x1b[>4;2mc\x1b[1 md'), 'abcd');
    assert.equal(stepOutputSafe('progress 10%\rprogress 100%'), 'progress 10%progress 100%');
    assert.equal(stepOutputSafe(`${RLO}gnp.exe`), '⟨U+202E⟩gnp.exe');
    assert.equal(stepOutputSafe(`${TITLE}${HYPERLINK}`), 'click');
  });
});

describe('jsonLineSafe', () => {
  it('escapes C1 and bidi controls that JSON.stringify leaves raw, keeping the JSON exact', () => {
    const value = { reason: `a\u009b2J${RLO}b\x1b[2J` };
    const line = jsonLineSafe(JSON.stringify(value));
    // eslint-disable-next-line no-control-regex -- the controls are what is checked for
    assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    assert.deepEqual(JSON.parse(line), value);
  });
});
