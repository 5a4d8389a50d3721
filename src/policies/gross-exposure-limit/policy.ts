/** Caps an account's gross notional over all instruments: positions + open orders + this order, at reference prices. */
import type { AccountId, PolicyGroupId } from "../../param/ids.js";
import { PositionSize } from "../../param/values.js";
import type { Order } from "../../model/order.js";
import type { ConfigurablePolicy } from "../../engine/pretrade/configurator.js";
import type { AccountRetirementRefusal } from "../../engine/account-retirement.js";
import type { LimitUsage, PolicyPreTradeResult, PreTradeContext, UsageContext } from "../../engine/pretrade/policy.js";
import { footprintOf } from "../../engine/account-book/order-footprint.js";
import type { MarketDataSource } from "../../marketdata/market-data-source.js";
import { TieredSettings, tierOf, tiersRetirement } from "../account-tiers.js";
import { MISSING } from "../policy-texts.js";
import { referenceUnavailable } from "../reference-price.js";
import { grossExposure, grossExposurePair, worstWith } from "./exposure.js";
import { grossExposureExceeded } from "./rejects.js";
import { copyGrossExposureSettings, validateGrossExposureSettings, type ExposureLimit, type GrossExposureSettings } from "./settings.js";

/**
 * Main stage, stateless (positions and open orders come from the engine's account book,
 * prices from market data). Per instrument the worst case counts: |position + open buys|
 * or |position − open sells|, whichever is larger, so open orders on the side that grows
 * the position count and the other side does not offset it. An order that does not raise
 * its instrument's worst case (it reduces the position) always passes, even without
 * prices. Otherwise every instrument at stake needs a fresh reference (fail closed:
 * ReferenceDataUnavailable) and the total must stay ≤ the limit (equal passes). A market
 * order by volume counts its volume as notional.
 */
export class GrossExposureLimitPolicy implements ConfigurablePolicy<GrossExposureSettings> {
  static readonly NAME = "GrossExposureLimitPolicy";
  readonly name = GrossExposureLimitPolicy.NAME;
  /** A built-in: a failing commit/rollback of its blocks only the account (OpenPit §E). */
  readonly builtIn = true;
  readonly stateless = true;
  readonly policyGroupId: PolicyGroupId | undefined;
  readonly #limits: TieredSettings<GrossExposureSettings, ExposureLimit>;

  constructor(
    settings: GrossExposureSettings,
    private readonly marketData: MarketDataSource,
    options?: { policyGroupId?: PolicyGroupId },
  ) {
    this.#limits = new TieredSettings(settings, copyGrossExposureSettings, validateGrossExposureSettings);
    this.policyGroupId = options?.policyGroupId;
  }

  settingsDraft(): GrossExposureSettings {
    return this.#limits.draft();
  }

  publishSettings(next: GrossExposureSettings): void {
    this.#limits.publish(next);
  }

  /**
   * Account retirement: no state of its own (positions and open orders are the account
   * book's, which refuses while they are not zero); an own `accounts[]` limit refuses.
   */
  retireAccount(accountId: AccountId): AccountRetirementRefusal | undefined {
    return tiersRetirement(this.#limits.tiers, accountId);
  }

  performPreTradeCheck(ctx: PreTradeContext, order: Order): PolicyPreTradeResult | undefined {
    const op = order.operation;
    const instrument = op?.instrument;
    if (instrument === undefined) return { rejects: MISSING.instrument };
    const side = op?.side;
    if (side === undefined) return { rejects: MISSING.side };
    const footprint = footprintOf(order);
    if (footprint === undefined) return { rejects: MISSING.accountId };
    const accountId = footprint.accountId;
    const limit = tierOf(this.#limits.tiers, accountId, () => ctx.accountGroup());
    if (limit === undefined || instrument.settlementAsset !== limit.settlementAsset) return undefined;
    const amount = op?.tradeAmount;
    if (amount === undefined) return { rejects: MISSING.tradeAmount };
    // A market order by volume: its quantity is unknown, its notional is the volume.
    const volumeOnly = amount.kind === "volume" && footprint.quantity.isZero() ? PositionSize.from(amount.value) : undefined;
    const entry = ctx.book.entry(accountId, instrument);
    const [before, after] = worstWith(entry, side, footprint.quantity);
    if (volumeOnly === undefined && after.lte(before)) return undefined;
    const group = ctx.accountGroup();
    // Now and with this order in one pass over the account (each price looked up once).
    const pair = grossExposurePair(ctx.book, this.marketData, accountId, group, limit.settlementAsset, instrument, before, after);
    if (!pair.ok) return { rejects: referenceUnavailable(pair.instrument, pair.reason) };
    const total = volumeOnly === undefined ? pair.next : pair.next.add(volumeOnly);
    return total.gt(limit.maxNotional) ? { rejects: grossExposureExceeded(total, pair.now, limit.maxNotional, limit.settlementAsset) } : undefined;
  }

  limitUsage(ctx: UsageContext, accountId: AccountId): readonly LimitUsage[] | undefined {
    const limit = tierOf(this.#limits.tiers, accountId, () => ctx.accounts.groupOf(accountId));
    if (limit === undefined) return undefined;
    const now = grossExposure(ctx.book, this.marketData, accountId, ctx.accounts.groupOf(accountId), limit.settlementAsset);
    return now.ok ? [{ limit: "grossExposure", usage: now.notional, max: limit.maxNotional }] : undefined;
  }
}
