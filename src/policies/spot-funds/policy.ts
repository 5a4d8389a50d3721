/** Reserves each order's funds per account and asset, reconciles them from fills, and guards account P&L. */
import type { ConfigurablePolicy, PolicyConfigurationResult } from "../../engine/pretrade/configurator.js";
import { SettingsValidationError } from "../../engine/errors.js";
import type { Mutation, Mutations } from "../../engine/pretrade/mutations.js";
import type {
  AccountAdjustmentContext,
  AccountControl,
  AccountsView,
  LimitUsage,
  PolicyAccountAdjustmentResult,
  PolicyPostTradeResult,
  PolicyPreTradeResult,
  PostTradeContext,
  PreTradeContext,
  UsageContext,
} from "../../engine/pretrade/policy.js";
import type { MarketDataSource } from "../../marketdata/market-data-source.js";
import type { AccountAdjustment } from "../../model/account-adjustment.js";
import type { ExecutionReport } from "../../model/execution-report.js";
import type { Order } from "../../model/order.js";
import type { PnlState } from "../../model/pnl-state.js";
import { missingField } from "../../model/reject.js";
import { PolicyGroupId, type AccountGroupId, type AccountId } from "../../param/ids.js";
import type { Asset } from "../../param/instrument.js";
import type { PositionSize, Price } from "../../param/values.js";
import { AccountPnlLedger, barrierBlock } from "./account-pnl.js";
import { applySpotFundsAdjustment } from "./adjustments.js";
import { applyExecutionReport, type ReportScratch } from "./execution-report.js";
import { HoldingsStore } from "./holdings-store.js";
import { marketOrderPrice } from "./market-price.js";
import { accountReject, dropCopyPriceMissing } from "./rejects.js";
import { isPlanned, isStepList, planReservation, reservationOutcomes, reservationSteps } from "./reservation-legs.js";
import { HoldMutation } from "./hold-mutation.js";
import { positionLimitUsage } from "./position-limit.js";
import { ResolvedSpotFundsSettings } from "./resolved-settings.js";
import {
  copySpotFundsSettings,
  defaultSpotFundsSettings,
  hasPnlBarriers,
  validateSpotFundsSettings,
  type SpotFundsPnlBarrier,
  type SpotFundsSettings,
} from "./settings.js";
import type { SpotFundsState } from "./spot-funds-state.js";
import { retireSpotFundsAccount } from "./retirement.js";
import { reevaluateBarriers } from "./barrier-reevaluation.js";
import type { AccountRetirementRefusal } from "../../engine/account-retirement.js";
import { captureSpotFunds, readHoldRecord, restoreSpotFunds, type SpotFundsSnapshot } from "./snapshot.js";

export interface SpotFundsPolicyOptions {
  readonly policyGroupId?: PolicyGroupId;
  /** Enables market orders (priced from quotes) and FX conversion for P&L. */
  readonly marketData?: MarketDataSource;
}

/** The preset's barriers: global, per account group, per account (Maps or `[id, barrier]` lists). */
export interface SpotFundsPnlKillSwitchBarriers {
  readonly global?: SpotFundsPnlBarrier;
  readonly groupBarriers?: Iterable<readonly [AccountGroupId, SpotFundsPnlBarrier]>;
  readonly accountBarriers?: Iterable<readonly [AccountId, SpotFundsPnlBarrier]>;
}

/** A read-only snapshot of one (account, asset) slot, for the admin API. */
export interface SpotFundsHoldingsView {
  readonly available: PositionSize;
  readonly held: PositionSize;
  readonly incoming: PositionSize;
  readonly averageEntryPrice?: Price;
  readonly realizedPnl?: PnlState;
}

/**
 * Per-account solvency gate for spot trading (OpenPit §2.5), with its own average-cost and
 * realized-P&L books and an optional account-P&L kill switch.
 *
 * - Main stage: reserves the order's legs (`held` outflows, `incoming` projections) at the
 *   order price, or at a quote-derived price for market orders. The hold is written at
 *   once — a second order sees it before the first is committed — and only a delta-based
 *   rollback is registered (commit does nothing). The price goes into the lock.
 * - Post-trade: fills consume at the lock price and settle at the trade price; finals
 *   release the remainder; fees are debited; P&L and the account barrier are updated.
 * - Adjustments: seed/correct balances, force-set average price and P&L, re-arm halts.
 *
 * Balances exist only through adjustments. Drop-copy orders are tracked, never refused:
 * the limit mode is forced to TrackOnly and a P&L barrier problem becomes a block.
 */
