/**
 * Found by review (session 41): the start-up warning for a listed instrument the durable state
 * never registered advised "register it with RegisterInstrument, or let PushQuote /
 * StreamQuotes register it by instrument" also when the file names its id. Registered by
 * instrument it gets the next free id, not the file's: the warning came back at every start,
 * and gateways configured from the file named an id the sidecar did not hold (later, one it gave
 * to another instrument). The advice now names the file's id, or, when the state holds another
 * instrument under it, says to correct the file.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/engine/index.js";
import { MarketDataService } from "../../src/marketdata/market-data-service.js";
import { QuoteTtl } from "../../src/marketdata/market-data-source.js";
import { InstrumentId } from "../../src/param/index.js";
import { logListedInstruments } from "../../src/app/listed-instruments-log.js";

function warnings(listed: readonly { id?: InstrumentId; underlyingAsset: string; settlementAsset: string }[]): string[] {
  const md = new MarketDataService({ defaultTtl: QuoteTtl.infinite(), clock: new ManualClock(1_000) });
  md.register({ underlyingAsset: "BTC", settlementAsset: "USD" }); // id 0 in the state
  const msgs: string[] = [];
  logListedInstruments({ warn: (_o: unknown, m: string) => msgs.push(m) } as never, listed as never, md);
  return msgs;
}

describe("the advice for a listed instrument the state never registered", () => {
  it("names the file's id when the file names one", () => {
    expect(warnings([{ id: InstrumentId.fromU64(9n), underlyingAsset: "XRP", settlementAsset: "USD" }])).toEqual([
      "marketData.instruments[0]: XRP/USD is not registered in the durable state (the file's instruments seed a fresh state only): register it with RegisterInstrument under instrument_id 9 (registered by instrument, through PushQuote, StreamQuotes or RegisterInstrument without an id, it would get the next free id, not 9)",
    ]);
  });

  it("says to correct the file when the state holds another instrument under the file's id", () => {
    expect(warnings([{ id: InstrumentId.fromU64(0n), underlyingAsset: "XRP", settlementAsset: "USD" }])).toEqual([
      "marketData.instruments[0]: XRP/USD is not registered in the durable state, and id 0 is BTC/USD there (the file's instruments seed a fresh state only): correct the file's id, then register it with RegisterInstrument under that id",
    ]);
  });

  it("leaves the choice open when the file names no id", () => {
    expect(warnings([{ underlyingAsset: "XRP", settlementAsset: "USD" }])).toEqual([
      "marketData.instruments[0]: XRP/USD is not registered in the durable state (the file's instruments seed a fresh state only): register it with RegisterInstrument, or let PushQuote / StreamQuotes register it by instrument",
    ]);
  });
});
