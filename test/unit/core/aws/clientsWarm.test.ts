import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AwsClients } from '../../../../src/core/aws/clients';
import { isAwsSdkLoaded } from '../../../../src/core/aws/sdk';

/** One turn of the event loop (its check phase, where setImmediate callbacks run). */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

// One process per test file: nothing else here loads the SDK, so `isAwsSdkLoaded` tells when the
// warm-up ran. The cancelled warm-up is checked first, before any other loads the SDK.
describe('AwsClients.warm', () => {
  it('a warm-up that dispose() overtakes never makes a client (nor loads the SDK)', async () => {
    const clients = new AwsClients({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:1' });
    clients.warm('s3', 'cloudFormation');
    clients.dispose();
    for (let i = 0; i < 4; i++) await turn();
    assert.equal(isAwsSdkLoaded(), false);
  });

  it('makes the client two event-loop turns later, so the call started before it goes out first', async () => {
    const clients = new AwsClients({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:1' });
    try {
      clients.warm('s3');
      assert.equal(isAwsSdkLoaded(), false, 'nothing happens at the call');
      await turn();
      assert.equal(isAwsSdkLoaded(), false, 'nor in the turn the call before is sent');
      await turn();
      await turn();
      assert.equal(isAwsSdkLoaded(), true, 'made in the next turn');
      const made = clients.s3();
      assert.equal(clients.s3(), made, 'the warmed client is the one later calls get');
      assert.equal((await made).constructor.name, 'S3Client');
    } finally {
      clients.dispose();
    }
  });
});
