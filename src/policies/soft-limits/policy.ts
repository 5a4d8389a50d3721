/** Soft limits: warns monitors when an account's usage of another policy's limit crosses a configured share. */
import type { AccountId, PolicyGroupId } from "../../param/ids.js";
import { exactProduct, type DecimalValue } from "../../param/decimal-value.js";
import type { Order } from "../../model/order.js";
import type { ExecutionReport } from "../../model/execution-report.js";
import type { ConfigurablePolicy } from "../../engine/pretrade/configurator.js";
import type { AccountRetirementRefusal, RetirementContext } from "../../engine/account-retirement.js";
import type { Mutation, Mutations } from "../../engine/pretrade/mutations.js";
import type { AccountBookView } from "../../engine/account-book/account-book-view.js";
import type { AccountsView, PolicyPeers, PostTradeContext, PreTradeContext, PreTradePolicy, UsageContext } from "../../engine/pretrade/policy.js";
import { SnapshotError } from "../../engine/errors.js";
import { copyNested, snapshotFields, snapshotMap } from "../snapshot-data.js";
import { copySoftLimitSettings, validateSoftLimitSettings, type SoftLimitSettings } from "./settings.js";
import { integerUsageSource, type IntegerUsage, type IntegerUsageSource } from "../integer-usage.js";
import { Quantity, type Price } from "../../param/values.js";

export interface SoftLimitSnapshot {
  readonly settings: SoftLimitSettings;
  /** Per account, per "policy/limit": how many shares its usage is at or above (0 = none). */
  readonly levels: ReadonlyMap<AccountId, ReadonlyMap<string, number>>;
}

/**
 * One watched limit's levels key, and the thresholds (share × max) for the max last seen:
 * a max rarely changes, so the products are computed once instead of at every reading.
 */
interface WatchedLimit {
  /** The limit's name (as the policy reports it) and its levels key, "policy/limit". */
  readonly limit: string;
  readonly key: string;
  max: DecimalValue | undefined;
  thresholds: DecimalValue[];
  /**
   * The same thresholds unrounded, when one of `thresholds` could not hold its product
   * exactly (past 29 digits): compared then as decimal.js values, so that usage ≥ share × max
   * holds to the last digit. A rounded threshold counted a usage below it as reached.
   */
  unrounded: DecimalValue["decimal"][] | undefined;
  /**
   * For a limit read as integers (`integerUsage`): the max `intThresholds` were made for
   * (NaN: none yet) and each threshold share × max rounded up to an integer, so that for
   * an integer usage u, u ≥ share × max exactly when u ≥ the rounded threshold.
   */
  intMax: number;
  intThresholds: number[];
}

/** The context handed to `limitUsage`/`integerUsage`, one per peers, its time set at each reading. */
class ReadingContext implements UsageContext {
  nowMs = 0;
  constructor(
    readonly book: AccountBookView,
    readonly accounts: AccountsView,
  ) {}
}

/** The record of the main-stage mutation: whose usage to read at commit, and when. */
interface CommitRecord {
  readonly accountId: AccountId;
  readonly nowMs: number;
}

/**
 * Never rejects. After an accepted order commits (its mutation's commit) and after every
 * execution report, it reads each watched policy's `limitUsage` for the account and sends
 * a `softLimitCrossed` event for each share usage rose to (usage ≥ share × max, max > 0),
 * lowest share first. A share is sent once per crossing: it re-arms only once usage fell
 * below it again (seen at a later reading, or at a rollback of a reservation, which re-arms
 * without announcing anything). Place it last, so the readings follow every
 * other policy's update. Dry runs read nothing; drop copies are read like orders.
 */
export class SoftLimitPolicy implements ConfigurablePolicy<SoftLimitSettings> {
  static readonly NAME = "SoftLimitPolicy";
  readonly name = SoftLimitPolicy.NAME;
  /** A built-in: a failing commit/rollback of its blocks only the account (OpenPit §E). */
  readonly builtIn = true;
  readonly policyGroupId: PolicyGroupId | undefined;
  #settings: SoftLimitSettings;
  #peers: PolicyPeers | undefined;
  #levels = new Map<AccountId, Map<string, number>>();
  /** Per policy name, per limit name: a cache only (derived from settings and usages), never snapshotted. */
  #watched = new Map<string, Map<string, WatchedLimit>>();
  /** The peers read at each reading (watched, with a limitUsage), listed once per peers/settings. */
  #targets: PreTradePolicy[] | undefined;
  /** Index for index with `#targets`: that policy's watched limits by limit name (the same objects as in `#watched`). */
  #targetLimits: Map<string, WatchedLimit>[] = [];
  /** Index for index with `#targets`: the policy's integer form, if it has one (read instead of `limitUsage`). */
  #targetInts: (IntegerUsageSource | undefined)[] = [];
  /** Index for index with `#targets`: the watched limit an integer reading of that policy used last (its one limit, without a lookup by name). */
  #targetIntLimit: (WatchedLimit | undefined)[] = [];
  /** Filled by an integer reading (its fields are copied out before anything is emitted). */
  readonly #intUsage: IntegerUsage = { limit: "", usage: 0, max: 0 };
  #readingCtx: ReadingContext | undefined;

