/**
 * Market data and the reference book across a snapshot: same registrations, ids, TTL cells
 * and quotes with their publish instants, so lookups and expiry answer alike afterwards.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/engine/index.js";
import { MarketDataService, QuoteTtl, ReferenceBook, SettlementScheme, type QuoteResolution } from "../../../src/marketdata/index.js";
import { AccountGroupId, AccountId, InstrumentId, instrument, Price } from "../../../src/param/index.js";
import { decodePlain, encodePlain } from "../../../src/state/plain-data.js";
import { expectSameBytes, render } from "./compare.js";

const A = AccountId.fromU64(1);
const B = AccountId.fromU64(2);
const C = AccountId.fromU64(3);
const G = AccountGroupId.fromU32(7);
const H = AccountGroupId.fromU32(8);
const id = (n: number) => InstrumentId.fromU64(n);
const price = (text: string) => Price.fromString(text);
const RESOLUTIONS: readonly QuoteResolution[] = ["AccountOnly", "AccountThenGroup", "AccountThenGroupThenDefault"];

function service(clock: ManualClock): MarketDataService {
  return new MarketDataService({ defaultTtl: QuoteTtl.within(500), clock });
}

/** Every answer a reader can get at this instant, for every instrument, reader and resolution. */
function everyAnswer(md: MarketDataService): string {
  const out: unknown[] = [];
  for (const n of [0, 1, 2, 5, 10, 99]) {
    for (const account of [undefined, A, B, C]) {
      for (const group of [undefined, AccountGroupId.DEFAULT, G, H]) {
        for (const resolution of RESOLUTIONS) out.push(md.lookup(id(n), account, group, resolution));
        out.push(md.latest(id(n), account, group));
      }
    }
  }
  return render(out);
}

describe("MarketDataService", () => {
  it("answers every lookup alike after a restore, across every TTL edge", () => {
    const clock = new ManualClock(0);
    const live = service(clock);
    live.registerWithId(id(10), instrument("AAPL", "USD"), QuoteTtl.within(100));
    live.register(instrument("MSFT", "USD")); // auto id 0
    live.register(instrument("BTC", "USD"), QuoteTtl.within(50)); // auto id 1
    live.registerWithId(id(5), instrument("EUR", "USD"), QuoteTtl.infinite());
    live.setInstrumentAccountTtl(id(10), A, QuoteTtl.within(30));
    live.setInstrumentAccountGroupTtl(id(10), G, QuoteTtl.within(60));
    live.setInstrumentAccountGroupTtl(id(1), AccountGroupId.DEFAULT, QuoteTtl.within(80));
    live.setAccountTtl(B, QuoteTtl.within(20.5));
    live.setAccountGroupTtl(H, QuoteTtl.within(70));
    live.push(id(10), { mark: price("185.50"), bid: price("185.25") });
    live.push(id(0), { mark: price("410") });
    clock.set(10);
    live.pushFor(id(10), { mark: price("186") }, [A, C], [G]);
    live.push(id(1), { ask: price("30000.5") });
    clock.set(20);
    live.pushForPatch(id(10), { ask: price("186.75") }, [A], [H]);
    live.pushPatch(id(1), { mark: price("30001") });
    clock.set(25);
    live.push(id(5), { mark: price("1.0842") });
    live.clear(id(0));
    clock.set(40);

    const bytes = encodePlain(live.snapshotState());
    const restoredClock = new ManualClock(40);
    const restored = service(restoredClock);
    restored.register(instrument("SOL", "USD")); // built differently: the restore replaces it
    restored.restoreState(decodePlain(bytes) as never);
    expectSameBytes(encodePlain(restored.snapshotState()), bytes, "market-data snapshot after the restore");

    for (const at of [40, 44.9, 45, 49.9, 50, 59.9, 60, 69.9, 70, 79.9, 80, 99.9, 100, 100.1, 110, 125, 600]) {
      clock.set(at);
      restoredClock.set(at);
      expect(everyAnswer(restored), `at ${at} ms`).toBe(everyAnswer(live));
    }

    // Later writes build on the restored buckets and ids the same way.
    for (const md of [live, restored]) {
      md.pushForPatch(id(10), { bid: price("190") }, [A], []);
      md.pushByInstrument(instrument("ETH", "USD"), { mark: price("3000") });
    }
    expect(restored.resolve(instrument("ETH", "USD"))).toBe(live.resolve(instrument("ETH", "USD")));
    expect(restored.resolve(instrument("SOL", "USD"))).toBeUndefined();
    expect(() => restored.registerWithId(id(5), instrument("GBP", "USD"))).toThrow(/DuplicateId/);
    expect(everyAnswer(restored)).toBe(everyAnswer(live));
    expectSameBytes(encodePlain(restored.snapshotState()), encodePlain(live.snapshotState()), "market-data snapshots at the end");
  });

  it("a malformed snapshot is refused and changes nothing", () => {
    const md = service(new ManualClock(0));
    md.register(instrument("AAPL", "USD"));
    const before = encodePlain(md.snapshotState());
    const bad = { ...md.snapshotState(), defaultTtl: { kind: "within", ms: -1 } };
    expect(() => md.restoreState(bad as never)).toThrow(TypeError);
    expectSameBytes(encodePlain(md.snapshotState()), before, "market data after a refused restore");
  });
});

describe("ReferenceBook", () => {
  it("restores registrations, ids and settlement schemes", () => {
    const live = new ReferenceBook();
    live.register(instrument("AAPL", "USD"));
    live.registerWithId(id(1), instrument("MSFT", "USD"));
    live.register(instrument("BTC", "USD")); // skips the taken id 1
    live.setSettlementScheme(id(0), SettlementScheme.uniform(2));
    live.setSettlementScheme(id(2), { delivery: { n: 0, unit: "CalendarDays" }, payment: { n: 1n, unit: "BusinessDays" } });
    const bytes = encodePlain(live.snapshotState());
    const restored = new ReferenceBook();
    restored.register(instrument("SOL", "USD"));
    restored.restoreState(decodePlain(bytes) as never);
    expectSameBytes(encodePlain(restored.snapshotState()), bytes, "reference-book snapshot");
    for (const n of [0, 1, 2]) expect(render(restored.settlementScheme(id(n)))).toBe(render(live.settlementScheme(id(n))));
    expect(restored.register(instrument("ETH", "USD"))).toBe(live.register(instrument("ETH", "USD")));
    expect(restored.resolve(instrument("SOL", "USD"))).toBeUndefined();
  });
});
