import { LineCounter, parseDocument, visit, isCollection, isMap, isScalar, type Document, type YAMLError } from 'yaml';
import { PIPELINE_LIMITS, flowNestingDepth, structureProblem } from './limits';
import { ProblemList } from './problems';

/** Explicit tags that only restate a core type; anything else (`!!js/function`, `!Ref`) is refused. */
const ALLOWED_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

export interface ParsedYaml {
  readonly doc?: Document;
  /** The plain value, or undefined when the YAML is too broken to use. */
  readonly value?: unknown;
  readonly lineCounter: LineCounter;
  readonly problems: ProblemList;
}

function yamlMessage(err: YAMLError, text: string): string {
  switch (err.code) {
    case 'TAB_AS_INDENT':
      return 'tabs are not allowed for indentation in YAML: indent with spaces';
    case 'DUPLICATE_KEY': {
      const key = /^[^\s:#]+|^"[^"]*"|^'[^']*'/.exec(text.slice(err.pos[0]))?.[0];
      return key
        ? `duplicate key ${key.startsWith('"') || key.startsWith("'") ? key : `"${key}"`}: each key may appear once`
        : 'duplicate key: each key may appear once';
    }
    case 'MULTIPLE_DOCS':
      return 'only one YAML document is allowed in deployguard.yaml (remove the "---" separator)';
    case 'BAD_INDENT':
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY':
      return `bad indentation: ${lowerFirst(err.message)}`;
    case 'ALIAS_PROPS':
    case 'BAD_ALIAS':
    case 'BAD_COLLECTION_TYPE':
    case 'BAD_DIRECTIVE':
    case 'BAD_DQ_ESCAPE':
    case 'BAD_PROP_ORDER':
    case 'BAD_SCALAR_START':
    case 'BLOCK_IN_FLOW':
    case 'IMPOSSIBLE':
    case 'KEY_OVER_1024_CHARS':
    case 'MISSING_CHAR':
    case 'MULTIPLE_ANCHORS':
    case 'MULTIPLE_TAGS':
    case 'NON_STRING_KEY':
    case 'RESOURCE_EXHAUSTION':
    case 'TAG_RESOLVE_FAILED':
    case 'UNEXPECTED_TOKEN':
      return `YAML syntax: ${lowerFirst(err.message)}`;
  }
}

function lowerFirst(s: string): string {
  return s.length > 0 ? s[0]!.toLowerCase() + s.slice(1) : s;
}

/**
 * Parses the pipeline's YAML with positions, within the limits of limits.ts: nesting checked
 * before parsing, aliases capped when converting, custom tags refused. Never throws.
 */
export function parsePipelineYaml(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const problems = new ProblemList(file, lineCounter);

  const nesting = flowNestingDepth(text, PIPELINE_LIMITS.maxNesting);
  if (nesting.offset >= 0) {
    // Count lines only up to the offending offset, without parsing.
    const before = text.slice(0, nesting.offset);
    const line = before.split('\n').length;
    const column = nesting.offset - before.lastIndexOf('\n');
    const early = new ProblemList(file);
    early.addAt(line, column, `nested more than ${PIPELINE_LIMITS.maxNesting} levels deep: refusing to parse`, 'too-deep');
    return { lineCounter, problems: early };
  }

  const shape = structureProblem(text, PIPELINE_LIMITS.maxIndent, PIPELINE_LIMITS.maxLines);
  if (shape) {
    const early = new ProblemList(file);
    early.addAt(shape.line, shape.column, shape.message, 'too-deep');
    return { lineCounter, problems: early };
  }

  let doc: Document;
  try {
    doc = parseDocument(text, {
      lineCounter,
      prettyErrors: false,
      // The library's own check is quadratic in a map's size; duplicates are found below instead.
      uniqueKeys: false,
      schema: 'core',
      strict: true,
    });
  } catch (err) {
    problems.add([0, 0], `could not parse the file: ${(err as Error).message}`, 'yaml-syntax');
    return { lineCounter, problems };
  }

  let fatal = false;
  const reportedAt = new Set<number>();
  for (const err of doc.errors) {
    // One problem per position: the parser often explains one mistake twice.
    if (reportedAt.has(err.pos[0])) continue;
    reportedAt.add(err.pos[0]);
    const unclosed = err.code === 'MISSING_CHAR' && /quote/i.test(err.message) ? unclosedQuoteStart(doc, err.pos[0]) : undefined;
    const misindented =
      err.code === 'BLOCK_AS_IMPLICIT_KEY' || err.code === 'MULTILINE_IMPLICIT_KEY' ? nextLineStart(text, err.pos[0]) : undefined;
    if (misindented !== undefined) {
      problems.add(
        [misindented, misindented + 1],
        'bad indentation: this line is indented more than the key above it, so YAML reads it as part of that value (line the keys up)',
        'yaml-syntax',
      );
    } else if (unclosed !== undefined) {
      problems.add([unclosed, unclosed + 1], 'YAML syntax: this quoted string is never closed (add the closing quote)', 'yaml-syntax');
    } else {
      problems.add(err.pos, yamlMessage(err, text), err.code === 'DUPLICATE_KEY' ? 'duplicate-key' : 'yaml-syntax');
    }
    if (err.code !== 'DUPLICATE_KEY') fatal = true;
  }

  visit(doc, (_key, node) => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isScalar(pair.key)) continue;
        const name = String(pair.key.value);
        if (seen.has(name)) {
          problems.add(pair.key.range ?? undefined, `duplicate key "${name}": each key may appear once`, 'duplicate-key');
        }
        seen.add(name);
      }
    }
    if ((isScalar(node) || isCollection(node)) && node.tag && !ALLOWED_TAGS.has(node.tag)) {
      const shown = node.tag.replace('tag:yaml.org,2002:', '!!');
      problems.add(tagRange(text, node.range?.[0]), `custom YAML tags are not allowed (${shown}): write plain values`, 'custom-tag');
      fatal = true;
    }
    if (isScalar(node) && typeof node.value === 'number' && !Number.isFinite(node.value)) {
      problems.add(node.range ?? undefined, 'numbers must be finite (.inf and .nan are not allowed)', 'bad-number');
    }
  });
  if (fatal) return { doc, lineCounter, problems };

  try {
    const value = doc.toJS({ maxAliasCount: PIPELINE_LIMITS.maxAliasCount });
    return { doc, value, lineCounter, problems };
  } catch (err) {
    const message =
      err instanceof ReferenceError && /alias/i.test(err.message)
        ? `too many alias expansions (more than ${PIPELINE_LIMITS.maxAliasCount}): this looks like a YAML bomb, so the file is refused`
        : `could not read the YAML: ${(err as Error).message}`;
    problems.add(firstAliasRange(doc), message, 'yaml-bomb');
    return { doc, lineCounter, problems };
  }
}

