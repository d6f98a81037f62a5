/**
 * Small statistics shared by the benchmarks: medians with their spread (min–max), percentiles, and
 * the formatting used in the printed tables and in bench/results.md.
 */

export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
  p50: number;
  p99: number;
  mean: number;
}

/** Nearest-rank percentile of already sorted samples (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n === 0 ? Number.NaN : n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  return {
    n,
    median,
    min: sorted[0] ?? Number.NaN,
    max: sorted[n - 1] ?? Number.NaN,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: n === 0 ? Number.NaN : sorted.reduce((sum, value) => sum + value, 0) / n,
  };
}

function round(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "123 ms (118–130)": the median of several runs with its min–max spread. */
export function fmtMedian(summary: Summary, unit = 'ms'): string {
  if (summary.n === 0) return '–';
  const suffix = unit ? ` ${unit}` : '';
  if (summary.n === 1 || summary.min === summary.max) return `${round(summary.median)}${suffix}`;
  return `${round(summary.median)}${suffix} (${round(summary.min)}–${round(summary.max)})`;
}

export function fmtNumber(value: number, unit = ''): string {
  return `${round(value)}${unit ? ` ${unit}` : ''}`;
}

export function fmtInt(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–';
}

export function fmtBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${round(bytes / 1024 / 1024)} MB` : `${round(bytes / 1024)} KB`;
}

/** A set of integer counts that should be identical across runs: "4" or "4–5". */
export function fmtCounts(values: readonly number[]): string {
  const min = Math.min(...values);
  const max = Math.max(...values);
  return min === max ? fmtInt(min) : `${fmtInt(min)}–${fmtInt(max)}`;
}

/** Runs `fn` `runs` times (after `warmup` unmeasured runs) and returns the measured results. */
export async function repeat<T>(runs: number, fn: (run: number) => Promise<T>, warmup = 0): Promise<T[]> {
  for (let i = 0; i < warmup; i += 1) await fn(-1 - i);
  const results: T[] = [];
  for (let run = 0; run < runs; run += 1) results.push(await fn(run));
  return results;
}

export const elapsedMs = (startedAt: number): number => performance.now() - startedAt;
