/**
 * Refusals of unauthenticated calls are recorded at a bounded rate. Every refusal becomes an
 * audit record, journaled and logged; anyone who can reach the port can send calls without
 * credentials as fast as the network allows, and each would cost a journal record (disk and
 * fsync), a log line, and push a real attacker's denials out of the retained trail (found by
 * review). Past UNAUTHENTICATED_DENIAL_BURST, at most UNAUTHENTICATED_DENIALS_PER_SECOND are
 * recorded one by one; the others are counted, and the next record says how many it stands
 * for. Denials of known principals (PERMISSION_DENIED) are always recorded: they name who.
 */
import type { Denial } from "./service-context.js";

export const UNAUTHENTICATED_DENIALS_PER_SECOND = 10;
export const UNAUTHENTICATED_DENIAL_BURST = 50;

export class DenialThrottle {
  private tokens = UNAUTHENTICATED_DENIAL_BURST;
  private lastMs: number | undefined;
  private unrecorded = 0;

  /** `now`: the time live commands get (the door's time source), in ms. */
  constructor(private readonly now: () => number) {}

  /** The denial to record, or undefined when it is only counted. */
  admit(denial: Denial): Denial | undefined {
    if (denial.reason !== "UNAUTHENTICATED") return denial;
    const t = this.now();
    if (this.lastMs !== undefined && t > this.lastMs) {
      this.tokens = Math.min(UNAUTHENTICATED_DENIAL_BURST, this.tokens + ((t - this.lastMs) * UNAUTHENTICATED_DENIALS_PER_SECOND) / 1000);
    }
    if (this.lastMs === undefined || t > this.lastMs) this.lastMs = t;
    if (this.tokens < 1) {
      this.unrecorded++;
      return undefined;
    }
    this.tokens -= 1;
    if (this.unrecorded === 0) return denial;
    const n = this.unrecorded;
    this.unrecorded = 0;
    return { ...denial, detail: `${denial.detail}; ${n} more unauthenticated call${n === 1 ? " was" : "s were"} refused before this one, not recorded one by one` };
  }
}
