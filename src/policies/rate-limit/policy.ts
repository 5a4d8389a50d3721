/** Rejects orders once too many arrived within a window, per broker, asset, account or account+asset. */
import type { AccountRetirementRefusal } from "../../engine/account-retirement.js";
import type { Mutations } from "../../engine/pretrade/mutations.js";
import type { AccountId, PolicyGroupId } from "../../param/ids.js";
import { windowInDurationRange } from "../../param/duration.js";
import type { Asset } from "../../param/instrument.js";
import type { Order } from "../../model/order.js";
import type { PolicyReject } from "../../model/reject.js";
import type { ConfigurablePolicy } from "../../engine/pretrade/configurator.js";
import type { LimitUsage, PreTradeContext, UsageContext } from "../../engine/pretrade/policy.js";
import { compileAxes, emptyAccountLogs, type AccountLogs, type Axes, type Slot, type WindowCounter } from "./axes.js";
import { MISSING_ACCOUNT_ID, MISSING_INSTRUMENT, rateLimitExceeded, type RateLimitBarrier } from "./rejects.js";
import { copyRateLimitSettings, validateRateLimitSettings, type RateLimitSettings } from "./settings.js";
import { snapshotFields } from "../snapshot-data.js";
import { captureRateLimit, restoreIdleLogs, restoreRateLimitCounters, type RateLimitSnapshot } from "./snapshot.js";
import { integerLimitUsage, type IntegerUsage, type IntegerUsageSource } from "../integer-usage.js";

/**
 * Start-stage order-rate limits on four axes: broker, settlement asset, account, and
 * account + settlement asset.
 *
 * Flood semantics: every applicable axis counts every call, including calls this or
 * another policy rejects, and nothing is ever given back; otherwise a client could keep
 * probing a full window for free. A breach is `count > maxOrders` with the current order
 * counted; only one reject is returned, in priority broker → asset → account →
 * account+asset. Time comes only from `ctx.nowMs`.
 */
export class RateLimitPolicy implements ConfigurablePolicy<RateLimitSettings>, IntegerUsageSource {
  static readonly NAME = "RateLimitPolicy";
  readonly name = RateLimitPolicy.NAME;
  readonly builtIn = true;
  readonly policyGroupId: PolicyGroupId | undefined;
  #settings: RateLimitSettings;
  #axes: Axes;
  /** Account and account+asset logs by key, configured or idle: a retune does not drop them (see `AccountLogs`). */
  #logs: AccountLogs = emptyAccountLogs();

  constructor(settings: RateLimitSettings, options?: { policyGroupId?: PolicyGroupId }) {
    const owned = copyRateLimitSettings(settings);
    validateRateLimitSettings(owned);
    this.#settings = owned;
    this.#axes = compileAxes(owned, this.#logs);
    this.policyGroupId = options?.policyGroupId;
  }

