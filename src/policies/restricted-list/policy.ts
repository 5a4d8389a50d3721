/** Deny lists of instruments (or underlying assets) per account, group or global, with optional sell-only entries. */
import type { AccountId, PolicyGroupId } from "../../param/ids.js";
import type { Asset } from "../../param/instrument.js";
import { missingField, type PolicyReject } from "../../model/reject.js";
import type { Order } from "../../model/order.js";
import type { ConfigurablePolicy } from "../../engine/pretrade/configurator.js";
import type { AccountRetirementRefusal } from "../../engine/account-retirement.js";
import type { PolicyPreTradeResult, PreTradeContext } from "../../engine/pretrade/policy.js";
import { snapshotFields } from "../snapshot-data.js";
import { restricted, sellOnly } from "./rejects.js";
import { copyRestrictedListSettings, type RestrictedEntry, type RestrictedListSettings } from "./settings.js";

const MISSING_INSTRUMENT: readonly PolicyReject[] = Object.freeze([missingField("instrument")]);
const MISSING_SIDE: readonly PolicyReject[] = Object.freeze([missingField("side")]);
const MISSING_ACCOUNT: readonly PolicyReject[] = Object.freeze([missingField("account ID")]);

/**
 * Checked in both stages (SEC 15c3-5 (c)(2)(ii) restricted securities; venues' restricted
 * symbols): a two-stage request may wait between them, and an instrument restricted (or an
 * account moved into a restricted group) meanwhile must stop it at execute, when it reserves
 * and goes out; checked at start only, it did not (found by review), as TradingStatePolicy's
 * HALTED once did not. An order matching a deny entry (its scope covers the account; same underlying
 * and, when the entry names one, the same settlement asset) is rejected
 * INSTRUMENT_RESTRICTED; matching only sell-only entries, a BUY is rejected
 * INSTRUMENT_SELL_ONLY and a SELL passes. A full deny wins over sell only. Read-only, so
 * dry runs need no variant; drop copies' rejects are discarded by the engine. Changed at
 * runtime by ConfigurePolicy (the whole list); its settings are its only state.
 */
export class RestrictedListPolicy implements ConfigurablePolicy<RestrictedListSettings> {
  static readonly NAME = "RestrictedListPolicy";
  readonly name = RestrictedListPolicy.NAME;
  /** A built-in: a failing commit/rollback of its blocks only the account (OpenPit §E). */
  readonly builtIn = true;
  readonly policyGroupId: PolicyGroupId | undefined;
  #settings: RestrictedListSettings = { entries: [] };
  /** underlying → entries for it: one Map lookup per order. */
  #byUnderlying = new Map<Asset, RestrictedEntry[]>();
  #needsAccount = false;

  constructor(settings: RestrictedListSettings, options?: { policyGroupId?: PolicyGroupId }) {
    this.policyGroupId = options?.policyGroupId;
    this.publishSettings(settings);
  }

  settingsDraft(): RestrictedListSettings {
    return copyRestrictedListSettings(this.#settings);
  }

  publishSettings(next: RestrictedListSettings): void {
    const owned = copyRestrictedListSettings(next);
    const byUnderlying = new Map<Asset, RestrictedEntry[]>();
    for (const e of owned.entries) {
      const list = byUnderlying.get(e.underlyingAsset);
      if (list) list.push(e);
      else byUnderlying.set(e.underlyingAsset, [e]);
    }
    this.#byUnderlying = byUnderlying;
    this.#needsAccount = owned.entries.some((e) => e.scope.kind !== "global");
    this.#settings = owned;
  }

  snapshotState(): { settings: RestrictedListSettings } {
    return { settings: this.settingsDraft() };
  }

  restoreState(data: unknown): void {
    const { settings } = snapshotFields(data, this.name, "snapshot", ["settings"]);
    this.publishSettings(settings as RestrictedListSettings);
  }

  /** Account retirement: its settings are its only state; an entry scoped to the account refuses (remove it first). */
  retireAccount(accountId: AccountId): AccountRetirementRefusal | undefined {
    const named = this.#settings.entries.some((e) => e.scope.kind === "account" && e.scope.accountId === accountId);
    return named ? "ConfigurationReferencesAccount" : undefined;
  }

  performPreTradeCheck(ctx: PreTradeContext, order: Order): PolicyPreTradeResult | undefined {
    const rejects = this.checkPreTradeStart(ctx, order);
    return rejects && { rejects };
  }

  checkPreTradeStart(ctx: PreTradeContext, order: Order): readonly PolicyReject[] | undefined {
    // Drop copies pass: they are at the venue, and a missing field (an evaluation failure,
    // fatal to a drop copy) must not keep one out of the book.
    if (this.#byUnderlying.size === 0 || ctx.isDropCopy) return undefined;
    const op = order.operation;
    const instrument = op?.instrument;
    if (instrument === undefined) return MISSING_INSTRUMENT;
    const candidates = this.#byUnderlying.get(instrument.underlyingAsset);
    if (candidates === undefined) return undefined;
    const accountId = op?.accountId;
    if (accountId === undefined && this.#needsAccount) return MISSING_ACCOUNT;
    let sellOnlyHit: RestrictedEntry | undefined;
    for (const e of candidates) {
      if (e.settlementAsset !== undefined && e.settlementAsset !== instrument.settlementAsset) continue;
      const s = e.scope;
      const covers = s.kind === "global" || (s.kind === "account" ? s.accountId === accountId : s.group === ctx.accountGroup());
      if (!covers) continue;
      if (!e.sellOnly) return restricted(e, instrument);
      sellOnlyHit ??= e;
    }
    if (sellOnlyHit === undefined) return undefined;
    const side = op?.side;
    if (side === undefined) return MISSING_SIDE;
    return side === "BUY" ? sellOnly(sellOnlyHit, instrument) : undefined;
  }
}
