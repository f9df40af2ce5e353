/**
 * A seeded pseudo-random generator (mulberry32: small, well mixed, 32-bit) returning numbers in
 * [0, 1), so tests and benchmarks that draw random series draw the same ones on every run and
 * every machine.
 */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
