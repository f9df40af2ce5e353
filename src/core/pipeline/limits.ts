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
  /** Indentation plus compact `- `/`? ` indicators on one line: block nesting, bounded the same way. */
  maxIndent: 200,
  /** Lines; a real pipeline file has a few hundred. */
  maxLines: 2000,
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
      // A comment ends with its line; a quoted scalar may go on (multi-line strings are legal).
      comment = false;
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

/**
 * The first line that is past `maxLines`, or whose block nesting could exceed `maxIndent`: its
 * indentation plus two columns per indicator that can open a nested collection on the same line
 * (`- - - x`, `? ? x`, `a: b: c:`). The parser recurses once per level and its maps grow in
 * more than linear time, so both are bounded before it runs.
 */
export function structureProblem(
  text: string,
  maxIndent: number,
  maxLines: number,
): { line: number; column: number; message: string } | undefined {
  const indicator = /(?:(?:^|\s)[-?]|:)(?=\s|$)/g;
  let commas = 0;
  let line = 1;
  let start = 0;
  for (;;) {
    if (line > maxLines) return { line, column: 1, message: `the file has more than ${maxLines} lines: refusing to parse` };
    const nl = text.indexOf('\n', start);
    const content = nl < 0 ? text.slice(start) : text.slice(start, nl);
    let indent = 0;
    while (content[indent] === ' ') indent++;
    for (let at = content.indexOf(','); at >= 0; at = content.indexOf(',', at + 1)) commas++;
    if (commas > maxLines) {
      return { line, column: 1, message: `the file has more than ${maxLines} list or map entries separated by commas: refusing to parse` };
    }
    let depth = indent;
    // Colons inside a flow collection separate keys from values, they do not nest (commas are capped).
    if (depth <= maxIndent && content.length > maxIndent / 2 && !/[[{]/.test(content)) {
      indicator.lastIndex = indent;
      while (indicator.exec(content) !== null && depth <= maxIndent) depth += 2;
    }
    if (depth > maxIndent) {
      return {
        line,
        column: Math.min(indent, maxIndent) + 1,
        message: `indented or nested more than ${maxIndent} levels deep: refusing to parse`,
      };
    }
    if (nl < 0) return undefined;
    start = nl + 1;
    line++;
  }
}

/**
 * CloudFormation's own limits, checked before any AWS call so a deploy that cannot succeed costs
 * nothing and says which limit it meets.
 */
export const CLOUDFORMATION_LIMITS = {
  /** Inline TemplateBody, in bytes. */
  templateBodyBytes: 51_200,
  /** A template given by TemplateURL (S3), in bytes: 1 MB. */
  templateUrlBytes: 1_048_576,
  /** One parameter value. */
  parameterValueChars: 4_096,
} as const;
