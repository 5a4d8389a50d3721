/**
 * Found by review (session 33): ClientOrderIdPolicy forgets ids lazily, judging expiry by the
 * retention in force when it next looks. A ConfigurePolicy raising `retentionMs` (or setting
 * it to 0) before any order made it look brought back ids the old retention had already
 * forgotten: a retry of such an id got the old order's answer and the engine did not run —
 * nothing reserved for an order the gateway sent on — and a new order reusing it was refused
 * DUPLICATE_CLIENT_ORDER_ID. docs/controls.md: a retry whose id is not known (forgotten) runs
 * as a new order. The retune now forgets, at its own time, what the old retention let go.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { holdingsOf, order, seed, startHarness, type Harness } from "./harness.js";
import { as } from "./results.js";
import { controlsConfig } from "./controls-helpers.js";

const CONFIG = controlsConfig([{ type: "ClientOrderIdPolicy", settings: { retentionMs: 1000 } }, { type: "SpotFundsPolicy", settings: {} }]);
const execute = (clientOrderId: string, retry = false) =>
  ({ case: "executePreTrade", value: { order: order({ qty: "10", clientOrderId, retry }), commitOnAccept: true } }) as const;

describe("ClientOrderIdPolicy: ids forgotten before a retention retune stay forgotten", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(CONFIG);
  });
  afterEach(async () => {
    await h.close();
  });

  async function forgottenThenRetuned(retentionMs: number): Promise<ReturnType<Harness["channel"]>> {
    const c = h.channel();
    await c.send(seed("USD", "10000"));
    expect(as(await c.one(execute("g-1")), "execute").accepted).toBe(true);
    h.clock.advance(1500); // forgotten 1000 ms after its acceptance
    await h.admin("configurePolicy", { policyName: "ClientOrderIdPolicy", settingsJson: JSON.stringify({ retentionMs }) });
    return c;
  }

  for (const retentionMs of [86_400_000, 0]) {
    it(`a retry of the id after retentionMs became ${retentionMs} runs as a new order and reserves`, async () => {
      const c = await forgottenThenRetuned(retentionMs);
      const retry = as(await c.one(execute("g-1", true)), "execute");
      expect([retry.accepted, retry.committed]).toEqual([true, true]);
      expect((await holdingsOf(h)).USD).toEqual({ available: "8000", held: "2000", incoming: "0" });
    });
  }

  it("a new order reusing the id after retentionMs was raised is accepted, not DUPLICATE_CLIENT_ORDER_ID", async () => {
    const c = await forgottenThenRetuned(5_000);
    const again = as(await c.one(execute("g-1")), "execute");
    expect([again.accepted, again.rejects]).toEqual([true, []]);
    // Known again now, under the new retention: a third order with it is the duplicate.
    h.clock.advance(4_000);
    const third = as(await c.one(execute("g-1")), "execute");
    expect(third.rejects.map((r) => [r.reason, r.details])).toEqual([["duplicate client order id", "client order id 'g-1' belongs to an order still known for the account; mark the order as a retry to get its first decision"]]);
  });
});
