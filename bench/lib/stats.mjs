// Percentiles and medians.

/** Percentile `p` (0–100) of an ascending-sorted array-like, linear interpolation. */
export function percentileSorted(sorted, p) {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (n === 1) return sorted[0];
  const rank = (p / 100) * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

/** p50, p90, p99, max, mean and count of a list of numbers (a Float64Array is sorted in place). */
export function summarize(values) {
  const sorted = values instanceof Float64Array ? values.sort() : Float64Array.from(values).sort();
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i];
  return {
    count: sorted.length,
    mean: sorted.length ? sum / sorted.length : NaN,
    p50: percentileSorted(sorted, 50),
    p90: percentileSorted(sorted, 90),
    p99: percentileSorted(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}

/** Median of the finite numbers in `values` (NaN when none). */
export function median(values) {
  const finite = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  return finite.length ? percentileSorted(finite, 50) : NaN;
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export function wallMs() {
  return performance.timeOrigin + performance.now();
}
