/**
 * One stream's work, run in arrival order, a slice per event-loop turn.
 *
 * A feed message may carry hundreds of reports; applied in one go it holds every order
 * that arrived in the same turn (on any channel) behind it for milliseconds. A job here
 * is a generator that `yield`s between slices: the first slice runs at once, each further
 * one in a later turn (`defer`, setImmediate by default: after the I/O that arrived
 * meanwhile, so orders waiting there run in between). Jobs of one stream never overlap
 * or reorder — the next starts only when the previous has finished — so per-stream order
 * and the door's determinism (it sees one command at a time, whatever the interleaving
 * between streams) are kept.
 */
export type SlicedJob = Iterator<void, void, void>;

export class SliceQueue {
  private readonly jobs: SlicedJob[] = [];
  private scheduled = false;
  private running = false;
  /** A slice was due but `mayRun` said no: `resume()` runs it. */
  private waiting = false;

  /**
   * `onEmpty`: called each time the last queued job finishes (the stream's backlog is gone,
   * so a reader held back for it can be let go). `mayRun`: asked before each slice; while it
   * says no (the journal is behind, journal-backpressure.ts) nothing runs until `resume()`.
   */
  constructor(
    private readonly defer: (run: () => void) => void = setImmediate,
    private readonly onEmpty?: () => void,
    private readonly mayRun: () => boolean = () => true,
  ) {}

  /** Runs the slice that waited for `mayRun`, if one did. */
  resume(): void {
    if (!this.waiting) return;
    this.waiting = false;
    this.step();
  }

  /** Jobs not yet finished (the running one included). */
  get pending(): number {
    return this.jobs.length;
  }

  /**
   * Nothing queued and no slice running: a job pushed now would start at once, so the
   * caller may instead do work of one slice or less itself, in its place.
   */
  get idle(): boolean {
    return this.jobs.length === 0 && !this.running;
  }

  /** Queues a job; if nothing is ahead of it, its first slice runs now (when it may). */
  push(job: SlicedJob): void {
    this.jobs.push(job);
    if (this.jobs.length === 1 && !this.running) this.step();
  }

  /** Runs everything queued to completion now (shutdown's drain: what was received is finished), held or not. */
  finishNow(): void {
    this.waiting = false;
    if (this.jobs.length === 0) return;
    while (this.jobs.length > 0) {
      if (this.jobs[0]!.next().done) this.jobs.shift();
    }
    this.onEmpty?.();
  }

  /** One slice of the head job per turn: the bound on how long this stream holds the loop. */
  private step(): void {
    // finishNow may have emptied the queue before a scheduled turn came.
    if (this.jobs.length === 0) return;
    if (!this.mayRun()) {
      this.waiting = true;
      return;
    }
    this.running = true;
    try {
      if (this.jobs[0]!.next().done) this.jobs.shift();
    } finally {
      this.running = false;
    }
    if (this.jobs.length === 0) this.onEmpty?.();
    if (this.jobs.length > 0 && !this.scheduled) {
      this.scheduled = true;
      this.defer(() => {
        this.scheduled = false;
        this.step();
      });
    }
  }
}
