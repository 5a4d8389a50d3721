/**
 * The file's `marketData.instruments` seed a fresh state only. At a restart on an existing data
 * directory, a listed instrument the state registered under another id than the file names, or
 * never registered, was passed over without a word, while a gateway configured from the same
 * file names instruments by those ids. The start now warns of each (session 36).
 */
import { describe, expect, it } from "vitest";
import { closeObservedAfterEach, startObserved, tempDataDir } from "../observability/observed-sidecar.js";

const instruments = (list: readonly object[]) => ({ marketData: { defaultTtlMs: 0, instruments: list } });

describe("the start-up log of marketData.instruments on an existing data directory", () => {
  closeObservedAfterEach();

  it("warns of a listed instrument registered under another id, or not registered, naming what the state holds under the file's id", async () => {
    const dataDir = tempDataDir();
    const first = await startObserved({
      dataDir,
      config: instruments([
        { id: 3, underlyingAsset: "BTC", settlementAsset: "USD" },
        { id: 5, underlyingAsset: "ETH", settlementAsset: "USD" },
        { underlyingAsset: "SOL", settlementAsset: "USD" },
      ]),
    });
    expect(first.log.of("listed_instrument_differs")).toEqual([]);
    await first.close();
    const o = await startObserved({
      dataDir,
      config: instruments([
        { id: 3, underlyingAsset: "BTC", settlementAsset: "USD" }, // as the state holds it
        { id: 5, underlyingAsset: "SOL", settlementAsset: "USD" }, // the state's SOL/USD has another id; 5 is ETH/USD
        { underlyingAsset: "ETH", settlementAsset: "USD" }, // no id named: as the state holds it
        { id: 9, underlyingAsset: "XRP", settlementAsset: "USD" }, // never registered
        { underlyingAsset: "ADA", settlementAsset: "USD" }, // never registered, no id named
      ]),
    });
    const warnings = o.log.of("listed_instrument_differs");
    expect(warnings.map(({ level, index, instrument, fileId, stateId, fileIdHolds }) => ({ level, index, instrument, fileId, stateId, fileIdHolds }))).toEqual([
      { level: "warn", index: 1, instrument: "SOL/USD", fileId: "5", stateId: "0", fileIdHolds: "ETH/USD" },
      { level: "warn", index: 3, instrument: "XRP/USD", fileId: "9", stateId: null, fileIdHolds: null },
      { level: "warn", index: 4, instrument: "ADA/USD", fileId: null, stateId: null, fileIdHolds: null },
    ]);
    expect(warnings.map((w) => w.msg)).toEqual([
      "marketData.instruments[1]: SOL/USD has id 0 in the durable state, the configuration file names 5, and id 5 is ETH/USD there; the state's id stays in force (a quote pushed by instrument id must name it 0: correct the file)",
      "marketData.instruments[3]: XRP/USD is not registered in the durable state (the file's instruments seed a fresh state only): register it with RegisterInstrument under instrument_id 9 (registered by instrument, through PushQuote, StreamQuotes or RegisterInstrument without an id, it would get the next free id, not 9)",
      "marketData.instruments[4]: ADA/USD is not registered in the durable state (the file's instruments seed a fresh state only): register it with RegisterInstrument, or let PushQuote / StreamQuotes register it by instrument",
    ]);
  });
});
