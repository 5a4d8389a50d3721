/** Monotonic milliseconds (fractions allowed). Policies read time only through this. */
export interface Clock {
  nowMs(): number;
}

export const monotonicClock: Clock = {
  nowMs: () => performance.now(),
};

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