  settingsDraft(): RateLimitSettings {
    return copyRateLimitSettings(this.#settings);
  }

  /**
   * Replaces every axis; surviving keys keep their live windows, and a removed account or
   * account+asset key's log stays behind for a re-add. On error nothing changes.
   */
  publishSettings(next: RateLimitSettings): void {
    const owned = copyRateLimitSettings(next);
    validateRateLimitSettings(owned);
    this.#axes = compileAxes(owned, this.#logs, this.#axes);
    this.#settings = owned;
  }

  /**
   * Account retirement: per-account windows exist only for accounts its settings name, so a
   * named account is `ConfigurationReferencesAccount` (remove the barrier first); any other
   * account is accepted, and the idle logs its removed barriers left are dropped on commit.
   */
  retireAccount(accountId: AccountId, mutations: Mutations): AccountRetirementRefusal | undefined {
    const s = this.#settings;
    const named = s.accountBarriers.some((b) => b.accountId === accountId) || s.accountAssetBarriers.some((b) => b.accountId === accountId);
    if (named) return "ConfigurationReferencesAccount";
    const logs = this.#logs;
    if (logs.accounts.has(accountId) || logs.accountAssets.has(accountId)) {
      mutations.push(() => {
        logs.accounts.delete(accountId);
        logs.accountAssets.delete(accountId);
      }, undefined);
    }
    return undefined;
  }

  /** Live settings and every window counter, exactly (see `RateLimitSnapshot`). */
  snapshotState(): RateLimitSnapshot {
    return captureRateLimit(copyRateLimitSettings(this.#settings), this.#axes, this.#logs);
  }

  restoreState(data: unknown): void {
    const snapshot = snapshotFields(data, this.name, "snapshot", ["settings", "assets", "accounts", "accountAssets"]);
    // Windows an earlier version accepted below 1 ns count as 1 ns (windowInDurationRange).
    const owned = copyRateLimitSettings(snapshot.settings as RateLimitSettings, windowInDurationRange);
    validateRateLimitSettings(owned);
    // Fresh counters for the snapshot's keys, then filled: nothing from construction survives.
    const logs = emptyAccountLogs();
    restoreIdleLogs(snapshot as unknown as RateLimitSnapshot, logs);
    const axes = compileAxes(owned, logs);
    restoreRateLimitCounters(axes, snapshot as unknown as RateLimitSnapshot);
    this.#logs = logs;
    this.#axes = axes;
    this.#settings = owned;
  }

  checkPreTradeStart(ctx: PreTradeContext, order: Order): readonly PolicyReject[] | undefined {
    return this.#check(ctx.nowMs, order, true);
  }

  /** Peeks at every axis: reports the verdict a real call would get without spending budget. */
  checkPreTradeStartDryRun(ctx: PreTradeContext, order: Order): readonly PolicyReject[] | undefined {
    return this.#check(ctx.nowMs, order, false);
  }

  /** Soft limits read the account barrier: orders in its window now against its max. */
  limitUsage(ctx: UsageContext, accountId: AccountId): readonly LimitUsage[] | undefined {
    return integerLimitUsage(this, ctx, accountId);
  }

  /** The account barrier's orders in its window now against its max. */
  integerUsage(ctx: UsageContext, accountId: AccountId, out: IntegerUsage): boolean {
    const slot = this.#axes.accounts.get(accountId);
    if (slot === undefined) return false;
    out.limit = "accountRate";
    out.usage = slot.counter.peek(ctx.nowMs, slot.limit.windowMs) - 1;
    out.max = slot.limit.maxOrders;
    return true;
  }

  #check(now: number, order: Order, consume: boolean): readonly PolicyReject[] | undefined {
    const axes = this.#axes;
    const operation = order.operation;
    // Fields are read before anything is counted: an unreadable order spends no budget.
    let settlement: Asset | undefined;
    if (axes.needsSettlement) {
      const instrument = operation?.instrument;
      if (instrument === undefined) return MISSING_INSTRUMENT;
      settlement = instrument.settlementAsset;
    }
    let accountId: AccountId | undefined;
    if (axes.needsAccount) {
      accountId = operation?.accountId;
      if (accountId === undefined) return MISSING_ACCOUNT_ID;
    }

    let breach: readonly PolicyReject[] | undefined;
    if (axes.broker) breach = count(axes.broker, "broker", now, consume, breach);
    if (settlement !== undefined) {
      const slot = axes.assets.get(settlement);
      if (slot) breach = count(slot, "asset", now, consume, breach);
    }
    if (accountId !== undefined) {
      const slot = axes.accounts.get(accountId);
      if (slot) breach = count(slot, "account", now, consume, breach);
      if (settlement !== undefined) {
        const pair = axes.accountAssets.get(accountId)?.get(settlement);
        if (pair) breach = count(pair, "account+asset", now, consume, breach);
      }
    }
    return breach;
  }
}

/**
 * Counts the call on one axis (or peeks), and keeps an earlier-priority breach if there is
 * one: the axis is counted either way, only the reject is suppressed.
 */
function count(
  slot: Slot<WindowCounter>,
  barrier: RateLimitBarrier,
  now: number,
  consume: boolean,
  earlier: readonly PolicyReject[] | undefined,
): readonly PolicyReject[] | undefined {
  const { limit, counter } = slot;
  const n = consume ? counter.push(now, limit.windowMs) : counter.peek(now, limit.windowMs);
  if (earlier !== undefined || n <= limit.maxOrders) return earlier;
  return rateLimitExceeded(barrier, n, limit);
}
