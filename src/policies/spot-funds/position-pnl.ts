/**
 * Weighted-average-cost accounting of one (account, asset) slot, in the account currency:
 * how a fill or fee moves its average price and realized P&L. Pure: callers write the
 * result back with the quantity change of the same fill.
 */
import type { PnlOutcome } from "../../model/outcomes.js";
import { PnlState, type PnlHaltReason } from "../../model/pnl-state.js";
import { ParamError } from "../../param/param-error.js";
import { Pnl, type PositionSize, type Price } from "../../param/values.js";
import type { Holdings } from "./holdings-store.js";

/** What the fill contributes to the account-level P&L line. */
export type AccountContribution =
  | { readonly kind: "none" }
  | { readonly kind: "value"; readonly pnl: Pnl }
  | { readonly kind: "halt"; readonly reason: PnlHaltReason };

export interface PositionUpdate {
  readonly averageEntryPrice: Price | undefined;
  readonly realizedPnl: PnlState | undefined;
  /** A realized change, or the halt this fill caused (never a repeat of a standing halt). */
  readonly outcome: PnlOutcome | undefined;
  readonly account: AccountContribution;
}

/** No contribution to the account line (shared: every non-realizing fill returns it). */
export const NONE: AccountContribution = Object.freeze({ kind: "none" });

function haltOutcome(reason: PnlHaltReason): PnlOutcome {
  return { kind: "halted", reason };
}

/**
 * Applies one underlying fill of signed size `delta` (+ buy, − sell) at `price` (already in
 * the account currency; undefined when it could not be converted, with `priceHalt` saying
 * why) to a slot whose net position before the fill is `available + held`:
 *
 * 1. flat → opens: average = price, P&L starts being tracked at 0 if it was not;
 * 2. same direction → average re-weighted `(owned·avg + delta·price) / (owned + delta)`;
 * 3. opposite, |delta| ≤ |owned| → realizes `(price − avg) × closed`, average kept
 *    (cleared when flat);
 * 4. opposite, |delta| > |owned| → realizes `(price − avg) × owned`, reopens at price.
 *
 * Halts are sticky (only a balance adjustment re-arms the slot): `MissingAccountCurrency`
 * when the account has no currency, `MissingFx` when a fill that realizes has no rate (one
 * that realizes nothing leaves the slot without an average), `MissingCostBasis` when a realization has no
 * average (a same-direction fill without one leaves the slot basis-less, not halted), `MissingInitialPnl` when a non-flat slot never had its P&L set,
 * `ArithmeticOverflow`. A halted slot still follows its average when the price is known.
 *
 * The account contribution of a realizing fill is computed from the cost basis alone, so
 * the account line does not inherit the slot's sticky state.
 */
