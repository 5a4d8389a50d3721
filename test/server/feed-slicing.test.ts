import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { REPORTS_PER_SLICE } from "../../src/server/services/feed-service.js";
import { holdingsOf, order, seed, startHarness, type Harness } from "./harness.js";
import { as, feeReport } from "./results.js";

describe("a big feed message is applied in slices", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it("an order sent right after it is answered before it; every report is applied, in order, with its own index", async () => {
    const ch = h.channel();
    const feed = h.feed();
    await ch.send(seed("USD", "100000"));
    const n = REPORTS_PER_SLICE * 6 + 5;
    const bad = REPORTS_PER_SLICE * 4 + 3;
    // One report that cannot be decoded (a bad decimal), in a late slice: its error names its index in the message.
    const reports = Array.from({ length: n }, (_, i) => (i === bad ? { ...feeReport("1"), pnl: "not a number" } : feeReport("1")));
    const answered: string[] = [];
    const published = feed.publish(...reports).then((r) => {
      answered.push("feed");
      return r;
    });
    const decided = ch.one({ case: "executePreTrade", value: { order: order({ qty: "1", price: "100" }) } }).then((r) => {
      answered.push("order");
      return r;
    });
    const [results, decision] = await Promise.all([published, decided]);
    // The feed's remaining slices ran in later turns, after the order's.
    expect(answered).toEqual(["order", "feed"]);
    expect(as(decision, "execute").accepted).toBe(true);
    expect(results).toHaveLength(n);
    results.forEach((r, i) => expect(r.result.case, `report ${i}`).toBe(i === bad ? "error" : "postTrade"));
    const error = results[bad]!.result;
    expect(error.case === "error" && error.value.field).toMatch(new RegExp(`^reports\\[${bad}\\]`));
    // 100 000 − (n − 1) fees of 1 − the order's hold of 100.
    expect(await holdingsOf(h)).toMatchObject({ USD: { available: String(100000 - (n - 1) - 100), held: "100" } });
  });

  it("messages behind a big one on the same stream are answered after it, in order", async () => {
    const ch = h.channel();
    const feed = h.feed();
    await ch.send(seed("USD", "1000"));
    const big = feed.publish(...Array.from({ length: REPORTS_PER_SLICE * 3 }, () => feeReport("1")));
    const small = feed.publish(feeReport("2"));
    const order: string[] = [];
    await Promise.all([big.then(() => order.push("big")), small.then(() => order.push("small"))]);
    expect(order).toEqual(["big", "small"]);
    expect(await holdingsOf(h)).toMatchObject({ USD: { available: String(1000 - REPORTS_PER_SLICE * 3 - 2) } });
  });
});
