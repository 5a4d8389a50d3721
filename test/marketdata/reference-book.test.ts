import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/engine/clock.js";
import {
  MarketDataService,
  QuoteTtl,
  ReferenceBook,
  ReferenceBookError,
  SettlementScheme,
} from "../../src/marketdata/index.js";
import { InstrumentId } from "../../src/param/ids.js";
import { instrument } from "../../src/param/instrument.js";
import { OpenpitError } from "../../src/param/param-error.js";

const AAPL = instrument("AAPL", "USD");
const MSFT = instrument("MSFT", "USD");
const EURUSD = instrument("EUR", "USD");

function referenceBookError(fn: () => unknown): ReferenceBookError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ReferenceBookError);
    expect(error).toBeInstanceOf(OpenpitError);
    return error as ReferenceBookError;
  }
  throw new Error("expected the call to throw");
}

describe("ReferenceBook registration", () => {
  it("assigns auto ids from 0, skipping explicitly registered ids, and resolves", () => {
    const book = new ReferenceBook();
    expect(book.registerWithId(InstrumentId.fromU64(1), MSFT)).toBe(1n);
    expect(book.register(AAPL)).toBe(0n);
    expect(book.register(EURUSD)).toBe(2n);
    expect(book.resolve(AAPL)).toBe(0n);
    expect(book.resolve(MSFT)).toBe(1n);
    expect(book.resolve(instrument("GBP", "USD"))).toBeUndefined();
  });

  it("refuses duplicate instruments and ids", () => {
    const book = new ReferenceBook();
    book.registerWithId(InstrumentId.fromU64(42), AAPL);

    const dupInstrument = referenceBookError(() => book.register(AAPL));
    expect(dupInstrument.kind).toBe("DuplicateInstrument");
    expect(dupInstrument.message).toBe("DuplicateInstrument: instrument AAPL/USD is already registered");

    const dupId = referenceBookError(() => book.registerWithId(InstrumentId.fromU64(42), MSFT));
    expect(dupId.kind).toBe("DuplicateId");
    expect(dupId.message).toBe("DuplicateId: instrument id 42 is already registered");
    expect(dupId.instrumentId).toBe(42n);

    expect(referenceBookError(() => book.registerWithId(InstrumentId.fromU64(43), AAPL)).kind).toBe("DuplicateInstrument");
    expect(book.resolve(MSFT)).toBeUndefined();
    expect(book.register(MSFT)).toBe(0n);
  });

  it("is independent of market data, but ids can be shared on purpose", () => {
    const book = new ReferenceBook();
    const md = new MarketDataService({ defaultTtl: QuoteTtl.infinite(), clock: new ManualClock() });
    book.registerWithId(InstrumentId.fromU64(7), MSFT);
    const id = book.register(AAPL);
    expect(md.resolve(AAPL)).toBeUndefined();
    expect(md.registerWithId(id, AAPL)).toBe(id);
    expect(md.register(MSFT)).toBe(1n);
  });
});

describe("ReferenceBook settlement schemes", () => {
  it("has no scheme until one is set, keeps the legs apart, and clears", () => {
    const book = new ReferenceBook();
    const id = book.register(AAPL);
    expect(book.settlementScheme(id)).toBeUndefined();
    book.setSettlementScheme(id, {
      delivery: { n: 2, unit: "BusinessDays" },
      payment: { n: 1n, unit: "CalendarDays" },
    });
    expect(book.settlementScheme(id)).toEqual({
      delivery: { n: 2n, unit: "BusinessDays" },
      payment: { n: 1n, unit: "CalendarDays" },
    });
    book.clearSettlementScheme(id);
    expect(book.settlementScheme(id)).toBeUndefined();
  });

  it("uniform(n) means T+n business days on both legs", () => {
    expect(SettlementScheme.uniform(3)).toEqual({
      delivery: { n: 3, unit: "BusinessDays" },
      payment: { n: 3, unit: "BusinessDays" },
    });
    const book = new ReferenceBook();
    const id = book.register(AAPL);
    book.setSettlementScheme(id, SettlementScheme.uniform(0));
    expect(book.settlementScheme(id)).toEqual({
      delivery: { n: 0n, unit: "BusinessDays" },
      payment: { n: 0n, unit: "BusinessDays" },
    });
  });

  it("reports unknown ids as UnknownReferenceBookInstrumentId", () => {
    const book = new ReferenceBook();
    const unknown = InstrumentId.fromU64(99);
    const error = referenceBookError(() => book.settlementScheme(unknown));
    expect(error.kind).toBe("UnknownReferenceBookInstrumentId");
    expect(error.message).toBe("UnknownReferenceBookInstrumentId: unknown reference-book instrument id 99");
    expect(referenceBookError(() => book.setSettlementScheme(unknown, SettlementScheme.uniform(1))).kind).toBe(
      "UnknownReferenceBookInstrumentId",
    );
    expect(referenceBookError(() => book.clearSettlementScheme(unknown)).kind).toBe("UnknownReferenceBookInstrumentId");
  });

  it("refuses malformed lags and keeps the previous scheme", () => {
    const book = new ReferenceBook();
    const id = book.register(AAPL);
    book.setSettlementScheme(id, SettlementScheme.uniform(2));
    const bad = [
      { delivery: { n: -1, unit: "BusinessDays" }, payment: { n: 1, unit: "BusinessDays" } },
      { delivery: { n: 1.5, unit: "BusinessDays" }, payment: { n: 1, unit: "BusinessDays" } },
      { delivery: { n: 1, unit: "BusinessDays" }, payment: { n: 1n << 64n, unit: "BusinessDays" } },
      { delivery: { n: 1, unit: "Weeks" }, payment: { n: 1, unit: "BusinessDays" } },
      { delivery: { n: 1, unit: "BusinessDays" } },
    ];
    for (const scheme of bad) {
      expect(() => book.setSettlementScheme(id, scheme as never)).toThrow(TypeError);
    }
    expect(book.settlementScheme(id)).toEqual({
      delivery: { n: 2n, unit: "BusinessDays" },
      payment: { n: 2n, unit: "BusinessDays" },
    });
  });
});

describe("restoring a reference-book snapshot that names an id twice", () => {
  it("is refused with a TypeError, and the book stays as it was", () => {
    const book = new ReferenceBook();
    book.register(AAPL);
    const s = book.snapshotState();
    const [entry] = s.instruments;
    expect(() => book.restoreState({ ...s, instruments: [entry!, { ...entry!, underlyingAsset: "MSFT" }] })).toThrow(new TypeError("instrument id 0 is registered twice"));
    expect(book.resolve(MSFT)).toBeUndefined();
    expect(book.resolve(AAPL)).toBe(0n);
  });
});
