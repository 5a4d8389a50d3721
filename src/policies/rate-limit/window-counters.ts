/**
 * The two counting strategies OpenPit uses. Neither holds its limit: the window length is
 * passed on every call from the current settings, so a retune applies going forward
 * without resetting what was already counted.
 */

/**
 * Broker and asset axes: a fixed window that restarts when `now - start >= window`.
 * Cheap (two numbers) at the price of allowing up to 2× the limit across a boundary,
 * exactly as OpenPit's lock-free counter does.
 */
export class FixedWindowCounter {
  /** -Infinity: the first call opens a window at its own time. */
  windowStart = Number.NEGATIVE_INFINITY;
  count = 0;

  /** Counts one call at `now`; returns the count including it. */
  push(now: number, windowMs: number): number {
    if (now - this.windowStart >= windowMs) {
      this.windowStart = now;
      this.count = 1;
    } else {
      this.count += 1;
    }
    return this.count;
  }

  /** What `push` would return now, without counting. */
  peek(now: number, windowMs: number): number {
    return now - this.windowStart >= windowMs ? 1 : this.count + 1;
  }
}

const INITIAL_CAPACITY = 8;
const EMPTY = new Float64Array(0);

/**
 * Account and account+asset axes: an exact sliding-window log of call times. An entry
 * leaves the window once `now - t >= window`. Kept in a growable ring buffer so eviction
 * from the front is O(1) and the common case allocates nothing.
 */
export class SlidingWindowLog {
  #times: Float64Array = EMPTY;
  /** Index of the oldest entry; the capacity is a power of two, so `& mask` wraps. */
  #head = 0;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Evicts what has left the window, records `now`; returns the count including it. */
  push(now: number, windowMs: number): number {
    this.#evict(now, windowMs);
    if (this.#size === this.#times.length) this.#grow();
    const mask = this.#times.length - 1;
    this.#times[(this.#head + this.#size) & mask] = now;
    this.#size += 1;
    return this.#size;
  }

  /**
   * What `push` would return now, without changing anything: the expired entries are
   * the ones `push` would evict, i.e. the prefix that has left the window.
   */
  peek(now: number, windowMs: number): number {
    const times = this.#times;
    const mask = times.length - 1;
    let expired = 0;
    while (expired < this.#size && now - times[(this.#head + expired) & mask]! >= windowMs) expired += 1;
    return this.#size - expired + 1;
  }

  /** Oldest-first times still held (for inspection and snapshots). */
  entries(): number[] {
    const mask = this.#times.length - 1;
    const out: number[] = [];
    for (let i = 0; i < this.#size; i++) out.push(this.#times[(this.#head + i) & mask]!);
    return out;
  }

  /** Replaces the log with `times` (oldest first, as `entries()` gives them): a restored window. */
  restore(times: readonly number[]): void {
    let capacity = INITIAL_CAPACITY;
    while (capacity < times.length) capacity *= 2;
    this.#times = times.length === 0 ? EMPTY : new Float64Array(capacity);
    this.#times.set(times);
    this.#head = 0;
    this.#size = times.length;
  }

  #evict(now: number, windowMs: number): void {
    const times = this.#times;
    const mask = times.length - 1;
    while (this.#size > 0 && now - times[this.#head]! >= windowMs) {
      this.#head = (this.#head + 1) & mask;
      this.#size -= 1;
    }
    if (this.#size === 0) this.#head = 0;
  }

  /** Doubles the ring, oldest entry first at 0: two block copies (a window at a high order rate holds 10^5 entries). */
  #grow(): void {
    const old = this.#times;
    const next = new Float64Array(Math.max(INITIAL_CAPACITY, old.length * 2));
    const head = this.#head;
    const firstRun = Math.min(this.#size, old.length - head);
    next.set(old.subarray(head, head + firstRun));
    next.set(old.subarray(0, this.#size - firstRun), firstRun);
    this.#times = next;
    this.#head = 0;
  }
}
