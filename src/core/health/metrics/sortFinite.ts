/**
 * Sorting a metric's samples, the first step of every verdict (fences, medians and ranks all read
 * the sorted values). A day of minute points is 1,440 values a side for every metric of every
 * poll, where the engine's typed-array sort spends more than the rank statistics after it; a radix
 * sort on the high half of each double's bits costs a few linear passes instead. The order is
 * exactly Float64Array.prototype.sort's: ascending, −0 before +0.
 */

/** Below this many values the built-in sort is as quick and needs no scratch space. */
const RADIX_FROM = 128;

/** Scratch for the sort, reused from call to call (grown, never shrunk). */
let keys = new Uint32Array(0);
let spareKeys = new Uint32Array(0);
let spareValues = new Float64Array(0);
/** Per digit (three of 11 bits), its count of each value, then where that value's run starts. */
const counts = new Int32Array(3 * 2048);

/** Which 32-bit word of a double holds its sign and exponent on this machine. */
const HIGH_WORD = new Uint32Array(new Float64Array([1]).buffer)[1] === 0x3ff00000 ? 1 : 0;

/** The finite values, sorted ascending into a new array (NaN and ±Infinity dropped, as a verdict ignores them). */
export function sortedFinite(values: readonly number[]): Float64Array {
  const all = new Float64Array(values.length);
  let n = 0;
  for (const v of values) if (Number.isFinite(v)) all[n++] = v;
  const sorted = all.subarray(0, n);
  if (n < RADIX_FROM) return sorted.sort();
  radixSort(sorted);
  return sorted;
}

/**
 * The high word of a double, turned so unsigned order is numeric order: flip every bit of a
 * negative number (larger magnitude sorts first), set the sign bit of a positive one.
 */
function orderedHighWord(high: number): number {
  return (high & 0x80000000) !== 0 ? ~high >>> 0 : (high | 0x80000000) >>> 0;
}

/**
 * Sorts in place: LSD radix on the ordered high words, 11 bits a pass (three passes; a digit the
 * same in every key is skipped, e.g. the sign and exponent of values of one magnitude), then one
 * insertion pass that orders
 * values whose high words tie (they agree to about six significant digits, so such runs are short
 * and rare, and equal values need no move).
 */
function radixSort(values: Float64Array): void {
  const n = values.length;
  if (keys.length < n) {
    keys = new Uint32Array(n);
    spareKeys = new Uint32Array(n);
    spareValues = new Float64Array(n);
  }
  const words = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
  counts.fill(0);
  for (let i = 0; i < n; i++) {
    const key = orderedHighWord(words[2 * i + HIGH_WORD] as number);
    keys[i] = key;
    counts[key & 0x7ff] = (counts[key & 0x7ff] as number) + 1;
    counts[2048 + ((key >>> 11) & 0x7ff)] = (counts[2048 + ((key >>> 11) & 0x7ff)] as number) + 1;
    counts[4096 + (key >>> 22)] = (counts[4096 + (key >>> 22)] as number) + 1;
  }
  let fromKeys = keys;
  let fromValues: Float64Array = values;
  let toKeys = spareKeys;
  let toValues: Float64Array = spareValues;
  for (let digit = 0; digit < 3; digit++) {
    const offset = 2048 * digit;
    const shift = 11 * digit;
    if (counts[offset + (((fromKeys[0] as number) >>> shift) & 0x7ff)] === n) continue; // every key has this digit
    // Bucket counts → each bucket's first position.
    let position = 0;
    for (let b = offset; b < offset + 2048; b++) {
      const size = counts[b] as number;
      counts[b] = position;
      position += size;
    }
    for (let i = 0; i < n; i++) {
      const key = fromKeys[i] as number;
      const bucket = offset + ((key >>> shift) & 0x7ff);
      const at = counts[bucket] as number;
      counts[bucket] = at + 1;
      toKeys[at] = key;
      toValues[at] = fromValues[i] as number;
    }
    const keysWritten = toKeys;
    const valuesWritten = toValues;
    toKeys = fromKeys;
    toValues = fromValues;
    fromKeys = keysWritten;
    fromValues = valuesWritten;
  }
  if (fromValues !== values) values.set(fromValues.subarray(0, n));
  for (let i = 1; i < n; i++) {
    const v = values[i] as number;
    if (!(v < (values[i - 1] as number))) continue;
    let j = i - 1;
    while (j >= 0 && (values[j] as number) > v) {
      values[j + 1] = values[j] as number;
      j--;
    }
    values[j + 1] = v;
  }
}