export class SpotFundsPolicy implements ConfigurablePolicy<SpotFundsSettings> {
  static readonly NAME = "SpotFundsPolicy";
  readonly name = SpotFundsPolicy.NAME;
  readonly builtIn = true;
  readonly policyGroupId: PolicyGroupId;
  private readonly state: { -readonly [K in keyof SpotFundsState]: SpotFundsState[K] };
  /** The report run reused from report to report (not state: nothing carried over, not snapshotted). */
  private readonly reportScratch: ReportScratch = { run: undefined };
  /**
   * The engine's account registry, so `setAccountPnl` (called outside any hook) can resolve
   * the account's group for the barrier cascade. The engine hands it over when it is built
   * (`attachAccounts`), so a restored instance knows it before any hook runs, exactly like
   * the live one; hooks refresh it, which only matters for an instance outside an engine.
   */
  private accounts: AccountsView | undefined;

  constructor(settings: SpotFundsSettings = defaultSpotFundsSettings(), options: SpotFundsPolicyOptions = {}) {
    validateSpotFundsSettings(settings);
    this.policyGroupId = options.policyGroupId ?? PolicyGroupId.DEFAULT;
    this.state = {
      store: new HoldingsStore(),
      ledger: new AccountPnlLedger(),
      marketData: options.marketData,
      policyGroupId: this.policyGroupId,
      settings: new ResolvedSpotFundsSettings(settings),
    };
  }

  /**
   * The account-P&L kill-switch preset: mark pricing, 0 bps, no overrides, TrackOnly (the
   * policy reconciles holdings and P&L but never refuses for funds). Needs at least one
   * barrier (`NoPnlBarriersConfigured`).
   */
  static pnlBoundsKillSwitch(barriers: SpotFundsPnlKillSwitchBarriers, options: SpotFundsPolicyOptions = {}): SpotFundsPolicy {
    const settings = defaultSpotFundsSettings();
    settings.limitMode = "TrackOnly";
    if (barriers.global !== undefined) settings.pnlBarrier = barriers.global;
    for (const [group, barrier] of barriers.groupBarriers ?? []) settings.accountGroupPnlBarriers.set(group, barrier);
    for (const [account, barrier] of barriers.accountBarriers ?? []) settings.accountPnlBarriers.set(account, barrier);
    if (!hasPnlBarriers(settings)) {
      throw new SettingsValidationError("NoPnlBarriersConfigured: spot funds P&L bounds require at least one barrier");
    }
    return new SpotFundsPolicy(settings, options);
  }

  /**
   * Soft limits read the worst-case position limits of the account (`position:<asset>`, in
   * asset order); funds have no single limit to take a share of.
   */
  limitUsage(_ctx: UsageContext, accountId: AccountId): readonly LimitUsage[] | undefined {
    const limits = this.state.settings.positionLimits.get(accountId);
    if (limits === undefined) return undefined;
    const out: LimitUsage[] = [];
    for (const asset of [...limits.keys()].sort()) {
      const usage = positionLimitUsage(asset, this.state.store.get(accountId, asset), limits.get(asset)!);
      if (usage !== undefined) out.push(usage);
    }
    return out;
  }

  settingsDraft(): SpotFundsSettings {
    return copySpotFundsSettings(this.state.settings.source);
  }

  /**
   * Validates and swaps the settings in one step; holdings and P&L are untouched. Accounts
   * whose effective P&L barrier changed are re-evaluated at once: the blocks they earn are
   * returned for the engine to record.
   */
  publishSettings(next: SpotFundsSettings): PolicyConfigurationResult {
    validateSpotFundsSettings(next);
    const previous = this.state.settings;
    this.state.settings = new ResolvedSpotFundsSettings(next);
    const accounts = this.accounts;
    return reevaluateBarriers(this.state, { settings: previous, accounts }, { settings: this.state.settings, accounts }, undefined);
  }

