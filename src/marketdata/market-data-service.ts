/** Keeps live quotes per instrument (account, group and default buckets) and serves them under TTL rules. */
import type { Clock } from "../engine/clock.js";
import { AccountGroupId, type AccountId, type InstrumentId } from "../param/ids.js";
import type { Instrument } from "../param/instrument.js";
import { MarketDataError, registrationConflictMessage } from "./errors.js";
import { InstrumentRegistry } from "./instrument-registry.js";
import type { InstrumentSnapshot, MarketDataSnapshot } from "./market-data-snapshot.js";
import type { MarketDataSource, Quote, QuoteLookup, QuoteResolution, QuoteTtl } from "./market-data-source.js";
import { QuoteBuckets, type BucketTarget, type StoredQuote, type WriteMode } from "./quote-buckets.js";
import { checkedTtl, effectiveTtl, isExpired, newInstrumentTtls, type InstrumentTtls, type ServiceTtls } from "./ttl-cascade.js";

export interface MarketDataServiceOptions {
  /** Tier 8 of the TTL cascade: applies when no other tier is set (a restart's configuration may replace it: setConfiguredTtls). */
  readonly defaultTtl: QuoteTtl;
  /** The only time source; quotes are stamped and aged with it. */
  readonly clock: Clock;
}

/** Everything kept for one registered instrument. */
interface InstrumentSlot {
  readonly buckets: QuoteBuckets;
  readonly ttls: InstrumentTtls;
}

const RESOLUTIONS: ReadonlySet<string> = new Set<QuoteResolution>(["AccountOnly", "AccountThenGroup", "AccountThenGroupThenDefault"]);

/**
 * Live quotes per instrument in three kinds of bucket (per account, per group, default =
 * group 0), read through a quote resolution and an 8-tier TTL cascade (spec §1.17).
 * Registration is strict; every other id-taking method needs a registered id.
 */
export class MarketDataService implements MarketDataSource {
  private readonly clock: Clock;
  private readonly registry = new InstrumentRegistry();
  private readonly slots = new Map<bigint, InstrumentSlot>();
  private readonly serviceTtls: ServiceTtls;
  /** Moves on every change a lookup could see (see `stamp`). */
  #revision = 0;
  /** Whether any TTL cell of any tier is finite (recomputed on each TTL change: they are rare). */
  #canExpire: boolean;

  constructor(options: MarketDataServiceOptions) {
    this.clock = options.clock;
    this.serviceTtls = { accounts: new Map(), groups: new Map(), defaultTtl: checkedTtl(options.defaultTtl) };
    this.#canExpire = this.serviceTtls.defaultTtl.kind !== "infinite";
  }

  stamp(): number | undefined {
    return this.#canExpire ? undefined : this.#revision;
  }

  // ── Registration ─────────────────────────────────────────────────────────

  /** Registers under the next unused auto id (from 0); `ttl` becomes the instrument tier (7). */
  register(instrument: Instrument, ttl?: QuoteTtl): InstrumentId {
    return this.add(instrument, undefined, ttl);
  }

  registerWithId(id: InstrumentId, instrument: Instrument, ttl?: QuoteTtl): InstrumentId {
    return this.add(instrument, id, ttl);
  }

  resolve(instrument: Instrument): InstrumentId | undefined {
    return this.registry.resolve(instrument);
  }

  /** The instrument registered under `id`, if any. */
  instrumentOf(id: InstrumentId): Instrument | undefined {
    return this.registry.instrumentOf(id);
  }

  // ── Publishing ───────────────────────────────────────────────────────────

  /** Replaces the default bucket's whole snapshot: fields absent from `quote` are gone afterwards. */
  push(id: InstrumentId, quote: Quote): void {
    this.write(id, quote, "replace", [{ group: AccountGroupId.DEFAULT }]);
  }

  /** Overwrites only the fields present in `quote`; the publish instant moves either way. */
  pushPatch(id: InstrumentId, quote: Quote): void {
    this.write(id, quote, "patch", [{ group: AccountGroupId.DEFAULT }]);
  }

