/** How SpotFunds applies an execution report: fills, fees and releases moved onto holdings and P&L. */
import type { PolicyBlock, PolicyPostTradeResult, PostTradeContext } from "../../engine/pretrade/policy.js";
import type { ExecutionReport, MonetaryAmount, Trade } from "../../model/execution-report.js";
import type { AccountOutcomeEntry, PnlOutcome } from "../../model/outcomes.js";
import type { PreTradeLock } from "../../model/pre-trade-lock.js";
import type { PnlHaltReason } from "../../model/pnl-state.js";
import type { Side } from "../../param/enums.js";
import type { AccountId } from "../../param/ids.js";
import type { Asset, Instrument } from "../../param/instrument.js";
import { DecimalValue, product } from "../../param/decimal-value.js";
import { ParamError } from "../../param/param-error.js";
import { PositionSize, type Pnl, type Price, type Quantity } from "../../param/values.js";
import { applyAccountLine, lineUntouched, worseHalt } from "./account-pnl.js";
import { atLeastZero, ZERO, type Holdings } from "./holdings-store.js";
import { conversionFactor, SAME_CURRENCY } from "./market-price.js";
import { applyPositionFill, foldFee, NONE, type AccountContribution, type PositionUpdate } from "./position-pnl.js";
import {
  cancelReleaseOverflowBlock,
  feeDebitOverflowBlock,
  fillBalanceCreditOverflowBlock,
  fillLegMutationOverflowBlock,
  fillNotionalOverflowBlock,
  legDeltaOverflowBlock,
  missingFieldBlock,
  settlementNotionalOverflowBlock,
} from "./rejects.js";
import { LegDelta, lockPriceOf, type LegMove } from "./report-legs.js";
import type { SpotFundsState } from "./spot-funds-state.js";

/**
 * One execution report for SpotFunds (spec §2.5). The venue is authoritative: fills are
 * applied even when they exceed what was held (held may go negative) and nothing is
 * refused; what cannot be reconciled becomes an account block. Not atomic, like OpenPit:
 * legs are written one by one (outflow side first) and an overflow stops the rest, with
 * the outcomes of what was already written still reported.
 */
class ReportRun {
  /** A new list per run: it leaves with the result. */
  blocks: PolicyBlock[] = [];
  readonly underlying: LegDelta;
  readonly settlement: LegDelta;
  // Initialised, so every run has its full shape from the constructor on (see DecimalValue.text).
  private feeLeg: LegDelta | undefined = undefined;
  private accountPnl: PnlOutcome | undefined = undefined;
  /** The fill's trade price in the account currency for the underlying's position, or why there is none. */
  private fillPrice: Price | undefined = undefined;
  private fillPriceHalt: PnlHaltReason | undefined = undefined;
  /**
   * The slots this run wrote, as (asset, slot) pairs: a slot is read again after its own
   * write (the fee leg after the trade's, the fee's P&L after the underlying's), and the
   * store keeps amounts in place, so a read there builds every value anew. What the run
   * wrote is what a read would give (the same digits and scales).
   */
  // Fixed size (three legs at most) with a count: emptied with `length = 0`, an array
  // reallocated its backing store on the next push, for every report.
  private readonly written: (Asset | Holdings | undefined)[] = [undefined, undefined, undefined, undefined, undefined, undefined];
  private writtenCount = 0;

  constructor(
    private state: SpotFundsState,
    private ctx: PostTradeContext,
    private accountId: AccountId,
    private instrument: Instrument,
    private side: Side,
  ) {
    this.underlying = new LegDelta(instrument.underlyingAsset);
    this.settlement = new LegDelta(instrument.settlementAsset);
  }

