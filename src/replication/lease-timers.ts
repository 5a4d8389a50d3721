/**
 * The clock and timers the lease code runs on, injected so unit tests drive time by hand.
 * Production uses the monotonic clock: a lease's validity is a duration, and a wall-clock
 * step (NTP) must not stretch or shrink it.
 */
import { performance } from "node:perf_hooks";

export interface LeaseTimers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realLeaseTimers: LeaseTimers = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => {
    const t = setTimeout(callback, ms);
    t.unref();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
