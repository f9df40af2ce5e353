import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { classifyAwsError, toDeployGuardError } from '../../../../src/core/aws/awsErrors';
import { foreignAnswerMiddleware, foreignAnswerOf } from '../../../../src/core/aws/foreignAnswer';

const HTML = '\n<html><head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>';

/** Runs the middleware over one answer; returns the response the SDK would get, or what it threw. */
async function answer(statusCode: number, contentType: string, body: string) {
  const response = { statusCode, headers: { 'Content-Type': contentType }, body: Readable.from([Buffer.from(body)]) as unknown };
  const handler = foreignAnswerMiddleware()(async () => ({ response }));
  try {
    await handler({});
    return { response, thrown: undefined };
  } catch (err) {
    return { response, thrown: err };
  }
}

describe('answers the SDK cannot read', () => {
  it('an HTML error page: status and first line kept, the same bytes handed on to the SDK', async () => {
    const { response, thrown } = await answer(502, 'text/html', HTML);
    assert.equal(thrown, undefined);
    assert.equal(new TextDecoder().decode(response.body as Uint8Array), HTML);
    // What the SDK throws carries the response as $response.
    const sdkError = Object.assign(new Error('Unknown'), { name: 'Unknown', $metadata: { httpStatusCode: 502 } });
    Object.defineProperty(sdkError, '$response', { value: response });
    assert.deepEqual(foreignAnswerOf(sdkError), { status: 502, firstLine: '<html><head><title>502 Bad Gateway</title></head>' });
    const c = classifyAwsError(sdkError);
    assert.deepEqual([c.kind, c.name], ['server', 'HTTP 502']);
    const e = toDeployGuardError(sdkError, 'Describing stack orders-dev');
    assert.equal(e.code, 'AwsRequestFailed');
    assert.equal(
      e.message,
      'Describing stack orders-dev: the endpoint answered HTTP 502 with a body that is not an AWS answer, starting: <html><head><title>502 Bad Gateway</title></head>',
    );
  });

  it("AWS's own XML and JSON errors are left to the SDK", async () => {
    for (const [type, body] of [
      ['text/xml', '<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>'],
      ['application/x-amz-json-1.0', '{"__type":"Throttling"}'],
    ] as const) {
      const { response } = await answer(400, type, body);
      const sdkError = new Error('x');
      Object.defineProperty(sdkError, '$response', { value: response });
      assert.equal(foreignAnswerOf(sdkError), undefined, type);
    }
  });

  it('success answers and empty error bodies are left to the SDK (an S3 object may be HTML; S3 says 404 with no body)', async () => {
    for (const [status, body] of [
      [200, '<!DOCTYPE html>\n<title>page</title>'],
      [404, ''],
    ] as const) {
      const { response, thrown } = await answer(status, 'text/html', body);
      assert.equal(thrown, undefined);
      const sdkError = new Error('x');
      Object.defineProperty(sdkError, '$response', { value: response });
      assert.equal(foreignAnswerOf(sdkError), undefined, String(status));
    }
  });
});
