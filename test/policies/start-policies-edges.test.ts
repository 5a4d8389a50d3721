/**
 * The start-stage policies at their exact boundaries: the rate limit's sliding and fixed
 * windows (an entry exactly one window old, `now - start >= window`, refused orders still
 * counted, a 1.5 s window's text) and the P&L kill switch's accumulation, strict breach and
 * texts. (Written by a review against openpit-semantics.md; passed as it was.)
 */
import { describe, expect, it } from "vitest";
import { AccountId, Pnl } from "../../src/param/index.js";
import { RateLimitPolicy, PnlBoundsKillSwitchPolicy, OrderValidationPolicy } from "../../src/policies/index.js";
import { ACCOUNT, engineWith, onlyReject, order, submit } from "../helpers/start-policies.js";
import { TradeAmount } from "../../src/model/index.js";
import { Quantity, Fee, instrument } from "../../src/param/index.js";

const base = { assetBarriers: [], accountBarriers: [], accountAssetBarriers: [] };

describe("rate limit windows at exact boundaries", () => {
  it("sliding window: an entry exactly one window old is evicted", () => {
    const { engine, clock } = engineWith(new RateLimitPolicy({ ...base, accountBarriers: [{ accountId: ACCOUNT, limit: { maxOrders: 1, windowMs: 1000 } }] }));
    clock.set(5000);
    expect(submit(engine, order()).ok).toBe(true);
    clock.set(6000);
    expect(submit(engine, order()).ok).toBe(true);
    clock.set(6999.5);
    const r = onlyReject(submit(engine, order()));
    expect(r.scope).toBe("account");
    expect(r.details).toBe("submitted 2 orders in 1s window, max allowed: 1");
  });
  it("fixed window restarts at now - start >= window; rejected calls still count", () => {
    const { engine, clock } = engineWith(new OrderValidationPolicy(), new RateLimitPolicy({ ...base, broker: { maxOrders: 2, windowMs: 1500 } }));
    clock.set(100);
    // rejected by OrderValidation: still counted by the rate limit
    const zero = order();
    const z = { operation: { ...zero.operation!, tradeAmount: TradeAmount.quantity(Quantity.fromString("0")) } };
    expect(submit(engine, z).ok).toBe(false);
    expect(submit(engine, order()).ok).toBe(true);
    clock.set(1599);
    expect(onlyReject(submit(engine, order())).details).toBe("submitted 3 orders in 1.5s window, max allowed: 2");
    clock.set(1600);
    expect(submit(engine, order()).ok).toBe(true);
  });
});

describe("P&L kill switch", () => {
  it("post-trade pnl - fee with a rebate, strict bounds, and start-stage texts", () => {
    const { engine } = engineWith(
      new PnlBoundsKillSwitchPolicy({ brokerBarriers: [{ settlementAsset: "USD", lowerBound: Pnl.fromString("-100") }], accountBarriers: [] }),
    );
    const rep = (pnl: string, fee: string) => ({
      operation: { instrument: instrument("AAPL", "USD"), accountId: ACCOUNT, side: "SELL" as const },
      financialImpact: { pnl: Pnl.fromString(pnl), fee: Fee.fromString(fee) },
    });
    expect(engine.applyExecutionReport(rep("-99", "1")).accountBlocks).toEqual([]);
    expect(engine.applyExecutionReport(rep("0", "-0.5")).accountBlocks).toEqual([]);
    const b = engine.applyExecutionReport(rep("-1.5", "0.1")).accountBlocks;
    expect(b.map((x) => [x.code, x.reason, x.details])).toEqual([["PnlKillSwitchTriggered", "pnl kill switch triggered", "realized pnl -101.1, settlement asset USD"]]);
    const r = onlyReject(engine.executePreTrade(order()));
    expect([r.policy, r.code, r.scope]).toEqual(["PnlBoundsKillSwitchPolicy", "PnlKillSwitchTriggered", "account"]);
  });
  it("K5 inverted bounds text", () => {
    const { engine } = engineWith(
      new PnlBoundsKillSwitchPolicy({ brokerBarriers: [{ settlementAsset: "USD", lowerBound: Pnl.fromString("10"), upperBound: Pnl.fromString("5") }], accountBarriers: [] }),
    );
    const r = onlyReject(engine.executePreTrade(order({ account: AccountId.fromU64(5) })));
    expect(r.details).toBe("lower bound breached: realized pnl 0, lower_bound Some(Pnl(10)), upper_bound Some(Pnl(5)), settlement asset USD");
  });
});
