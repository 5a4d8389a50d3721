/** Rejects orders priced too far from a fresh reference price (fat-finger collar); fails closed without one. */
import { snapshotFields } from "../snapshot-data.js";
import type { AccountGroupId, AccountId, PolicyGroupId } from "../../param/ids.js";
import type { Asset, Instrument } from "../../param/instrument.js";
import { exactDifference, exactProduct } from "../../param/decimal-value.js";
import { Price } from "../../param/values.js";
import type { Order } from "../../model/order.js";
import type { PolicyReject } from "../../model/reject.js";
import type { ConfigurablePolicy } from "../../engine/pretrade/configurator.js";
import type { AccountRetirementRefusal } from "../../engine/account-retirement.js";
import type { PreTradeContext } from "../../engine/pretrade/policy.js";
import type { MarketDataSource } from "../../marketdata/market-data-source.js";
import { compileTiers, tiersRetirement, type CompiledTiers } from "../account-tiers.js";
import { MISSING, instrumentText } from "../policy-texts.js";
import { referencePrice, referenceUnavailable } from "../reference-price.js";
import { marketOutsideCollar, priceOutsideCollar } from "./rejects.js";
import { copyPriceCollarSettings, validatePriceCollarSettings, type CollarLimit, type PriceCollarSettings } from "./settings.js";

const HUNDRED = Price.fromInt(100);

interface Compiled {
  readonly tiers: CompiledTiers<CollarLimit>;
  readonly instruments: ReadonlyMap<Asset, ReadonlyMap<Asset, CollarLimit>>;
  readonly slippagePct: Price | undefined;
}

function compile(s: PriceCollarSettings): Compiled {
  const instruments = new Map<Asset, Map<Asset, CollarLimit>>();
  for (const i of s.instruments) {
    let bySettlement = instruments.get(i.underlyingAsset);
    if (!bySettlement) instruments.set(i.underlyingAsset, (bySettlement = new Map()));
    bySettlement.set(i.settlementAsset, i.limit);
  }
  return { tiers: compileTiers(s), instruments, slippagePct: s.marketSlippagePct };
}

/**
 * Start stage, stateless. A limit order passes when abs(price − ref) / |ref| ≤ the band
 * (equal passes); a market order when the touch it would cross (ask for a buy, bid for a
 * sell) is within the market slippage of the reference. The reference is the fresh quote's
 * mark (else mid) under the TTL cascade; missing or stale = ReferenceDataUnavailable.
 * Dry runs check the same; drop copies are not checked (they are at the venue already).
 */
export class PriceCollarPolicy implements ConfigurablePolicy<PriceCollarSettings> {
  static readonly NAME = "PriceCollarPolicy";
  readonly name = PriceCollarPolicy.NAME;
  /** A built-in: a failing commit/rollback of its blocks only the account (OpenPit §E). */
  readonly builtIn = true;
  readonly policyGroupId: PolicyGroupId | undefined;
  #settings: PriceCollarSettings;
  #compiled: Compiled;
  /**
   * The last band bound |ref| × pct, by the identity of its inputs: a mark is the quote's own
   * Price object, the same until the next quote, so most orders reuse the product (a cache
   * only; exact, since equal inputs give the same product).
   */
  #boundRef: Price | undefined;
  #boundPct: Price | undefined;
  #bound: Price | undefined;

  constructor(
    settings: PriceCollarSettings,
    private readonly marketData: MarketDataSource,
    options?: { policyGroupId?: PolicyGroupId },
  ) {
    const owned = copyPriceCollarSettings(settings);
    validatePriceCollarSettings(owned);
    this.#settings = owned;
    this.#compiled = compile(owned);
    this.policyGroupId = options?.policyGroupId;
  }

  /** Runtime settings (ConfigurePolicy) must survive a snapshot. */
  snapshotState(): { settings: PriceCollarSettings } {
    return { settings: this.settingsDraft() };
  }

  restoreState(data: unknown): void {
    const { settings } = snapshotFields(data, this.name, "snapshot", ["settings"]);
    this.publishSettings(settings as PriceCollarSettings);
  }

