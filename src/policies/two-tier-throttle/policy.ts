/** Two-tier order throttle: over the soft rate the order is rejected; over the hard rate the account is blocked and its channel closed. */
import type { AccountId, PolicyGroupId } from "../../param/ids.js";
import type { Order } from "../../model/order.js";
import type { PolicyReject } from "../../model/reject.js";
import type { ConfigurablePolicy } from "../../engine/pretrade/configurator.js";
import type { Mutations } from "../../engine/pretrade/mutations.js";
import type { AccountRetirementRefusal, RetirementContext } from "../../engine/account-retirement.js";
import type { LimitUsage, PreTradeContext, UsageContext } from "../../engine/pretrade/policy.js";
import { TieredSettings, tierInCall } from "../account-tiers.js";
import { AccountWindowLogs, captureWindowPolicy, restoreWindowPolicy, retireWindowLog, windowIntegerUsage, type WindowPolicySnapshot } from "../account-window-logs.js";
import { MISSING, notConfigured } from "../policy-texts.js";
import { hardThrottle, softThrottle } from "./rejects.js";
import { copyTwoTierThrottleSettings, validateTwoTierThrottleSettings, type ThrottleLimit, type TwoTierThrottleSettings } from "./settings.js";
import { integerLimitUsage, type IntegerUsage, type IntegerUsageSource } from "../integer-usage.js";

const softMaxOf = (limit: ThrottleLimit): number => limit.softMaxOrders;
const NOT_CONFIGURED = notConfigured("order throttle");

export type TwoTierThrottleSnapshot = WindowPolicySnapshot<TwoTierThrottleSettings>;

/**
 * Start stage. Every order of an account with a limit counts (accepted or rejected, as in
 * RateLimitPolicy: a flood cannot probe for free), in an exact sliding window. count >
 * hard: ThrottleHardLimitExceeded with account scope (the engine latches the block; the
 * door closes the channel, rolling back its reservations); else count > soft:
 * RateLimitExceeded for this order. Dry runs peek without counting; drop copies (orders
 * that already reached the venue without this check) are not counted.
 */
export class TwoTierThrottlePolicy implements ConfigurablePolicy<TwoTierThrottleSettings>, IntegerUsageSource {
  static readonly NAME = "TwoTierThrottlePolicy";
  readonly name = TwoTierThrottlePolicy.NAME;
  /** A built-in: a failing commit/rollback of its blocks only the account (OpenPit §E). */
  readonly builtIn = true;
  readonly policyGroupId: PolicyGroupId | undefined;
  readonly #limits: TieredSettings<TwoTierThrottleSettings, ThrottleLimit>;
  readonly #logs = new AccountWindowLogs();

  constructor(settings: TwoTierThrottleSettings, options?: { policyGroupId?: PolicyGroupId }) {
    this.#limits = new TieredSettings(settings, copyTwoTierThrottleSettings, validateTwoTierThrottleSettings);
    this.policyGroupId = options?.policyGroupId;
  }

  settingsDraft(): TwoTierThrottleSettings {
    return this.#limits.draft();
  }

  /** New limits apply from the next order; what was already counted stays counted. */
  publishSettings(next: TwoTierThrottleSettings): void {
    this.#limits.publish(next);
  }

  /** Account retirement: see `retireWindowLog` (counts in the window refuse; an own tier refuses; a stale log goes on commit). */
  retireAccount(accountId: AccountId, mutations: Mutations, ctx: RetirementContext): AccountRetirementRefusal | undefined {
    return retireWindowLog(this.#limits, this.#logs, accountId, mutations, ctx);
  }

  snapshotState(): TwoTierThrottleSnapshot {
    return captureWindowPolicy(this.#limits, this.#logs);
  }

  restoreState(data: unknown): void {
    restoreWindowPolicy(data, this.name, this.#limits, this.#logs);
  }

  checkPreTradeStart(ctx: PreTradeContext, order: Order): readonly PolicyReject[] | undefined {
    return this.#check(ctx, order, true);
  }

  checkPreTradeStartDryRun(ctx: PreTradeContext, order: Order): readonly PolicyReject[] | undefined {
    return this.#check(ctx, order, false);
  }

  limitUsage(ctx: UsageContext, accountId: AccountId): readonly LimitUsage[] | undefined {
    return integerLimitUsage(this, ctx, accountId);
  }

  /** Orders in the account's window now against the soft max. */
  integerUsage(ctx: UsageContext, accountId: AccountId, out: IntegerUsage): boolean {
    return windowIntegerUsage(this.#limits, this.#logs, ctx, accountId, out, "softRate", softMaxOf);
  }

  #check(ctx: PreTradeContext, order: Order, consume: boolean): readonly PolicyReject[] | undefined {
    const accountId = order.operation?.accountId;
    if (accountId === undefined) return MISSING.accountId;
    if (ctx.isDropCopy) return undefined;
    const limit = tierInCall(this.#limits.tiers, accountId, ctx);
    if (limit === undefined) return NOT_CONFIGURED;
    const n = consume ? this.#logs.push(accountId, ctx.nowMs, limit.windowMs) : this.#logs.peek(accountId, ctx.nowMs, limit.windowMs);
    if (n > limit.hardMaxOrders) {
      // The block is acted on: counting starts afresh, so an operator's unblock is not
      // undone by the orders that caused the block (as RepeatedExecutionThrottlePolicy).
      if (consume) this.#logs.clear(accountId);
      return hardThrottle(n, limit);
    }
    if (n > limit.softMaxOrders) return softThrottle(n, limit);
    return undefined;
  }
}
