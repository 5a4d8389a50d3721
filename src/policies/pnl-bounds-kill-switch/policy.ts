/** Blocks accounts whose realized P&L per settlement asset leaves its bounds, and rejects their orders. */
import type { ConfigurablePolicy } from "../../engine/pretrade/configurator.js";
import type { AccountRetirementRefusal } from "../../engine/account-retirement.js";
import type { Mutations } from "../../engine/pretrade/mutations.js";
import type { LimitUsage, PolicyPostTradeResult, PostTradeContext, PreTradeContext, UsageContext } from "../../engine/pretrade/policy.js";
import type { ExecutionReport } from "../../model/execution-report.js";
import type { Order } from "../../model/order.js";
import { missingField, type PolicyReject } from "../../model/reject.js";
import { PolicyGroupId, type AccountId } from "../../param/ids.js";
import type { Asset } from "../../param/instrument.js";
import { ParamError } from "../../param/param-error.js";
import { Pnl } from "../../param/values.js";
import { BarrierBook, breachedSides } from "./barriers.js";
import { RealizedPnlLedger } from "./realized-pnl-ledger.js";
import { unchangedByZero } from "../../param/unchanged-by-zero.js";
import { copyNested, snapshotFields, snapshotMap } from "../snapshot-data.js";
import {
  accumulatorOverflowBlock,
  barrierBreachReject,
  killSwitchBlock,
  missingFieldBlock,
  reportOverflowBlock,
} from "./rejects.js";
import {
  copyPnlBoundsKillSwitchSettings,
  validatePnlBoundsKillSwitchSettings,
  type PnlBoundsKillSwitchInitialSettings,
  type PnlBoundsKillSwitchSettings,
} from "./settings.js";

/**
 * P&L kill switch (OpenPit §2.4). Post-trade it adds `pnl − fee` of every report to the
 * realized total of (account, settlement asset) and reports a block whenever the new total
 * is outside the broker barrier or the account barrier of that asset. At the start stage it
 * rejects (account scope) orders whose pair is already outside a barrier.
 *
 * The policy keeps no "blocked" flag: it re-evaluates the live total every time, so a total
 * that comes back inside stops being reported. Keeping the account blocked is the engine's
 * latch, released only by `engine.accounts().unblock`.
 */
export class PnlBoundsKillSwitchPolicy implements ConfigurablePolicy<PnlBoundsKillSwitchSettings> {
  static readonly NAME = "PnlBoundsKillSwitchPolicy";
  readonly name = PnlBoundsKillSwitchPolicy.NAME;
  readonly builtIn = true;
  readonly policyGroupId: PolicyGroupId;
  private settings: PnlBoundsKillSwitchSettings;
  private barriers: BarrierBook;
  private readonly realized = new RealizedPnlLedger();

  /** `initialPnl` seeds are read here only (missing seed = 0); see `PnlBoundsKillSwitchInitialSettings`. */
  constructor(settings: PnlBoundsKillSwitchInitialSettings, options?: { policyGroupId?: PolicyGroupId }) {
    validatePnlBoundsKillSwitchSettings(settings);
    this.policyGroupId = options?.policyGroupId ?? PolicyGroupId.DEFAULT;
    this.settings = copyPnlBoundsKillSwitchSettings(settings);
    this.barriers = new BarrierBook(this.settings);
    for (const b of settings.accountBarriers) {
      this.realized.set(b.accountId, b.settlementAsset, b.initialPnl ?? Pnl.zero());
    }
  }

  /**
   * Soft limits read the loss side: per settlement asset the account has P&L in, its loss
   * (−realized, 0 when in profit) against the tighter of the account's and the broker's
   * negative lower bounds. A positive or absent lower bound has no loss budget to share.
   */
  limitUsage(_ctx: UsageContext, accountId: AccountId): readonly LimitUsage[] | undefined {
    const byAsset = this.realized.byAccount.get(accountId);
    if (byAsset === undefined) return undefined;
    const out: LimitUsage[] = [];
    for (const [asset, realized] of byAsset) {
      const bounds = [this.barriers.accountBarrier(accountId, asset)?.lowerBound, this.barriers.brokerBarrier(asset)?.lowerBound];
      let budget: Pnl | undefined;
      for (const b of bounds) if (b !== undefined && b.isNegative() && (budget === undefined || b.neg().lt(budget))) budget = b.neg();
      if (budget === undefined) continue;
      out.push({ limit: `loss:${asset}`, usage: realized.isNegative() ? realized.neg() : Pnl.zero(), max: budget });
    }
    return out;
  }

  settingsDraft(): PnlBoundsKillSwitchSettings {
    return copyPnlBoundsKillSwitchSettings(this.settings);
  }

  /** Replaces the barriers. Accumulators are kept; an `initialPnl` on the value is ignored. */
  publishSettings(next: PnlBoundsKillSwitchSettings): void {
    validatePnlBoundsKillSwitchSettings(next);
    const settings = copyPnlBoundsKillSwitchSettings(next);
    this.barriers = new BarrierBook(settings);
    this.settings = settings;
  }

  /**
   * Force-sets the realized total of a pair (OpenPit's `set_account_pnl`): an absolute
   * upsert, not validated and never reported as a block — the next order for the pair
   * is what meets the barrier. Call it through `engine.configure().apply(...)`.
   */
  setAccountPnl(accountId: AccountId, settlementAsset: Asset, pnl: Pnl): void {
    this.realized.set(accountId, settlementAsset, pnl);
  }

  /** The realized total of a pair, or undefined if it was never reported nor seeded. */
  accountPnl(accountId: AccountId, settlementAsset: Asset): Pnl | undefined {
    return this.realized.get(accountId, settlementAsset);
  }

