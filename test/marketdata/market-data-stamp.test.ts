/**
 * MarketDataService's `stamp()` (what the gross-exposure check's remembered total is keyed
 * on): it moves with every change a lookup could see and is undefined while some TTL can
 * expire. Lookups between changes see each change (push, patch, targeted push, clear, TTLs).
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/engine/clock.js";
import { MarketDataService, QuoteTtl } from "../../src/marketdata/index.js";
import { AccountGroupId, AccountId, type InstrumentId } from "../../src/param/ids.js";
import { instrument } from "../../src/param/instrument.js";
import { Price } from "../../src/param/values.js";

const AAPL = instrument("AAPL", "USD");
const ALICE = AccountId.fromU64(1001);
const BOB = AccountId.fromU64(1002);
const GOLD = AccountGroupId.fromU32(7);

function setup(defaultTtl: QuoteTtl = QuoteTtl.infinite()) {
  const clock = new ManualClock(0);
  const md = new MarketDataService({ defaultTtl, clock });
  const id = md.register(AAPL);
  md.push(id, { mark: Price.fromString("100") });
  const mark = (account?: AccountId, group?: AccountGroupId): string => {
    const found = md.lookup(id, account, group, "AccountThenGroupThenDefault");
    return found.ok ? found.quote.mark!.toString() : found.error;
  };
  return { clock, md, id, mark };
}

describe("MarketDataService: lookups follow every change, and stamp() with them", () => {
  it("sees a push, a patch, a targeted push and a clear between two identical lookups", () => {
    const { md, id, mark } = setup();
    expect(mark(ALICE)).toBe("100");
    md.push(id, { mark: Price.fromString("101") });
    expect(mark(ALICE)).toBe("101");
    md.pushPatch(id, { mark: Price.fromString("102") });
    expect(mark(ALICE)).toBe("102");
    md.pushFor(id, { mark: Price.fromString("103") }, [ALICE], []);
    expect(mark(ALICE)).toBe("103");
    expect(mark(BOB)).toBe("102");
    md.pushFor(id, { mark: Price.fromString("104") }, [], [GOLD]);
    expect(mark(BOB, GOLD)).toBe("104");
    expect(mark(BOB)).toBe("102");
    md.clear(id as InstrumentId);
    expect(mark(ALICE)).toBe("QuoteUnavailable");
  });

  it("tests freshness at every lookup, and sees TTL changes", () => {
    const { clock, md, id, mark } = setup(QuoteTtl.within(1_000));
    expect(mark(ALICE)).toBe("100");
    clock.advance(999);
    expect(mark(ALICE)).toBe("100");
    clock.advance(1);
    expect(mark(ALICE)).toBe("QuoteExpired");
    md.setAccountTtl(ALICE, QuoteTtl.infinite());
    expect(mark(ALICE)).toBe("100");
    md.setInstrumentAccountTtl(id, ALICE, QuoteTtl.within(500));
    expect(mark(ALICE)).toBe("QuoteExpired");
    md.clearInstrumentAccountTtl(id, ALICE);
    expect(mark(ALICE)).toBe("100");
    md.clearAccountTtl(ALICE);
    expect(mark(ALICE)).toBe("QuoteExpired");
  });

  it("stamp(): moves with every change, undefined while some TTL can expire", () => {
    const { md, id } = setup();
    const first = md.stamp();
    expect(first).toBeTypeOf("number");
    expect(md.stamp()).toBe(first);
    md.push(id, { mark: Price.fromString("1") });
    const afterPush = md.stamp();
    expect(afterPush).not.toBe(first);
    md.setAccountTtl(ALICE, QuoteTtl.infinite());
    expect(md.stamp()).not.toBe(afterPush);
    md.setAccountGroupTtl(GOLD, QuoteTtl.within(10));
    expect(md.stamp()).toBeUndefined();
    md.setInstrumentTtl(id, QuoteTtl.within(10));
    md.clearAccountGroupTtl(GOLD);
    expect(md.stamp()).toBeUndefined();
    md.clearInstrumentTtl(id);
    expect(md.stamp()).toBeTypeOf("number");
    md.register(instrument("MSFT", "USD"), QuoteTtl.within(5));
    expect(md.stamp()).toBeUndefined();
    expect(new MarketDataService({ defaultTtl: QuoteTtl.within(1), clock: new ManualClock(0) }).stamp()).toBeUndefined();
    const restored = new MarketDataService({ defaultTtl: QuoteTtl.within(1), clock: new ManualClock(0) });
    restored.restoreState(setup().md.snapshotState());
    expect(restored.stamp()).toBeTypeOf("number");
  });
});
