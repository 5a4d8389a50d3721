/**
 * Durability end to end: a seeded random workload, snapshotted and restored twice mid-run;
 * the rest must give the live run's results and final snapshot on every restored world.
 */
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../../bench/workload.js";
import { applyOp, type Tally } from "./apply-op.js";
import { expectSameBytes, expectSameLog, render } from "./compare.js";
import { World } from "./world.js";
import { generateWorkload, type Op } from "./workload.js";

const SEEDS = Array.from({ length: 40 }, (_, i) => i + 1);
const LENGTH = 700;

function runRange(world: World, ops: readonly Op[], from: number, to: number, tally: Tally): string[] {
  const log: string[] = [];
  for (let i = from; i < to; i++) log.push(render(applyOp(world, ops[i]!, tally)));
  return log;
}

describe("restore(snapshot) + the rest of the workload gives the live run's decisions and state", () => {
  const tally: Tally = new Map();

  it.each(SEEDS)("seed %i", (seed) => {
    const ops = generateWorkload(seed, LENGTH);
    const r = seededRandom(seed * 7919);
    const cut1 = 100 + Math.floor(r() * 300);
    const cut2 = cut1 + 50 + Math.floor(r() * (LENGTH - cut1 - 100));

    const live = new World();
    runRange(live, ops, 0, cut1, tally);
    const first = live.snapshot();
    const restored = World.restore(first);
    expectSameBytes(restored.snapshot(), first, "snapshot of the restored world");
    tally.set("open reservations at a snapshot", (tally.get("open reservations at a snapshot") ?? 0) + live.reservations.length);
    tally.set("open requests at a snapshot", (tally.get("open requests at a snapshot") ?? 0) + live.requests.length);

    const liveLog = runRange(live, ops, cut1, cut2, tally);
    const restoredLog = runRange(restored, ops, cut1, cut2, tally);
    expectSameLog(restoredLog, liveLog, ops, cut1, "restored world");

    const second = restored.snapshot();
    expectSameBytes(second, live.snapshot(), "snapshots before the second restore");
    const again = World.restore(second);
    const liveTail = runRange(live, ops, cut2, LENGTH, tally);
    expectSameLog(runRange(restored, ops, cut2, LENGTH, tally), liveTail, ops, cut2, "restored world");
    expectSameLog(runRange(again, ops, cut2, LENGTH, tally), liveTail, ops, cut2, "twice-restored world");

    const end = live.snapshot();
    expectSameBytes(restored.snapshot(), end, "final snapshots (restored)");
    expectSameBytes(again.snapshot(), end, "final snapshots (twice restored)");
  });

  it("the workload exercised every decision the snapshot must carry", () => {
    const seen = (key: string) => tally.get(key) ?? 0;
    for (const key of [
      "accepted",
      "reject:RateLimitExceeded",
      "reject:InsufficientFunds",
      "reject:PnlKillSwitchTriggered",
      "reject:AccountBlocked",
      "reject:OrderQtyExceedsLimit",
      "reject:OrderNotionalExceedsLimit",
      "reject:MarkPriceUnavailable",
      "reject:InvalidFieldValue",
      "partial fill",
      "final fill",
      "restored reservation rollback",
      "restored reservation commit",
      "restored request used",
      "open reservations at a snapshot",
      "open requests at a snapshot",
      "event:accountBlocked",
      "event:accountUnblocked",
      "event:groupBlocked",
      "event:policyConfigured",
    ]) {
      expect(seen(key), key).toBeGreaterThan(0);
    }
  });
});