  settingsDraft(): PriceCollarSettings {
    return copyPriceCollarSettings(this.#settings);
  }

  publishSettings(next: PriceCollarSettings): void {
    const owned = copyPriceCollarSettings(next);
    validatePriceCollarSettings(owned);
    this.#compiled = compile(owned);
    this.#settings = owned;
  }

  /**
   * Account retirement: stateless; an own `accounts[]` band refuses (instrument bands and
   * the group and default tiers do not name an account).
   */
  retireAccount(accountId: AccountId): AccountRetirementRefusal | undefined {
    return tiersRetirement(this.#compiled.tiers, accountId);
  }

  checkPreTradeStart(ctx: PreTradeContext, order: Order): readonly PolicyReject[] | undefined {
    // A drop copy is already at the venue: a band has nothing to stop, and its failures to
    // evaluate (a stale reference, no band, a missing field) are fatal to a drop copy, which
    // would keep a real order out of the book.
    if (ctx.isDropCopy) return undefined;
    const op = order.operation;
    const instrument = op?.instrument;
    if (instrument === undefined) return MISSING.instrument;
    const accountId = op?.accountId;
    if (accountId === undefined) return MISSING.accountId;
    const side = op?.side;
    if (side === undefined) return MISSING.side;
    const limit = this.#limitFor(accountId, instrument, ctx);
    if (limit === undefined) {
      return [
        {
          code: "RiskConfigurationMissing",
          reason: "price collar not configured",
          details: `no collar applies to ${instrumentText(instrument)} for this account`,
          scope: "order",
        },
      ];
    }
    const ref = referencePrice(this.marketData, instrument, accountId, ctx.accountGroup());
    if (!ref.ok) return referenceUnavailable(instrument, ref.reason);
    const band = limit.maxDeviationPct;
    const price = op?.price;
    if (price !== undefined) {
      return this.#outside(price, ref.price, band) ? priceOutsideCollar(price, ref.price, ref.field, band) : undefined;
    }
    const slippage = this.#compiled.slippagePct ?? band;
    const touchField = side === "BUY" ? "ask" : "bid";
    const touch = ref.quote[touchField];
    if (touch === undefined) return referenceUnavailable(instrument, `quote has no ${touchField} price for a market order`);
    return this.#outside(touch, ref.price, slippage) ? marketOutsideCollar(touchField, touch, ref.price, ref.field, slippage) : undefined;
  }

  /**
   * abs(p − ref) × 100 > pct × |ref|: compared without dividing and to the last digit, so
   * equal is exactly equal. Each side is computed in the decimal domain when that is exact
   * (the common case, and the bound is cached per reference and band); when either would be
   * rounded to 29 digits or leave the range (a fat-finger price near its edge, a band of
   * thousands of percent on a big reference), both are compared unbounded, never thrown: a
   * price too far off to compute is a business reject, not an internal error. A rounded bound
   * (|ref| × pct past 29 digits) let a price past the band through (found by review).
   */
  #outside(price: Price, ref: Price, pct: Price): boolean {
    if (ref !== this.#boundRef || pct !== this.#boundPct) {
      this.#bound = exactProduct(ref.abs(), pct);
      this.#boundRef = ref;
      this.#boundPct = pct;
    }
    const bound = this.#bound;
    if (bound !== undefined) {
      const difference = exactDifference(price, ref);
      const scaled = difference === undefined ? undefined : exactProduct(difference.abs(), HUNDRED);
      if (scaled !== undefined) return scaled.gt(bound);
    }
    return price.decimal.minus(ref.decimal).abs().times(100).gt(ref.decimal.abs().times(pct.decimal));
  }

  #limitFor(accountId: AccountId, instrument: Instrument, ctx: { accountGroup(): AccountGroupId | undefined }): CollarLimit | undefined {
    const { tiers, instruments } = this.#compiled;
    const own = tiers.accounts.get(accountId);
    if (own !== undefined) return own;
    if (tiers.groups.size > 0) {
      const group = ctx.accountGroup();
      const byGroup = group === undefined ? undefined : tiers.groups.get(group);
      if (byGroup !== undefined) return byGroup;
    }
    return instruments.get(instrument.underlyingAsset)?.get(instrument.settlementAsset) ?? tiers.fallback;
  }
}

