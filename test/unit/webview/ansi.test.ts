import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_LINE_CHARS, parseAnsiLine, plainText, visibleText, xtermRgb } from '../../../src/webview/ansi';

const ESC = '\x1b';

describe('ANSI/escape sanitiser: SGR kept as styles', () => {
  it('keeps basic colours, bright colours and resets', () => {
    const spans = parseAnsiLine(`${ESC}[31merror${ESC}[0m plain ${ESC}[1;92mok${ESC}[m`);
    assert.deepEqual(spans, [
      { text: 'error', style: { fg: { kind: 'palette', index: 1 } } },
      { text: ' plain ' },
      { text: 'ok', style: { bold: true, fg: { kind: 'palette', index: 10 } } },
    ]);
  });

  it('keeps 256-colour and truecolour in both ; and : forms', () => {
    const [a, b, c] = parseAnsiLine(`${ESC}[38;5;208mA${ESC}[48;2;10;20;30mB${ESC}[0;38:2::1:2:3mC`);
    assert.deepEqual(a, { text: 'A', style: { fg: { kind: 'palette', index: 208 } } });
    assert.deepEqual(b!.style!.bg, { kind: 'rgb', r: 10, g: 20, b: 30 });
    assert.deepEqual(c, { text: 'C', style: { fg: { kind: 'rgb', r: 1, g: 2, b: 3 } } });
  });

  it('ignores conceal (8) and drops a background equal to the foreground', () => {
    const [hidden] = parseAnsiLine(`${ESC}[8msecret`);
    assert.deepEqual(hidden, { text: 'secret' });
    const [same] = parseAnsiLine(`${ESC}[30;40mblack on black`);
    assert.deepEqual(same!.style, { fg: { kind: 'palette', index: 0 } });
  });

  it('ignores out-of-range colours instead of guessing', () => {
    const [span] = parseAnsiLine(`${ESC}[38;5;999m${ESC}[38;2;300;0;0mx`);
    assert.deepEqual(span, { text: 'x' });
  });

  it('computes the xterm cube and grey ramp', () => {
    assert.deepEqual(xtermRgb(16), { r: 0, g: 0, b: 0 });
    assert.deepEqual(xtermRgb(196), { r: 255, g: 0, b: 0 });
    assert.deepEqual(xtermRgb(232), { r: 8, g: 8, b: 8 });
  });
});

describe('ANSI/escape sanitiser: hostile corpus', () => {
  it('leaves HTML as literal text (rendering is by text node; nothing is interpreted here)', () => {
    for (const hostile of ['<script>alert(1)</script>', '</div><img src=x onerror=alert(1)>', '"><svg onload=alert(1)>']) {
      assert.equal(plainText(hostile), hostile);
    }
  });

  it('removes OSC 8 hyperlinks (javascript: or not) but keeps their visible text', () => {
    const line = `click ${ESC}]8;;javascript:alert(document.cookie)${ESC}\\here${ESC}]8;;${ESC}\\ now`;
    assert.equal(plainText(line), 'click here now');
    const bel = `${ESC}]8;id=1;https://evil.example/\x07link${ESC}]8;;\x07`;
    assert.equal(plainText(bel), 'link');
    assert.ok(!plainText(line).includes('javascript'));
  });

  it('removes OSC 52 clipboard writes and window-title changes', () => {
    assert.equal(plainText(`a${ESC}]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07b`), 'ab');
    assert.equal(plainText(`${ESC}]0;pwned title\x07text`), 'text');
    // 8-bit OSC terminated by 8-bit ST
    assert.equal(plainText(`x\u009d52;c;AAAA\u009cy`), 'xy');
  });

  it('removes non-SGR CSI (cursor moves, erase line, private modes) and DCS/APC strings', () => {
    assert.equal(plainText(`ok${ESC}[2K${ESC}[1A${ESC}[?25l${ESC}[10;10H done`), 'ok done');
    assert.equal(plainText(`${ESC}P1$r0m${ESC}\\a${ESC}_apc payload${ESC}\\b`), 'ab');
    assert.equal(plainText(`${ESC}(Bx${ESC}7y${ESC}c`), 'xy');
    // an unterminated sequence at the end of the line is dropped, not shown half-way
    assert.equal(plainText(`tail${ESC}[38;5`), 'tail');
    assert.equal(plainText(`tail${ESC}]8;;http://x`), 'tail');
  });

  it('makes lone carriage returns and backspaces visible instead of letting them overwrite', () => {
    const spans = parseAnsiLine('Deploy FAILED\rDeploy OK    ');
    assert.equal(visibleText(spans), 'Deploy FAILED\u240dDeploy OK    ');
    assert.deepEqual(spans[1], { text: '\u240d', control: true });
    assert.equal(plainText('abc\b\b\bxyz'), 'abc\u2408\u2408\u2408xyz');
    // a trailing CR (CRLF output) is just dropped
    assert.equal(plainText('windows line\r'), 'windows line');
  });

  it('makes bidi overrides and isolates visible', () => {
    const trojan = 'access = "user\u202e \u2066// check admin\u2069 \u2066"';
    const text = plainText(trojan);
    assert.ok(!/[\u202a-\u202e\u2066-\u2069]/.test(text));
    assert.ok(text.includes('⟨U+202E⟩') && text.includes('⟨U+2066⟩') && text.includes('⟨U+2069⟩'));
  });

  it('shows other C0/C1 controls as pictures, keeps tabs', () => {
    assert.equal(plainText('a\x00b\x07c\td\x7f'), 'a\u2400b\u2407c\td\u2421');
    assert.equal(plainText('x\u0085y'), 'x⟨0x85⟩y');
  });

  it('replaces lone surrogates (invalid UTF-16 / bad UTF-8 decodes) and keeps real astral characters', () => {
    assert.equal(plainText('bad \ud800 and \udfff end'), 'bad \ufffd and \ufffd end');
    assert.equal(plainText('rocket 🚀 ok'), 'rocket 🚀 ok');
    const invalidUtf8 = Buffer.from([0x61, 0xff, 0xfe, 0xc3, 0x28, 0x62]).toString('utf8');
    assert.equal(plainText(invalidUtf8), invalidUtf8); // already U+FFFD; stays as is
    assert.ok(plainText(invalidUtf8).includes('\ufffd'));
  });

  it('handles a 10 kB line, and one with thousands of escapes', () => {
    const line = `${ESC}[32m${'x'.repeat(10_000)}${ESC}[0m`;
    assert.equal(plainText(line).length, 10_000);
    const noisy = Array.from({ length: 5_000 }, (_, k) => `${ESC}[3${k % 8}m${k % 10}`).join('');
    const spans = parseAnsiLine(noisy);
    assert.equal(visibleText(spans).length, 5_000);
    assert.deepEqual(spans[1], { text: '1', style: { fg: { kind: 'palette', index: 1 } } });
  });

  it('cuts a line longer than the limit with a visible marker', () => {
    const spans = parseAnsiLine('y'.repeat(MAX_LINE_CHARS + 500));
    const last = spans[spans.length - 1]!;
    assert.equal(last.control, true);
    assert.match(last.text, /line cut at 20000 of 20500 characters/);
    assert.equal(spans[0]!.text.length, MAX_LINE_CHARS);
  });

  it('a status-looking line is only text (no parsing of meaning)', () => {
    assert.deepEqual(parseAnsiLine('✔ Deploy succeeded'), [{ text: '✔ Deploy succeeded' }]);
  });
});
