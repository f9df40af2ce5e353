/**
 * Bounds on hostile input. A pipeline file is a few kilobytes; anything near these limits is a
 * mistake or an attack, and must be rejected in milliseconds rather than parsed.
 */
export const PIPELINE_LIMITS = {
  /** Bytes; checked with stat() before the file is read. */
  maxFileBytes: 1024 * 1024,
  /** Alias expansions (a "billion laughs" file needs millions). */
  maxAliasCount: 100,
  /** Flow-collection nesting (`[[[[…`), checked by a linear scan before parsing. */
  maxNesting: 64,
  /** Problems reported for one file; the rest are summarised in one line. */
  maxProblems: 100,
} as const;

/**
 * Deepest `[`/`{` nesting outside quotes and comments. The YAML parser recurses on flow
 * collections, so a megabyte of `[` would otherwise take seconds and overflow the stack.
 */
export function flowNestingDepth(text: string, stopAt: number): { depth: number; offset: number } {
  let depth = 0;
  let quote: string | undefined;
  let comment = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\n') {
      comment = false;
      if (quote === "'" || quote === '"') continue; // multi-line quoted scalars are legal
      continue;
    }
    if (comment) continue;
    if (quote) {
      if (ch === '\\' && quote === '"') i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '#' && (i === 0 || /\s/.test(text[i - 1]!))) comment = true;
    else if ((ch === '"' || ch === "'") && (i === 0 || /[\s[{,:]/.test(text[i - 1]!))) quote = ch;
    else if (ch === '[' || ch === '{') {
      depth++;
      if (depth > stopAt) return { depth, offset: i };
    } else if ((ch === ']' || ch === '}') && depth > 0) depth--;
  }
  return { depth, offset: -1 };
}
