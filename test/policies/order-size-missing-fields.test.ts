/**
 * Found by review (session 18).
 * openpit-semantics.md §2.3 (OrderSizeLimitPolicy): "Missing instrument/account/trade
 * amount/price access → MissingRequiredField." — unconditional, unlike §2.2 (RateLimit:
 * "when an axis needs it"). OpenPit 71ad2fc order_size_limit.rs reads instrument, account
 * ID, trade amount and price eagerly before resolving any limit. The TS policy reads a field
 * only when an axis needs it, so a broker-only setup (or an order no limit applies to)
 * silently accepts orders missing those fields.
 */
import { describe, expect, it } from "vitest";
import { OrderSizeLimitPolicy } from "../../src/policies/index.js";
import { Quantity, Volume } from "../../src/param/index.js";
import { engineWith, onlyReject, order, submit } from "../helpers/start-policies.js";

const lim = { maxQuantity: Quantity.fromString("100"), maxNotional: Volume.fromString("100000") };
const brokerOnly = () => engineWith(new OrderSizeLimitPolicy({ broker: lim, assetBarriers: [], accountAssetBarriers: [] }));
const eurOnly = () => engineWith(new OrderSizeLimitPolicy({ assetBarriers: [{ settlementAsset: "EUR", limit: lim }], accountAssetBarriers: [] }));

describe("OrderSizeLimitPolicy reads its fields unconditionally", () => {
  it("broker-only: order without instrument → MissingRequiredField 'instrument'", () => {
    const { engine } = brokerOnly();
    expect(onlyReject(submit(engine, order({ instrument: null })))).toMatchObject({
      policy: "OrderSizeLimitPolicy",
      code: "MissingRequiredField",
      reason: "failed to access required field 'instrument'",
      scope: "order",
    });
  });

  it("broker-only: order without account → MissingRequiredField 'account ID'", () => {
    const { engine } = brokerOnly();
    expect(onlyReject(submit(engine, order({ account: null })))).toMatchObject({
      code: "MissingRequiredField",
      reason: "failed to access required field 'account ID'",
    });
  });

  it("no limit applies (EUR limit, USD order) but trade amount missing → MissingRequiredField 'trade amount'", () => {
    const { engine } = eurOnly();
    expect(onlyReject(submit(engine, order({ qty: null })))).toMatchObject({
      code: "MissingRequiredField",
      reason: "failed to access required field 'trade amount'",
    });
  });
});
