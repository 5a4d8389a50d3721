/** Quotes, TTLs and lookup results, and the read-only market-data interface that policies depend on. */
import type { AccountGroupId, AccountId, InstrumentId } from "../param/ids.js";
import type { Instrument } from "../param/instrument.js";
import type { Price } from "../param/values.js";

/** A price snapshot; any field may be absent. */
export interface Quote {
  readonly mark?: Price;
  readonly bid?: Price;
  readonly ask?: Price;
}

/** Which buckets a lookup may use, most specific first. */
export type QuoteResolution = "AccountOnly" | "AccountThenGroup" | "AccountThenGroupThenDefault";

export type QuoteTtl = { readonly kind: "infinite" } | { readonly kind: "within"; readonly ms: number };

export const QuoteTtl = {
  infinite(): QuoteTtl {
    return { kind: "infinite" };
  },
  within(ms: number): QuoteTtl {
    return { kind: "within", ms };
  },
};

export type QuoteErrorKind = "UnknownInstrument" | "QuoteUnavailable" | "QuoteExpired";

export type QuoteLookup =
  | { readonly ok: true; readonly quote: Quote }
  | { readonly ok: false; readonly error: "UnknownInstrument" | "QuoteUnavailable" }
  /** The selected bucket is stale; it does not fall through to a fresher, less specific one. */
  | { readonly ok: false; readonly error: "QuoteExpired"; readonly quote: Quote };

/**
 * What policies (SpotFunds) need from market data. `MarketDataService` implements it;
 * a policy depends only on this interface.
 */
export interface MarketDataSource {
  /** The id an instrument was registered under, if any. */
  resolve(instrument: Instrument): InstrumentId | undefined;
  /** A fresh quote under the TTL cascade, from the first non-empty bucket of `resolution`. */
  lookup(
    id: InstrumentId,
    accountId: AccountId | undefined,
    group: AccountGroupId | undefined,
    resolution: QuoteResolution,
  ): QuoteLookup;
  /**
   * The latest quote in any bucket (account, group, default), stale or not: accounting
   * (FX conversion) uses the last known price rather than halting on a TTL.
   */
  latest(id: InstrumentId, accountId: AccountId | undefined, group: AccountGroupId | undefined): Quote | undefined;
  /**
   * A number that moves whenever any lookup's answer could change (a push, a clear, a
   * registration, a TTL setting, a restore), or undefined while some TTL can expire (then
   * answers also move with the clock). A figure valued from lookups under one stamp is
   * still right while `stamp()` returns the same number. Optional: without it, nothing is cached.
   */
  stamp?(): number | undefined;
}
