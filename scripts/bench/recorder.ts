/**
 * A recording pass-through proxy for the health benchmarks: forwards every request to the
 * emulator unchanged and notes when each AWS operation *reached* it (CloudFormation/Query:
 * `Action=` in the form body; CloudWatch/JSON: the X-Amz-Target header).
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  readonly at: number;
  readonly wall: number;
  readonly op: string;
}

export interface Recorder {
  readonly endpoint: string;
  readonly calls: RecordedCall[];
  next(ops: readonly string[]): Promise<RecordedCall>;
  close(): Promise<void>;
}

export async function startRecorder(upstream: string): Promise<Recorder> {
  const target = new URL(upstream);
  const calls: RecordedCall[] = [];
  const waiters: { match: (c: RecordedCall) => boolean; resolve: (c: RecordedCall) => void }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const amzTarget = req.headers['x-amz-target'];
      const op =
        typeof amzTarget === 'string'
          ? (amzTarget.split('.').pop() ?? 'unknown')
          : ((/(?:^|&)Action=([A-Za-z]+)/.exec(body.toString('utf8')) ?? [])[1] ?? 'unknown');
      const call: RecordedCall = { at: performance.now(), wall: Date.now(), op };
      calls.push(call);
      for (const w of [...waiters]) {
        if (w.match(call)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(call);
        }
      }
      const up = request(
        { hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        },
      );
      up.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    /** Resolves with the first call (from now on) whose op is in `ops`. */
    next(ops) {
      return new Promise<RecordedCall>((resolve) => waiters.push({ match: (c) => ops.includes(c.op), resolve }));
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
