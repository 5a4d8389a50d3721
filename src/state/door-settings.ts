/** The settings channel commands run under: the caps that shape execution, the known accounts and pinning, as the journal last set them. */
import type { InstrumentId } from "../param/index.js";
import { QuoteTtl, type MarketDataService } from "../marketdata/index.js";
import type { ExecutionSettings, InstrumentTtlSetting, QuoteTtlSettings } from "./commands.js";
import type { DoorInternals } from "./door-internals.js";
import { ttlOf } from "./admin-commands.js";

/** The settings channel commands run under now. */
export function executionSettingsOf(door: DoorInternals): ExecutionSettings {
  return {
    maxOpenHandlesPerChannel: door.limits.maxOpenHandlesPerChannel,
    maxOpenHandles: door.limits.maxOpenHandles,
    maxPinnedAccountsPerOwner: door.limits.maxPinnedAccountsPerOwner,
    reservationTtlMs: door.limits.reservationTtlMs,
    knownAccounts: door.knownAccounts && [...door.knownAccounts],
    pinning: door.pinning,
    quoteTtls: quoteTtlsOf(door.marketData),
  };
}

/** Puts journaled settings in force (a `settings` command, a snapshot). */
export function useSettings(door: DoorInternals, s: ExecutionSettings): void {
  // Caps a journal's settings do not name did not exist when it was written: none then.
  door.limits = {
    ...door.limits,
    maxOpenHandlesPerChannel: s.maxOpenHandlesPerChannel,
    maxOpenHandles: s.maxOpenHandles,
    maxPinnedAccountsPerOwner: s.maxPinnedAccountsPerOwner,
    reservationTtlMs: s.reservationTtlMs,
  };
  door.knownAccounts = s.knownAccounts && new Set(s.knownAccounts);
  door.pinning = s.pinning;
  // Quote TTLs a record does not name were not journaled when it was written: the state keeps its own.
  if (s.quoteTtls !== undefined) useQuoteTtls(door.marketData, s.quoteTtls);
}

/** The quote TTLs in force: the default, and every registered instrument's registration TTL. */
function quoteTtlsOf(marketData: MarketDataService): QuoteTtlSettings {
  return {
    defaultTtlMs: ttlMsOf(marketData.defaultTtl()),
    instruments: marketData.registrationTtls().map(({ instrument, ttl }): InstrumentTtlSetting => {
      const assets = { underlyingAsset: instrument.underlyingAsset, settlementAsset: instrument.settlementAsset };
      return ttl === undefined ? assets : { ...assets, ttlMs: ttlMsOf(ttl) };
    }),
  };
}

function useQuoteTtls(marketData: MarketDataService, q: QuoteTtlSettings): void {
  const cells = new Map<InstrumentId, QuoteTtl | undefined>();
  for (const i of q.instruments) {
    const id = marketData.resolve(i);
    if (id !== undefined) cells.set(id, ttlOf(i.ttlMs));
  }
  marketData.setConfiguredTtls(ttlOf(q.defaultTtlMs) ?? QuoteTtl.infinite(), cells);
}

/**
 * Whether the quote TTLs `configured` asks for are already those of `current` (the state's):
 * the default, and each instrument `configured` lists that `current` has registered.
 */
export function sameQuoteTtls(current: QuoteTtlSettings | undefined, configured: QuoteTtlSettings | undefined): boolean {
  if (configured === undefined) return true;
  if (current === undefined || current.defaultTtlMs !== configured.defaultTtlMs) return false;
  const key = (i: InstrumentTtlSetting) => `${i.underlyingAsset}\u0000${i.settlementAsset}`;
  const registered = new Map(current.instruments.map((i) => [key(i), i.ttlMs] as const));
  return configured.instruments.every((i) => !registered.has(key(i)) || registered.get(key(i)) === i.ttlMs);
}

/** 0 = infinite, as in the configuration file. */
function ttlMsOf(ttl: QuoteTtl): number {
  return ttl.kind === "infinite" ? 0 : ttl.ms;
}