  /** The same run object for the next report, every field as the constructor sets it. */
  restart(state: SpotFundsState, ctx: PostTradeContext, accountId: AccountId, instrument: Instrument, side: Side): this {
    this.state = state;
    this.ctx = ctx;
    this.accountId = accountId;
    this.instrument = instrument;
    this.side = side;
    this.blocks = [];
    this.underlying.restart(instrument.underlyingAsset);
    this.settlement.restart(instrument.settlementAsset);
    this.feeLeg = undefined;
    this.accountPnl = undefined;
    this.fillPrice = undefined;
    this.fillPriceHalt = undefined;
    this.written.fill(undefined);
    this.writtenCount = 0;
    return this;
  }

  private read(asset: Asset): Holdings {
    const w = this.written;
    for (let i = 0; i < this.writtenCount; i += 2) if (w[i] === asset) return w[i + 1] as Holdings;
    return this.state.store.get(this.accountId, asset);
  }

  private write(asset: Asset, holdings: Holdings): void {
    this.state.store.put(this.accountId, asset, holdings);
    const w = this.written;
    for (let i = 0; i < this.writtenCount; i += 2) if (w[i] === asset) return void (w[i + 1] = holdings);
    if (this.writtenCount === w.length) return; // more slots than legs: not remembered, read from the store
    w[this.writtenCount] = asset;
    w[this.writtenCount + 1] = holdings;
    this.writtenCount += 2;
  }

  /** A trade: both legs at the lock price for what was reserved, at the trade price for what moved. */
  fill(trade: Trade, fee: MonetaryAmount | undefined, lock: PreTradeLock | undefined): void {
    const q = PositionSize.from(trade.quantity);
    let notional: PositionSize;
    let reserved: PositionSize;
    // p·q straight into a position size (no intermediate Price): every fill does this twice.
    // The trade notional before the lock, as OpenPit's apply_trade_fill: a fill whose notional
    // overflows and that has no lock price blocks with the overflow.
    try {
      notional = product(PositionSize, trade.price, q);
    } catch (e) {
      if (!(e instanceof ParamError)) throw e;
      return void this.blocks.push(fillNotionalOverflowBlock(this.instrument.settlementAsset, trade.price, trade.quantity));
    }
    const lockPrice = lockPriceOf(lock, this.state.policyGroupId, "settlement fill");
    if (!(lockPrice instanceof DecimalValue)) return void this.blocks.push(lockPrice);
    try {
      reserved = product(PositionSize, lockPrice, q);
    } catch (e) {
      if (!(e instanceof ParamError)) throw e;
      return void this.blocks.push(settlementNotionalOverflowBlock(this.instrument.settlementAsset, lockPrice, trade.quantity));
    }
    const currency = this.ctx.accounts.currencyOf(this.accountId);
    const traded = !q.isZero();
    if (traded) this.accountCurrencyPrice(trade.price, currency);
    const buy = this.side === "BUY";
    let contribution: AccountContribution = NONE;
    // Outflow side first. Each leg's move given as arguments (no move objects, no closure
    // for the position: this runs for every fill); the underlying of a trade also moves
    // its position.
    for (let k = 0; k < 2; k++) {
      const update =
        (k === 0) === buy
          ? buy
            ? this.moveLeg(this.settlement, atLeastZero(reserved), notional.neg(), ZERO, false, "fill")
            : this.moveLeg(this.settlement, atLeastZero(reserved.neg()), notional, atLeastZero(reserved), false, "fill")
          : buy
            ? this.moveLeg(this.underlying, ZERO, q, q, traded, "fill")
            : this.moveLeg(this.underlying, q, q.neg(), ZERO, traded, "fill");
      if (update === false) return;
      if (update !== undefined) contribution = update.account;
    }
    this.applyFee(fee, currency, contribution, traded, traded);
  }

  /** A report with a fee and no trade (a commission correction): the same fee accounting. */
  feeOnly(fee: MonetaryAmount): void {
    this.applyFee(fee, this.ctx.accounts.currencyOf(this.accountId), NONE, false, true);
  }