  /** Group membership or currencies changed: the accounts whose effective barrier changed are re-evaluated. */
  reevaluateAccounts(before: AccountsView, accounts: readonly AccountId[] | undefined): PolicyConfigurationResult {
    const settings = this.state.settings;
    return reevaluateBarriers(this.state, { settings, accounts: before }, { settings, accounts: this.accounts }, accounts);
  }

  // ── hooks ─────────────────────────────────────────────────────────────────────────

  attachAccounts(accounts: AccountsView): void {
    this.accounts = accounts;
  }

  performPreTradeCheck(ctx: PreTradeContext, order: Order, mutations: Mutations): PolicyPreTradeResult {
    return this.reserve(ctx, order, mutations);
  }

  /** Same verdict, lock and outcomes as a real check, computed without writing anything. */
  performPreTradeCheckDryRun(ctx: PreTradeContext, order: Order): PolicyPreTradeResult {
    return this.reserve(ctx, order, undefined);
  }

  applyExecutionReport(ctx: PostTradeContext, report: ExecutionReport): PolicyPostTradeResult | undefined {
    this.accounts = ctx.accounts;
    return applyExecutionReport(this.state, ctx, report, this.reportScratch);
  }

  applyAccountAdjustment(
    ctx: AccountAdjustmentContext,
    accountId: AccountId,
    adjustment: AccountAdjustment,
    mutations: Mutations,
  ): PolicyAccountAdjustmentResult | undefined {
    this.accounts = ctx.accounts;
    return applySpotFundsAdjustment(this.state, ctx, accountId, adjustment, mutations);
  }

  /** Account retirement (§B.3): see `retireSpotFundsAccount`. */
  retireAccount(accountId: AccountId, mutations: Mutations): AccountRetirementRefusal | undefined {
    return retireSpotFundsAccount(this.state, accountId, mutations);
  }

  // ── durability ────────────────────────────────────────────────────────────────────

  /** Live settings, holdings and account P&L (market data is snapshotted by its owner). */
  snapshotState(): SpotFundsSnapshot {
    return captureSpotFunds(this.state);
  }

  restoreState(data: unknown): void {
    restoreSpotFunds(this.state, data);
  }

  /** Rebuilds the main-stage hold of an open reservation: commit does nothing, rollback undoes the holds. */
  restoreMutation(record: unknown, control: AccountControl): Mutation {
    const hold = readHoldRecord(record);
    return new HoldMutation(this.state, control, hold.accountId, hold.planned);
  }

  // ── admin queries and actions ─────────────────────────────────────────────────────

  /** A snapshot of the account's slots (empty map if it has none). */
  holdings(accountId: AccountId): ReadonlyMap<Asset, SpotFundsHoldingsView> {
    const out = new Map<Asset, SpotFundsHoldingsView>();
    for (const [asset, h] of this.state.store.slotsOf(accountId) ?? []) {
      const view: { -readonly [K in keyof SpotFundsHoldingsView]: SpotFundsHoldingsView[K] } = {
        available: h.available,
        held: h.held,
        incoming: h.incoming,
      };
      if (h.averageEntryPrice !== undefined) view.averageEntryPrice = h.averageEntryPrice;
      if (h.realizedPnl !== undefined) view.realizedPnl = h.realizedPnl;
      out.set(asset, Object.freeze(view));
    }
    return out;
  }

  /** Accounts this policy keeps any state for (holdings or a P&L line), for the operator's account list. */
  accountIds(): Set<AccountId> {
    return new Set([...this.state.store.accountIds(), ...this.state.ledger.accountIds()]);
  }

  /** The account P&L line, or undefined if the account never touched it (the barrier reads 0). */
  accountPnl(accountId: AccountId): PnlState | undefined {
    return this.state.ledger.get(accountId);
  }

