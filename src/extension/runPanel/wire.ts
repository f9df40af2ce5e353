/**
 * A snapshot or delta as posted to the webview: the same content, except that the log carries
 * only its newest LOG_TAIL_LINES (the webview fetches the rest of the window when it needs it)
 * packed into one UTF-8 byte array (src/shared/logWire.ts says why). No `vscode` import, so it
 * is tested in node.
 */
import { packLog } from '../../shared/logWire';
import {
  LOG_TAIL_LINES,
  type HostToWebview,
  type LogChunk,
  type RunDelta,
  type RunSnapshot,
  type WireDelta,
  type WireSnapshot,
} from '../../shared/protocol';
import { windowOf } from './runState';

/** `start`: the first line of the window (RunModel.logStart). */
export function wireSnapshot(snapshot: RunSnapshot, start: number): WireSnapshot {
  const { log, ...rest } = snapshot;
  return {
    ...rest,
    log: {
      packed: packLog(windowOf(log.chunks, LOG_TAIL_LINES), log.total),
      start,
      total: log.total,
      ...(log.file !== undefined ? { file: log.file } : {}),
    },
  };
}

export function wireDelta(delta: RunDelta, start: number): WireDelta {
  const { appendLog, ...rest } = delta;
  return appendLog ? { ...rest, appendLog: packLog(windowOf(appendLog, LOG_TAIL_LINES), delta.logTotal), logStart: start } : rest;
}

/** The answer to a `fetchLog`. */
export function wireLines(chunks: readonly LogChunk[], from: number, start: number): Extract<HostToWebview, { type: 'logLines' }> {
  return { type: 'logLines', packed: packLog(chunks, from), start };
}
