/**
 * Refusals of unauthenticated calls are recorded at a bounded rate. Every refusal becomes an
 * audit record, journaled and logged; anyone who can reach the port can send calls without
 * credentials as fast as the network allows, and each would cost a journal record (disk and
 * fsync), a log line, and push a real attacker's denials out of the retained trail (found by
 * review). Past UNAUTHENTICATED_DENIAL_BURST, at most UNAUTHENTICATED_DENIALS_PER_SECOND are
 * recorded one by one; the others are counted, and the next record says how many it stands
 * for. If no next record comes (the flood stopped), a summary record says it
 * SUMMARY_AFTER_MS after the first uncounted one. The console's own refusals (a client or
 * Host header that is not loopback, a missing console header) name nobody either and are
 * throttled alike. Denials of known principals (PERMISSION_DENIED, and a revoked token's
 * stream ended UNAUTHENTICATED) are always recorded: they name who.
 */
import type { Denial } from "./service-context.js";
import { UNAUTHENTICATED_ACTOR } from "../../state/audit-log.js";

export const UNAUTHENTICATED_DENIALS_PER_SECOND = 10;
export const UNAUTHENTICATED_DENIAL_BURST = 50;
/** How long refusals may stay counted and unrecorded before a summary record says how many. */
export const SUMMARY_AFTER_MS = 1_000;

/** Runs `flush` once, SUMMARY_AFTER_MS from now, without keeping the process alive. */
function after(flush: () => void): void {
  setTimeout(flush, SUMMARY_AFTER_MS).unref();
}

export class DenialThrottle {
  private tokens = UNAUTHENTICATED_DENIAL_BURST;
  private lastMs: number | undefined;
  private unrecorded = 0;
  /** The last refusal only counted: the summary names it. */
  private lastUnrecorded: Denial | undefined;

  /**
   * `now`: the time live commands get (the door's time source), in ms. `record`: writes a
   * denial to the audit trail. `later`: runs the summary's check once (a timer; tests step it).
   */
  constructor(
    private readonly now: () => number,
    private readonly record: (denial: Denial) => void,
    private readonly later: (flush: () => void) => void = after,
  ) {}

  /** Records `denial` now, or counts it for a later record. */
  admit(denial: Denial): void {
    // A named actor is a known principal (a revoked token's stream ended): it names who, as a
    // PERMISSION_DENIED does, and a flood of credential-less calls must not hide it.
    // A refusal naming nobody (no credentials, or the console's own refusal of a client or
    // page before any credential is read) can come at network speed, whatever its reason.
    if (denial.actor !== UNAUTHENTICATED_ACTOR) return this.record(denial);
    const t = this.now();
    if (this.lastMs !== undefined && t > this.lastMs) {
      this.tokens = Math.min(UNAUTHENTICATED_DENIAL_BURST, this.tokens + ((t - this.lastMs) * UNAUTHENTICATED_DENIALS_PER_SECOND) / 1000);
    }
    if (this.lastMs === undefined || t > this.lastMs) this.lastMs = t;
    if (this.tokens < 1) {
      if (this.unrecorded++ === 0) this.later(() => this.flush());
      this.lastUnrecorded = denial;
      return;
    }
    this.tokens -= 1;
    if (this.unrecorded === 0) return this.record(denial);
    const n = this.unrecorded;
    this.unrecorded = 0;
    this.record({ ...denial, detail: `${denial.detail}; ${n} more unauthenticated call${n === 1 ? " was" : "s were"} refused before this one, not recorded one by one` });
  }

  /**
   * The refusals still only counted, as one record (none when a later record already told).
   * The timer calls it; so does a graceful stop, before it stops recording.
   */
  flush(): void {
    const last = this.lastUnrecorded;
    if (this.unrecorded === 0 || last === undefined) return;
    const n = this.unrecorded;
    this.unrecorded = 0;
    this.record({ ...last, detail: `${n} unauthenticated call${n === 1 ? " was" : "s were"} refused and not recorded one by one; the last: ${last.detail}` });
  }
}
