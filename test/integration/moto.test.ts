import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startMoto, type Moto } from '../support/moto';

describe('moto_server test support', () => {
  let moto: Moto;
  before(async () => {
    moto = await startMoto();
  });
  after(() => moto.stop());

  it('answers on loopback and resets its state', async () => {
    assert.match(moto.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    await moto.reset();
    const res = await fetch(`${moto.endpoint}/moto-api/data.json`);
    assert.equal(res.status, 200);
  });
});