export function applyPositionFill(
  slot: Holdings,
  delta: PositionSize,
  price: Price | undefined,
  priceHalt: PnlHaltReason | undefined,
): PositionUpdate {
  let owned: PositionSize;
  try {
    owned = slot.available.add(slot.held);
  } catch (e) {
    if (!(e instanceof ParamError)) throw e;
    return halted(slot, undefined, "ArithmeticOverflow", { kind: "halt", reason: "ArithmeticOverflow" });
  }
  const realizes = !owned.isZero() && !delta.isZero() && owned.isNegative() !== delta.isNegative();
  const flips = realizes && delta.abs().gt(owned.abs());
  const avg = slot.averageEntryPrice;

  if (price === undefined) {
    // A fill that realizes nothing needs no rate, as in OpenPit (execution.rs: the price is
    // required only when the fill realizes): without one the average is unknown from here on
    // and the P&L stays as it was. Only a missing account currency halts it regardless. It
    // halted MissingFx at the opening fill (found by review against OpenPit, session 30).
    if (!realizes && priceHalt !== "MissingAccountCurrency") return { averageEntryPrice: undefined, realizedPnl: slot.realizedPnl, outcome: undefined, account: NONE };
    // Unpriced: only a partial reduction keeps a meaningful average.
    const newAverage = realizes && !flips && !owned.add(delta).isZero() ? avg : undefined;
    return halted(slot, newAverage, priceHalt ?? "MissingFx", realizes ? { kind: "halt", reason: priceHalt ?? "MissingFx" } : NONE);
  }

  let newAverage: Price | undefined;
  let realized: Pnl | undefined;
  let failure: PnlHaltReason | undefined;
  try {
    // `realized` is read only when the fill realizes (`owned` not zero, opposite sign): the
    // two branches that do not leave it unset (a zero P&L was built here for every such fill).
    if (owned.isZero()) {
      newAverage = delta.isZero() ? undefined : price;
    } else if (!realizes) {
      // No basis to weight against: the slot stays basis-less and keeps its P&L running, as
      // OpenPit's does (holdings.rs, case 2); only a reducing fill needs the basis (found by
      // review, session 30: the add halted MissingCostBasis).
      if (avg === undefined) newAverage = undefined;
      // Adding at the average leaves it where it is: skip the exact division (about 1.3 µs).
      // Only at the same scale: the formula's result keeps the operands' scale (10 @ 100 and
      // 5 @ 100.00 average 100.00), which equals the average's exactly when the scales match.
      else if (avg.scale === price.scale && avg.eq(price)) newAverage = avg;
      else newAverage = avg.mul(owned).add(price.mul(delta)).div(owned.add(delta));
    } else if (avg === undefined) {
      // Reducing without a basis halts and leaves the slot basis-less, a flip included
      // (OpenPit's holdings.rs keeps the slot as it was but for the halt).
      failure = "MissingCostBasis";
      newAverage = undefined;
    } else {
      const closed = flips ? owned : delta.neg();
      realized = Pnl.from(price.sub(avg).mul(closed));
      newAverage = flips ? price : owned.add(delta).isZero() ? undefined : avg;
    }
  } catch (e) {
    if (!(e instanceof ParamError)) throw e;
    failure = "ArithmeticOverflow";
    newAverage = undefined;
  }

  const account: AccountContribution = !realizes
    ? NONE
    : failure !== undefined
      ? { kind: "halt", reason: failure }
      : { kind: "value", pnl: realized! };

  const state = slot.realizedPnl;
  if (state?.kind === "halted") return { averageEntryPrice: newAverage, realizedPnl: state, outcome: undefined, account };
  if (failure !== undefined) return halted(slot, newAverage, failure, account);
  if (state === undefined) {
    // Flat: the opening fill starts tracking. Non-flat without a P&L: the history is unknown.
    if (!owned.isZero()) return halted(slot, newAverage, "MissingInitialPnl", account);
    return { averageEntryPrice: newAverage, realizedPnl: PnlState.value(Pnl.zero()), outcome: undefined, account };
  }
  if (!realizes) return { averageEntryPrice: newAverage, realizedPnl: state, outcome: undefined, account };
  try {
    const absolute = state.value.add(realized!);
    return {
      averageEntryPrice: newAverage,
      realizedPnl: PnlState.value(absolute),
      // A zero realized P&L is no outcome (openpit-semantics §2.5: outcomes omit zero-delta
      // legs; OpenPit's holdings.rs emits it only when non-zero; found by review, session 35:
      // closing at the average sent a realization of 0). The account line still counts it.
      outcome: realized!.isZero() ? undefined : { kind: "value", delta: realized!, absolute },
      account,
    };
  } catch (e) {
    if (!(e instanceof ParamError)) throw e;
    return halted(slot, newAverage, "ArithmeticOverflow", account);
  }
}

function halted(
  slot: Holdings,
  averageEntryPrice: Price | undefined,
  reason: PnlHaltReason,
  account: AccountContribution,
): PositionUpdate {
  if (slot.realizedPnl?.kind === "halted") {
    return { averageEntryPrice, realizedPnl: slot.realizedPnl, outcome: undefined, account };
  }
  return { averageEntryPrice, realizedPnl: PnlState.halted(reason), outcome: haltOutcome(reason), account };
}

/**
 * Folds a converted fee contribution (−fee) into the slot's realized P&L. It accrues only
 * into a tracked, running slot; a fee that could not be converted (`halt`) stops it.
 */
export function foldFee(
  state: PnlState | undefined,
  contribution: Pnl | undefined,
  halt: PnlHaltReason | undefined,
): { readonly realizedPnl: PnlState | undefined; readonly outcome: PnlOutcome | undefined } {
  if (state?.kind === "halted") return { realizedPnl: state, outcome: undefined };
  if (halt !== undefined) return { realizedPnl: PnlState.halted(halt), outcome: haltOutcome(halt) };
  if (state === undefined || contribution === undefined) return { realizedPnl: state, outcome: undefined };
  try {
    const absolute = state.value.add(contribution);
    return { realizedPnl: PnlState.value(absolute), outcome: contribution.isZero() ? undefined : { kind: "value", delta: contribution, absolute } };
  } catch (e) {
    if (!(e instanceof ParamError)) throw e;
    return { realizedPnl: PnlState.halted("ArithmeticOverflow"), outcome: haltOutcome("ArithmeticOverflow") };
  }
}

/** Two outcomes of one report for one slot: deltas add up (to none when they cancel: a fee equal to the gain), a halt wins. */
export function mergePnlOutcomes(first: PnlOutcome | undefined, second: PnlOutcome | undefined): PnlOutcome | undefined {
  if (first === undefined) return second;
  if (second === undefined) return first;
  if (first.kind === "halted") return first;
  if (second.kind === "halted") return second;
  try {
    const delta = first.delta.add(second.delta);
    return delta.isZero() ? undefined : { kind: "value", delta, absolute: second.absolute };
  } catch (e) {
    if (!(e instanceof ParamError)) throw e;
    return haltOutcome("ArithmeticOverflow");
  }
}