  /** Replaces the buckets of every listed account and group (group 0 = the default bucket). */
  pushFor(id: InstrumentId, quote: Quote, accounts: readonly AccountId[], groups: readonly AccountGroupId[]): void {
    this.write(id, quote, "replace", targetsOf(accounts, groups));
  }

  pushForPatch(id: InstrumentId, quote: Quote, accounts: readonly AccountId[], groups: readonly AccountGroupId[]): void {
    this.write(id, quote, "patch", targetsOf(accounts, groups));
  }

  /** Default-bucket push by instrument; registers it (service-default TTL) on first sight. */
  pushByInstrument(instrument: Instrument, quote: Quote): InstrumentId {
    const id = this.resolve(instrument) ?? this.register(instrument);
    this.push(id, quote);
    return id;
  }

  pushByInstrumentPatch(instrument: Instrument, quote: Quote): InstrumentId {
    const id = this.resolve(instrument) ?? this.register(instrument);
    this.pushPatch(id, quote);
    return id;
  }

  /**
   * Drops every bucket of the instrument until the next push; it stays registered and keeps
   * its TTL settings. An unknown id is a no-op (as in OpenPit): there is nothing to hide.
   */
  clear(id: InstrumentId): void {
    this.#revision += 1;
    this.slots.get(id)?.buckets.clear();
  }

  // ── Reading ──────────────────────────────────────────────────────────────

  /**
   * Selects the first non-empty bucket the resolution allows, then checks its freshness with
   * the reader's TTL. A stale specific bucket is `QuoteExpired` and does not fall through.
   */
  lookup(
    id: InstrumentId,
    accountId: AccountId | undefined,
    group: AccountGroupId | undefined,
    resolution: QuoteResolution,
  ): QuoteLookup {
    if (!RESOLUTIONS.has(resolution)) throw new TypeError(`unknown quote resolution ${String(resolution)}`);
    const slot = this.slots.get(id);
    if (slot === undefined) return { ok: false, error: "UnknownInstrument" };
    const selected = slot.buckets.select(resolution, accountId, group);
    if (selected === undefined) return { ok: false, error: "QuoteUnavailable" };
    const ttl = effectiveTtl(slot.ttls, this.serviceTtls, accountId, group);
    // The clock is read only when the TTL can expire (three lookups per order with every control on).
    if (ttl.kind !== "infinite" && isExpired(ttl, selected.publishedAtMs, this.clock.nowMs())) {
      return { ok: false, error: "QuoteExpired", quote: selected.quote };
    }
    return { ok: true, quote: selected.quote };
  }

  /** A fresh quote, or `undefined` when the instrument is unknown or no fresh quote is selected. */
  get(
    id: InstrumentId,
    accountId?: AccountId,
    group?: AccountGroupId,
    resolution: QuoteResolution = "AccountThenGroupThenDefault",
  ): Quote | undefined {
    const found = this.lookup(id, accountId, group, resolution);
    return found.ok ? found.quote : undefined;
  }

  /** Like `get`, but throws `MarketDataError` (`UnknownInstrument` / `QuoteUnavailable` / `QuoteExpired` with the stale quote). */
  getOrErr(
    id: InstrumentId,
    accountId?: AccountId,
    group?: AccountGroupId,
    resolution: QuoteResolution = "AccountThenGroupThenDefault",
  ): Quote {
    const found = this.lookup(id, accountId, group, resolution);
    if (found.ok) return found.quote;
    switch (found.error) {
      case "UnknownInstrument":
        throw new MarketDataError("UnknownInstrument", `instrument id ${id} is not registered`, { instrumentId: id });
      case "QuoteUnavailable":
        throw new MarketDataError("QuoteUnavailable", `no quote for instrument id ${id}`, { instrumentId: id });
      case "QuoteExpired":
        throw new MarketDataError("QuoteExpired", `quote for instrument id ${id} expired`, { instrumentId: id, quote: found.quote });
    }
  }

