/**
 * A small extension in front of moto (or the fault proxy) for what moto lacks: CloudWatch alarm
 * history. moto answers DescribeAlarmHistory with HTTP 500; this shim answers it itself with the
 * StateUpdate items a test records (the JSON 1.0 shape AWS uses, HistoryData with
 * oldState/newState), filtered by StartDate, and forwards every other request unchanged.
 * It also logs when each operation reached it.
 */
import { awsOperationOf, forwardRequest, readBody, serveOnLoopback } from './httpForward';

export interface ShimTransition {
  readonly alarm: string;
  readonly from: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  readonly to: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  readonly at: Date;
  readonly reason?: string;
}

export interface AlarmHistoryShim {
  readonly endpoint: string;
  /** Every request: operation and arrival time (performance.now()). */
  readonly calls: { op: string; at: number }[];
  /** Adds a StateUpdate item, as CloudWatch would record it. */
  record(t: ShimTransition): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startAlarmHistoryShim(upstream: string): Promise<AlarmHistoryShim> {
  const target = new URL(upstream);
  const items: ShimTransition[] = [];
  const calls: { op: string; at: number }[] = [];
  const { server, endpoint } = await serveOnLoopback('shim', async (req, res) => {
    const body = await readBody(req);
    const op = awsOperationOf(req, body).operation;
    calls.push({ op, at: performance.now() });
    if (op === 'DescribeAlarmHistory') {
      const input = JSON.parse(body.toString('utf8') || '{}') as { StartDate?: number | string; AlarmName?: string };
      // JSON 1.0 timestamps are epoch seconds.
      const start =
        input.StartDate === undefined ? 0 : typeof input.StartDate === 'number' ? input.StartDate * 1000 : Date.parse(input.StartDate);
      const out = items
        .filter((t) => t.at.getTime() >= start && (!input.AlarmName || input.AlarmName === t.alarm))
        .sort((a, b) => a.at.getTime() - b.at.getTime())
        .map((t) => ({
          AlarmName: t.alarm,
          AlarmType: 'MetricAlarm',
          Timestamp: t.at.getTime() / 1000,
          HistoryItemType: 'StateUpdate',
          HistorySummary: `Alarm updated from ${t.from} to ${t.to}`,
          HistoryData: JSON.stringify({
            version: '1.0',
            oldState: { stateValue: t.from },
            newState: { stateValue: t.to, stateReason: t.reason ?? `set to ${t.to}` },
          }),
        }));
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ AlarmHistoryItems: out }));
      return;
    }
    const upRes = await forwardRequest(req, body, target);
    res.writeHead(upRes.statusCode ?? 502, upRes.headers);
    upRes.pipe(res);
  });
  return {
    endpoint,
    calls,
    record: (t) => items.push(t),
    reset: () => {
      items.length = 0;
      calls.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
