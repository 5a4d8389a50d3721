/** Turns policies' answers into stage results: stamped rejects, latched blocks, the lock. */
import type { PolicyGroupId } from "../param/ids.js";
import type { Price } from "../param/values.js";
import type { AccountAdjustmentOutcome } from "../model/outcomes.js";
import { PreTradeLock } from "../model/pre-trade-lock.js";
import { rejectFromPolicy, type AccountBlock, type Reject } from "../model/reject.js";
import type { PolicyBlock, PolicyPreTradeResult, PreTradePolicy } from "./pretrade/policy.js";

/** The rejects of a stage that passed: one shared empty list. */
export const NO_REJECTS: readonly [] = [];

/** A reject of account scope becomes the account's block, with its code replaced. */
export function latchedBlock(r: Reject): AccountBlock {
  return {
    policy: r.policy,
    code: "AccountBlocked",
    reason: r.reason,
    details: r.details,
    ...(r.userData === undefined ? {} : { userData: r.userData }),
  };
}

export function firstAccountScope(rejects: readonly Reject[]): Reject | undefined {
  for (const r of rejects) if (r.scope === "account") return r;
  return undefined;
}

export function stamp(policy: string, block: PolicyBlock): AccountBlock {
  return { ...block, policy };
}

export function groupOf(policy: PreTradePolicy): PolicyGroupId {
  return policy.policyGroupId ?? (0 as PolicyGroupId);
}

/**
 * Accumulates what the main-stage hooks returned. Lists are created with their first
 * element: an array grown from `[]` by one push reserves 17 slots, and an order usually
 * has one lock price and two outcomes.
 */
export class MainOutcome {
  // Initialised, so every instance has its full shape from the constructor on (see DecimalValue.text).
  rejects: Reject[] | undefined = undefined;
  /**
   * The first lock price and its group, kept apart: an order usually has one, and
   * `PreTradeLock.single` builds its lock without the entry list and the pair `of` reads.
   */
  private firstLockGroup = 0 as PolicyGroupId;
  private firstLockPrice: Price | undefined = undefined;
  /** Every lock price, once there is a second. */
  private lockEntries: [PolicyGroupId, Price][] | undefined = undefined;
  private outcomeList: AccountAdjustmentOutcome[] | undefined = undefined;
  /** The first sizing price a policy returned (a market order by volume, see PolicyPreTradeResult). */
  sizingPrice: Price | undefined = undefined;

  get outcomes(): AccountAdjustmentOutcome[] {
    return (this.outcomeList ??= []);
  }

  /**
   * `passedOnly` (a dry run): the lock and outcomes are those of the policies that passed.
   * A policy may return them beside its rejects for a drop copy's sake (the order exists, its
   * effects are kept); a dry run's report, like OpenPit's, where a policy either rejects or
   * answers, leaves them out (found by review).
   */
  constructor(private readonly passedOnly = false) {}

  /** Returns this policy's rejects (stamped), if it had any. */
  add(policy: PreTradePolicy, out: PolicyPreTradeResult): Reject[] | undefined {
    let stamped: Reject[] | undefined;
    if (out.rejects && out.rejects.length > 0) {
      stamped = out.rejects.map((r) => rejectFromPolicy(policy.name, r));
      this.rejects ??= [];
      this.rejects.push(...stamped);
      if (this.passedOnly) return stamped;
    }
    const group = groupOf(policy);
    if (out.lockPrices) {
      for (const p of out.lockPrices) {
        if (this.firstLockPrice === undefined) {
          this.firstLockGroup = group;
          this.firstLockPrice = p;
        } else if (this.lockEntries === undefined) this.lockEntries = [[this.firstLockGroup, this.firstLockPrice], [group, p]];
        else this.lockEntries.push([group, p]);
      }
    }
    if (out.sizingPrice !== undefined) this.sizingPrice ??= out.sizingPrice;
    if (out.accountAdjustments) {
      const entries = out.accountAdjustments;
      if (this.outcomeList === undefined) {
        // Sized up front, filled by index (no closure per call, as `map` would need).
        const list = new Array<AccountAdjustmentOutcome>(entries.length);
        for (let i = 0; i < entries.length; i++) list[i] = { policyGroupId: group, entry: entries[i]! };
        this.outcomeList = list;
      } else {
        for (const entry of entries) this.outcomeList.push({ policyGroupId: group, entry });
      }
    }
    return stamped;
  }

  lock(): PreTradeLock {
    if (this.lockEntries !== undefined) return PreTradeLock.of(this.lockEntries);
    return this.firstLockPrice === undefined ? PreTradeLock.EMPTY : PreTradeLock.single(this.firstLockGroup, this.firstLockPrice);
  }
}
