/** Sums what one report changed on each asset leg into an outcome entry; reads the reserved lock price. */
import type { AccountOutcomeEntry, OutcomeAmount, PnlOutcome } from "../../model/outcomes.js";
import type { PreTradeLock } from "../../model/pre-trade-lock.js";
import type { PolicyBlock } from "../../engine/pretrade/policy.js";
import type { PolicyGroupId } from "../../param/ids.js";
import type { Asset } from "../../param/instrument.js";
import type { PositionSize, Price } from "../../param/values.js";
import { ParamError } from "../../param/param-error.js";
import { ZERO, type Holdings } from "./holdings-store.js";
import { mergePnlOutcomes } from "./position-pnl.js";
import { lockDuplicateBlock, lockMissingBlock } from "./rejects.js";

/**
 * What a leg move belongs to, for its overflow texts: OpenPit's settle_fill_leg ("fill"),
 * apply_fee_debit ("fee") and release_leg ("release") each have their own. A string
 * constant: nothing is built per fill.
 */
export type LegMove = "fill" | "fee" | "release";

/** The summed delta of a leg that left the decimal range (OpenPit's word in its text). */
export type LegDeltaField = "held" | "incoming" | "balance";

/**
 * The summed change one execution report made to one leg (underlying, settlement or the
 * fee currency), turned into an outcome entry at the end. Zero-delta fields are omitted,
 * and a leg that changed nothing emits no entry.
 */
export class LegDelta {
  balance: PositionSize = ZERO;
  held: PositionSize = ZERO;
  incoming: PositionSize = ZERO;
  /** The slot as this leg last wrote it (`absolute` values are a snapshot hint). */
  // Initialised, so every leg has its full shape from the constructor on (see DecimalValue.text).
  after: Holdings | undefined = undefined;
  realizedPnl: PnlOutcome | undefined = undefined;
  averageEntryPrice: Price | undefined = undefined;

  constructor(public asset: Asset) {}

  /** The same leg object for another report (ReportRun's scratch), every field as the constructor sets it. */
  restart(asset: Asset): void {
    this.asset = asset;
    this.balance = ZERO;
    this.held = ZERO;
    this.incoming = ZERO;
    this.after = undefined;
    this.realizedPnl = undefined;
    this.averageEntryPrice = undefined;
  }

  /**
   * `consumed` left held and `dropped` left incoming: subtracted (`x − c` is `x + (−c)`,
   * digit for digit and scale for scale) rather than added negated, which made a value per
   * leg of every fill even when it was zero.
   *
   * In OpenPit's order for `move` — held first, then incoming and balance for a fill
   * (settle_fill_leg), balance and incoming for a release (release_leg); a fee moves the
   * balance only — each sum written as it is made. Returns the sum that left the decimal
   * range, `undefined` when none did: the sums before it stay written and `after` is not
   * (OpenPit's `?` after each, `final_holdings` set last).
   */
  record(balance: PositionSize, consumed: PositionSize, dropped: PositionSize, after: Holdings, move: LegMove): LegDeltaField | undefined {
    let field: LegDeltaField = "held";
    try {
      if (!consumed.isZero()) this.held = this.held.sub(consumed);
      if (move === "release") {
        field = "balance";
        this.addBalance(balance);
        field = "incoming";
        if (!dropped.isZero()) this.incoming = this.incoming.sub(dropped);
      } else {
        field = "incoming";
        if (!dropped.isZero()) this.incoming = this.incoming.sub(dropped);
        field = "balance";
        this.addBalance(balance);
      }
    } catch (e) {
      if (!(e instanceof ParamError)) throw e;
      return field;
    }
    this.after = after;
    return undefined;
  }

  private addBalance(balance: PositionSize): void {
    // 0 + x is x (same digits, scale and type): the first change of a leg is kept as it is.
    if (!balance.isZero()) this.balance = this.balance === ZERO ? balance : this.balance.add(balance);
  }

  recordPnl(outcome: PnlOutcome | undefined, after: Holdings): void {
    this.realizedPnl = mergePnlOutcomes(this.realizedPnl, outcome);
    this.after = after;
  }

  outcome(): AccountOutcomeEntry | undefined {
    const h = this.after;
    if (h === undefined) return undefined;
    const entry: { -readonly [K in keyof AccountOutcomeEntry]: AccountOutcomeEntry[K] } = { asset: this.asset };
    const balance = changed(this.balance, h.available);
    const held = changed(this.held, h.held);
    const incoming = changed(this.incoming, h.incoming);
    if (balance) entry.balance = balance;
    if (held) entry.held = held;
    if (incoming) entry.incoming = incoming;
    const pnl = this.realizedPnl;
    // Beside a halted P&L no average, as OpenPit's push_leg_outcome (`Some(Err(reason)) =>
    // (Some(Err(reason)), None)`): the halt is the leg's P&L news.
    const average = pnl !== undefined && pnl.kind === "halted" ? undefined : this.averageEntryPrice;
    if (pnl) entry.realizedPnl = pnl;
    if (average) entry.averageEntryPrice = average;
    // Anything beside the asset (tested directly: `Object.keys` built an array per leg of every fill).
    return balance || held || incoming || pnl || average ? entry : undefined;
  }
}

function changed(delta: PositionSize, absolute: PositionSize): OutcomeAmount | undefined {
  return delta.isZero() ? undefined : { delta, absolute };
}

/**
 * The one price SpotFunds reserved at, read under its own policy group, or the block when
 * there is not exactly one (the price itself, not a wrapper: every fill reads it). Every
 * accepted order pushed one, so none is a reconciliation error and two mean two SpotFunds
 * policies share a group id; both block the account rather than guess.
 */
export function lockPriceOf(lock: PreTradeLock | undefined, group: PolicyGroupId, purpose: string): Price | PolicyBlock {
  const count = lock === undefined ? 0 : lock.prices(group).length;
  if (count === 1) return lock!.prices(group)[0]!;
  return count === 0 ? lockMissingBlock(purpose, group) : lockDuplicateBlock(purpose, group);
}
