/** MaxOpenOrdersPolicy through the wire: the account book's count, finality from the feed, rollback, dry run, retune, restart. */
import { describe, expect, it } from "vitest";
import { order } from "./harness.js";
import { as, fill } from "./results.js";
import { controlsConfig, dryRun, executed, execute, sidecarsPerTest } from "./controls-world.js";

const LIMIT = { type: "MaxOpenOrdersPolicy", settings: { default: { maxOpenOrders: 2 } } };
const EXCEEDED = (open: number, max: number) => [["OPEN_ORDER_LIMIT_EXCEEDED", "open order limit exceeded", `${open} orders are open, max allowed: ${max}`, "ORDER"]];

describe("max open orders through the wire", () => {
  const sidecars = sidecarsPerTest();

  it("accepts up to the limit, rejects the next (code 47), frees a slot on a final report or a rollback", async () => {
    const h = await sidecars.harness(controlsConfig([LIMIT]));
    const ch = h.channel();
    expect(executed(await ch.one(execute())).accepted).toBe(true);
    const open = executed(await ch.one(execute(order(), false)));
    expect(open.accepted).toBe(true);
    expect(executed(await ch.one(execute())).rejects).toEqual(EXCEEDED(2, 2));
    expect(as(await ch.one(dryRun()), "dryRun").pass).toBe(false);
    await ch.one({ case: "rollbackReservation", value: { reservationId: open.reservationId } });
    expect(executed(await ch.one(execute())).accepted).toBe(true);
    await h.feed().publish(fill({ qty: "10", price: "100" }));
    expect(executed(await ch.one(execute())).accepted).toBe(true);
    expect(executed(await ch.one(execute())).rejects).toEqual(EXCEEDED(2, 2));
    await h.admin("configurePolicy", { policyName: "MaxOpenOrdersPolicy", settingsJson: '{"default":{"maxOpenOrders":3}}' });
    expect(executed(await ch.one(execute())).accepted).toBe(true);
    expect(executed(await ch.one(execute())).rejects).toEqual(EXCEEDED(3, 3));
  });

  it("keeps the count over a restart in durable mode (the book is engine state)", async () => {
    const dir = sidecars.dataDir();
    const first = await sidecars.durable(controlsConfig([LIMIT]), dir, 1_000);
    const ch = first.channel();
    expect(executed(await ch.one(execute())).accepted).toBe(true);
    expect(executed(await ch.one(execute())).accepted).toBe(true);
    await first.stop();
    const second = await sidecars.durable(controlsConfig([LIMIT]), dir, 2_000);
    const again = second.channel();
    expect(executed(await again.one(execute())).rejects).toEqual(EXCEEDED(2, 2));
    await second.feed().publish(fill({ qty: "10", price: "100" }));
    expect(executed(await again.one(execute())).accepted).toBe(true);
  });
});