  /** Most specific non-empty bucket (account, group, default), stale or not: for accounting, not pricing. */
  latest(id: InstrumentId, accountId: AccountId | undefined, group: AccountGroupId | undefined): Quote | undefined {
    return this.slots.get(id)?.buckets.select("AccountThenGroupThenDefault", accountId, group)?.quote;
  }

  /** The TTL a reader (account, group) gets for the instrument; for diagnostics and admin views. */
  effectiveTtl(id: InstrumentId, accountId?: AccountId, group?: AccountGroupId): QuoteTtl {
    return effectiveTtl(this.slotOf(id).ttls, this.serviceTtls, accountId, group);
  }

  // ── TTL cascade tiers (see ttl-cascade.ts for the order) ──────────────────

  /** Tier 1. */
  setInstrumentAccountTtl(id: InstrumentId, accountId: AccountId, ttl: QuoteTtl): void {
    this.slotOf(id).ttls.accounts.set(accountId, checkedTtl(ttl));
    this.#ttlsChanged(ttl);
  }

  clearInstrumentAccountTtl(id: InstrumentId, accountId: AccountId): void {
    this.slotOf(id).ttls.accounts.delete(accountId);
    this.#ttlsChanged();
  }

  /** Tier 2; with group 0, tier 3 (instrument × default group). */
  setInstrumentAccountGroupTtl(id: InstrumentId, group: AccountGroupId, ttl: QuoteTtl): void {
    this.slotOf(id).ttls.groups.set(group, checkedTtl(ttl));
    this.#ttlsChanged(ttl);
  }

  clearInstrumentAccountGroupTtl(id: InstrumentId, group: AccountGroupId): void {
    this.slotOf(id).ttls.groups.delete(group);
    this.#ttlsChanged();
  }

  /** Tier 4: every instrument, one account. */
  setAccountTtl(accountId: AccountId, ttl: QuoteTtl): void {
    this.serviceTtls.accounts.set(accountId, checkedTtl(ttl));
    this.#ttlsChanged(ttl);
  }

  clearAccountTtl(accountId: AccountId): void {
    this.serviceTtls.accounts.delete(accountId);
    this.#ttlsChanged();
  }

  /** Tier 5; with group 0, tier 6 (default group). */
  setAccountGroupTtl(group: AccountGroupId, ttl: QuoteTtl): void {
    this.serviceTtls.groups.set(group, checkedTtl(ttl));
    this.#ttlsChanged(ttl);
  }

  clearAccountGroupTtl(group: AccountGroupId): void {
    this.serviceTtls.groups.delete(group);
    this.#ttlsChanged();
  }

  /** Tier 8: the service default. */
  defaultTtl(): QuoteTtl {
    return this.serviceTtls.defaultTtl;
  }

  /** Every registered instrument with its tier-7 cell (undefined = not set), in registration order. */
  registrationTtls(): { readonly id: InstrumentId; readonly instrument: Instrument; readonly ttl: QuoteTtl | undefined }[] {
    return this.registry.snapshot().entries.map(([id, instrument]) => ({ id, instrument, ttl: this.slotOf(id).ttls.instrument }));
  }

  /**
   * Tier 8 and the tier-7 cells of the listed instruments (undefined clears one) at once: what
   * the configuration file sets, put in force at a restart. Everything is checked before the
   * first write, and the cells are rescanned once (not once per instrument).
   */
  setConfiguredTtls(defaultTtl: QuoteTtl, instruments: ReadonlyMap<InstrumentId, QuoteTtl | undefined>): void {
    const checkedDefault = checkedTtl(defaultTtl);
    const cells = [...instruments].map(([id, ttl]) => [this.slotOf(id), ttl === undefined ? undefined : checkedTtl(ttl)] as const);
    this.serviceTtls.defaultTtl = checkedDefault;
    for (const [slot, ttl] of cells) slot.ttls.instrument = ttl;
    this.#ttlsChanged();
  }

