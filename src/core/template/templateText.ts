/**
 * Reading a CloudFormation template's text by position: where a resource is defined (for "open
 * the template at the failing resource"), which of its properties differ between two versions
 * (for the incident note), and a line diff of two bodies. Pure.
 *
 * JSON is YAML 1.2, so one parser (the `yaml` library, keeping source ranges) reads both with the
 * same positions; intrinsic-function tags (`!Ref`, `!Sub`…) are kept as unknown tags, not errors.
 */
import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node, type Pair } from 'yaml';

/** Where a resource's definition is: 1-based lines and columns, as editors and `git blame -L` count them. */
export interface ResourceLocation {
  readonly logicalId: string;
  /** The line of its key under Resources. */
  readonly line: number;
  readonly column: number;
  /** The last line of its definition (its value's end). */
  readonly endLine: number;
}

/** Where `logicalId` is defined under the template's `Resources`; undefined when it is not there or the body does not parse. */
export function locateResource(body: string, logicalId: string): ResourceLocation | undefined {
  const lineCounter = new LineCounter();
  const doc = parse(body, lineCounter);
  const pair = resourcePair(doc, logicalId);
  const keyRange = pair && (pair.key as Node | null)?.range;
  if (!pair || !keyRange) return undefined;
  const start = lineCounter.linePos(keyRange[0]);
  const valueRange = (pair.value as Node | null)?.range;
  // The value's end is just past its last character (often the next line's start): step back one.
  const endOffset = valueRange ? Math.max(keyRange[0], valueRange[1] - 1) : keyRange[1];
  const end = lineCounter.linePos(endTrimmed(body, endOffset));
  return { logicalId, line: start.line, column: start.col, endLine: Math.max(start.line, end.line) };
}

/**
 * Where the node at `path` (map keys from the document's top: `['Globals', 'Api']`,
 * `['Resources', 'Fn', 'Properties', 'Events', 'Get']`) is defined, as `locateResource` reports a
 * resource; `logicalId` is the path's last key. Undefined when a key is missing or the body does not parse.
 */
export function locatePath(body: string, path: readonly string[]): ResourceLocation | undefined {
  const lineCounter = new LineCounter();
  let node: unknown = parse(body, lineCounter)?.contents;
  let pair: Pair | undefined;
  for (const key of path) {
    pair = isMap(node) ? node.items.find((p) => isScalar(p.key) && String(p.key.value) === key) : undefined;
    if (!pair) return undefined;
    node = pair.value;
  }
  const keyRange = (pair?.key as Node | null | undefined)?.range;
  if (!pair || !keyRange) return undefined;
  const start = lineCounter.linePos(keyRange[0]);
  const valueRange = (pair.value as Node | null)?.range;
  const endOffset = valueRange ? Math.max(keyRange[0], valueRange[1] - 1) : keyRange[1];
  const end = lineCounter.linePos(endTrimmed(body, endOffset));
  return { logicalId: path.at(-1)!, line: start.line, column: start.col, endLine: Math.max(start.line, end.line) };
}

/** One resource property whose value differs between two templates. */
export interface PropertyChange {
  readonly property: string;
  readonly change: 'added' | 'removed' | 'modified';
}

/**
 * The top-level `Properties` of `logicalId` that differ between two template bodies (tags and
 * intrinsic functions compared as written). Empty when neither defines it with properties.
 */
export function changedProperties(before: string, after: string, logicalId: string): PropertyChange[] {
  const a = properties(before, logicalId);
  const b = properties(after, logicalId);
  const names = [...new Set([...a.keys(), ...b.keys()])];
  return names.flatMap((property): PropertyChange[] => {
    const old = a.get(property);
    const now = b.get(property);
    if (old === now) return [];
    return [{ property, change: old === undefined ? 'added' : now === undefined ? 'removed' : 'modified' }];
  });
}

/** Logical ids defined in either template whose definitions differ (the resources a diff touches). */
export function changedResources(before: string, after: string): string[] {
  const a = resourceTexts(before);
  const b = resourceTexts(after);
  return [...new Set([...a.keys(), ...b.keys()])].filter((id) => a.get(id) !== b.get(id));
}

/**
 * A unified diff of two texts (`---`/`+++` headers, `@@` hunks with `context` lines around each
 * change), at most `maxLines` lines (then a last line says how many were left out). Empty when
 * they are the same. A longest-common-subsequence diff: templates are small enough for it, and
 * the cost is bounded by refusing (with a line saying so) beyond `maxCells` comparisons.
 */
