/**
 * What the configuration file's `marketData.instruments` say against the state a start
 * restored, in the structured log. The file's instruments seed a fresh state only, so on an
 * existing one a listed instrument the state registered under another id, or never
 * registered, was passed over without a word; a gateway configured from the same file then
 * names instruments by ids the sidecar reads as others (or as none).
 */
import type { InstrumentId } from "../param/index.js";
import type { MarketDataService } from "../marketdata/index.js";
import type { InstrumentConfig } from "../server/config/sidecar-config.js";
import type { SidecarLogger } from "../server/log/sidecar-log.js";

/** A listed instrument the restored state holds otherwise. */
export interface ListedInstrumentDifference {
  /** Its index in `marketData.instruments`. */
  readonly index: number;
  /** `underlying/settlement`. */
  readonly instrument: string;
  /** The id the file names, if it names one. */
  readonly fileId: InstrumentId | undefined;
  /** The id the state registered it under; undefined: not registered. */
  readonly stateId: InstrumentId | undefined;
  /** What the state registered under the file's id instead (`underlying/settlement`), if anything. */
  readonly fileIdHolds: string | undefined;
}

const named = (i: { underlyingAsset: string; settlementAsset: string }) => `${i.underlyingAsset}/${i.settlementAsset}`;

/** Every listed instrument the state did not register, or registered under another id than the file names. */
export function listedInstrumentDifferences(listed: readonly InstrumentConfig[], marketData: MarketDataService): ListedInstrumentDifference[] {
  const out: ListedInstrumentDifference[] = [];
  listed.forEach((entry, index) => {
    const stateId = marketData.resolve(entry);
    if (stateId !== undefined && (entry.id === undefined || entry.id === stateId)) return;
    const other = entry.id === undefined ? undefined : marketData.instrumentOf(entry.id);
    out.push({ index, instrument: named(entry), fileId: entry.id, stateId, fileIdHolds: other && named(other) });
  });
  return out;
}

/**
 * What to do about a listed instrument the state never registered. A file that names its id
 * means gateways name it by that id: registering it by instrument (PushQuote, StreamQuotes, or
 * RegisterInstrument without an id) gives it the next free id instead, and the gateways' ticks
 * by the file's id fail, or land on whatever later takes that id (found by review).
 */
function registerAdvice(d: Pick<ListedInstrumentDifference, "fileId" | "fileIdHolds">): string {
  if (d.fileId === undefined) return "register it with RegisterInstrument, or let PushQuote / StreamQuotes register it by instrument";
  if (d.fileIdHolds !== undefined) return `correct the file's id, then register it with RegisterInstrument under that id`;
  return `register it with RegisterInstrument under instrument_id ${d.fileId} (registered by instrument, through PushQuote, StreamQuotes or RegisterInstrument without an id, it would get the next free id, not ${d.fileId})`;
}

/** One warning per listed instrument the state holds otherwise (listedInstrumentDifferences). */
export function logListedInstruments(log: SidecarLogger, listed: readonly InstrumentConfig[], marketData: MarketDataService): void {
  for (const d of listedInstrumentDifferences(listed, marketData)) {
    const where = `marketData.instruments[${d.index}]: ${d.instrument}`;
    const holds = d.fileIdHolds === undefined ? "" : `, and id ${d.fileId} is ${d.fileIdHolds} there`;
    const msg =
      d.stateId === undefined
        ? `${where} is not registered in the durable state${holds} (the file's instruments seed a fresh state only): ${registerAdvice(d)}`
        : `${where} has id ${d.stateId} in the durable state, the configuration file names ${d.fileId}${holds}; the state's id stays in force (a quote pushed by instrument id must name it ${d.stateId}: correct the file)`;
    log.warn(
      {
        event: "listed_instrument_differs",
        index: d.index,
        instrument: d.instrument,
        fileId: d.fileId === undefined ? null : String(d.fileId),
        stateId: d.stateId === undefined ? null : String(d.stateId),
        fileIdHolds: d.fileIdHolds ?? null,
      },
      msg,
    );
  }
}