  /**
   * Force-sets the account P&L line (OpenPit's `set_spot_funds_account_pnl`), re-arming a
   * halt, and returns the block the new state earns under the effective barrier. Use it via
   * `engine.configure().apply(name, SpotFundsPolicy, p => p.setAccountPnl(...))` so the
   * engine records the block. `accountGroup` defaults to the account's current group as
   * seen by the engine registry (known once any hook has run).
   */
  setAccountPnl(accountId: AccountId, state: PnlState, accountGroup?: AccountGroupId): PolicyConfigurationResult {
    this.state.ledger.set(accountId, state);
    const group = accountGroup ?? this.accounts?.groupOf(accountId);
    const barrier = this.state.settings.pnlBarrierFor(accountId, { accountGroup: () => group }, () => this.accounts?.currencyOf(accountId));
    const block = barrier === undefined ? undefined : barrierBlock(state, barrier);
    return { accountBlocks: block === undefined ? [] : [{ accountId, block }] };
  }

  // ── main stage ────────────────────────────────────────────────────────────────────

  /** The shared main-stage path; `mutations` undefined = dry run (nothing is written). */
  private reserve(ctx: PreTradeContext, order: Order, mutations: Mutations | undefined): PolicyPreTradeResult {
    this.accounts = ctx.accounts;
    const op = order.operation;
    const instrument = op?.instrument;
    if (instrument === undefined) return { rejects: [missingField("instrument")] };
    const accountId = op?.accountId;
    if (accountId === undefined) return { rejects: [missingField("account ID")] };
    const side = op?.side;
    if (side === undefined) return { rejects: [missingField("side")] };
    const tradeAmount = op?.tradeAmount;
    if (tradeAmount === undefined) return { rejects: [missingField("trade amount")] };
    const { settings, store } = this.state;
    // A drop-copy is valued at its own price: a historical market order cannot be.
    if (ctx.isDropCopy && op?.price === undefined) return { rejects: [dropCopyPriceMissing()] };

    // A halted or breached account line refuses before anything is reserved; a drop-copy
    // order cannot be refused, so the same finding becomes a block.
    if (settings.hasPnlBarriers) {
      const barrier = settings.pnlBarrierFor(accountId, ctx, () => ctx.accounts.currencyOf(accountId));
      const block = barrier === undefined ? undefined : barrierBlock(this.state.ledger.stateOf(accountId), barrier);
      if (block !== undefined) {
        if (!ctx.isDropCopy) return { rejects: [accountReject(block)] };
        // Recorded as OpenPit records it (`account_block_with_code(AccountBlocked)`): the stored
        // block, and every later order's reject, carry AccountBlocked as the drop copy's own
        // answer does. It kept PnlKillSwitchTriggered (found by review).
        ctx.accountControl.block(accountId, { ...block, code: "AccountBlocked" });
      }
    }

    let price = op?.price;
    if (price === undefined) {
      const market = marketOrderPrice(this.state.marketData, settings, instrument, side, accountId, ctx);
      if (!market.ok) return { rejects: [market.reject] };
      price = market.price;
    }
    const steps = reservationSteps(instrument, side, tradeAmount, price, ctx.isDropCopy);
    if (!isStepList(steps)) return { rejects: [steps] };
    // Drop-copy is tracked, never refused: no funds gate and no position checks.
    const mode = ctx.isDropCopy ? "TrackOnly" : settings.limitModeFor(accountId, ctx);
    // None configured (the usual case): no lookup by the bigint account id.
    const limits = ctx.isDropCopy || settings.positionLimits.size === 0 ? undefined : settings.positionLimits.get(accountId);
    const plan = planReservation(store, accountId, steps, mode, limits);
    const planned = isPlanned(plan) ? plan : plan.planned;
    if (mutations !== undefined && planned.length > 0) {
      // Steps that passed are written even when a later one failed: the engine rolls them
      // back on a reject, and a drop-copy keeps them (as OpenPit does).
      for (let i = 0; i < planned.length; i++) store.put(accountId, planned[i]!.step.asset, planned[i]!.after);
      mutations.push(new HoldMutation(this.state, ctx.accountControl, accountId, planned));
    }
    if (!isPlanned(plan)) return { rejects: [plan.reject] };
    return { lockPrices: [price], accountAdjustments: reservationOutcomes(planned) };
  }
}
