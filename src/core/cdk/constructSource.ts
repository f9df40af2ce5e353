/**
 * From a CDK stack's logical id back to the line of the user's app that made it. The cloud
 * assembly keeps, per construct path, metadata entries: `aws:cdk:logicalId` (the id the template
 * uses) and, where the CDK recorded them, stack traces of where the construct was created — an
 * `aws:cdk:creationStack` entry (aws-cdk-lib records one for every CloudFormation resource unless
 * the app's context turns it off) or a `trace` on the entry itself (older aws-cdk-lib, under
 * CDK_DEBUG). The first frame inside the repository and outside node_modules is the user's line.
 * Pure: the files are read by the caller (assemblySource.ts).
 *
 * Frames come as V8 writes them (`fn (/repo/bin/app.ts:10:13)`, `/repo/app.js:3:1`,
 * `file:///repo/app.mjs:9:1`) or as aws-cdk-lib renders its "just my code" traces
 * (`file:///repo/app.mjs:9: (file:///repo/app.mjs:9:1)`, `...new Queue in aws-cdk-lib...`).
 * TypeScript run by ts-node or tsx already has its frames mapped to the .ts file by the runner;
 * compiled JavaScript is mapped through its source map by `originalPosition` when it has one.
 */
import { isAbsolute, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One frame of a recorded stack trace: an absolute file, 1-based line and column. */
export interface SourceFrame {
  readonly file: string;
  readonly line: number;
  readonly column?: number;
}

/** A frame inside the repository: its path relative to the root (with `/`), 1-based line and column. */
export interface RepoFrame {
  readonly path: string;
  readonly line: number;
  readonly column?: number;
  /** The last line of the call that starts there (its props), `line` when it is one line. */
  readonly endLine: number;
}

/** What the assembly says about one logical id. */
export interface ConstructSource {
  readonly logicalId: string;
  /** The construct path without its leading `/`: `OrdersStack/Handler/Resource`. */
  readonly constructPath: string;
  /** The recorded traces, most specific first (each newest frame first). Empty when none was recorded. */
  readonly traces: readonly (readonly string[])[];
}

/** One construct path's metadata entries, as manifest.json (`metadata`) and `additionalMetadataFile` hold them. */
export type ConstructMetadata = Readonly<Record<string, readonly unknown[]>>;

const LOGICAL_ID = 'aws:cdk:logicalId';
const CREATION_STACK = 'aws:cdk:creationStack';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);