export function unifiedDiff(
  before: string,
  after: string,
  options: {
    readonly from?: string;
    readonly to?: string;
    readonly context?: number;
    readonly maxLines?: number;
    readonly maxCells?: number;
  } = {},
): string {
  if (before === after) return '';
  const a = before.split('\n');
  const b = after.split('\n');
  const maxCells = options.maxCells ?? 4_000_000;
  const header = [`--- ${options.from ?? 'before'}`, `+++ ${options.to ?? 'after'}`];
  // Common head and tail cost nothing to match and shrink the table to the changed middle.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  if ((midA.length + 1) * (midB.length + 1) > maxCells) {
    return [...header, `@@ the templates differ in ${midA.length} and ${midB.length} lines: too large to diff here @@`].join('\n');
  }
  const ops: { op: ' ' | '-' | '+'; text: string; a: number; b: number }[] = [];
  for (let k = 0; k < head; k++) ops.push({ op: ' ', text: a[k]!, a: k, b: k });
  for (const op of lcsOps(midA, midB)) ops.push({ ...op, a: op.a + head, b: op.b + head });
  for (let k = 0; k < tail; k++) ops.push({ op: ' ', text: a[a.length - tail + k]!, a: a.length - tail + k, b: b.length - tail + k });
  const context = options.context ?? 3;
  const lines: string[] = [...header];
  const changed = ops.flatMap((o, k) => (o.op === ' ' ? [] : [k]));
  // Changes closer than 2 × context lines share a hunk.
  let first = 0;
  while (first < changed.length) {
    let last = first;
    while (last + 1 < changed.length && changed[last + 1]! - changed[last]! <= 2 * context + 1) last++;
    const slice = ops.slice(Math.max(0, changed[first]! - context), Math.min(ops.length, changed[last]! + context + 1));
    const aLines = slice.filter((o) => o.op !== '+');
    const bLines = slice.filter((o) => o.op !== '-');
    const aStart = (aLines[0]?.a ?? slice[0]!.a) + (aLines.length > 0 ? 1 : 0);
    const bStart = (bLines[0]?.b ?? slice[0]!.b) + (bLines.length > 0 ? 1 : 0);
    lines.push(`@@ -${aStart},${aLines.length} +${bStart},${bLines.length} @@`, ...slice.map((o) => `${o.op}${o.text}`));
    first = last + 1;
  }
  const maxLines = options.maxLines ?? 400;
  if (lines.length <= maxLines) return lines.join('\n');
  return [...lines.slice(0, maxLines), `… ${lines.length - maxLines} more diff lines left out`].join('\n');
}

function lcsOps(a: readonly string[], b: readonly string[]): { op: ' ' | '-' | '+'; text: string; a: number; b: number }[] {
  const n = a.length;
  const m = b.length;
  // lengths[i][j]: the LCS of a[i..] and b[j..], in one flat array.
  const lengths = new Uint32Array((n + 1) * (m + 1));
  const at = (i: number, j: number) => i * (m + 1) + j;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[at(i, j)] = a[i] === b[j] ? lengths[at(i + 1, j + 1)]! + 1 : Math.max(lengths[at(i + 1, j)]!, lengths[at(i, j + 1)]!);
    }
  }
  const out: { op: ' ' | '-' | '+'; text: string; a: number; b: number }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ op: ' ', text: a[i]!, a: i, b: j });
      i++;
      j++;
    } else if (i < n && (j === m || lengths[at(i + 1, j)]! >= lengths[at(i, j + 1)]!)) {
      // Removed lines before added ones, as diff tools show a change.
      out.push({ op: '-', text: a[i]!, a: i, b: j });
      i++;
    } else {
      out.push({ op: '+', text: b[j]!, a: i, b: j });
      j++;
    }
  }
  return out;
}

function parse(body: string, lineCounter?: LineCounter): Document | undefined {
  try {
    const doc = parseDocument(body, { uniqueKeys: false, prettyErrors: false, ...(lineCounter ? { lineCounter } : {}) });
    return doc.errors.length > 0 ? undefined : doc;
  } catch {
    return undefined; // not a template this code can read: no position, never a crash
  }
}

function resourcesMap(doc: Document | undefined) {
  const resources = doc?.get('Resources', true);
  return isMap(resources) ? resources : undefined;
}

function resourcePair(doc: Document | undefined, logicalId: string): Pair | undefined {
  return resourcesMap(doc)?.items.find((p) => isScalar(p.key) && String(p.key.value) === logicalId);
}

function properties(body: string, logicalId: string): Map<string, string> {
  const doc = parse(body);
  const definition = resourcePair(doc, logicalId)?.value;
  const props = isMap(definition) ? definition.get('Properties', true) : undefined;
  const out = new Map<string, string>();
  if (!isMap(props)) return out;
  for (const pair of props.items) {
    if (isScalar(pair.key)) out.set(String(pair.key.value), textOf(pair.value));
  }
  return out;
}

function resourceTexts(body: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const pair of resourcesMap(parse(body))?.items ?? []) {
    if (isScalar(pair.key)) out.set(String(pair.key.value), textOf(pair.value));
  }
  return out;
}

/** A node's value as comparable text: its JSON with tags kept, so `!Ref A` and `!Sub A` differ. */
function textOf(node: unknown): string {
  if (node === null || node === undefined) return 'null';
  if (isScalar(node)) return JSON.stringify([node.tag ?? '', node.value]);
  if (typeof node === 'object' && 'items' in node && Array.isArray((node as { items: unknown[] }).items)) {
    const tag = (node as { tag?: string }).tag ?? '';
    const items = (node as { items: unknown[] }).items.map((item) =>
      item && typeof item === 'object' && 'key' in item ? [textOf((item as Pair).key), textOf((item as Pair).value)] : textOf(item),
    );
    return JSON.stringify([tag, items]);
  }
  return JSON.stringify(String(node));
}

/** Steps back over trailing whitespace and newlines, so a definition ends on its last written line. */
function endTrimmed(body: string, offset: number): number {
  let k = Math.min(offset, body.length - 1);
  while (k > 0 && /\s/.test(body[k]!)) k--;
  return k;
}
