import { isAlias, isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { SourceRange } from './problems';

export type PathSegment = string | number;

export interface Located {
  /** The key of the last segment when it is a map key. */
  readonly key?: Node | undefined;
  /** The value node; undefined when the path ends at a missing key. */
  readonly value?: Node | undefined;
  /** The deepest node that exists along the path (for problems about missing things). */
  readonly nearest: Node | undefined;
  /** The key node of the deepest existing map entry along the path. */
  readonly nearestKey?: Node | undefined;
}

function deref(doc: Document, node: unknown): Node | undefined {
  if (isAlias(node)) return node.resolve(doc) ?? undefined;
  return (node ?? undefined) as Node | undefined;
}

/** Walks the YAML tree along a JSON-style path, keeping key nodes for positions. */
export function locate(doc: Document, path: readonly PathSegment[]): Located {
  let node = deref(doc, doc.contents);
  let key: Node | undefined;
  let nearestKey: Node | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return { nearest: node, nearestKey };
      key = pair.key as Node;
      nearestKey = key;
      node = deref(doc, pair.value);
      if (node === undefined) return { key, nearest: key, nearestKey };
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = deref(doc, node.items[segment]);
      if (item === undefined) return { nearest: node, nearestKey };
      key = undefined;
      node = item;
    } else {
      return { nearest: node, nearestKey };
    }
  }
  return { key, value: node, nearest: node, nearestKey };
}

export function rangeOf(node: Node | undefined): SourceRange | undefined {
  const r = node?.range;
  return r ? [r[0], r[1]] : undefined;
}

/** `steps[1].timeout`, `environments.dev.health` — how a path is named in messages. */
export function describePath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    out += typeof segment === 'number' ? `[${segment}]` : out === '' ? segment : `.${segment}`;
  }
  return out === '' ? 'the file' : out;
}

export function parseInstancePath(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}
