/**
 * Found by review: a drop copy carrying the client order id of an accepted live order (the venue's
 * copy of that very order) is taken without touching the known id, but the door then stores
 * the drop copy's answer as the id's decision: a retry of the live order gets the drop-copy
 * answer (another kind, another reservation) instead of its own first decision.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { order, seed, startHarness, type Harness } from "./harness.js";
import { as } from "./results.js";
import { controlsConfig } from "./controls-helpers.js";

const CONFIG = controlsConfig([{ type: "ClientOrderIdPolicy", settings: { retentionMs: 0 } }, { type: "SpotFundsPolicy", settings: {} }]);

describe("safe retry after a drop copy with the same id", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(CONFIG);
  });
  afterEach(async () => {
    await h.close();
  });

  it("the retry still gets the live order's first decision", async () => {
    const c = h.channel();
    await c.send(seed("USD", "10000"));
    const first = as(await c.one({ case: "executePreTrade", value: { order: order({ qty: "10", clientOrderId: "x-1", retry: false }), commitOnAccept: false } } as const), "execute");
    expect(first.accepted).toBe(true);
    await c.one({ case: "executePreTradeDropCopy", value: { order: order({ qty: "10", price: "100", clientOrderId: "x-1" }), commitOnAccept: true } } as never);
    const retry = await c.one({ case: "executePreTrade", value: { order: order({ qty: "10", clientOrderId: "x-1", retry: true }), commitOnAccept: false } } as const);
    expect(retry.result.case).toBe("execute");
    expect(as(retry, "execute")).toEqual(first);
  });
});
