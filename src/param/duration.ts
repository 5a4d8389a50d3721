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
