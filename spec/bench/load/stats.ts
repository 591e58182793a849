// Small statistics helpers for the benchmarks: percentiles of sample lists, and the one clock
// every process of the load rig shares.
//
// process.hrtime is CLOCK_MONOTONIC on Linux: the same clock in every process of the machine,
// so a time stamped by the server child can be compared with one taken by the load generator
// without any offset estimation (unlike performance.now(), whose origin is per process).

/** CLOCK_MONOTONIC in microseconds, comparable across processes of one machine. */
export function monoUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export interface Summary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export const EMPTY_SUMMARY: Summary = { count: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN };

/** Nearest-rank percentile of sorted values (p in 0..100). */
export function percentileOfSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return EMPTY_SUMMARY;
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentileOfSorted(sorted, 50),
    p99: percentileOfSorted(sorted, 99),
    max: sorted[sorted.length - 1]!,
  };
}

/** "12.3" / "—" for a missing figure. */
export function fmt(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return "—";
  const text = value.toFixed(digits);
  // A value that rounds to zero prints as 0, whatever its sign (a leg of -0.01 ms is loopback noise).
  return Number(text) === 0 ? (0).toFixed(digits) : text;
}

export function kib(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(0)}` : "—";
}
