/** Decides how long a quote stays fresh for a given reader: the 8-tier TTL cascade and the expiry test. */
import { AccountGroupId, type AccountId } from "../param/ids.js";
import type { QuoteTtl } from "./market-data-source.js";

/** TTL cells scoped to one instrument (cascade tiers 1–3 and 7). Absent key = "inherit". */
export interface InstrumentTtls {
  /** Tier 1: instrument × account. */
  readonly accounts: Map<bigint, QuoteTtl>;
  /** Tiers 2–3: instrument × group; the entry at group 0 is the instrument × default-group cell. */
  readonly groups: Map<number, QuoteTtl>;
  /** Tier 7: the registration TTL (or `setInstrumentTtl`). */
  instrument: QuoteTtl | undefined;
}

export function newInstrumentTtls(instrument: QuoteTtl | undefined): InstrumentTtls {
  return { accounts: new Map(), groups: new Map(), instrument };
}

/** TTL cells that apply to every instrument (cascade tiers 4–6 and 8). */
export interface ServiceTtls {
  /** Tier 4: per account. */
  readonly accounts: Map<bigint, QuoteTtl>;
  /** Tiers 5–6: per group; the entry at group 0 is the default-group cell. */
  readonly groups: Map<number, QuoteTtl>;
  /** Tier 8: the service default, always set (construction config; replaced by a restore, or by a restart's configuration). */
  defaultTtl: QuoteTtl;
}

const DEFAULT_GROUP: number = AccountGroupId.DEFAULT;

/**
 * The first set tier wins: instrument×account, instrument×group, instrument×default-group,
 * account, group, default-group, instrument, service default. The TTL depends on who reads
 * (account, group), not on which bucket the quote came from. Group 0 / undefined means the
 * reader has no group, so the group tiers are skipped (the default-group tiers still apply).
 */
export function effectiveTtl(
  instrument: InstrumentTtls,
  service: ServiceTtls,
  accountId: AccountId | undefined,
  group: AccountGroupId | undefined,
): QuoteTtl {
  const ownGroup = group !== undefined && group !== DEFAULT_GROUP ? group : undefined;
  return (
    (accountId !== undefined ? instrument.accounts.get(accountId) : undefined) ??
    (ownGroup !== undefined ? instrument.groups.get(ownGroup) : undefined) ??
    instrument.groups.get(DEFAULT_GROUP) ??
    (accountId !== undefined ? service.accounts.get(accountId) : undefined) ??
    (ownGroup !== undefined ? service.groups.get(ownGroup) : undefined) ??
    service.groups.get(DEFAULT_GROUP) ??
    instrument.instrument ??
    service.defaultTtl
  );
}

/** Inclusive: a quote exactly `ttl` old is already expired. A clock stepping back counts as age 0. */
export function isExpired(ttl: QuoteTtl, publishedAtMs: number, nowMs: number): boolean {
  if (ttl.kind === "infinite") return false;
  return Math.max(0, nowMs - publishedAtMs) >= ttl.ms;
}

/** Validates a caller-supplied TTL and returns a frozen copy safe to store. */
export function checkedTtl(ttl: QuoteTtl): QuoteTtl {
  if (ttl?.kind === "infinite") return Object.freeze({ kind: "infinite" });
  if (ttl?.kind === "within") {
    if (typeof ttl.ms !== "number" || !Number.isFinite(ttl.ms) || ttl.ms < 0) {
      throw new TypeError(`quote TTL must be a finite, non-negative number of milliseconds, got ${String(ttl.ms)}`);
    }
    return Object.freeze({ kind: "within", ms: ttl.ms });
  }
  throw new TypeError("quote TTL must be QuoteTtl.infinite() or QuoteTtl.within(ms)");
}