  /** Final with leaves > 0: the unfilled remainder goes back to available, its projection is dropped. */
  release(leaves: Quantity, lock: PreTradeLock | undefined): void {
    const lockPrice = lockPriceOf(lock, this.state.policyGroupId, "settlement release");
    if (!(lockPrice instanceof DecimalValue)) return void this.blocks.push(lockPrice);
    const q = PositionSize.from(leaves);
    let reserved: PositionSize;
    try {
      reserved = product(PositionSize, lockPrice, q);
    } catch (e) {
      if (!(e instanceof ParamError)) throw e;
      return void this.blocks.push(settlementNotionalOverflowBlock(this.instrument.settlementAsset, lockPrice, leaves));
    }
    // A release hands the held remainder back (`flow` 0: nothing was traded), underlying first.
    if (this.side === "BUY") {
      if (this.moveLeg(this.underlying, ZERO, ZERO, q, false, "release") === false) return;
      this.moveLeg(this.settlement, atLeastZero(reserved), ZERO, ZERO, false, "release");
    } else {
      if (this.moveLeg(this.underlying, q, ZERO, ZERO, false, "release") === false) return;
      this.moveLeg(this.settlement, atLeastZero(reserved.neg()), ZERO, atLeastZero(reserved), false, "release");
    }
  }

  result(): PolicyPostTradeResult | undefined {
    // Built at its final size (an array grown from `[]` reserves 17 slots): every fill's result.
    const u = this.underlying.outcome();
    const s = this.settlement.outcome();
    const f = this.feeLeg?.outcome();
    const entries: AccountOutcomeEntry[] = u ? (s ? [u, s] : [u]) : s ? [s] : [];
    if (f) entries.push(f);
    if (entries.length === 0 && this.blocks.length === 0 && this.accountPnl === undefined) return undefined;
    return {
      accountBlocks: this.blocks,
      accountPnls: this.accountPnl === undefined ? [] : [{ accountId: this.accountId, result: this.accountPnl }],
      accountAdjustments: entries,
    };
  }

  /**
   * Writes one leg — `held −= consume`, `available += consume + flow`, `incoming −= incoming`
   * — and, with `position` (the underlying of a trade), its position accounting at the
   * fill price, as a single slot update. Returns the position update, `undefined` when
   * there was none, or `false` when the leg overflowed (a block is recorded and the report
   * stops there). `move` picks OpenPit's overflow text; `fee` is the fee as reported, for
   * a fee debit's.
   */
  private moveLeg(
    leg: LegDelta,
    consume: PositionSize,
    flow: PositionSize,
    incoming: PositionSize,
    position: boolean,
    move: LegMove,
    fee?: DecimalValue,
  ): PositionUpdate | undefined | false {
    const before = this.read(leg.asset);
    let credit: PositionSize;
    let after: Holdings;
    let update: PositionUpdate | undefined;
    try {
      // 0 + flow is flow (same digits, scale and type): no new value when nothing is consumed.
      // Only a fill both consumes and flows, so only a fill's credit can overflow.
      credit = consume === ZERO ? flow : consume.add(flow);
    } catch (e) {
      if (!(e instanceof ParamError)) throw e;
      this.blocks.push(fillBalanceCreditOverflowBlock(leg.asset, consume, flow));
      return false;
    }
    if (consume.isZero() && credit.isZero() && incoming.isZero() && !position) return undefined;
    try {
      update = position ? applyPositionFill(before, flow, this.fillPrice, this.fillPriceHalt) : undefined;
      after = {
        available: credit.isZero() ? before.available : before.available.add(credit),
        held: consume.isZero() ? before.held : before.held.sub(consume),
        incoming: incoming.isZero() ? before.incoming : before.incoming.sub(incoming),
        averageEntryPrice: update ? update.averageEntryPrice : before.averageEntryPrice,
        realizedPnl: update ? update.realizedPnl : before.realizedPnl,
      };
    } catch (e) {
      if (!(e instanceof ParamError)) throw e;
      this.blocks.push(
        move === "fill"
          ? fillLegMutationOverflowBlock(leg.asset, consume, credit)
          : move === "fee"
            ? feeDebitOverflowBlock(leg.asset, fee ?? flow.neg())
            : cancelReleaseOverflowBlock(leg.asset, consume, incoming),
      );
      return false;
    }
    this.write(leg.asset, after);
    // The leg's sums, in OpenPit's order for `move`; one that overflows blocks with its text.
    // (A fill is the first move of its legs in a report, so only a fee's or a release's sum
    // can overflow; OpenPit records a fill's P&L before its sums, which would matter there.)
    const overflowed = leg.record(credit, consume, incoming, after, move);
    if (overflowed !== undefined) {
      this.blocks.push(legDeltaOverflowBlock(move, overflowed, leg.asset, consume, incoming, credit, fee ?? flow.neg()));
      return false;
    }
    if (update) {
      leg.recordPnl(update.outcome, after);
      leg.averageEntryPrice = update.averageEntryPrice;
    }
    return update;
  }

