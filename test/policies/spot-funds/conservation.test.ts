/** Written by review (session 18; it passed on the code as it was): holds, partial fills, price improvement, fees and cancels leave held and incoming at 0 and available exact. */
import { describe, expect, it } from "vitest";
import { SpotFundsPolicy, defaultSpotFundsSettings } from "../../../src/policies/spot-funds/index.js";
import { ACCOUNT, buy, entries, report, seed, sell, slot, spotEngine } from "../../helpers/spot-funds.js";
import { Decimal as DecimalJs } from "decimal.js";

const Decimal = DecimalJs.clone({ precision: 200 });

function rng(seed: number) { return () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; }; }

describe("SpotFunds: fill/cancel lifecycle conserves money exactly (clean decimals)", () => {
  for (let s = 1; s <= 30; s++) it(`seed ${s}`, () => {
    const r = rng(s);
    const settings = defaultSpotFundsSettings();
    settings.limitMode = "TrackOnly";
    const t = spotEngine(new SpotFundsPolicy(settings));
    seed(t.engine, "USD", "1000000");
    seed(t.engine, "AAPL", "1000");
    t.engine.accounts().setCurrency(ACCOUNT, "USD");
    let usd = new Decimal("1000000"), aapl = new Decimal("1000");
    for (let i = 0; i < 20; i++) {
      const side = r() < 0.5 ? "BUY" : "SELL";
      const qty = 1 + Math.floor(r() * 20);
      const lock = (50 + Math.floor(r() * 10000) / 100).toFixed(2);
      const res = t.engine.executePreTrade(side === "BUY" ? buy(String(qty), lock) : sell(String(qty), lock));
      if (!res.ok) throw new Error(JSON.stringify(res.rejects));
      res.reservation.commit();
      let left = qty;
      while (left > 0 && r() < 0.8) {
        const q = 1 + Math.floor(r() * left);
        const px = (Number(lock) + (side === "BUY" ? -1 : 1) * Math.floor(r() * 300) / 100).toFixed(2);
        const fee = (Math.floor(r() * 100) / 100).toFixed(2);
        left -= q;
        const final = left === 0 ? true : r() < 0.2;
        const rep = report({ side, qty: String(q), price: px, lockPrice: lock, leaves: String(left), final, fee: [fee, r() < 0.5 ? "USD" : "AAPL"] });
        t.engine.applyExecutionReport(rep);
        const notional = new Decimal(px).mul(q);
        if (side === "BUY") { usd = usd.sub(notional); aapl = aapl.add(q); } else { usd = usd.add(notional); aapl = aapl.sub(q); }
        if (rep.fill!.fee!.currency === "USD") usd = usd.sub(fee); else aapl = aapl.sub(fee);
        if (final) { left = 0; break; }
      }
      if (left > 0) t.engine.applyExecutionReport(report({ side, leaves: String(left), lockPrice: lock, final: true }));
      const u = slot(t.policy, "USD"), a = slot(t.policy, "AAPL");
      expect([u.held, u.incoming, a.held, a.incoming].map((x) => new Decimal(x).toString())).toEqual(["0", "0", "0", "0"]);
      expect(new Decimal(u.available).toString()).toBe(usd.toString());
      expect(new Decimal(a.available).toString()).toBe(aapl.toString());
    }
  });
});
