/**
 * Found by review (session 30). Spec §2.5 ("Average cost and realized P&L"): a foreign price is converted with the
 * mark of `<asset>/<account ccy>` "or, failing that, 1 / mark of `<account ccy>/<asset>`";
 * when no rate can be had the P&L halts `MissingFx`. A reverse mark of 0 gives no rate
 * (1 / 0), and OpenPit 71ad2fc (`execution.rs` `account_currency_factor`:
 * `Decimal::ONE.checked_div(mark)?` → None → MissingFx) halts. The sidecar converted
 * with a factor of 0, so a trade at 120 USD is booked at 0 EUR and a bogus loss was realized.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/engine/index.js";
import { instrument, Price } from "../../../src/param/index.js";
import { SpotFundsPolicy } from "../../../src/policies/spot-funds/index.js";
import { ACCOUNT, balanceAdjustment, fillReport, marketData, pnlText, report, spotEngine } from "../../helpers/spot-funds.js";

function setup() {
  const clock = new ManualClock(1_000);
  const md = marketData(clock);
  const eurUsd = md.register(instrument("EUR", "USD"));
  md.push(eurUsd, { mark: Price.fromString("1.25") });
  const t = spotEngine(new SpotFundsPolicy(undefined, { marketData: md }), [], clock);
  t.engine.accounts().setCurrency(ACCOUNT, "EUR");
  expect(t.engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("USD", { balance: ["abs", "10000"] })]).ok).toBe(true);
  // Long 10 AAPL bought at 100 USD = 80 EUR while the rate was good.
  t.engine.applyExecutionReport(fillReport("BUY", "10", "100"));
  expect(t.policy.holdings(ACCOUNT).get("AAPL")?.averageEntryPrice?.toString()).toBe("80.0");
  // A bad tick: the only FX quote now reads 0.
  md.push(eurUsd, { mark: Price.fromString("0") });
  return t;
}

describe("FX through a reverse mark of 0 (spec §2.5, MissingFx)", () => {
  it("a realizing fill halts MissingFx instead of booking the trade at 0 EUR", () => {
    const t = setup();
    const sold = t.engine.applyExecutionReport(fillReport("SELL", "4", "120"));
    expect(pnlText(t.policy.holdings(ACCOUNT).get("AAPL")?.realizedPnl)).toBe("halted MissingFx");
    expect(sold.accountPnls.map((p) => JSON.parse(JSON.stringify(p.result)))).toEqual([{ kind: "halted", reason: "MissingFx" }]);
  });

  it("a USD fee is not silently converted to 0 EUR: the account line halts MissingFx", () => {
    const t = setup();
    t.engine.applyExecutionReport(report({ side: "BUY", fee: ["5", "USD"] }));
    expect(pnlText(t.policy.accountPnl(ACCOUNT))).toBe("halted MissingFx");
  });
});
