/**
 * A snapshot or delta as posted to the webview: the same content, its log lines packed into one
 * UTF-8 byte array (src/shared/logWire.ts says why). No `vscode` import, so it is tested in node.
 */
import { packLog } from '../../shared/logWire';
import type { RunDelta, RunSnapshot, WireDelta, WireSnapshot } from '../../shared/protocol';

export function wireSnapshot(snapshot: RunSnapshot): WireSnapshot {
  const { log, ...rest } = snapshot;
  return { ...rest, log: { packed: packLog(log.chunks, log.total), total: log.total, ...(log.file !== undefined ? { file: log.file } : {}) } };
}

export function wireDelta(delta: RunDelta): WireDelta {
  const { appendLog, ...rest } = delta;
  return appendLog ? { ...rest, appendLog: packLog(appendLog, delta.logTotal) } : rest;
}
