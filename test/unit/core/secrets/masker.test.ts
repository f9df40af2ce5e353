import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskLines } from '../../../../src/core/pipeline/runSteps';
import { createMasker, MASK } from '../../../../src/core/secrets';

describe('createMasker', () => {
  const masker = createMasker(['hunter2-password', 'ab', 'line-one\nline-two']);

  it('masks known values, longest first, and each line of a multi-line one', () => {
    assert.equal(masker.mask('pw=hunter2-password!'), `pw=${MASK}!`);
    assert.equal(masker.mask('line-two and line-one'), `${MASK} and ${MASK}`);
  });

  it('ignores values too short to mask meaningfully', () => {
    assert.equal(masker.mask('ab cd'), 'ab cd');
  });

  it('masks AWS access key ids, secret keys and session tokens by shape', () => {
    assert.equal(masker.mask('key AKIAIOSFODNN7EXAMPLE end'), `key ${MASK} end`);
    assert.equal(masker.mask('temp ASIAXXXXXXXXXXXXXXXX'), `temp ${MASK}`);
    assert.equal(masker.mask('aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'), `aws_secret_access_key = ${MASK}`);
    assert.equal(masker.mask('export X=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'), `export X=${MASK}`);
    assert.equal(masker.mask('"SessionToken": "AQoDYXdzEJr1KAQoDYXdzEJr1K/abc+def="'), `"SessionToken": "${MASK}"`);
    assert.equal(masker.mask('AWS_SESSION_TOKEN=AQoDYXdzEJr1KAQoDYXdzEJr1K'), `AWS_SESSION_TOKEN=${MASK}`);
    assert.equal(masker.mask(`token IQoJb3JpZ2luX2VjEHYaCXVzLWVhc3QtMSJHMEUCIQ`), `token ${MASK}`);
  });

  it('leaves git SHAs and ordinary text alone', () => {
    const sha = '0123456789abcdef0123456789abcdef01234567';
    assert.equal(masker.mask(`deployed ${sha}`), `deployed ${sha}`);
    assert.equal(masker.mask('AKIA is a prefix, AKIASHORT is not a key'), 'AKIA is a prefix, AKIASHORT is not a key');
  });

  it('learns secrets added later', () => {
    const m = createMasker();
    assert.equal(m.mask('value-123456'), 'value-123456');
    m.addSecret('value-123456');
    assert.equal(m.mask('value-123456'), MASK);
    assert.equal(m.knownSecretCount, 1);
  });

  it('masks lines joined by a line break exactly as it masks each line (the step runner masks a chunk at a time)', () => {
    const many = createMasker([...Array.from({ length: 20 }, (_, k) => `known-secret-${k}`), 'hunter2-password']);
    const lines = [
      'plain build output',
      'pw=hunter2-password!',
      'AKIAIOSFODNN7EXAMPLE at the start',
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'aws_secret_access_key',
      '= wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      '"SessionToken":',
      '"IQoJb3JpZ2luX2VjEHoaCXVzLWVhc3QtMSJHMEUCIQD"',
      'session_token=\r',
      'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef',
      'hunter2-',
      'password',
      'known-secret-1 known-secret-19 known-secret-',
      '7',
      'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE',
      'Y0123',
      '',
      'a git sha 3f2a9c1d4e5b6a7980c1d2e3f4a5b6c7d8e9f0a1',
    ];
    for (const m of [masker, many]) {
      const each = lines.map((l) => m.mask(l));
      const block = maskLines(m, lines);
      assert.deepEqual(block.lines, each);
      assert.equal(block.text, each.join('\n'));
    }
    // Nothing to mask: the lines are handed on as they came, not copied.
    const clean = ['one', 'two'];
    assert.equal(maskLines(masker, clean).lines, clean);
  });
});
