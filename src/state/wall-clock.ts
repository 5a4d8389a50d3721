/**
 * Where live commands get their timestamps: epoch milliseconds that never step back within
 * a process (a monotonic clock anchored at the wall clock once), so windows and TTLs keep
 * their meaning across a restart and a replay reads the same instants.
 */
import { performance } from "node:perf_hooks";
import type { Clock } from "../engine/clock.js";

export function wallClock(): Clock {
  const origin = Date.now() - performance.now();
  return { nowMs: () => origin + performance.now() };
}