  constructor(settings: SoftLimitSettings, options?: { policyGroupId?: PolicyGroupId }) {
    const owned = copySoftLimitSettings(settings);
    validateSoftLimitSettings(owned);
    this.#settings = owned;
    this.policyGroupId = options?.policyGroupId;
  }

  attachPeers(peers: PolicyPeers): void {
    this.#peers = peers;
    this.#targets = undefined;
    this.#readingCtx = new ReadingContext(peers.book, peers.accounts);
  }

  settingsDraft(): SoftLimitSettings {
    return copySoftLimitSettings(this.#settings);
  }

  /**
   * Crossing levels are kept by the share they reached, not by their count: a level is the
   * number of shares crossed, so after the shares change it becomes the number of new
   * shares at or below the highest old share it had crossed. A new share above that is
   * sent when usage reaches it; one at or below it is not sent again (usage was at least
   * there when last read). Counting alone read a level of 1 (0.5 crossed) as "1.0 crossed"
   * after a retune from [0.5] to [1], and the crossing of 1.0 was never sent.
   */
  publishSettings(next: SoftLimitSettings): void {
    const owned = copySoftLimitSettings(next);
    validateSoftLimitSettings(owned);
    const before = this.#settings.shares;
    this.#settings = owned;
    this.#watched.clear();
    this.#targets = undefined;
    for (const byLimit of this.#levels.values()) {
      for (const [key, level] of byLimit) if (level > 0) byLimit.set(key, sharesUpTo(owned.shares, before[Math.min(level, before.length) - 1]!));
    }
    this.#forgetUnwatched();
  }

  /**
   * Drops the levels of policies the settings no longer watch. Nothing reads them while
   * unwatched, so nothing re-arms them: watched again, a level latched before hid the next
   * crossing, though usage had fallen to 0 and risen past the share again in between (found
   * by review). A policy watched again starts from a fresh reading, as a new account does.
   */
  #forgetUnwatched(): void {
    const watched = this.#settings.policies;
    if (watched === undefined) return;
    for (const [accountId, byLimit] of this.#levels) {
      for (const key of byLimit.keys()) if (!watched.some((name) => key.startsWith(`${name}/`))) byLimit.delete(key);
      if (byLimit.size === 0) this.#levels.delete(accountId);
    }
  }

