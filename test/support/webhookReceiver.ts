/**
 * A loopback webhook receiver for the notification tests: a node http server that records every
 * POST and answers, hangs or refuses as told; and a port nothing listens on (a webhook that is down).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Receiver {
  readonly url: string;
  readonly bodies: { path: string; body: string }[];
  mode: 'ok' | 'hang';
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const bodies: { path: string; body: string }[] = [];
  const hung = new Set<ServerResponse>();
  const receiver = { bodies, mode: 'ok' as Receiver['mode'] };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      if (receiver.mode === 'hang') hung.add(res);
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hung) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** A port nothing listens on: a webhook that is down. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** For receivers that never answer: short tries. */
export const FAST_RETRY = { attempts: 3, backoffMs: 50, attemptTimeoutMs: 400 };
/**
 * For receivers that answer: a try that times out may still have landed (delivery is at least once),
 * so where exactly one message is asserted a loaded machine must not cut a slow try short.
 */
export const PATIENT_RETRY = { attempts: 3, backoffMs: 50, attemptTimeoutMs: 10_000 };
