/** The market-data service's state as plain data: instruments, TTL cells and every bucket's quotes. */
import type { AccountGroupId, AccountId, InstrumentId } from "../param/ids.js";
import type { Asset } from "../param/instrument.js";
import type { QuoteTtl } from "./market-data-source.js";
import type { StoredQuote } from "./quote-buckets.js";

/**
 * One registered instrument. Quotes keep their `publishedAtMs`, so a restored service
 * expires them at the same instants; TTL cells absent here mean "inherit".
 */
export interface InstrumentSnapshot {
  readonly id: InstrumentId;
  readonly underlyingAsset: Asset;
  readonly settlementAsset: Asset;
  /** Tier 7 (registration TTL or `setInstrumentTtl`); absent = not set. */
  readonly ttl?: QuoteTtl;
  readonly accountTtls: ReadonlyMap<AccountId, QuoteTtl>;
  /** Group 0 = the instrument × default-group cell. */
  readonly groupTtls: ReadonlyMap<AccountGroupId, QuoteTtl>;
  readonly accountQuotes: ReadonlyMap<AccountId, StoredQuote>;
  /** Group 0 = the default bucket. */
  readonly groupQuotes: ReadonlyMap<AccountGroupId, StoredQuote>;
}

/** `marketData.snapshotState()`; `restoreState` replaces everything, registrations included. */
export interface MarketDataSnapshot {
  readonly format: 1;
  /** The next auto-id candidate (ids taken explicitly are skipped, never reused). */
  readonly nextAutoId: bigint;
  /** In registration order. */
  readonly instruments: readonly InstrumentSnapshot[];
  readonly accountTtls: ReadonlyMap<AccountId, QuoteTtl>;
  /** Group 0 = the default-group cell. */
  readonly groupTtls: ReadonlyMap<AccountGroupId, QuoteTtl>;
  /** The service default (construction config, kept so the cascade ends the same). */
  readonly defaultTtl: QuoteTtl;
}