  /** The trade price in the account currency (`fillPrice`), or why it cannot be had (`fillPriceHalt`). */
  private accountCurrencyPrice(tradePrice: Price, currency: Asset | undefined): void {
    if (currency === undefined) return void (this.fillPriceHalt = "MissingAccountCurrency");
    const factor = conversionFactor(this.state.marketData, this.instrument.settlementAsset, currency, this.accountId, this.ctx);
    if (factor === undefined) return void (this.fillPriceHalt = "MissingFx");
    if (factor === SAME_CURRENCY) return void (this.fillPrice = tradePrice);
    try {
      this.fillPrice = tradePrice.mul(factor);
    } catch (e) {
      if (!(e instanceof ParamError)) throw e;
      this.fillPriceHalt = "ArithmeticOverflow";
    }
  }

  /**
   * A non-zero fee (positive = cost) debits the fee currency, adds −fee in the account
   * currency to the underlying position's P&L (if tracked) and to the account line; then
   * the account line moves and meets its barrier. Without an account currency the fee halts
   * the account line, and the position only when `currencyHaltsPosition` (a fee-only report,
   * or a fill that moved the position): OpenPit's apply_trade_fill halts the position for a
   * missing currency only `if touches_position_accounting`, and gives the fee no P&L delta
   * then, so a zero-quantity trade's fee leaves the position's P&L as it is.
   */
  private applyFee(
    fee: MonetaryAmount | undefined,
    currency: Asset | undefined,
    fill: AccountContribution,
    touchedPosition: boolean,
    currencyHaltsPosition: boolean,
  ): void {
    const hasFee = fee !== undefined && !fee.amount.isZero();
    let feePnl: Pnl | undefined;
    let feeHalt: PnlHaltReason | undefined;
    if (hasFee) {
      if (!this.debitFee(fee)) return;
      [feePnl, feeHalt] = this.feeContribution(fee, currency);
      if (currency !== undefined || currencyHaltsPosition) {
        const slot = this.read(this.instrument.underlyingAsset);
        const folded = foldFee(slot.realizedPnl, feePnl, feeHalt);
        if (folded.realizedPnl !== slot.realizedPnl) {
          const after = { ...slot, realizedPnl: folded.realizedPnl };
          this.write(this.instrument.underlyingAsset, after);
          this.underlying.recordPnl(folded.outcome, after);
        }
      }
    }
    const engaged = fill.kind !== "none" || hasFee;
    const observed = touchedPosition || hasFee;
    // An opening fill without a fee leaves the line as it is: no barrier to resolve, no
    // event (`accountPnl` stays unset, as the line's "nothing" sets it).
    if (lineUntouched(this.state.ledger, this.accountId, engaged, observed)) return;
    let halt = fill.kind === "halt" ? fill.reason : undefined;
    if (feeHalt !== undefined) halt = worseHalt(halt, feeHalt);
    const fillPnl = fill.kind === "value" ? fill.pnl : undefined;
    const contributions: Pnl[] =
      fillPnl !== undefined ? (feePnl !== undefined ? [fillPnl, feePnl] : [fillPnl]) : feePnl !== undefined ? [feePnl] : [];
    const barrier = this.state.settings.pnlBarrierFor(this.accountId, this.ctx, () => this.ctx.accounts.currencyOf(this.accountId));
    const line = applyAccountLine(this.state.ledger, this.accountId, barrier, { engaged, observed, contributions, halt });
    this.accountPnl = line.outcome;
    if (line.block) this.blocks.push(line.block);
  }