  /** Every settlement asset's realized total for an account (a copy), for the admin query. */
  /** Accounts with an accumulator, for the operator's account list. */
  accountIds(): IterableIterator<AccountId> {
    return this.realized.byAccount.keys();
  }

  accountPnls(accountId: AccountId): ReadonlyMap<Asset, Pnl> {
    return new Map(this.realized.byAccount.get(accountId) ?? []);
  }

  /**
   * The live barriers and every accumulator (seeded, reported or force-set). Seeds are not
   * kept apart: they only ever initialised accumulators, which are included.
   */
  /**
   * Account retirement: a non-zero accumulator is `NonZeroState`, a barrier naming the
   * account `ConfigurationReferencesAccount`; otherwise the account's zero accumulators
   * are removed on commit.
   */
  retireAccount(accountId: AccountId, mutations: Mutations): AccountRetirementRefusal | undefined {
    const pnls = this.realized.byAccount.get(accountId);
    for (const pnl of pnls?.values() ?? []) if (!pnl.isZero()) return "NonZeroState";
    if (this.settings.accountBarriers.some((b) => b.accountId === accountId)) return "ConfigurationReferencesAccount";
    if (pnls !== undefined) mutations.push(() => void this.realized.byAccount.delete(accountId), undefined);
    return undefined;
  }

  snapshotState(): PnlBoundsKillSwitchSnapshot {
    return { settings: copyPnlBoundsKillSwitchSettings(this.settings), realized: copyNested(this.realized.byAccount) };
  }

  /** Replaces barriers and accumulators, construction seeds included. */
  restoreState(data: unknown): void {
    const { settings, realized } = snapshotFields(data, this.name, "snapshot", ["settings", "realized"]);
    const totals = snapshotMap<AccountId, ReadonlyMap<Asset, Pnl>>(realized, this.name, "realized");
    this.publishSettings(settings as PnlBoundsKillSwitchSettings);
    this.realized.byAccount.clear();
    for (const [accountId, byAsset] of copyNested(totals)) this.realized.byAccount.set(accountId, byAsset);
  }

  /** Read-only, so the dry-run path can use it as is. Only one reject: broker first. */
  checkPreTradeStart(_ctx: PreTradeContext, order: Order): readonly PolicyReject[] | undefined {
    const instrument = order.operation?.instrument;
    if (instrument === undefined) return [missingField("instrument")];
    const accountId = order.operation?.accountId;
    if (accountId === undefined) return [missingField("account ID")];

    const asset = instrument.settlementAsset;
    const broker = this.barriers.brokerBarrier(asset);
    const account = this.barriers.accountBarrier(accountId, asset);
    if (broker === undefined && account === undefined) return undefined;

    const realized = this.realized.get(accountId, asset) ?? Pnl.zero();
    const brokerSides = broker && breachedSides(broker, realized);
    if (broker && brokerSides) return [barrierBreachReject("broker", brokerSides, broker, realized)];
    const accountSides = account && breachedSides(account, realized);
    if (account && accountSides) return [barrierBreachReject("account", accountSides, account, realized)];
    return undefined;
  }

  applyExecutionReport(_ctx: PostTradeContext, report: ExecutionReport): PolicyPostTradeResult | undefined {
    const instrument = report.operation?.instrument;
    if (instrument === undefined) return { accountBlocks: [missingFieldBlock("instrument")] };
    const accountId = report.operation?.accountId;
    if (accountId === undefined) return { accountBlocks: [missingFieldBlock("account ID")] };
    const pnl = report.financialImpact?.pnl;
    if (pnl === undefined) return { accountBlocks: [missingFieldBlock("P&L")] };
    const fee = report.financialImpact?.fee;
    if (fee === undefined) return { accountBlocks: [missingFieldBlock("fee")] };

    const asset = instrument.settlementAsset;
    // A positive fee is a cost: it lowers realized P&L. (Exact arithmetic inline, not
    // through `checked`: two closures per report.)
    // A zero fee or a zero increment (most reports carry P&L and fee 0) leaves the value
    // as it is: no new value for a sum equal to its operand (unchanged-by-zero.ts).
    let increment: Pnl;
    try {
      increment = unchangedByZero(pnl, fee) ?? pnl.sub(Pnl.from(fee));
    } catch (e) {
      if (!isOverflow(e)) throw e;
      return { accountBlocks: [reportOverflowBlock(pnl, fee, asset)] };
    }
    // One lookup by account for the read and the write (a bigint key is hashed each time).
    const byAsset = this.realized.byAccount.get(accountId);
    const previous = byAsset?.get(asset) ?? Pnl.zero();
    let total: Pnl;
    try {
      total = unchangedByZero(previous, increment) ?? previous.add(increment);
    } catch (e) {
      if (!isOverflow(e)) throw e;
      return { accountBlocks: [accumulatorOverflowBlock(previous, increment, asset)] };
    }

    if (byAsset !== undefined) byAsset.set(asset, total);
    else this.realized.set(accountId, asset, total);
    if (!this.barriers.isOutside(accountId, asset, total)) return undefined;
    return { accountBlocks: [killSwitchBlock(total, asset)] };
  }
}

/** The kill switch's snapshot: live barriers and realized totals per (account, settlement asset). */
export interface PnlBoundsKillSwitchSnapshot {
  readonly settings: PnlBoundsKillSwitchSettings;
  readonly realized: ReadonlyMap<AccountId, ReadonlyMap<Asset, Pnl>>;
}

/** Exact arithmetic left the decimal domain. */
function isOverflow(e: unknown): boolean {
  return e instanceof ParamError && e.code === "Overflow";
}
