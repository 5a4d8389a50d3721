/**
 * The open loop's pacers (bench/pacer.ts): both tick first when the first request is due,
 * at most once per request (a tick can find nothing new when the caller's previous tick,
 * reading the clock later, already took it), and until every request is due; the
 * spinning one also stops when asked. No timing is asserted.
 */
import { describe, expect, it } from "vitest";
import { intendedOffsetNs, startPacer, type PacerKind } from "../../bench/pacer.js";

async function ticksOf(kind: PacerKind, total: number, intervalNs: number, burst = 1): Promise<number[]> {
  const dueCounts: number[] = [];
  let start = 0n;
  let sent = 0;
  const pacer = await startPacer(
    intervalNs,
    total,
    () => {
      const now = process.hrtime.bigint();
      const before = sent;
      while (sent < total && start + intendedOffsetNs(sent, intervalNs, burst) <= now) sent++;
      dueCounts.push(sent - before);
    },
    burst,
    kind,
  );
  start = pacer.startNs;
  await pacer.finished;
  return dueCounts;
}

describe.each(["thread", "spin"] as const)("the %s pacer", (kind) => {
  it("ticks from the first request's time, at most once per request, until all 300 are due", async () => {
    const counts = await ticksOf(kind, 300, 20_000);
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts.length).toBeLessThanOrEqual(300);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(300);
  });

  it("offers a burst whole at the time of its first request", async () => {
    const counts = await ticksOf(kind, 40, 500_000, 10);
    // All of a burst is due at once: one tick per burst (fewer after a stall), and a tick
    // finds whole bursts, never part of one.
    expect(counts.length).toBeLessThanOrEqual(4);
    expect(counts.every((n) => n % 10 === 0)).toBe(true);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(40);
  });
});

describe("the spinning pacer", () => {
  it("refuses an interval that is not a positive number (a zero rate), instead of spinning forever", async () => {
    await expect(startPacer(Infinity, 10, () => {}, 1, "spin")).rejects.toThrow("the pacer's interval must be a positive number of ns, not Infinity");
    await expect(startPacer(0, 10, () => {}, 1, "thread")).rejects.toThrow("not 0");
  });

  it("stops turning when asked, with requests still to come", async () => {
    let ticks = 0;
    const pacer = await startPacer(1_000_000, 1_000_000, () => ticks++, 1, "spin");
    await new Promise((r) => setTimeout(r, 20));
    await pacer.stop();
    const after = ticks;
    await new Promise((r) => setTimeout(r, 20));
    expect(ticks).toBe(after);
    expect(after).toBeGreaterThan(0);
    expect(after).toBeLessThan(1_000_000);
  });
});
