/**
 * The rules of a `health.metrics` entry that a JSON schema cannot say well: which statistics
 * CloudWatch computes, which periods it keeps, what a tolerance looks like and which names an
 * expression refers to. Pure; shared by the semantic checks (to report) and the config builder
 * and the metric reads (to use).
 */

export const PLAIN_STATS = ['Average', 'Sum', 'Minimum', 'Maximum', 'SampleCount'] as const;

export type ParsedStat =
  { readonly kind: 'plain'; readonly name: (typeof PLAIN_STATS)[number] } | { readonly kind: 'percentile'; readonly percentile: number };

// CloudWatch's percentiles: p0 to p100, up to two decimals (p99, p99.9, p99.99).
const PERCENTILE = /^p(\d{1,3})(?:\.(\d{1,2}))?$/;

/** The statistic, or undefined when CloudWatch would refuse it. */
export function parseStat(text: string): ParsedStat | undefined {
  const plain = PLAIN_STATS.find((s) => s === text);
  if (plain) return { kind: 'plain', name: plain };
  const match = PERCENTILE.exec(text);
  if (!match) return undefined;
  const percentile = Number(`${match[1]}${match[2] ? `.${match[2]}` : ''}`);
  return percentile >= 0 && percentile <= 100 ? { kind: 'percentile', percentile } : undefined;
}

/** CloudWatch keeps sub-minute periods only at 1, 5, 10 and 30 seconds; otherwise whole minutes. */
export function isValidPeriod(seconds: number): boolean {
  return (
    Number.isInteger(seconds) && (seconds === 1 || seconds === 5 || seconds === 10 || seconds === 30 || (seconds > 0 && seconds % 60 === 0))
  );
}

const TOLERANCE = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/;

/** "10%" → 0.1; undefined for anything else (a bare number is refused: 10 could mean 10 % or ×10). */
export function parseTolerance(text: string): number | undefined {
  const match = TOLERANCE.exec(text);
  return match ? Number(match[1]) / 100 : undefined;
}

/** A metric id in metric math: a lowercase letter, then letters, digits and underscores. */
export const METRIC_ID = /^[a-z][A-Za-z0-9_]*$/;

// Identifiers in an expression outside string literals. CloudWatch's functions are upper case
// (SUM, METRICS, FILL, IF), so a name starting with a lowercase letter is a metric id.
const IDENTIFIER = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\b([a-z][A-Za-z0-9_]*)\b/g;

/** The metric ids an expression names, in order of first appearance. */
export function expressionIds(expression: string): string[] {
  const ids: string[] = [];
  for (const match of expression.matchAll(IDENTIFIER)) {
    const id = match[1];
    if (id !== undefined && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

/** The expression with every metric id renamed (string literals untouched). */
export function renameExpressionIds(expression: string, rename: (id: string) => string): string {
  return expression.replace(IDENTIFIER, (whole, id: string | undefined) => (id === undefined ? whole : rename(id)));
}
