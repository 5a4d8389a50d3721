/** One sliding-window log per account, with its plain-data form: the state of the count-in-a-window controls. */
import type { AccountId } from "../param/ids.js";
import { SlidingWindowLog } from "./rate-limit/window-counters.js";
import { snapshotArray, snapshotFields, snapshotMap } from "./snapshot-data.js";
import { copyTiers, tierInCall, tierInReading, tiersRetirement, type AccountTiers, type TieredSettings } from "./account-tiers.js";
import { isWindowDuration, windowInDurationRange } from "../param/duration.js";
import type { IntegerUsage } from "./integer-usage.js";
import type { UsageContext } from "../engine/pretrade/policy.js";
import type { AccountRetirementRefusal, RetirementContext } from "../engine/account-retirement.js";
import type { Mutations } from "../engine/pretrade/mutations.js";

/** A window-counting control's state as plain data: its live settings and every account's log. */
export interface WindowPolicySnapshot<S> {
  readonly settings: S;
  /** Per account, the exact event times still in a window, oldest first. */
  readonly logs: ReadonlyMap<AccountId, readonly number[]>;
}

export function captureWindowPolicy<S extends AccountTiers<L>, L>(limits: TieredSettings<S, L>, logs: AccountWindowLogs): WindowPolicySnapshot<S> {
  return { settings: limits.draft(), logs: logs.toData() };
}

/**
 * Settings first (validated: a bad snapshot is refused before the logs change), then the logs.
 * Windows an earlier version accepted past today's bounds are brought into them first
 * (`windowInDurationRange`): refused, they made an upgraded snapshot unreadable.
 */
export function restoreWindowPolicy<S extends AccountTiers<L>, L extends { readonly windowMs: number }>(
  data: unknown,
  policy: string,
  limits: TieredSettings<S, L>,
  logs: AccountWindowLogs,
): void {
  const s = snapshotFields(data, policy, "snapshot", ["settings", "logs"]);
  const settings = s.settings as S;
  const inRange = (limit: L): L => (isWindowDuration(limit.windowMs) ? limit : { ...limit, windowMs: windowInDurationRange(limit.windowMs) });
  limits.publish({ ...settings, ...copyTiers(settings, inRange) });
  logs.restore(s.logs, policy);
}

/**
 * Account retirement for a window-counting control (a retired account must look new, and
 * retiring must not be a way to reset a throttle): NonZeroState while the account's log
 * still holds an event inside the window of the limit that applies to it now (retry once
 * the window has passed: the command's time decides, so replay agrees); then
 * ConfigurationReferencesAccount while `accounts[]` names it. Otherwise a log left over
 * (all of it expired, or no limit applies any more) is removed on commit only.
 */
export function retireWindowLog<S extends AccountTiers<L>, L extends { readonly windowMs: number }>(
  limits: TieredSettings<S, L>,
  logs: AccountWindowLogs,
  accountId: AccountId,
  mutations: Mutations,
  ctx: RetirementContext,
): AccountRetirementRefusal | undefined {
  if (logs.has(accountId)) {
    const limit = tierInCall(limits.tiers, accountId, ctx);
    if (limit !== undefined && logs.peek(accountId, ctx.nowMs, limit.windowMs) > 1) return "NonZeroState";
  }
  const refusal = tiersRetirement(limits.tiers, accountId);
  if (refusal === undefined && logs.has(accountId)) mutations.push(() => logs.clear(accountId), undefined);
  return refusal;
}

/**
 * `integerUsage` of a window-counting control: the events in the account's window now
 * (`limitName`) against `maxOf(limit)`; false when no limit applies to the account.
 */
export function windowIntegerUsage<S extends AccountTiers<L>, L extends { readonly windowMs: number }>(
  limits: TieredSettings<S, L>,
  logs: AccountWindowLogs,
  ctx: UsageContext,
  accountId: AccountId,
  out: IntegerUsage,
  limitName: string,
  maxOf: (limit: L) => number,
): boolean {
  const limit = tierInReading(limits.tiers, accountId, ctx.accounts);
  if (limit === undefined) return false;
  out.limit = limitName;
  out.usage = logs.peek(accountId, ctx.nowMs, limit.windowMs) - 1;
  out.max = maxOf(limit);
  return true;
}

/** Logs are created on an account's first event and kept (one small ring buffer per account that has a limit). */
export class AccountWindowLogs {
  private readonly logs = new Map<AccountId, SlidingWindowLog>();

  /** Counts one event at `now`; returns the count in the window including it. */
  push(accountId: AccountId, now: number, windowMs: number): number {
    let log = this.logs.get(accountId);
    if (log === undefined) this.logs.set(accountId, (log = new SlidingWindowLog()));
    return log.push(now, windowMs);
  }

  /** What `push` would return now, without counting. */
  peek(accountId: AccountId, now: number, windowMs: number): number {
    return this.logs.get(accountId)?.peek(now, windowMs) ?? 1;
  }

  has(accountId: AccountId): boolean {
    return this.logs.has(accountId);
  }

  /** Forgets the account's events (a breach was acted on: counting starts afresh). */
  clear(accountId: AccountId): void {
    this.logs.delete(accountId);
  }

  toData(): Map<AccountId, number[]> {
    const out = new Map<AccountId, number[]>();
    for (const [id, log] of this.logs) out.set(id, log.entries());
    return out;
  }

  restore(data: unknown, policy: string): void {
    const map = snapshotMap<AccountId, unknown>(data, policy, "account logs");
    this.logs.clear();
    for (const [id, times] of map) {
      const log = new SlidingWindowLog();
      log.restore(snapshotArray<number>(times, policy, "an account log"));
      this.logs.set(id, log);
    }
  }
}