/** The tag written before the node that starts at `offset` (`!Ref {…}` → the `!Ref`). */
function tagRange(text: string, offset: number | undefined): [number, number] | undefined {
  if (offset === undefined) return undefined;
  let end = offset;
  while (end > 0 && /\s/.test(text[end - 1]!)) end--;
  let start = end;
  while (start > 0 && !/\s/.test(text[start - 1]!)) start--;
  return text[start] === '!' && start < end ? [start, end] : [offset, offset + 1];
}

/** The first non-blank character of the line after `offset`. */
function nextLineStart(text: string, offset: number): number | undefined {
  const nl = text.indexOf('\n', offset);
  if (nl < 0) return undefined;
  const match = /\S/.exec(text.slice(nl + 1));
  return match ? nl + 1 + match.index : undefined;
}

/** The opening quote of the quoted scalar that runs to `end` (the parser reports the end of file). */
function unclosedQuoteStart(doc: Document, end: number): number | undefined {
  let start: number | undefined;
  visit(doc, {
    Scalar(_k, node) {
      if ((node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') && node.range && node.range[1] === end) {
        start = node.range[0];
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return start;
}

function firstAliasRange(doc: Document): [number, number] | undefined {
  let found: [number, number] | undefined;
  visit(doc, {
    Alias(_k, node) {
      if (node.range) found = [node.range[0], node.range[1]];
      return visit.BREAK;
    },
  });
  return found;
}