/** The construct that has `logicalId` in the assembly's metadata, with the traces kept for it; undefined when none has. */
export function constructSourceOf(metadata: ConstructMetadata, logicalId: string): ConstructSource | undefined {
  for (const [path, entries] of Object.entries(metadata)) {
    const objects = entries.filter(isObject);
    const idEntry = objects.find((e) => e.type === LOGICAL_ID && e.data === logicalId);
    if (!idEntry) continue;
    const traces = [strings(idEntry.trace), ...objects.filter((e) => e.type === CREATION_STACK).map((e) => strings(e.data))].filter(
      (t) => t.length > 0,
    );
    return { logicalId, constructPath: path.replace(/^\//, ''), traces };
  }
  return undefined;
}

/** The location one trace line names; undefined for lines that name none (`...node internals...`, `node:` frames). */
export function parseFrame(text: string): SourceFrame | undefined {
  const line = text.trim().replace(/^at\s+/, '');
  // `fn (location)`: the location is in the last parentheses; aws-cdk-lib sometimes leaves them
  // empty (`file:///app.mjs:17 (:)`), and then the text before them is the location.
  const paren = /\(([^()]*)\)$/.exec(line);
  const candidates = paren ? [paren[1]!, line.slice(0, paren.index).trim()] : [line];
  for (const candidate of candidates) {
    const m = /^(.+?):(\d+)(?::(\d+))?:?$/.exec(candidate);
    if (!m) continue;
    const file = fileOf(m[1]!);
    if (!file) continue;
    const lineNo = Number(m[2]);
    const column = m[3] ? Number(m[3]) : undefined;
    if (lineNo < 1) continue;
    return { file, line: lineNo, ...(column && column > 0 ? { column } : {}) };
  }
  return undefined;
}

/** An absolute path from a frame's file part: a path, or a `file:` URL (tsx may add a query). Nothing else. */
function fileOf(raw: string): string | undefined {
  let file = raw.replace(/^async\s+/, '');
  if (file.startsWith('file://')) {
    try {
      file = fileURLToPath(file.replace(/[?#].*$/, ''));
    } catch {
      return undefined;
    }
  }
  if (file.startsWith('node:') || file.includes('<anonymous>')) return undefined;
  return isAbsolute(file) ? file : undefined;
}

/** A file's place in the repository (`/`-separated), or undefined when it is outside it or in a node_modules folder. */
export function inRepository(file: string, repoRoot: string): string | undefined {
  const rel = relative(repoRoot, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  const parts = rel.split(sep);
  if (parts.includes('node_modules')) return undefined;
  return parts.join('/');
}

/** The first frame of the traces (most specific trace first, newest frame first) that is the user's code in the repository. */
export function firstRepoFrame(traces: readonly (readonly string[])[], repoRoot: string): SourceFrame | undefined {
  for (const trace of traces) {
    for (const text of trace) {
      const frame = parseFrame(text);
      if (frame && inRepository(frame.file, repoRoot)) return frame;
    }
  }
  return undefined;
}

/**
 * The last line of the call that starts at `line`:`column` (1-based) of `text`: from the first `(`
 * after that position to its matching `)`, skipping strings, template literals and comments. A
 * construct's props usually span lines (`new Function(this, 'Fn', {…})`), and the change that
 * broke a deploy is as likely in them as on the first line. `line` itself when no call starts
 * there or it does not close within `maxLines`.
 */
export function callEndLine(text: string, line: number, column = 1, maxLines = 200): number {
  const lines = text.split('\n');
  if (line < 1 || line > lines.length) return line;
  let offset = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + Math.max(0, column - 1);
  const limit = lines.slice(0, Math.min(lines.length, line - 1 + maxLines)).reduce((n, l) => n + l.length + 1, 0);
  const open = text.indexOf('(', offset);
  const firstLineEnd = offset - Math.max(0, column - 1) + lines[line - 1]!.length;
  if (open < 0 || open > firstLineEnd) return line; // the call must start on the frame's line
  let depth = 0;
  let endLine = line;
  for (offset = open; offset < limit; offset++) {
    const ch = text[offset]!;
    if (ch === '\n') endLine++;
    else if (ch === '"' || ch === "'" || ch === '`') {
      // A string: to its closing quote (a template literal may span lines).
      for (offset++; offset < limit && text[offset] !== ch; offset++) {
        if (text[offset] === '\\') offset++;
        else if (text[offset] === '\n') {
          if (ch !== '`') return line;
          endLine++;
        }
      }
    } else if (ch === '/' && text[offset + 1] === '/') {
      while (offset + 1 < limit && text[offset + 1] !== '\n') offset++;
    } else if (ch === '/' && text[offset + 1] === '*') {
      for (offset += 2; offset < limit && !(text[offset] === '*' && text[offset + 1] === '/'); offset++)
        if (text[offset] === '\n') endLine++;
      offset++;
    } else if (ch === '(' || ch === '{' || ch === '[') depth++;
    else if (ch === ')' || ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) return endLine;
    }
  }
  return line;
}

/** A source map (version 3) as a `.map` file or an inline `data:` URL holds it; only the fields read here. */
export interface RawSourceMap {
  readonly sources: readonly string[];
  readonly sourceRoot?: string;
  readonly mappings: string;
}

/**
 * Where generated `line`:`column` (1-based) came from, by the map: the source as written in the
 * map (relative to the map's folder and `sourceRoot`), 1-based line and column. The segment at or
 * before the column on that line, else the line's first; undefined when the line has none.
 */
export function originalPosition(
  map: RawSourceMap,
  line: number,
  column = 1,
): { readonly source: string; readonly line: number; readonly column: number } | undefined {
  const lines = map.mappings.split(';');
  // Source, original line and column are deltas across the whole map; the generated column resets per line.
  let source = 0;
  let srcLine = 0;
  let srcColumn = 0;
  for (let l = 0; l < lines.length && l < line; l++) {
    let genColumn = 0;
    let best: { source: number; line: number; column: number } | undefined;
    let first: { source: number; line: number; column: number } | undefined;
    for (const segment of lines[l]!.split(',')) {
      if (segment === '') continue;
      const fields = decodeVlq(segment);
      if (!fields) return undefined;
      genColumn += fields[0] ?? 0;
      if (fields.length < 4) continue;
      source += fields[1]!;
      srcLine += fields[2]!;
      srcColumn += fields[3]!;
      if (l !== line - 1) continue;
      const at = { source, line: srcLine, column: srcColumn };
      first ??= at;
      if (genColumn <= column - 1) best = at;
    }
    if (l === line - 1) {
      const hit = best ?? first;
      const name = hit && map.sources[hit.source];
      if (!hit || name === undefined) return undefined;
      const root = map.sourceRoot ? map.sourceRoot.replace(/\/?$/, '/') : '';
      return { source: root + name, line: hit.line + 1, column: hit.column + 1 };
    }
  }
  return undefined;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** One mapping segment's base64 VLQ fields; undefined for a character that is not base64. */
function decodeVlq(segment: string): number[] | undefined {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const digit = BASE64.indexOf(ch);
    if (digit < 0) return undefined;
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    out.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return out;
}

/** The source map a compiled file names in its last `//# sourceMappingURL=` comment: a `data:` JSON map, or a relative file. */
export function sourceMappingUrl(code: string): { readonly inline: RawSourceMap } | { readonly file: string } | undefined {
  const matches = [...code.matchAll(/\/\/[#@] sourceMappingURL=(\S+)\s*$/gm)];
  const url = matches.at(-1)?.[1];
  if (!url) return undefined;
  const inline = /^data:application\/json(?:;charset=[^;,]+)?;base64,(.+)$/.exec(url);
  if (inline) {
    const map = parseSourceMap(Buffer.from(inline[1]!, 'base64').toString('utf8'));
    return map ? { inline: map } : undefined;
  }
  if (/^[a-z]+:/i.test(url)) return undefined; // another scheme: not a file beside the code
  return { file: decodeURIComponent(url) };
}

/** A source map's text, checked for the fields `originalPosition` reads. */
export function parseSourceMap(text: string): RawSourceMap | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (!isObject(value) || typeof value.mappings !== 'string' || !Array.isArray(value.sources)) return undefined;
    return {
      sources: value.sources.map((s) => (typeof s === 'string' ? s : '')),
      mappings: value.mappings,
      ...(typeof value.sourceRoot === 'string' && value.sourceRoot !== '' ? { sourceRoot: value.sourceRoot } : {}),
    };
  } catch {
    return undefined;
  }
}
