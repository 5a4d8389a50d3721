/**
 * The gross-exposure check's total handed to the soft-limit reading at commit (the memo in
 * GrossExposureLimitPolicy): it may be used only while it describes the book and the market
 * data as they are at the reading. Each case below changes something between the check and
 * the commit that a stale total would miss; the random test compares every soft-limit event
 * with an engine whose market data offers no stamp (so it values the account afresh at every
 * reading), and checks that the memo was used at all.
 */
import { describe, expect, it } from "vitest";
import { Engine, ManualClock, type EngineEvent, type PreTradeReservation } from "../../../src/engine/index.js";
import { MarketDataService, QuoteTtl, type MarketDataSource } from "../../../src/marketdata/index.js";
import { Price } from "../../../src/param/index.js";
import { GrossExposureLimitPolicy, SoftLimitPolicy, parseGrossExposureSettingsJson, parseSoftLimitSettingsJson } from "../../../src/policies/index.js";
import { seededRandom } from "../../../bench/workload.js";
import { AAPL_USD, ACCOUNT, MSFT_USD, OTHER, fill, order } from "../../helpers/controls.js";

/** Delegates to the service and counts lookups; `withStamp: false` hides `stamp` (no memo). */
function counting(service: MarketDataService, withStamp: boolean): MarketDataSource & { lookups: number } {
  const source = {
    lookups: 0,
    resolve: (i: Parameters<MarketDataSource["resolve"]>[0]) => service.resolve(i),
    lookup: (...args: Parameters<MarketDataSource["lookup"]>) => {
      source.lookups++;
      return service.lookup(...args);
    },
    latest: (...args: Parameters<MarketDataSource["latest"]>) => service.latest(...args),
    ...(withStamp ? { stamp: () => service.stamp() } : {}),
  };
  return source;
}

function setup(options: { ttl?: QuoteTtl; withStamp?: boolean; shares?: string[] } = {}) {
  const clock = new ManualClock(1_000);
  const service = new MarketDataService({ defaultTtl: options.ttl ?? QuoteTtl.infinite(), clock });
  const aapl = service.register(AAPL_USD);
  const msft = service.register(MSFT_USD);
  service.push(aapl, { mark: Price.fromString("100") });
  service.push(msft, { mark: Price.fromString("50") });
  const source = counting(service, options.withStamp ?? true);
  const gross = new GrossExposureLimitPolicy(parseGrossExposureSettingsJson({ default: { settlementAsset: "USD", maxNotional: "1000" } }), source);
  const soft = new SoftLimitPolicy(parseSoftLimitSettingsJson({ shares: options.shares ?? ["0.5", "0.9"] }));
  const engine = Engine.builder().clock(clock).policy(gross).policy(soft).build();
  const events: string[] = [];
  engine.onEvent((e: EngineEvent) => {
    if (e.kind === "softLimitCrossed") events.push(`${e.accountId}:${e.usage}/${e.max}@${e.share}`);
  });
  const check = (o = order()): PreTradeReservation => {
    const r = engine.executePreTrade(o);
    if (!r.ok) throw new Error(`unexpected reject ${r.rejects[0]?.details}`);
    return r.reservation;
  };
  return { clock, service, aapl, msft, source, engine, events, check };
}

