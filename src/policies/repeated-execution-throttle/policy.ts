/** Counts an account's executions in a sliding window and blocks the account on a breach, until an operator unblocks it. */
import type { AccountId, PolicyGroupId } from "../../param/ids.js";
import type { ExecutionReport } from "../../model/execution-report.js";
import type { ConfigurablePolicy } from "../../engine/pretrade/configurator.js";
import type { Mutations } from "../../engine/pretrade/mutations.js";
import type { AccountRetirementRefusal, RetirementContext } from "../../engine/account-retirement.js";
import type { LimitUsage, PolicyPostTradeResult, PostTradeContext, UsageContext } from "../../engine/pretrade/policy.js";
import { TieredSettings, tierInCall } from "../account-tiers.js";
import { AccountWindowLogs, captureWindowPolicy, restoreWindowPolicy, retireWindowLog, windowIntegerUsage, type WindowPolicySnapshot } from "../account-window-logs.js";
import { repeatedExecutionBlock } from "./rejects.js";
import { copyRepeatedExecutionSettings, validateRepeatedExecutionSettings, type ExecutionLimit, type RepeatedExecutionSettings } from "./settings.js";
import { integerLimitUsage, type IntegerUsage, type IntegerUsageSource } from "../integer-usage.js";

const maxExecutionsOf = (limit: ExecutionLimit): number => limit.maxExecutions;

export type RepeatedExecutionSnapshot = WindowPolicySnapshot<RepeatedExecutionSettings>;

/**
 * Post-trade only. Every report with a non-zero trade counts once for its account (a fill
 * = an execution), in an exact sliding window. count > max: the account is blocked
 * (RepeatedExecutionLimitExceeded, first cause wins) and its count starts afresh; fills
 * that arrive while the account is blocked (by anyone) are not counted, so an operator's
 * unblock is not undone by the fills that caused the block or by those still in flight. Orders, dry runs
 * and drop copies are not looked at (drop copies are orders; their fills arrive as reports).
 */
export class RepeatedExecutionThrottlePolicy implements ConfigurablePolicy<RepeatedExecutionSettings>, IntegerUsageSource {
  static readonly NAME = "RepeatedExecutionThrottlePolicy";
  readonly name = RepeatedExecutionThrottlePolicy.NAME;
  /** A built-in: a failing commit/rollback of its blocks only the account (OpenPit §E). */
  readonly builtIn = true;
  readonly policyGroupId: PolicyGroupId | undefined;
  readonly #limits: TieredSettings<RepeatedExecutionSettings, ExecutionLimit>;
  readonly #logs = new AccountWindowLogs();

  constructor(settings: RepeatedExecutionSettings, options?: { policyGroupId?: PolicyGroupId }) {
    this.#limits = new TieredSettings(settings, copyRepeatedExecutionSettings, validateRepeatedExecutionSettings);
    this.policyGroupId = options?.policyGroupId;
  }

  settingsDraft(): RepeatedExecutionSettings {
    return this.#limits.draft();
  }

  publishSettings(next: RepeatedExecutionSettings): void {
    this.#limits.publish(next);
  }

  /** Account retirement: see `retireWindowLog` (counts in the window refuse; an own tier refuses; a stale log goes on commit). */
  retireAccount(accountId: AccountId, mutations: Mutations, ctx: RetirementContext): AccountRetirementRefusal | undefined {
    return retireWindowLog(this.#limits, this.#logs, accountId, mutations, ctx);
  }

  snapshotState(): RepeatedExecutionSnapshot {
    return captureWindowPolicy(this.#limits, this.#logs);
  }

  restoreState(data: unknown): void {
    restoreWindowPolicy(data, this.name, this.#limits, this.#logs);
  }

  applyExecutionReport(ctx: PostTradeContext, report: ExecutionReport): PolicyPostTradeResult | undefined {
    const accountId = report.operation?.accountId;
    const trade = report.fill?.lastTrade;
    if (accountId === undefined || trade === undefined || trade.quantity.isZero()) return undefined;
    // A blocked account's fills come from orders sent before its block (racing the cancels the
    // kill switch sent): counted, they re-blocked the account at the first fill after an
    // operator's unblock (found by review). The count starts afresh when it is unblocked.
    if (ctx.accountBlocked()) {
      this.#logs.clear(accountId);
      return undefined;
    }
    const limit = tierInCall(this.#limits.tiers, accountId, ctx);
    if (limit === undefined) return undefined;
    const n = this.#logs.push(accountId, ctx.nowMs, limit.windowMs);
    if (n <= limit.maxExecutions) return undefined;
    this.#logs.clear(accountId);
    return { accountBlocks: [repeatedExecutionBlock(n, limit)] };
  }

  limitUsage(ctx: UsageContext, accountId: AccountId): readonly LimitUsage[] | undefined {
    return integerLimitUsage(this, ctx, accountId);
  }

  /** Executions in the account's window now against the max. */
  integerUsage(ctx: UsageContext, accountId: AccountId, out: IntegerUsage): boolean {
    return windowIntegerUsage(this.#limits, this.#logs, ctx, accountId, out, "executions", maxExecutionsOf);
  }
}
