/**
 * Metric math in front of moto, which answers every expression query of GetMetricData with an
 * empty series (even `a + b`). The shim sends moto the same request without its expressions, with
 * every metric query returned, so moto computes the statistics of the stored datapoints; then it
 * works out each expression — one binary operation (`+ - * /`) over two query ids or numbers —
 * timestamp by timestamp, as CloudWatch does for metric math over aligned series, and answers the
 * queries the caller asked to see (ReturnData). Every other request is forwarded unchanged.
 * Only arithmetic is done here; the data and its statistics are moto's.
 */
import { awsOperationOf, forwardRequest, readBody, serveOnLoopback } from './httpForward';

export interface MetricMathShim {
  readonly endpoint: string;
  /** The expressions computed so far (what the engine really asked for). */
  readonly expressions: string[];
  close(): Promise<void>;
}

interface Query {
  readonly Id: string;
  readonly Expression?: string;
  readonly MetricStat?: unknown;
  readonly ReturnData?: boolean;
  readonly Label?: string;
}

/** A JSON 1.0 timestamp: epoch seconds (a string form is read too). */
type Stamp = number | string;

interface Result {
  readonly Id: string;
  readonly Label?: string;
  readonly Timestamps: Stamp[];
  readonly Values: number[];
  readonly StatusCode?: string;
}

const seconds = (t: Stamp): number => (typeof t === 'number' ? t : Date.parse(t) / 1000);

const BINARY = /^\s*([A-Za-z_][\w]*|\d+(?:\.\d+)?)\s*([-+*/])\s*([A-Za-z_][\w]*|\d+(?:\.\d+)?)\s*$/;

function apply(op: string, a: number, b: number): number | undefined {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    default:
      // CloudWatch drops a point whose denominator is 0.
      return b === 0 ? undefined : a / b;
  }
}

/** `expression` over the series by id; the timestamps both operands have (a number has them all). */
function evaluate(expression: string, series: ReadonlyMap<string, Map<number, number>>): Map<number, number> {
  const m = BINARY.exec(expression);
  if (!m) throw new Error(`the metric math shim computes one binary operation over two ids, not "${expression}"`);
  const [, left, op, right] = m as unknown as [string, string, string, string];
  const operand = (token: string): Map<number, number> | number => {
    if (/^\d/.test(token)) return Number(token);
    const s = series.get(token);
    if (!s) throw new Error(`the expression "${expression}" names ${token}, which is not a query of the request`);
    return s;
  };
  const a = operand(left);
  const b = operand(right);
  const times = typeof a !== 'number' ? [...a.keys()] : typeof b !== 'number' ? [...b.keys()] : [];
  const out = new Map<number, number>();
  for (const t of times) {
    const x = typeof a === 'number' ? a : a.get(t);
    const y = typeof b === 'number' ? b : b.get(t);
    if (x === undefined || y === undefined) continue;
    const v = apply(op, x, y);
    if (v !== undefined) out.set(t, v);
  }
  return out;
}

export async function startMetricMathShim(upstream: string): Promise<MetricMathShim> {
  const target = new URL(upstream);
  const expressions: string[] = [];
  const { server, endpoint } = await serveOnLoopback('metric math shim', async (req, res) => {
    const body = await readBody(req);
    const { operation } = awsOperationOf(req, body);
    const input = operation === 'GetMetricData' ? (JSON.parse(body.toString('utf8')) as { MetricDataQueries?: Query[] }) : undefined;
    const queries = input?.MetricDataQueries ?? [];
    if (!input || !queries.some((q) => q.Expression !== undefined)) {
      const upRes = await forwardRequest(req, body, target);
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
      return;
    }
    const metricsOnly = Buffer.from(
      JSON.stringify({
        ...input,
        MetricDataQueries: queries.filter((q) => q.Expression === undefined).map((q) => ({ ...q, ReturnData: true })),
      }),
    );
    const upRes = await forwardRequest(req, metricsOnly, target, { 'content-length': String(metricsOnly.length) });
    const answer = await readBody(upRes);
    if ((upRes.statusCode ?? 500) >= 300) {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers).end(answer);
      return;
    }
    const parsed = JSON.parse(answer.toString('utf8')) as { MetricDataResults?: Result[]; NextToken?: string; Messages?: unknown[] };
    const series = new Map<string, Map<number, number>>();
    for (const r of parsed.MetricDataResults ?? []) series.set(r.Id, new Map(r.Timestamps.map((t, i) => [seconds(t), r.Values[i]!])));
    for (const q of queries) {
      if (q.Expression === undefined) continue;
      expressions.push(q.Expression);
      series.set(q.Id, evaluate(q.Expression, series));
    }
    const results: Result[] = queries
      .filter((q) => q.ReturnData !== false)
      .map((q) => {
        const points = [...(series.get(q.Id) ?? new Map<number, number>()).entries()].sort((x, y) => x[0] - y[0]);
        return {
          Id: q.Id,
          ...(q.Label !== undefined ? { Label: q.Label } : {}),
          Timestamps: points.map((p) => p[0]),
          Values: points.map((p) => p[1]),
          StatusCode: 'Complete',
        };
      });
    const out = JSON.stringify({ ...parsed, MetricDataResults: results });
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'content-length': String(Buffer.byteLength(out)) }).end(out);
  });
  return {
    endpoint,
    expressions,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
