/**
 * The account book's derived worst case per instrument (what gross exposure values): kept
 * until one of the three figures changes, it must always equal a from-scratch
 * `worstQuantity` (value and scale), also in an engine restored from a snapshot, and the
 * gross-exposure totals read through it must be the live engine's.
 */
import { describe, expect, it } from "vitest";
import { Engine, ManualClock } from "../../src/engine/index.js";
import type { UsageContext } from "../../src/engine/pretrade/policy.js";
import { worstQuantity } from "../../src/engine/account-book/worst-case.js";
import { MarketDataService, QuoteTtl } from "../../src/marketdata/index.js";
import type { Order } from "../../src/model/index.js";
import { Price, instrument, type AccountId, type Side } from "../../src/param/index.js";
import { GrossExposureLimitPolicy, parseGrossExposureSettingsJson } from "../../src/policies/index.js";
import { fromPlain, toPlain } from "../../src/state/plain-data.js";
import { ACCOUNT, AAPL_USD, OTHER_ACCOUNT, order } from "../helpers/engine-core.js";
import { seededRandom } from "../../bench/workload.js";
import { report } from "../helpers/spot-funds.js";

const MSFT_USD = instrument("MSFT", "USD");
const INSTRUMENTS = [AAPL_USD, MSFT_USD];
const ACCOUNTS = [ACCOUNT, OTHER_ACCOUNT];
const QTYS = ["1", "2.5", "10", "0.125", "7"];

function build(): Engine {
  const md = new MarketDataService({ defaultTtl: QuoteTtl.infinite(), clock: new ManualClock(0) });
  md.push(md.register(AAPL_USD), { mark: Price.fromString("185.25") });
  md.push(md.register(MSFT_USD), { mark: Price.fromString("410.5") });
  const policy = new GrossExposureLimitPolicy(parseGrossExposureSettingsJson({ default: { settlementAsset: "USD", maxNotional: "1000000000" } }), md);
  return Engine.builder().clock(new ManualClock(1_000)).policy(policy).build();
}

function usageCtx(engine: Engine): UsageContext {
  return { nowMs: 1_000, book: engine.book, accounts: { groupOf: () => undefined } as unknown as UsageContext["accounts"] };
}

/** Every entry's worst case and the gross-exposure usage of every account, as text. */
function picture(engine: Engine): string[] {
  const out: string[] = [];
  const policy = engine.policy(GrossExposureLimitPolicy.NAME)!;
  for (const account of ACCOUNTS) {
    for (const e of engine.book.instruments(account)) out.push(`${account} ${e.instrument.underlyingAsset} worst=${e.worst.toString()}`);
    out.push(`${account} usage=${policy.limitUsage!(usageCtx(engine), account)?.map((u) => u.usage.toString()).join(",")}`);
  }
  return out;
}

describe("account book worst case", () => {
  it("equals a from-scratch worstQuantity after every step of random sequences, and a restored engine reads the same totals", () => {
    const random = seededRandom(12);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    for (let run = 0; run < 20; run++) {
      const engine = build();
      for (let step = 0; step < 60; step++) {
        const account: AccountId = pick(ACCOUNTS);
        const inst = pick(INSTRUMENTS);
        const side: Side = random() < 0.5 ? "BUY" : "SELL";
        const roll = random();
        if (roll < 0.5) {
          const o: Order = order({ account, instrument: inst, side, qty: pick(QTYS), price: "200" });
          const r = engine.executePreTrade(o);
          expect(r.ok).toBe(true);
          if (r.ok) (random() < 0.8 ? r.reservation.commit() : r.reservation.rollback());
        } else if (roll < 0.85) {
          engine.applyExecutionReport(report({ account, instrument: inst, side, qty: pick(QTYS), price: "200", leaves: "1" }));
        } else {
          engine.applyExecutionReport(report({ account, instrument: inst, side, leaves: pick(QTYS), lockPrice: "200", final: true }));
        }
        for (const a of ACCOUNTS) {
          for (const e of engine.book.instruments(a)) {
            expect(e.worst.toString()).toBe(worstQuantity(e.position, e.pendingBuy, e.pendingSell).toString());
          }
        }
      }
      const restored = build();
      restored.restoreState(fromPlain(toPlain(engine.snapshotState())) as ReturnType<Engine["snapshotState"]>);
      expect(picture(restored)).toEqual(picture(engine));
      // The snapshot carries only the three figures, never the derived worst case.
      const data = engine.snapshotState().accountBook!;
      for (const account of data.accounts.values()) for (const i of account.instruments) expect(Object.keys(i)).toEqual(["instrument", "position", "pendingBuy", "pendingSell"]);
    }
  });
});
