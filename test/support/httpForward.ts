/**
 * The plumbing shared by the test servers that stand in front of moto (the fault proxy and the
 * alarm-history shim): serve on a loopback port, read a whole body, pass a request on upstream,
 * and tell which AWS operation a request is. Each server decides for itself what to answer and
 * what to forward.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** The whole body of a request that reached a test server, or of an upstream answer. */
export function readBody(message: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    message.on('data', (c: Buffer) => chunks.push(c));
    message.on('end', () => resolve(Buffer.concat(chunks)));
    message.on('error', reject);
  });
}

/**
 * Sends `req` (whose body was already read) on to `upstream` as it came, but with the upstream's
 * Host header and any `headers` given, and resolves with the upstream's answer.
 */
export function forwardRequest(
  req: IncomingMessage,
  body: Buffer,
  upstream: URL,
  headers: OutgoingHttpHeaders = {},
): Promise<IncomingMessage> {
  return new Promise<IncomingMessage>((resolve, reject) => {
    const fwd = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host, ...headers },
      },
      resolve,
    );
    fwd.on('error', reject);
    fwd.end(body);
  });
}

/**
 * The AWS operation a request calls: the X-Amz-Target operation for JSON protocols (CloudWatch),
 * else `Action=` of the query form body (CloudFormation). `params` is that form (empty for JSON).
 */
export function awsOperationOf(req: IncomingMessage, body: Buffer): { operation: string; json: boolean; params: URLSearchParams } {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return { operation: target.split('.').pop()!, json: true, params: new URLSearchParams() };
  const params = new URLSearchParams(body.toString('utf8'));
  return { operation: params.get('Action') ?? 'Unknown', json: false, params };
}

/**
 * Serves `handle` on a free loopback port. A handler that throws answers 502 naming `who`, so a
 * test reads the test server's own failure instead of waiting on a request that never ends.
 */
export async function serveOnLoopback(
  who: string,
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<{ server: Server; endpoint: string }> {
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`${who} error: ${String(err)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, endpoint: `http://127.0.0.1:${port}` };
}