  private debitFee(fee: MonetaryAmount): boolean {
    const leg =
      fee.currency === this.instrument.settlementAsset
        ? this.settlement
        : fee.currency === this.instrument.underlyingAsset
          ? this.underlying
          : (this.feeLeg ??= new LegDelta(fee.currency));
    const amount = PositionSize.from(fee.amount);
    return this.moveLeg(leg, ZERO, amount.neg(), ZERO, false, "fee", fee.amount) !== false;
  }

  private feeContribution(fee: MonetaryAmount, currency: Asset | undefined): [Pnl | undefined, PnlHaltReason | undefined] {
    if (currency === undefined) return [undefined, "MissingAccountCurrency"];
    const factor = conversionFactor(this.state.marketData, fee.currency, currency, this.accountId, this.ctx);
    if (factor === undefined) return [undefined, "MissingFx"];
    const pnl = fee.amount.toPnl();
    if (factor === SAME_CURRENCY) return [pnl, undefined];
    try {
      return [pnl.mul(factor), undefined];
    } catch (e) {
      if (!(e instanceof ParamError)) throw e;
      return [undefined, "ArithmeticOverflow"];
    }
  }
}

/**
 * Applies a report: a trade (`fill.lastTrade`), else a fee alone, then — when the report
 * is final with `leavesQuantity > 0` — the release of the remainder. `isFinal` absent
 * means not final; `leavesQuantity` is required only on a final report. FinancialImpact
 * (`pnl`, `fee`) is not read: SpotFunds computes its own P&L from fills.
 */
export function applyExecutionReport(
  state: SpotFundsState,
  ctx: PostTradeContext,
  report: ExecutionReport,
  scratch: ReportScratch,
): PolicyPostTradeResult | undefined {
  const op = report.operation;
  const fill = report.fill;
  const missing =
    op?.accountId === undefined
      ? "account ID"
      : op.instrument === undefined
        ? "instrument"
        : op.side === undefined
          ? "side"
          : fill?.isFinal === true && fill.leavesQuantity === undefined
            ? "remaining quantity"
            : undefined;
  if (missing !== undefined) return { accountBlocks: [missingFieldBlock(missing)] };
  // The spare run object, restarted (a run and its two legs were a third of what SpotFunds
  // allocated per report). Taken while in use, so a report applied from inside another
  // (none is today) would get its own.
  const spare = scratch.run;
  const run = spare === undefined ? new ReportRun(state, ctx, op!.accountId!, op!.instrument!, op!.side!) : spare.restart(state, ctx, op!.accountId!, op!.instrument!, op!.side!);
  scratch.run = undefined;
  const fee = fill?.fee;
  if (fill?.lastTrade !== undefined) run.fill(fill.lastTrade, fee, fill.lock);
  else if (fee !== undefined && !fee.amount.isZero()) run.feeOnly(fee);
  const leaves = fill?.leavesQuantity;
  if (fill?.isFinal === true && leaves !== undefined && !leaves.isZero()) run.release(leaves, fill.lock);
  const result = run.result();
  // Nothing of the run outlives it (the result holds its block list, new per run, and new
  // outcome entries), so it can serve the next report; it carries nothing over (`restart`).
  scratch.run = run;
  return result;
}

/**
 * The run object kept between reports, one per policy instance (never module state): it
 * holds no state, every field is set again by `restart`.
 */
export interface ReportScratch {
  run: ReportRun | undefined;
}
