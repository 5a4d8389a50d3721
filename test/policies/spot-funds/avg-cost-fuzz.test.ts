/** Written by review (session 18; it passed on the code as it was). Cross-check of average cost and realized P&L (spec §2.5) against an independent model. */
import { describe, expect, it } from "vitest";
import { Decimal as DecimalJs } from "decimal.js";
import { SpotFundsPolicy, defaultSpotFundsSettings } from "../../../src/policies/spot-funds/index.js";
import { ACCOUNT, balanceAdjustment, report, spotEngine } from "../../helpers/spot-funds.js";

const D = DecimalJs.clone({ precision: 200 });
function rng(seed: number) { return () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; }; }

describe("SpotFunds: average cost / realized P&L fuzz (buys, sells, flips, fees)", () => {
  for (let s = 1; s <= 40; s++) it(`seed ${s}`, () => {
    const r = rng(s * 7919);
    const settings = defaultSpotFundsSettings();
    settings.limitMode = "TrackOnly";
    const t = spotEngine(new SpotFundsPolicy(settings));
    t.engine.accounts().setCurrency(ACCOUNT, "USD");
    t.engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("AAPL", { realizedPnl: "0", balance: ["abs", "0.5"], averageEntryPrice: "10" })]);
    let pos = new D("0.5"), avg: DecimalJs | undefined = new D(10), realized = new D(0), account = new D(0);
    for (let i = 0; i < 40; i++) {
      const side = r() < 0.5 ? "BUY" : "SELL";
      const q = new D(1 + Math.floor(r() * 30)).div(r() < 0.3 ? 4 : 1);
      const px = new D((1 + Math.floor(r() * 20000) / 100).toFixed(2));
      const fee = r() < 0.3 ? (Math.floor(r() * 500) / 100).toFixed(2) : undefined;
      const res = t.engine.applyExecutionReport(report({ side, qty: q.toString(), price: px.toString(), lockPrice: px.toString(), leaves: "0", ...(fee ? { fee: [fee, "USD"] as const } : {}) }));
      expect(res.accountBlocks).toEqual([]);
      const d = side === "BUY" ? q : q.neg();
      if (pos.isZero()) avg = px;
      else if (pos.isPositive() === d.isPositive()) avg = avg!.mul(pos).add(px.mul(d)).div(pos.add(d));
      else {
        const flips = d.abs().gt(pos.abs());
        const closed = flips ? pos : d.neg();
        const pnl = px.sub(avg!).mul(closed);
        realized = realized.add(pnl); account = account.add(pnl);
        avg = flips ? px : pos.add(d).isZero() ? undefined : avg;
      }
      pos = pos.add(d);
      if (fee) { realized = realized.sub(fee); account = account.sub(fee); }
      const h = t.policy.holdings(ACCOUNT).get("AAPL");
      const got = h?.realizedPnl;
      expect(got?.kind).toBe("value");
      const gotPnl = new D(got!.kind === "value" ? got!.value.toString() : "NaN");
      expect(gotPnl.sub(realized).abs().lt("1e-20")).toBe(true);
      if (avg === undefined) expect(h?.averageEntryPrice).toBeUndefined();
      else expect(new D(h!.averageEntryPrice!.toString()).sub(avg).abs().lt("1e-20")).toBe(true);
      const acc = t.policy.accountPnl(ACCOUNT);
      expect(new D(acc?.kind === "value" ? acc.value.toString() : "0").sub(account).abs().lt("1e-20")).toBe(true);
    }
  });
});