  /** Tier 7: replaces the registration TTL. */
  setInstrumentTtl(id: InstrumentId, ttl: QuoteTtl): void {
    this.slotOf(id).ttls.instrument = checkedTtl(ttl);
    this.#ttlsChanged(ttl);
  }

  clearInstrumentTtl(id: InstrumentId): void {
    this.slotOf(id).ttls.instrument = undefined;
    this.#ttlsChanged();
  }

  // ── Durability ───────────────────────────────────────────────────────────

  /** Everything as plain data: registrations, TTL cells, and every bucket's quote with its publish instant. */
  snapshotState(): MarketDataSnapshot {
    const { nextAutoId, entries } = this.registry.snapshot();
    const instruments = entries.map(([id, instrument]): InstrumentSnapshot => {
      const { buckets, ttls } = this.slotOf(id);
      const quotes = buckets.snapshot();
      const snapshot: InstrumentSnapshot = {
        id,
        underlyingAsset: instrument.underlyingAsset,
        settlementAsset: instrument.settlementAsset,
        accountTtls: new Map(ttls.accounts) as Map<AccountId, QuoteTtl>,
        groupTtls: new Map(ttls.groups) as Map<AccountGroupId, QuoteTtl>,
        accountQuotes: quotes.accounts as ReadonlyMap<AccountId, StoredQuote>,
        groupQuotes: quotes.groups as ReadonlyMap<AccountGroupId, StoredQuote>,
      };
      return ttls.instrument === undefined ? snapshot : { ...snapshot, ttl: ttls.instrument };
    });
    return {
      format: 1,
      nextAutoId,
      instruments,
      accountTtls: new Map(this.serviceTtls.accounts) as Map<AccountId, QuoteTtl>,
      groupTtls: new Map(this.serviceTtls.groups) as Map<AccountGroupId, QuoteTtl>,
      defaultTtl: this.serviceTtls.defaultTtl,
    };
  }

  /**
   * Replaces the whole state with a snapshot's, registrations made at construction
   * included (meant for a fresh service built with the same clock). Everything is
   * validated and built first, so a malformed snapshot leaves the service as it was.
   */
  restoreState(snapshot: MarketDataSnapshot): void {
    if (typeof snapshot !== "object" || snapshot === null || snapshot.format !== 1 || !Array.isArray(snapshot.instruments)) {
      throw new TypeError("not a market-data snapshot of format 1");
    }
    InstrumentRegistry.checkRestorable(snapshot.nextAutoId, snapshot.instruments.map((i) => [i.id, i] as const));
    const slots = new Map<bigint, InstrumentSlot>();
    for (const i of snapshot.instruments) {
      const ttls = newInstrumentTtls(i.ttl === undefined ? undefined : checkedTtl(i.ttl));
      for (const [account, ttl] of i.accountTtls) ttls.accounts.set(account, checkedTtl(ttl));
      for (const [group, ttl] of i.groupTtls) ttls.groups.set(group, checkedTtl(ttl));
      const buckets = new QuoteBuckets();
      buckets.restore({ accounts: i.accountQuotes, groups: i.groupQuotes });
      slots.set(i.id, { buckets, ttls });
    }
    const accountTtls = [...snapshot.accountTtls].map(([account, ttl]) => [account, checkedTtl(ttl)] as const);
    const groupTtls = [...snapshot.groupTtls].map(([group, ttl]) => [group, checkedTtl(ttl)] as const);
    const defaultTtl = checkedTtl(snapshot.defaultTtl);

    this.registry.restore(snapshot.nextAutoId, snapshot.instruments.map((i) => [i.id, i] as const));
    this.slots.clear();
    for (const [id, slot] of slots) this.slots.set(id, slot);
    this.serviceTtls.accounts.clear();
    for (const [account, ttl] of accountTtls) this.serviceTtls.accounts.set(account, ttl);
    this.serviceTtls.groups.clear();
    for (const [group, ttl] of groupTtls) this.serviceTtls.groups.set(group, ttl);
    this.serviceTtls.defaultTtl = defaultTtl;
    this.#ttlsChanged();
  }

