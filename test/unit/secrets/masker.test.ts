import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMasker, MASK } from '../../../src/core/secrets';

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
});