describe("gross exposure: the check's total reused at the commit's soft-limit reading", () => {
  it("is used when nothing changed in between (same event, same numbers)", () => {
    const w = setup();
    w.check(order({ qty: "6" })).commit();
    expect(w.events).toEqual([`${ACCOUNT}:600/1000@0.5`]);
    // One lookup: the check's. The reading took the check's total.
    expect(w.source.lookups).toBe(1);
  });

  it("is not used after a quote change between check and commit", () => {
    const w = setup();
    const r = w.check(order({ qty: "4" })); // 400 at the check: below 0.5 × 1000
    w.service.push(w.aapl, { mark: Price.fromString("150") });
    r.commit();
    expect(w.events).toEqual([`${ACCOUNT}:600/1000@0.5`]);
  });

  it("is not used after a report between check and commit", () => {
    const w = setup();
    const r = w.check(order({ qty: "6" })); // 600 at the check
    w.engine.applyExecutionReport(fill("0", { final: true, leaves: "6" })); // cancelled: nothing at stake
    r.commit();
    expect(w.events).toEqual([]);
    w.check(order({ qty: "3" })).commit();
    w.engine.applyExecutionReport(fill("3", { instrument: MSFT_USD, price: "50" })); // 300 + 150
    expect(w.events).toEqual([]);
    const next = w.check(order({ qty: "1", instrument: MSFT_USD })); // 500 at the check
    w.engine.applyExecutionReport(fill("2", { side: "SELL", instrument: MSFT_USD, price: "50" })); // 300 + 2 × 50
    next.commit();
    expect(w.events).toEqual([]);
  });

  it("is not used when another order was checked and committed in between", () => {
    const w = setup();
    const first = w.check(order({ qty: "4" }));
    w.check(order({ qty: "2", instrument: MSFT_USD })).commit(); // 400 + 100 = 500: crosses 0.5
    first.commit(); // still 500: nothing new
    w.check(order({ qty: "4" })).commit(); // 900: crosses 0.9
    expect(w.events).toEqual([`${ACCOUNT}:500/1000@0.5`, `${ACCOUNT}:900/1000@0.9`]);
  });

  it("is not used for a quote that expired between check and commit", () => {
    const w = setup({ ttl: QuoteTtl.within(5_000) });
    const r = w.check(order({ qty: "6" }));
    w.clock.advance(5_000);
    r.commit(); // the reading finds no fresh reference: no usage, no event
    expect(w.events).toEqual([]);
  });

  it("is not used once a TTL that can expire is set between check and commit", () => {
    const w = setup();
    const r = w.check(order({ qty: "6" }));
    w.service.setInstrumentTtl(w.aapl, QuoteTtl.within(1_000));
    w.clock.advance(1_000);
    r.commit();
    expect(w.events).toEqual([]);
  });

  it("gives the same events as valuing afresh at every reading, over random sequences", () => {
    let memoUsed = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const random = seededRandom(700 + seed);
      const worlds = [setup({ shares: ["0.3", "0.6", "0.9"] }), setup({ shares: ["0.3", "0.6", "0.9"], withStamp: false })];
      const open: PreTradeReservation[][] = [[], []];
      const marks = ["80", "100", "120.5", "99.75"];
      for (let step = 0; step < 200; step++) {
        const r = random();
        const account = random() < 0.8 ? ACCOUNT : OTHER;
        const instrument = random() < 0.6 ? AAPL_USD : MSFT_USD;
        const side = random() < 0.7 ? "BUY" : "SELL";
        const qty = String(1 + Math.floor(random() * 3));
        const pick = random();
        worlds.forEach((w, k) => {
          if (r < 0.45) {
            const res = w.engine.executePreTrade(order({ account, instrument, side, qty }));
            if (!res.ok) return;
            if (pick < 0.7) res.reservation.commit();
            else open[k]!.push(res.reservation);
          } else if (r < 0.6) {
            const held = open[k]!.shift();
            if (pick < 0.6) held?.commit();
            else held?.rollback();
          } else if (r < 0.8) {
            w.engine.applyExecutionReport(fill(qty, { account, instrument, side, final: pick < 0.5, leaves: "0" }));
          } else {
            w.service.push(instrument === AAPL_USD ? w.aapl : w.msft, { mark: Price.fromString(marks[Math.floor(pick * marks.length)]!) });
          }
        });
        expect(worlds[0]!.events).toEqual(worlds[1]!.events);
      }
      expect(worlds[0]!.events.length).toBeGreaterThan(0);
      memoUsed += worlds[1]!.source.lookups - worlds[0]!.source.lookups;
    }
    expect(memoUsed).toBeGreaterThan(0);
  });
});
