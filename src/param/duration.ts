/**
 * Renders a duration given in milliseconds the way Rust's `Duration` Debug does, because
 * OpenPit's reject texts embed it: `500ms`, `1s`, `60s`, `1.5s`, `250µs`, `10ns`.
 */
export function formatDuration(ms: number): string {
  const ns = Math.round(ms * 1e6);
  if (ns >= 1e9) return `${trimmed(ns / 1e9)}s`;
  if (ns >= 1e6) return `${trimmed(ns / 1e6)}ms`;
  if (ns >= 1e3) return `${trimmed(ns / 1e3)}µs`;
  return `${ns}ns`;
}

function trimmed(value: number): string {
  return String(Number(value.toFixed(9)));
}

/** The longest window a Rust `Duration` of u64 nanoseconds holds, in milliseconds. */
export const MAX_WINDOW_MS = 18446744073709.551;

/**
 * Whether `ms` can be a window as OpenPit's `Duration`s are: at least one whole nanosecond
 * once rounded as `formatDuration` shows it, and at most u64 nanoseconds. A window of 0.1 ns
 * passed a `> 0` check, and its rejects named a "0ns window" (found by review).
 */
export function isWindowDuration(ms: unknown): ms is number {
  return typeof ms === "number" && Math.round(ms * 1e6) >= 1 && ms <= MAX_WINDOW_MS;
}

/** What a window must be, for the errors that refuse one. */
export const WINDOW_RULE = "at least 1ns and at most 18446744073709.551615 ms (u64 nanoseconds)";

/**
 * A window a snapshot of an earlier version holds, brought into what `isWindowDuration`
 * accepts: before the bounds above (session 31) a throttle took any positive window (1e15 ms
 * for "never resets") and the rate limit any positive one, and refusing such a snapshot left
 * an upgraded sidecar unable to start (found by review). A window past u64 nanoseconds counts
 * as that maximum (584 years), a sub-nanosecond one as 1 ns: the same decisions. Anything else
 * is returned as it is, for the validation to refuse.
 */
export function windowInDurationRange(ms: number): number {
  if (typeof ms !== "number" || !(ms > 0) || isWindowDuration(ms)) return ms;
  return ms > MAX_WINDOW_MS ? MAX_WINDOW_MS : 1e-6;
}
