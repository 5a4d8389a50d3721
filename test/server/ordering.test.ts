import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CommandResult } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import type { AccountChannel } from "../../src/client/index.js";
import { ACCOUNT, OTHER_ACCOUNT, holdingsOf, order, seed, startHarness, type Harness } from "./harness.js";
import { as, feeReport, fill, handleId } from "./results.js";

const oneAt100 = (accountId = ACCOUNT) =>
  ({ case: "executePreTrade", value: { order: order({ qty: "1", price: "100", accountId }) } }) as const;

/** `n` messages of one order each, all written before the first answer is read. */
function pipeline(ch: AccountChannel, n: number, accountId = ACCOUNT): Promise<CommandResult>[] {
  return Array.from({ length: n }, () => ch.one(oneAt100(accountId)));
}

const accepted = (n: number, of: number) => [...Array<boolean>(n).fill(true), ...Array<boolean>(of - n).fill(false)];

describe("ordering", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it("pipelined orders for one account run in arrival order: funds for 30 accept exactly the first 30 of 50", async () => {
    const ch = h.channel();
    await ch.send(seed("USD", "3000"));
    const results = await Promise.all(pipeline(ch, 50));
    expect(results.map((r) => as(r, "execute").accepted)).toEqual(accepted(30, 50));
    // Handles are issued in the same order: the n-th accepted order holds seq n.
    expect(results.slice(0, 30).map((r) => as(r, "execute").reservationId)).toEqual(
      Array.from({ length: 30 }, (_, i) => handleId(1n, BigInt(i + 1))),
    );
    expect(as(results[30], "execute").rejects[0]?.details).toBe("asset USD: available 0, requested 100");
    expect(await holdingsOf(h)).toMatchObject({ USD: { available: "0", held: "3000" } });
  });

  it("two channels pipelining for two accounts each keep their own account's order", async () => {
    const a = h.channel();
    const b = h.channel();
    await a.send(seed("USD", "3000"));
    await b.send(seed("USD", "2000", OTHER_ACCOUNT));
    const fromA: Promise<CommandResult>[] = [];
    const fromB: Promise<CommandResult>[] = [];
    for (let i = 0; i < 50; i++) {
      fromA.push(a.one(oneAt100()));
      fromB.push(b.one(oneAt100(OTHER_ACCOUNT)));
    }
    const [ra, rb] = await Promise.all([Promise.all(fromA), Promise.all(fromB)]);
    expect(ra.map((r) => as(r, "execute").accepted)).toEqual(accepted(30, 50));
    expect(rb.map((r) => as(r, "execute").accepted)).toEqual(accepted(20, 50));
    expect(as(rb[19], "execute").reservationId).toBe(handleId(2n, 20n));
    expect(await holdingsOf(h, OTHER_ACCOUNT)).toMatchObject({ USD: { available: "0", held: "2000" } });
  });

  it("a fill on the feed is seen by channel orders that arrive after it, not by those before", async () => {
    const ch = h.channel();
    const feed = h.feed();
    await ch.send(seed("USD", "1000"));
    await ch.one({ case: "executePreTrade", value: { order: order({ qty: "10", price: "100" }), commitOnAccept: true } });

    // Order before the fill: everything is held.
    const before = await ch.one(oneAt100());
    expect(as(before, "execute").rejects[0]?.details).toBe("asset USD: available 0, requested 100");

    // Filled at 90 against a lock of 100: 100 returns to available.
    const [post] = await feed.publish(fill({ qty: "10", price: "90" }));
    expect(post?.result.case === "postTrade" && post.result.value.accountAdjustments.map((o) => [o.asset, o.balance?.absolute])).toEqual([
      ["AAPL", "10"],
      ["USD", "100"],
    ]);

    // Order after the fill: the freed 100 covers exactly one more.
    const after = await Promise.all(pipeline(ch, 2));
    expect(after.map((r) => as(r, "execute").accepted)).toEqual([true, false]);
  });

  it("a fee on the feed is charged before a later channel order, and after an earlier one", async () => {
    const ch = h.channel();
    const feed = h.feed();
    await ch.send(seed("USD", "250"));
    // A fee-only report (no trade): SpotFunds debits the fee currency's available.
    const fee = feeReport("100");

    // The order lands first and holds 100 of 250; the fee then takes 100 of the remaining 150.
    expect(as(await ch.one(oneAt100()), "execute").accepted).toBe(true);
    await feed.publish(fee);
    expect(await holdingsOf(h)).toMatchObject({ USD: { available: "50", held: "100" } });

    // The fee lands first: the next order sees 50 and is refused.
    const refused = await ch.one(oneAt100());
    expect(as(refused, "execute").rejects[0]?.details).toBe("asset USD: available 50, requested 100");
  });
});
