import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AwsClients } from '../../../../src/core/aws/clients';

describe('AWS client setup', () => {
  it('pins CloudWatch to JSON 1.0 (emulators do not speak CBOR) and keeps CloudFormation on query', async () => {
    const clients = new AwsClients({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:1' });
    try {
      const cw = await clients.cloudWatch();
      const protocol = (cw.config as unknown as { protocol: object }).protocol;
      assert.equal(protocol.constructor.name, 'AwsJson1_0Protocol');
      assert.doesNotMatch(protocol.constructor.name, /Cbor/);
      const cfn = await clients.cloudFormation();
      assert.equal((cfn.config as unknown as { protocol: object }).protocol.constructor.name, 'AwsQueryProtocol');
    } finally {
      clients.dispose();
    }
  });

  it('bounds retries and makes request timeouts throw', async () => {
    const clients = new AwsClients({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:1' }, { maxAttempts: 2, requestTimeoutMs: 1234 });
    try {
      const cfn = await clients.cloudFormation();
      assert.equal(await cfn.config.maxAttempts(), 2);
      const handler = cfn.config.requestHandler as unknown as {
        configProvider: Promise<{ requestTimeout?: number; throwOnRequestTimeout?: boolean }>;
      };
      const config = await handler.configProvider;
      assert.equal(config.requestTimeout, 1234);
      assert.equal(config.throwOnRequestTimeout, true);
    } finally {
      clients.dispose();
    }
  });
});
