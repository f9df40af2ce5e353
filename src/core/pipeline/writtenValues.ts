/**
 * Parameter and tag values as written. YAML reads `ClusterVersion: 1.30` as the number 1.3 and
 * `TrustedAccount: 012345678901` as 12345678901; CloudFormation takes text, and the text meant is
 * the one in the file. So every plain scalar that YAML read as a number, boolean or null in these
 * maps is replaced by its source text before the config is built.
 */
import { isMap, isScalar, type Document } from 'yaml';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Rewrites, in `value` (the document as plain data), the non-string values of parameters and tags to their source text. */
export function keepWrittenText(doc: Document, value: Json): void {
  const paths: string[][] = [
    ['stack', 'parameters'],
    ['stack', 'tags'],
  ];
  if (isObject(value.environments)) {
    for (const name of Object.keys(value.environments)) paths.push(['environments', name, 'parameters'], ['environments', name, 'tags']);
  }
  for (const path of paths) {
    const node = doc.getIn(path, true);
    let target: unknown = value;
    for (const part of path) target = isObject(target) ? target[part] : undefined;
    if (!isMap(node) || !isObject(target)) continue;
    for (const pair of node.items) {
      if (!isScalar(pair.key) || !isScalar(pair.value)) continue;
      const written = pair.value.source;
      if (typeof pair.value.value !== 'string' && typeof written === 'string' && written !== '') target[String(pair.key.value)] = written;
    }
  }
}