  snapshotState(): SoftLimitSnapshot {
    return { settings: copySoftLimitSettings(this.#settings), levels: copyNested(this.#levels) };
  }

  restoreState(data: unknown): void {
    const s = snapshotFields(data, this.name, "snapshot", ["settings", "levels"]);
    const owned = copySoftLimitSettings(s.settings as SoftLimitSettings);
    validateSoftLimitSettings(owned);
    this.#levels = copyNested(snapshotMap<AccountId, ReadonlyMap<string, number>>(s.levels, this.name, "levels"));
    this.#settings = owned;
    this.#watched.clear();
    this.#targets = undefined;
    this.#forgetUnwatched();
  }

  /**
   * Account retirement: the crossing levels are its per-account state. NonZeroState while a
   * latched level still holds (a watched usage of the account is at or above a share at the
   * command's time, read without sending anything): the account is still using that limit.
   * A latch gone stale (usage fell below every share with no reading since: levels only move
   * at readings) is removed on commit, so a re-created account warns afresh, like a new one.
   * Its settings name no account.
   */
  retireAccount(accountId: AccountId, mutations: Mutations, ctx: RetirementContext): AccountRetirementRefusal | undefined {
    const latched = this.#levels.get(accountId);
    if (latched === undefined) return undefined;
    const peers = this.#peers;
    const watched = this.#settings.policies;
    if (peers !== undefined) {
      const usageCtx = { nowMs: ctx.nowMs, book: peers.book, accounts: peers.accounts };
      for (const policy of peers.policies) {
        if (policy === (this as PreTradePolicy) || policy.limitUsage === undefined) continue;
        if (watched !== undefined && !watched.includes(policy.name)) continue;
        for (const u of policy.limitUsage(usageCtx, accountId) ?? []) {
          const watchedLimit = this.#watchedLimit(policy.name, u.limit);
          const level = latched.get(watchedLimit.key) ?? 0;
          if (level > 0 && u.max.isPositive() && this.#levelOf(u.usage, u.unrounded, u.max, watchedLimit) > 0) return "NonZeroState";
        }
      }
    }
    mutations.push(() => void this.#levels.delete(accountId), undefined);
    return undefined;
  }

  performPreTradeCheck(ctx: PreTradeContext, order: Order, mutations: Mutations): undefined {
    const accountId = order.operation?.accountId;
    if (accountId === undefined) return undefined;
    mutations.push(new CommitReading(this, accountId, ctx.nowMs));
    return undefined;
  }

  /** Nothing is read or registered in a dry run. */
  performPreTradeCheckDryRun(): undefined {
    return undefined;
  }

  restoreMutation(record: unknown): Mutation {
    const r = snapshotFields(record, this.name, "mutation record", ["accountId", "nowMs"]);
    if (typeof r.nowMs !== "number") throw new SnapshotError("Malformed", `${this.name}: mutation record nowMs must be a number`, this.name);
    const saved = r as unknown as CommitRecord;
    return new CommitReading(this, saved.accountId, saved.nowMs);
  }

  applyExecutionReport(ctx: PostTradeContext, report: ExecutionReport): undefined {
    const accountId = report.operation?.accountId;
    if (accountId !== undefined) this.read(accountId, ctx.nowMs);
    return undefined;
  }

  /**
   * Reads every watched usage of the account now and announces the shares crossed upward.
   * `rearmOnly`: only lowers levels (shares usage fell below re-arm), never raises or
   * announces one: a rollback's reading, taken while the reservation is being undone.
   */
  read(accountId: AccountId, nowMs: number, rearmOnly = false): void {
    const peers = this.#peers;
    if (peers === undefined) return;
    const ctx = this.#readingCtx!;
    ctx.nowMs = nowMs;
    const targets = (this.#targets ??= this.#listTargets(peers));
    const ints = this.#targetInts;
    const out = this.#intUsage;
    // Looked up once per reading, not per usage (set below when a first level is stored).
    let byLimit = this.#levels.get(accountId);
    for (let t = 0; t < targets.length; t++) {
      const policy = targets[t]!;
      const source = ints[t];
      if (source !== undefined) {
        // The integer form: the same comparison on plain numbers, decimals only for an event.
        if (!source.integerUsage(ctx, accountId, out) || out.max <= 0) continue;
        const limit = out.limit;
        const usage = out.usage;
        const max = out.max;
        let watchedLimit = this.#targetIntLimit[t];
        if (watchedLimit === undefined || watchedLimit.limit !== limit) {
          const limits = this.#targetLimits[t]!;
          watchedLimit = limits.get(limit);
          if (watchedLimit === undefined) limits.set(limit, (watchedLimit = this.#watchedLimit(policy.name, limit)));
          this.#targetIntLimit[t] = watchedLimit;
        }
        const level = this.#intLevelOf(usage, max, watchedLimit);
        const before = byLimit?.get(watchedLimit.key) ?? 0;
        if (level === before || (rearmOnly && level > before)) continue;
        if (byLimit === undefined) this.#levels.set(accountId, (byLimit = new Map()));
        byLimit.set(watchedLimit.key, level);
        if (before < level) this.#announce(peers, accountId, policy.name, limit, Quantity.fromInt(usage), Quantity.fromInt(max), before, level);
        // A listener may have read again (the context and `out` are shared): this reading's time again.
        ctx.nowMs = nowMs;
        continue;
      }
      const usages = policy.limitUsage!(ctx, accountId);
      if (usages === undefined) continue;
      const limits = this.#targetLimits[t]!;
      // Indexed, not for-of: no iterator object per reading.
      for (let k = 0; k < usages.length; k++) {
        const u = usages[k]!;
        if (!u.max.isPositive()) continue;
        let watchedLimit = limits.get(u.limit);
        if (watchedLimit === undefined) limits.set(u.limit, (watchedLimit = this.#watchedLimit(policy.name, u.limit)));
        const unrounded = u.unrounded;
        const level = this.#levelOf(u.usage, unrounded, u.max, watchedLimit);
        const key = watchedLimit.key;
        const before = byLimit?.get(key) ?? 0;
        if (level === before || (rearmOnly && level > before)) continue;
        if (byLimit === undefined) this.#levels.set(accountId, (byLimit = new Map()));
        byLimit.set(key, level);
        if (before < level) {
          // The domain's figure, or the exact one compared when that figure is short of a share sent.
          const shown = unrounded !== undefined && this.#levelOf(u.usage, undefined, u.max, watchedLimit) < level ? unrounded : u.usage;
          this.#announce(peers, accountId, policy.name, u.limit, shown, u.max, before, level);
          ctx.nowMs = nowMs;
        }
      }
    }
  }

  /** One event per share from `before` up to `level`, lowest first. */
  #announce(peers: PolicyPeers, accountId: AccountId, policy: string, limit: string, usage: DecimalValue | DecimalValue["decimal"], max: DecimalValue, before: number, level: number): void {
    for (let i = before; i < level; i++) {
      peers.emit({
        kind: "softLimitCrossed",
        accountId,
        policy,
        limit,
        usage: usage.toString(),
        max: max.toString(),
        share: this.#settings.shares[i]!.toString(),
      });
    }
  }

  #listTargets(peers: PolicyPeers): PreTradePolicy[] {
    const watched = this.#settings.policies;
    const targets = peers.policies.filter(
      (policy) => policy !== (this as PreTradePolicy) && policy.limitUsage !== undefined && (watched === undefined || watched.includes(policy.name)),
    );
    this.#targetLimits = targets.map(() => new Map());
    this.#targetInts = targets.map(integerUsageSource);
    this.#targetIntLimit = targets.map(() => undefined);
    return targets;
  }

  /**
   * How many shares `usage` is at or above (usage ≥ share × max, exact decimals); `exactUsage`,
   * when given, is the unrounded usage `usage` was rounded from, and is compared instead.
   */
  #levelOf(usage: DecimalValue, exactUsage: DecimalValue["decimal"] | undefined, max: DecimalValue, watched: WatchedLimit): number {
    // Identity first: a limit whose max is the same object as last time needs no comparison.
    if (watched.max !== max && (watched.max === undefined || !watched.max.eq(max))) {
      const exact = this.#settings.shares.map((share) => exactProduct(share, max));
      const allExact = exact.every((t) => t !== undefined);
      watched.thresholds = allExact ? (exact as DecimalValue[]) : [];
      watched.unrounded = allExact ? undefined : this.#settings.shares.map((share) => share.decimal.times(max.decimal));
      watched.max = max;
    }
    let level = 0;
    const unrounded = watched.unrounded;
    if (unrounded !== undefined) {
      const u = exactUsage ?? usage.decimal;
      while (level < unrounded.length && u.gte(unrounded[level]!)) level++;
      return level;
    }
    const thresholds = watched.thresholds;
    if (exactUsage !== undefined) {
      while (level < thresholds.length && exactUsage.gte(thresholds[level]!.decimal)) level++;
      return level;
    }
    while (level < thresholds.length && usage.gte(thresholds[level]!)) level++;
    return level;
  }

  /** `#levelOf` for an integer usage and max (max > 0), on numbers: see `WatchedLimit.intThresholds`. */
  #intLevelOf(usage: number, max: number, watched: WatchedLimit): number {
    if (watched.intMax !== max) {
      // The thresholds `#levelOf` computes for this max, unrounded (decimal.js), then rounded up.
      const maxValue = Quantity.fromInt(max);
      watched.intThresholds = this.#settings.shares.map((share) => share.decimal.times(maxValue.decimal).ceil().toNumber());
      watched.intMax = max;
    }
    const thresholds = watched.intThresholds;
    let level = 0;
    while (level < thresholds.length && usage >= thresholds[level]!) level++;
    return level;
  }

  #watchedLimit(policyName: string, limit: string): WatchedLimit {
    let byLimit = this.#watched.get(policyName);
    if (byLimit === undefined) this.#watched.set(policyName, (byLimit = new Map()));
    let watched = byLimit.get(limit);
    if (watched === undefined) byLimit.set(limit, (watched = { limit, key: `${policyName}/${limit}`, max: undefined, thresholds: [], unrounded: undefined, intMax: Number.NaN, intThresholds: [] }));
    return watched;
  }
}

/** The main-stage mutation: a class, not closures, since one is made per accepted order. */
class CommitReading implements Mutation {
  constructor(
    private readonly policy: SoftLimitPolicy,
    private readonly accountId: AccountId,
    private readonly nowMs: number,
  ) {}

  /** Made when asked (a snapshot of an open reservation), not one more object per order. */
  get record(): CommitRecord {
    return { accountId: this.accountId, nowMs: this.nowMs };
  }

  commit(): void {
    this.policy.read(this.accountId, this.nowMs);
  }

  /**
   * A rollback lowers usage that no later reading may see (the account may send nothing
   * more): the levels it fell below re-arm now, silently. The book's entry is already out
   * (its mutation is last, so rolled back first); other policies' holds may not be yet, and
   * read at the order's time a window's usage is no lower than later: both can only leave a
   * level latched, never announce one.
   */
  rollback(): void {
    this.policy.read(this.accountId, this.nowMs, true);
  }
}

/** How many of `shares` (ascending) are at or below `reached`. */
function sharesUpTo(shares: readonly Price[], reached: Price): number {
  let n = 0;
  while (n < shares.length && shares[n]!.lte(reached)) n++;
  return n;
}
