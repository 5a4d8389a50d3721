/** Rejects an order when the account already has its maximum of open (accepted, not yet final) orders. */
import type { AccountId, PolicyGroupId } from "../../param/ids.js";
import type { Order } from "../../model/order.js";
import type { PolicyPreTradeResult } from "../../engine/pretrade/policy.js";
import type { ConfigurablePolicy } from "../../engine/pretrade/configurator.js";
import type { AccountRetirementRefusal } from "../../engine/account-retirement.js";
import type { LimitUsage, PreTradeContext, UsageContext } from "../../engine/pretrade/policy.js";
import { snapshotFields } from "../snapshot-data.js";
import { TieredSettings, tierInCall, tierInReading, tiersRetirement } from "../account-tiers.js";
import { MISSING, notConfigured } from "../policy-texts.js";
import { openOrderLimitExceeded } from "./rejects.js";
import { copyMaxOpenOrdersSettings, validateMaxOpenOrdersSettings, type MaxOpenOrdersSettings, type OpenOrdersLimit } from "./settings.js";
import { integerLimitUsage, type IntegerUsage, type IntegerUsageSource } from "../integer-usage.js";

const MISSING_ACCOUNT: PolicyPreTradeResult = { rejects: MISSING.accountId };
const NOT_CONFIGURED: PolicyPreTradeResult = { rejects: notConfigured("open order limit") };

/**
 * Main stage, stateless: the count lives in the engine's account book (orders accepted and
 * not yet final, fed by reservations, rollbacks and final reports). The order passes while
 * open + 1 ≤ max. Dry runs check the same; drop copies are counted by the book regardless.
 */
export class MaxOpenOrdersPolicy implements ConfigurablePolicy<MaxOpenOrdersSettings>, IntegerUsageSource {
  static readonly NAME = "MaxOpenOrdersPolicy";
  readonly name = MaxOpenOrdersPolicy.NAME;
  /** A built-in: a failing commit/rollback of its blocks only the account (OpenPit §E). */
  readonly builtIn = true;
  readonly policyGroupId: PolicyGroupId | undefined;
  readonly #limits: TieredSettings<MaxOpenOrdersSettings, OpenOrdersLimit>;

  constructor(settings: MaxOpenOrdersSettings, options?: { policyGroupId?: PolicyGroupId }) {
    this.#limits = new TieredSettings(settings, copyMaxOpenOrdersSettings, validateMaxOpenOrdersSettings);
    this.policyGroupId = options?.policyGroupId;
  }

  settingsDraft(): MaxOpenOrdersSettings {
    return this.#limits.draft();
  }

  publishSettings(next: MaxOpenOrdersSettings): void {
    this.#limits.publish(next);
  }

  /** Runtime settings (ConfigurePolicy) must survive a snapshot. */
  snapshotState(): { settings: MaxOpenOrdersSettings } {
    return { settings: this.#limits.draft() };
  }

  restoreState(data: unknown): void {
    const { settings } = snapshotFields(data, this.name, "snapshot", ["settings"]);
    this.publishSettings(settings as MaxOpenOrdersSettings);
  }

  /**
   * Account retirement: no state of its own (positions and open orders are the account
   * book's, which refuses while they are not zero); an own `accounts[]` limit refuses.
   */
  retireAccount(accountId: AccountId): AccountRetirementRefusal | undefined {
    return tiersRetirement(this.#limits.tiers, accountId);
  }

  performPreTradeCheck(ctx: PreTradeContext, order: Order): PolicyPreTradeResult | undefined {
    const accountId = order.operation?.accountId;
    if (accountId === undefined) return MISSING_ACCOUNT;
    const limit = tierInCall(this.#limits.tiers, accountId, ctx);
    // A drop copy is already at the venue: nothing to refuse it for.
    if (limit === undefined) return ctx.isDropCopy ? undefined : NOT_CONFIGURED;
    const open = ctx.book.openOrders(accountId);
    return open + 1 > limit.maxOpenOrders ? { rejects: openOrderLimitExceeded(open, limit.maxOpenOrders) } : undefined;
  }

  limitUsage(ctx: UsageContext, accountId: AccountId): readonly LimitUsage[] | undefined {
    return integerLimitUsage(this, ctx, accountId);
  }

  /** The account book's open orders against the max. */
  integerUsage(ctx: UsageContext, accountId: AccountId, out: IntegerUsage): boolean {
    const limit = tierInReading(this.#limits.tiers, accountId, ctx.accounts);
    if (limit === undefined) return false;
    out.limit = "openOrders";
    out.usage = ctx.book.openOrders(accountId);
    out.max = limit.maxOpenOrders;
    return true;
  }
}
