/** Milliseconds (fractions allowed) that never step back. Policies read time only through this. */
export interface Clock {
  nowMs(): number;
  /**
   * Moves the clock forward to at least `ms` from now on, if it can (systemClock: a restart
   * on a host whose clock is behind the journal's last command). A clock without it is
   * offset by its user instead (the door's timeOffset).
   */
  atLeast?(ms: number): void;
  /** Milliseconds the clock has run, without the steps and moves its readings include (for durations: uptime). */
  runningMs?(): number;
}

/** Milliseconds since this process started: for measuring, never for state a snapshot keeps (a new process starts again at 0). */
export const monotonicClock: Clock = {
  nowMs: () => performance.now(),
};

/** A wall-clock step forward larger than this is followed (NTP slewing moves both clocks alike). */
export const FORWARD_STEP_MS = 1_000;

/** How often (in monotonic time) systemClock looks at the wall clock: a step is followed within this much running time. */
export const WALL_READ_EVERY_MS = 50;

/**
 * Epoch milliseconds that never step back: the monotonic clock, anchored at the wall clock,
 * and moved forward when the wall clock is found more than FORWARD_STEP_MS ahead of it
 * (looked at every WALL_READ_EVERY_MS of running time).
 *
 * Why both: times a snapshot keeps (rate windows, id retention, quote ages, audit records)
 * must mean the same instant in the next process, so they are epoch times; and time must
 * not run backwards or stand still, or sliding windows would stop emptying, so a backward
 * step of the wall clock is not followed (time runs on from where it was, ahead of the
 * wall clock by the step). A forward step is followed: a host that started before NTP set
 * its clock, or a VM pause the monotonic clock did not count (found by review: anchored
 * once, an hour-old quote still read as fresh after a pause, and audit times stayed off by
 * the start's error for the whole run). Reservations and quotes the jump makes due expire
 * at once, as after any long stall.
 */
export function systemClock(readWall: () => number = () => Date.now(), readMonotonic: () => number = () => performance.now()): Clock {
  let origin = readWall() - readMonotonic();
  // The WALL_READ_EVERY_MS period the wall clock was last read in, a small integer: kept as a
  // double it is one more heap object an order reads, which cost a cold order about 0.3 µs,
  // as much as reading the wall clock per command did (docs/performance.md, Session 33).
  let lastPeriod = -1;
  return {
    runningMs: readMonotonic,
    // Moved forward as a backward step it did not follow would have left it: a later forward
    // step of the wall clock is compared with this time, so only what passes it is followed
    // (an offset added on top counted NTP's correction twice: found by review).
    atLeast: (ms) => {
      const elapsed = readMonotonic();
      if (origin + elapsed < ms) origin = ms - elapsed;
    },
    nowMs: () => {
      const elapsed = readMonotonic();
      const monotonic = origin + elapsed;
      const period = Math.floor(elapsed / WALL_READ_EVERY_MS);
      if (period === lastPeriod) return monotonic;
      lastPeriod = period;
      const wall = readWall();
      if (wall - monotonic <= FORWARD_STEP_MS) return monotonic;
      origin += wall - monotonic;
      return wall;
    },
  };
}

/** A clock that moves only when told: for tests and deterministic replays. */
export class ManualClock implements Clock {
  constructor(private now = 0) {}

  nowMs(): number {
    return this.now;
  }

  advance(ms: number): void {
    this.now += ms;
  }

  set(ms: number): void {
    this.now = ms;
  }
}
