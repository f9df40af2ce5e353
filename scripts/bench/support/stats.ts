/** The few statistics the benchmarks print. Pure. */

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The mean of a[i] − b[i] and its standard error: what one side adds, pair by pair. */
export function pairedDifference(a: readonly number[], b: readonly number[]): { mean: number; standardError: number } {
  const d = a.map((v, i) => v - b[i]!);
  const mean = d.reduce((sum, v) => sum + v, 0) / d.length;
  const variance = d.length > 1 ? d.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (d.length - 1) : 0;
  return { mean, standardError: Math.sqrt(variance / d.length) };
}
