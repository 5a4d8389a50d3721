/**
 * Found by review, session 34: with some TTL able to expire and the default infinite (the
 * configuration's default, with one instrument's `ttlMs`), every registration without a TTL
 * rescanned every registered instrument, so n registrations cost O(n²) (40 000 instruments:
 * 21 s on the event loop, live and on every replay). The cost is counted structurally: how
 * many slots the "can anything expire?" rescan visits (it walks `slots.values()`).
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/engine/clock.js";
import { MarketDataService, QuoteTtl } from "../../src/marketdata/index.js";
import { AccountId, InstrumentId } from "../../src/param/ids.js";
import { instrument } from "../../src/param/instrument.js";

const N = 2_000;

/** Counts every slot any walk over the service's slots yields from here on. */
function slotVisits(md: MarketDataService): { readonly count: number } {
  const slots = (md as unknown as { slots: Map<bigint, unknown> }).slots;
  const values = slots.values.bind(slots);
  let count = 0;
  slots.values = function* () {
    for (const slot of values()) {
      count += 1;
      yield slot;
    }
  } as typeof slots.values;
  return {
    get count() {
      return count;
    },
  };
}

const service = () => new MarketDataService({ defaultTtl: QuoteTtl.infinite(), clock: new ManualClock(0) });

describe("registering an instrument while some TTL can expire (infinite default)", () => {
  it("visits no slot for a registration without a TTL, or with an infinite one; the stamp still moves", () => {
    const md = service();
    const aapl = md.register(instrument("AAPL", "USD"), QuoteTtl.within(5_000));
    const visits = slotVisits(md);
    for (let i = 0; i < N; i++) md.register(instrument(`S${i}`, "USD"));
    for (let i = 0; i < N; i++) md.registerWithId(InstrumentId.fromU64(10_000 + i), instrument(`T${i}`, "USD"), QuoteTtl.infinite());
    expect({ visited: visits.count, stamp: md.stamp() }).toEqual({ visited: 0, stamp: undefined });

    // Clearing the one finite cell still rescans, once over every slot, and finds nothing that can expire.
    md.clearInstrumentTtl(aapl);
    const stamp = md.stamp();
    expect({ visited: visits.count, stampIsNumber: typeof stamp === "number" }).toEqual({ visited: 2 * N + 1, stampIsNumber: true });
    // Nothing can expire now: an infinite registration keeps it so and moves the stamp, a finite one ends it; neither rescans.
    md.register(instrument("U0", "USD"), QuoteTtl.infinite());
    const moved = md.stamp();
    expect({ isNumber: typeof moved === "number", moved: moved !== stamp }).toEqual({ isNumber: true, moved: true });
    md.register(instrument("U1", "USD"), QuoteTtl.within(1));
    expect({ visited: visits.count, stamp: md.stamp() }).toEqual({ visited: 2 * N + 1, stamp: undefined });
  });

  it("a finite TTL of another tier (an account's) keeps the stamp undefined across registrations, visiting no slot", () => {
    const md = service();
    md.setAccountTtl(AccountId.fromU64(7), QuoteTtl.within(1_000));
    const visits = slotVisits(md);
    for (let i = 0; i < N; i++) md.register(instrument(`S${i}`, "USD"));
    expect({ visited: visits.count, stamp: md.stamp() }).toEqual({ visited: 0, stamp: undefined });
  });
});
