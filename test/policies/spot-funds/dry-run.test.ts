import { describe, expect, it } from "vitest";
import { PnlState } from "../../../src/model/index.js";
import { Pnl } from "../../../src/param/index.js";
import { SpotFundsPolicy } from "../../../src/policies/spot-funds/index.js";
import { ACCOUNT, accountPnlAdjustment, buy, entries, seed, sell, slot, spotEngine, USD_USD } from "../../helpers/spot-funds.js";

describe("SpotFundsPolicy dry run", () => {
  it("F26: five dry runs pass with the real outcome entries and leave the state as it was", () => {
    const { engine, policy } = spotEngine();
    seed(engine, "USD", "10000");
    for (let i = 0; i < 5; i++) {
      const report = engine.executePreTradeDryRun(buy("10", "200"));
      expect(report.isPass).toBe(true);
      expect(report.lock.toJSON()).toEqual([["200"]]);
      expect(entries(report.accountAdjustments)).toEqual([
        { asset: "USD", balance: { delta: "-2000", absolute: "8000" }, held: { delta: "2000", absolute: "2000" } },
        { asset: "AAPL", incoming: { delta: "10", absolute: "10" } },
      ]);
    }
    expect(slot(policy, "USD")).toEqual({ available: "10000", held: "0", incoming: "0" });
    expect(policy.holdings(ACCOUNT).has("AAPL")).toBe(false);
    // Its lock and numbers equal a real reservation's.
    const dry = engine.executePreTradeDryRun(buy("10", "200"));
    const real = engine.executePreTrade(buy("10", "200"));
    if (!real.ok) throw new Error("refused");
    expect(entries(real.reservation.accountAdjustments)).toEqual(entries(dry.accountAdjustments));
    expect(real.reservation.lock.toJSON()).toEqual(dry.lock.toJSON());
  });

  it("F27: a dry run that would not fit is InsufficientFunds and reserves nothing", () => {
    const { engine, policy } = spotEngine();
    seed(engine, "USD", "1000");
    const report = engine.executePreTradeDryRun(buy("10", "200"));
    expect(report.isPass).toBe(false);
    expect(report.rejects).toMatchObject([{ code: "InsufficientFunds", details: "asset USD: available 1000, requested 2000" }]);
    expect(slot(policy, "USD")).toEqual({ available: "1000", held: "0", incoming: "0" });
    expect(engine.executePreTrade(buy("5", "200")).ok).toBe(true);
  });

  it("a same-asset dry run sees its first step, exactly like the real check", () => {
    const { engine } = spotEngine();
    seed(engine, "USD", "10");
    expect(engine.executePreTradeDryRun(sell("8", "-1", { instrument: USD_USD })).rejects).toMatchObject([
      { details: "asset USD: available 2, requested 8" },
    ]);
    const report = engine.executePreTradeDryRun(sell("5", "-1", { instrument: USD_USD }));
    expect(entries(report.accountAdjustments)).toEqual([
      { asset: "USD", balance: { delta: "-5", absolute: "5" }, held: { delta: "5", absolute: "5" } },
      { asset: "USD", balance: { delta: "-5", absolute: "0" }, held: { delta: "5", absolute: "10" } },
    ]);
  });

  it("a dry run on a breached account reports the would-be block without recording it", () => {
    const policy = SpotFundsPolicy.pnlBoundsKillSwitch({ global: { lower: Pnl.fromString("-10") } });
    const { engine } = spotEngine(policy);
    engine.applyAccountAdjustment(ACCOUNT, [accountPnlAdjustment(PnlState.value(Pnl.fromString("-50")))]);
    engine.accounts().unblock(ACCOUNT);
    const report = engine.executePreTradeDryRun(buy("1", "1"));
    expect(report.isPass).toBe(false);
    expect(report.rejects).toMatchObject([{ code: "PnlKillSwitchTriggered", reason: "pnl kill switch triggered", scope: "account" }]);
    expect(report.accountBlock).toMatchObject({ code: "AccountBlocked", reason: "pnl kill switch triggered" });
    expect(engine.accounts().blockOf(ACCOUNT)).toBeUndefined();
  });
});
