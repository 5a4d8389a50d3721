/** The settings channel commands run under: the caps that shape execution, the known accounts and pinning, as the journal last set them. */
import type { InstrumentId } from "../param/index.js";
import { QuoteTtl, type MarketDataService } from "../marketdata/index.js";
import type { ExecutionSettings, InstrumentTtlSetting, QuoteTtlSettings } from "./commands.js";
import type { DoorInternals } from "./door-internals.js";
import { DEFAULT_EXECUTION_ID_BOUNDS } from "../engine/index.js";
import { ttlOf } from "./admin-commands.js";
import { assetsKey, listedQuoteTtls, type ListedQuoteTtls } from "./listed-quote-ttls.js";

/** The settings channel commands run under now. */
export function executionSettingsOf(door: DoorInternals): ExecutionSettings {
  const ids = door.engine.executionIdBounds();
  return {
    maxOpenHandlesPerChannel: door.limits.maxOpenHandlesPerChannel,
    maxOpenHandles: door.limits.maxOpenHandles,
    maxPinnedAccountsPerOwner: door.limits.maxPinnedAccountsPerOwner,
    reservationTtlMs: door.limits.reservationTtlMs,
    executionIdRetentionMs: ids.retainMs,
    maxExecutionIds: ids.maxRemembered,
    knownAccounts: door.knownAccounts && [...door.knownAccounts],
    pinning: door.pinning,
    // The file's, as last journaled (listed-quote-ttls.ts); the market data holds those in force.
    quoteTtls: door.listedQuoteTtls?.settings,
  };
}

/** Puts journaled settings in force (a `settings` command; a snapshot's through restoreSettings). */
export function useSettings(door: DoorInternals, s: ExecutionSettings): void {
  // Caps a journal's settings do not name did not exist when it was written: none then.
  door.limits = {
    ...door.limits,
    maxOpenHandlesPerChannel: s.maxOpenHandlesPerChannel,
    maxOpenHandles: s.maxOpenHandles,
    maxPinnedAccountsPerOwner: s.maxPinnedAccountsPerOwner,
    reservationTtlMs: s.reservationTtlMs,
  };
  door.engine.setExecutionIdBounds({
    retainMs: s.executionIdRetentionMs ?? DEFAULT_EXECUTION_ID_BOUNDS.retainMs,
    maxRemembered: s.maxExecutionIds ?? DEFAULT_EXECUTION_ID_BOUNDS.maxRemembered,
  });
  door.knownAccounts = s.knownAccounts && new Set(s.knownAccounts);
  door.pinning = s.pinning;
  // Quote TTLs a record does not name were not journaled when it was written: the state keeps its own.
  if (s.quoteTtls !== undefined) {
    const before = door.listedQuoteTtls;
    door.listedQuoteTtls = listedQuoteTtls(s.quoteTtls);
    useQuoteTtls(door.marketData, s.quoteTtls, before);
  }
}

/**
 * Puts a snapshot's settings back. Its market data holds the quote TTLs in force already
 * (restored as they are); its `quoteTtls` are the file's, kept for later registrations
 * (listed-quote-ttls.ts). A snapshot written before they were kept has none: the start
 * then journals the file's (they differ from none).
 */
export function restoreSettings(door: DoorInternals, s: ExecutionSettings): void {
  const { quoteTtls, ...settings } = s;
  useSettings(door, settings);
  door.listedQuoteTtls = quoteTtls && listedQuoteTtls(quoteTtls);
}

/** The quote TTLs in force: the default, and every registered instrument's registration TTL (a fresh state's are the file's). */
export function quoteTtlsOf(marketData: MarketDataService): QuoteTtlSettings {
  return {
    defaultTtlMs: ttlMsOf(marketData.defaultTtl()),
    instruments: marketData.registrationTtls().map(({ instrument, ttl }): InstrumentTtlSetting => {
      const assets = { underlyingAsset: instrument.underlyingAsset, settlementAsset: instrument.settlementAsset };
      return ttl === undefined ? assets : { ...assets, ttlMs: ttlMsOf(ttl) };
    }),
  };
}

/**
 * Puts the file's TTLs in force. An instrument the file listed before and lists no more loses
 * the `ttlMs` the file gave it (the default applies; found by review, session 37: it kept it
 * for good, since no AdminService call changes a TTL). One the file never listed keeps its
 * `RegisterInstrument` TTL.
 */
function useQuoteTtls(marketData: MarketDataService, q: QuoteTtlSettings, before: ListedQuoteTtls | undefined): void {
  const cells = new Map<InstrumentId, QuoteTtl | undefined>();
  const listedNow = new Set(q.instruments.map(assetsKey));
  for (const i of before?.settings.instruments ?? []) {
    const id = listedNow.has(assetsKey(i)) ? undefined : marketData.resolve(i);
    if (id !== undefined) cells.set(id, undefined);
  }
  for (const i of q.instruments) {
    const id = marketData.resolve(i);
    if (id !== undefined) cells.set(id, ttlOf(i.ttlMs));
  }
  marketData.setConfiguredTtls(ttlOf(q.defaultTtlMs) ?? QuoteTtl.infinite(), cells);
}

/**
 * Whether the quote TTLs `configured` asks for are already those of `current` (the file's
 * the state keeps): the default, and the same instruments listed with the same `ttlMs`.
 * Every listed instrument counts, registered or not: one the state has not registered yet
 * takes its `ttlMs` when it is (listed-quote-ttls.ts), so an edit to it is journaled too.
 */
export function sameQuoteTtls(current: QuoteTtlSettings | undefined, configured: QuoteTtlSettings | undefined): boolean {
  if (configured === undefined) return true;
  if (current === undefined || current.defaultTtlMs !== configured.defaultTtlMs) return false;
  const kept = new Map(current.instruments.map((i) => [assetsKey(i), i.ttlMs] as const));
  return kept.size === configured.instruments.length && configured.instruments.every((i) => kept.has(assetsKey(i)) && kept.get(assetsKey(i)) === i.ttlMs);
}

/** 0 = infinite, as in the configuration file. */
function ttlMsOf(ttl: QuoteTtl): number {
  return ttl.kind === "infinite" ? 0 : ttl.ms;
}
