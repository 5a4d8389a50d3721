/**
 * What an execution report says, as a short hash: a report sent again is the same report, so
 * an execution id is recognised as a repeat only with the content it was first applied with.
 * A gateway that reuses an id for another fill (an order id put where the venue's execution
 * id belongs) has that fill applied, not dropped as a repeat: dropping it would understate the
 * position with nothing but a metric to say so.
 */
import type { ExecutionReport } from "../model/execution-report.js";

/** Every field a report's effect depends on, decimals as written (their scale included), then a 53-bit hash of it in base 36. */
export function reportFingerprint(r: ExecutionReport): string {
  const op = r.operation;
  const fi = r.financialImpact;
  const fill = r.fill;
  const pi = r.positionImpact;
  const text = [
    op?.instrument?.underlyingAsset,
    op?.instrument?.settlementAsset,
    op?.side,
    fi?.pnl?.toString(),
    fi?.fee?.toString(),
    fill?.lastTrade?.price.toString(),
    fill?.lastTrade?.quantity.toString(),
    fill?.fee?.amount.toString(),
    fill?.fee?.currency,
    fill?.leavesQuantity?.toString(),
    fill?.lock === undefined ? undefined : JSON.stringify(fill.lock.toJSON()),
    fill?.isFinal === true ? "F" : undefined,
    pi?.positionEffect,
    pi?.positionSide,
    r.clientOrderId,
  ]
    // Absent and empty differ; a field's text cannot end the next one's (each is length-prefixed).
    .map((f) => (f === undefined ? "-" : `${f.length}:${f}`))
    .join(",");
  return hash53(text).toString(36);
}

/** cyrb53 (public domain): two 32-bit multiply-xorshift lanes, 53 bits out; no Node module (the engine runs anywhere). */
function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