  // ── Internals ────────────────────────────────────────────────────────────

  private add(instrument: Instrument, id: InstrumentId | undefined, ttl: QuoteTtl | undefined): InstrumentId {
    // Validate before registering so a bad TTL leaves no half-registered instrument.
    const instrumentTtl = ttl === undefined ? undefined : checkedTtl(ttl);
    const added = this.registry.add(instrument, id);
    if (!added.ok) {
      const message = registrationConflictMessage(added.conflict, instrument, id);
      throw new MarketDataError(added.conflict, message, { instrument, instrumentId: id });
    }
    this.slots.set(added.id, { buckets: new QuoteBuckets(), ttls: newInstrumentTtls(instrumentTtl) });
    this.#registered(instrumentTtl);
    return added.id;
  }

  private slotOf(id: InstrumentId): InstrumentSlot {
    const slot = this.slots.get(id);
    if (slot === undefined) {
      throw new MarketDataError("UnknownInstrumentId", `instrument id ${id} is not registered`, { instrumentId: id });
    }
    return slot;
  }

  /** All checks happen before the first write, so a failing call changes nothing. */
  private write(id: InstrumentId, quote: Quote, mode: WriteMode, targets: readonly BucketTarget[]): void {
    if (targets.length === 0) {
      throw new MarketDataError("NoTarget", "pushFor needs at least one account or group (use push for the default bucket)", {
        instrumentId: id,
      });
    }
    const slot = this.slotOf(id);
    const nowMs = this.clock.nowMs();
    this.#revision += 1;
    for (const target of targets) slot.buckets.write(target, quote, mode, nowMs);
  }

  /**
   * After a registration: a new stamp (a lookup of the id answers differently now). Its slot
   * is new and replaces no cell, so only a finite registration TTL can change whether
   * anything can expire. Found by review, session 34: a registration without a TTL, or with
   * an infinite one, went through the full rescan whenever some TTL could expire (an
   * infinite default with one instrument's `ttlMs`), so n registrations cost O(n²): 40 000
   * instruments held the event loop for 21 s, live and again on every replay.
   */
  #registered(ttl: QuoteTtl | undefined): void {
    this.#revision += 1;
    if (ttl !== undefined && ttl.kind !== "infinite") this.#canExpire = true;
  }

  /**
   * After any TTL cell changed: a new stamp, and whether anything can expire now. `added` is
   * the one TTL set: a finite one settles it without a scan, and an infinite one set in a
   * state that could not expire changes nothing; otherwise (a clear, a set that may replace
   * a finite cell, a restore) every cell is looked at.
   */
  #ttlsChanged(added?: QuoteTtl): void {
    this.#revision += 1;
    if (added !== undefined && (added.kind !== "infinite" || !this.#canExpire)) {
      if (added.kind !== "infinite") this.#canExpire = true;
      return;
    }
    const service = this.serviceTtls;
    this.#canExpire = finite(service.defaultTtl) || anyFinite(service.accounts) || anyFinite(service.groups) || this.#anySlotCanExpire();
  }

  /** Iterated, not spread into an array: the rescan visits each slot once and allocates nothing per slot. */
  #anySlotCanExpire(): boolean {
    for (const { ttls } of this.slots.values()) {
      if (finite(ttls.instrument) || anyFinite(ttls.accounts) || anyFinite(ttls.groups)) return true;
    }
    return false;
  }
}

function finite(ttl: QuoteTtl | undefined): boolean {
  return ttl !== undefined && ttl.kind !== "infinite";
}

function anyFinite(cells: ReadonlyMap<unknown, QuoteTtl>): boolean {
  for (const ttl of cells.values()) if (finite(ttl)) return true;
  return false;
}

function targetsOf(accounts: readonly AccountId[], groups: readonly AccountGroupId[]): BucketTarget[] {
  return [...accounts.map((account) => ({ account })), ...groups.map((group) => ({ group }))];
}
