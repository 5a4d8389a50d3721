/** Rejects a single order too large in quantity or notional, per broker, asset or account+asset. */
import type { AccountId, PolicyGroupId } from "../../param/ids.js";
import type { Asset } from "../../param/instrument.js";
import type { Order } from "../../model/order.js";
import type { PolicyReject } from "../../model/reject.js";
import type { ConfigurablePolicy } from "../../engine/pretrade/configurator.js";
import type { AccountRetirementRefusal } from "../../engine/account-retirement.js";
import type { PreTradeContext } from "../../engine/pretrade/policy.js";
import { snapshotFields } from "../snapshot-data.js";
import { deriveOrderSize, isOrderSize } from "./order-size.js";
import { MISSING_ACCOUNT_ID, MISSING_INSTRUMENT, MISSING_TRADE_AMOUNT, sizeLimitBreach } from "./rejects.js";
import {
  copyOrderSizeLimitSettings,
  validateOrderSizeLimitSettings,
  type OrderSizeLimit,
  type OrderSizeLimitSettings,
} from "./settings.js";

/** The settings compiled for the hot path: one Map lookup per axis, no scans. */
interface Limits {
  readonly broker: OrderSizeLimit | undefined;
  readonly assets: ReadonlyMap<Asset, OrderSizeLimit>;
  readonly accountAssets: ReadonlyMap<AccountId, ReadonlyMap<Asset, OrderSizeLimit>>;
}

function compileLimits(s: OrderSizeLimitSettings): Limits {
  const assets = new Map<Asset, OrderSizeLimit>();
  for (const b of s.assetBarriers) assets.set(b.settlementAsset, b.limit);
  const accountAssets = new Map<AccountId, Map<Asset, OrderSizeLimit>>();
  for (const b of s.accountAssetBarriers) {
    let byAsset = accountAssets.get(b.accountId);
    if (!byAsset) accountAssets.set(b.accountId, (byAsset = new Map()));
    byAsset.set(b.settlementAsset, b.limit);
  }
  return { broker: s.broker, assets, accountAssets };
}

/**
 * Start-stage per-order size caps (quantity and settlement notional). Stateless apart
 * from its settings, so the default dry-run delegation is already side-effect free.
 *
 * For (account, settlement asset) the asset-axis limit is the account+asset one if
 * configured, else the asset one; the broker limit applies in addition. Only one reject
 * is returned, the asset-axis one first. Breaching an account+asset limit answers with
 * `account` scope, which latches an engine block on the account (OpenPit behaviour).
 */
export class OrderSizeLimitPolicy implements ConfigurablePolicy<OrderSizeLimitSettings> {
  static readonly NAME = "OrderSizeLimitPolicy";
  readonly name = OrderSizeLimitPolicy.NAME;
  readonly builtIn = true;
  readonly policyGroupId: PolicyGroupId | undefined;
  #settings: OrderSizeLimitSettings;
  #limits: Limits;

  constructor(settings: OrderSizeLimitSettings, options?: { policyGroupId?: PolicyGroupId }) {
    const owned = copyOrderSizeLimitSettings(settings);
    validateOrderSizeLimitSettings(owned);
    this.#settings = owned;
    this.#limits = compileLimits(owned);
    this.policyGroupId = options?.policyGroupId;
  }

  settingsDraft(): OrderSizeLimitSettings {
    return copyOrderSizeLimitSettings(this.#settings);
  }

  publishSettings(next: OrderSizeLimitSettings): void {
    const owned = copyOrderSizeLimitSettings(next);
    validateOrderSizeLimitSettings(owned);
    this.#limits = compileLimits(owned);
    this.#settings = owned;
  }

  /** Its only state is the live settings (a configure() may have changed them since construction). */
  /** Account retirement: no per-account state; a setting naming the account refuses (remove it first). */
  retireAccount(accountId: AccountId): AccountRetirementRefusal | undefined {
    return this.#settings.accountAssetBarriers.some((b) => b.accountId === accountId) ? "ConfigurationReferencesAccount" : undefined;
  }

  snapshotState(): { settings: OrderSizeLimitSettings } {
    return { settings: copyOrderSizeLimitSettings(this.#settings) };
  }

  restoreState(data: unknown): void {
    const { settings } = snapshotFields(data, this.name, "snapshot", ["settings"]);
    this.publishSettings(settings as OrderSizeLimitSettings);
  }

  checkPreTradeStart(_ctx: PreTradeContext, order: Order): readonly PolicyReject[] | undefined {
    const limits = this.#limits;
    const operation = order.operation;
    // Every field is read up front, whatever the axes (OpenPit reads instrument, account
    // ID, trade amount and price before resolving any limit; spec §2.3).
    const instrument = operation?.instrument;
    if (instrument === undefined) return MISSING_INSTRUMENT;
    const accountId = operation?.accountId;
    if (accountId === undefined) return MISSING_ACCOUNT_ID;
    const amount = operation?.tradeAmount;
    if (amount === undefined) return MISSING_TRADE_AMOUNT;
    const settlement = instrument.settlementAsset;
    let assetLimit: OrderSizeLimit | undefined = limits.accountAssets.size > 0 ? limits.accountAssets.get(accountId)?.get(settlement) : undefined;
    const accountLevel = assetLimit !== undefined;
    assetLimit ??= limits.assets.get(settlement);
    const broker = limits.broker;
    if (assetLimit === undefined && broker === undefined) return undefined;

    const size = deriveOrderSize(amount, operation?.price);
    if (!isOrderSize(size)) return size;

    if (assetLimit !== undefined) {
      const breach = sizeLimitBreach(assetLimit, size.quantity, size.notional, accountLevel ? "account" : "order");
      if (breach) return breach;
    }
    return broker && sizeLimitBreach(broker, size.quantity, size.notional, "order");
  }
}
