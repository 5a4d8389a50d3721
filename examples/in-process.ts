/**
 * The engine as an in-process library (no gRPC): `npm run example`.
 * Builds an engine with built-in policies and a custom one, seeds funds, and prints a few
 * decisions: an accepted order whose reservation is committed, a fill, and rejects with
 * their codes and texts.
 */
import { Engine, type ExecuteResult, type PreTradePolicy } from "../src/engine/index.js";
import { AdjustmentAmount, TradeAmount, formatReject, type Order } from "../src/model/index.js";
import { AccountId, PositionSize, Price, Quantity, Volume, instrument } from "../src/param/index.js";
import { OrderSizeLimitPolicy, OrderValidationPolicy, SpotFundsPolicy } from "../src/policies/index.js";

const account = AccountId.fromU64(99224416);
const aapl = instrument("AAPL", "USD");

/** A custom policy: refuses short sales of instruments on a restricted list. */
const restrictedList: PreTradePolicy = {
  name: "RestrictedList",
  checkPreTradeStart(_ctx, order) {
    const op = order.operation;
    if (op?.side === "SELL" && op.instrument?.underlyingAsset === "GME") {
      return [{ code: "ShortSaleRestriction", reason: "instrument restricted", details: "GME is on the restricted list" }];
    }
    return undefined;
  },
};

const engine = Engine.builder()
  .policy(new OrderValidationPolicy())
  .policy(
    new OrderSizeLimitPolicy({
      broker: { maxQuantity: Quantity.fromString("500"), maxNotional: Volume.fromString("50000") },
      assetBarriers: [],
      accountAssetBarriers: [],
    }),
  )
  .policy(restrictedList)
  .policy(new SpotFundsPolicy())
  .build();

const funded = engine.applyAccountAdjustment(account, [
  { operation: { kind: "balance", asset: "USD" }, amount: { balance: AdjustmentAmount.absolute(PositionSize.fromString("10000")) } },
]);
console.log(`seed 10000 USD: ${funded.ok ? "ok" : "rejected"}`);

const buy = (qty: string, price: string, asset = aapl): Order => ({
  operation: { instrument: asset, accountId: account, side: "BUY", tradeAmount: TradeAmount.quantity(Quantity.fromString(qty)), price: Price.fromString(price) },
});

function show(label: string, result: ExecuteResult): void {
  if (result.ok) {
    const lock = JSON.stringify(result.reservation.lock);
    result.reservation.commit();
    console.log(`${label}: accepted, lock ${lock}, reservation committed`);
  } else {
    for (const r of result.rejects) console.log(`${label}: rejected ${r.code} (${r.scope}) ${formatReject(r)}`);
  }
}

show("buy 10 AAPL @ 185.50", engine.executePreTrade(buy("10", "185.50")));
show("buy 0 AAPL @ 185", engine.executePreTrade(buy("0", "185")));
show("buy 600 AAPL @ 1", engine.executePreTrade(buy("600", "1")));
show("buy 50 AAPL @ 185", engine.executePreTrade(buy("50", "185")));
show("sell 1 GME @ 20", engine.executePreTrade({ operation: { ...buy("1", "20", instrument("GME", "USD")).operation, side: "SELL" } }));
