/**
 * The arithmetic of bench/cold-order-effect.ts: reading a `cold-order-ab.ts` report, and the
 * effect and load-order bias from a pair of runs made both ways round.
 */

/** The median of the paired differences (B − A, µs) on `cold-order-ab.ts`'s closing `all` line. */
export function medianDifference(report: string): number {
  const line = report.split("\n").find((l) => /^\s*all\s/.test(l));
  // all  A p50 / A p90   B p50 / B p90   (B − A) median   B faster %
  const m = line && /^\s*all\s+[\d.]+\s*\/\s*[\d.]+\s+[\d.]+\s*\/\s*[\d.]+\s+(-?[\d.]+)\s/.exec(line);
  if (!m) throw new Error(`no 'all' line in cold-order-ab's report:\n${report}`);
  return Number(m[1]);
}

/** One pair of runs: `forward` = B − A measured as `A B`, `backward` = A − B measured as `B A`. */
export function pairEstimate(forward: number, backward: number): { effect: number; bias: number } {
  return { effect: (forward - backward) / 2, bias: (forward + backward) / 2 };
}

/** Mean and standard error of the mean (0 for a single value). */
export function meanAndError(xs: readonly number[]): { mean: number; error: number } {
  if (xs.length === 0) throw new Error("no values");
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  if (xs.length === 1) return { mean, error: 0 };
  const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1);
  return { mean, error: Math.sqrt(variance / xs.length) };
}
