/**
 * The quote TTLs the configuration file sets (`marketData`), kept whole in the state as the
 * journal last put them in force: the file a fresh state was built from, a `settings`
 * record, a snapshot. Found by review, session 34: only the TTLs of instruments registered
 * at that point were put in force, so an instrument the file lists and the state registered
 * later (RegisterInstrument, as docs/durability.md says to; PushQuote or StreamQuotes by
 * instrument) got its `ttlMs` at the next restart only: a quote older than it priced orders
 * as fresh, and a restart with an unchanged file changed the verdict. A registration now
 * takes the file's `ttlMs`; a replay finds the same list (the record or snapshot that set it
 * precedes the command), so it decides the same.
 */
import type { Instrument } from "../param/index.js";
import { CommandError } from "./command-error.js";
import type { QuoteTtlSettings } from "./commands.js";

export interface ListedQuoteTtls {
  readonly settings: QuoteTtlSettings;
  /** Each listed instrument's `ttlMs` by its assets (undefined: listed without one). */
  readonly byAssets: ReadonlyMap<string, number | undefined>;
}

export function listedQuoteTtls(settings: QuoteTtlSettings): ListedQuoteTtls {
  return { settings, byAssets: new Map(settings.instruments.map((i) => [assetsKey(i), i.ttlMs] as const)) };
}

/**
 * An instrument's assets as one unambiguous key. Joined with NUL, an asset name holding NUL
 * made A\0B/C and A/B\0C one key (found by review, session 40): the listed TTL of one went to
 * the other, a registration of the other was refused, and a file listing both was "changed"
 * at every start. Names are not refused for a NUL, so the key quotes them (as sidecar-config's).
 */
export function assetsKey(i: Instrument): string {
  return JSON.stringify([i.underlyingAsset, i.settlementAsset]);
}

/**
 * The registration TTL (ms, 0 = infinite, undefined = none of its own) of an instrument a
 * command registers: the file's for an instrument it lists, else the request's. No
 * AdminService call changes a TTL the file sets (docs/configuration.md), and one it took
 * would be undone by the next restart: a request naming another `ttl_ms` for a listed
 * instrument is refused (FAILED_PRECONDITION), one naming the file's is accepted.
 */
export function registrationTtlMs(listed: ListedQuoteTtls | undefined, instrument: Instrument, requested: number | undefined): number | undefined {
  const key = assetsKey(instrument);
  if (listed === undefined || !listed.byAssets.has(key)) return requested;
  const fileTtlMs = listed.byAssets.get(key);
  if (requested !== undefined && requested !== fileTtlMs) {
    const name = `${instrument.underlyingAsset}/${instrument.settlementAsset}`;
    const inFile = fileTtlMs === undefined ? "without a ttlMs (the default TTL applies)" : `with ttlMs ${fileTtlMs}`;
    throw new CommandError(
      "FAILED_PRECONDITION",
      "ttl_ms",
      `ttl_ms: instrument ${name} is listed in the configuration file (marketData.instruments) ${inFile}: its TTL is set there; leave ttl_ms out${fileTtlMs === undefined ? "" : ` or send ${fileTtlMs}`}`,
    );
  }
  return fileTtlMs;
}
