/**
 * Every reject and block text of SpotFundsPolicy. Texts embed decimal renderings and asset
 * names, never account ids. Where the spec fixes only the reason, the details chosen here
 * say what was missing or what did not fit (documented per function).
 */
import type { PolicyBlock } from "../../engine/pretrade/policy.js";
import type { PnlHaltReason } from "../../model/pnl-state.js";
import { missingField, type PolicyReject, type RejectScope } from "../../model/reject.js";
import type { PolicyGroupId } from "../../param/ids.js";
import type { Asset, Instrument } from "../../param/instrument.js";
import type { DecimalValue } from "../../param/decimal-value.js";
import type { Pnl, PositionSize } from "../../param/values.js";
import type { SpotFundsPnlBarrier } from "./settings.js";
import { blockOf, debugOption, missingFieldBlock } from "../policy-texts.js";
import type { Holdings } from "./holdings-store.js";
import type { LegDeltaField, LegMove } from "./report-legs.js";

export { debugOption };


// ── Main stage ───────────────────────────────────────────────────────────────────────

/** `available` is the spendable amount: available + min(held, 0). */
export function insufficientFunds(asset: Asset, available: DecimalValue, requested: DecimalValue): PolicyReject {
  return {
    code: "InsufficientFunds",
    reason: "spot funds insufficient",
    details: `asset ${asset}: available ${available.toString()}, requested ${requested.toString()}`,
    scope: "order",
  };
}

export function arithmeticOverflow(details: string, scope: RejectScope = "order"): PolicyReject {
  return { code: "ArithmeticOverflow", reason: "arithmetic overflow", details, scope };
}

export function arithmeticOverflowBlock(details: string): PolicyBlock {
  return blockOf(arithmeticOverflow(details));
}

/** A fill's trade-price notional does not fit: OpenPit's apply_trade_fill text. */
export function fillNotionalOverflowBlock(asset: Asset, price: DecimalValue, quantity: DecimalValue): PolicyBlock {
  return arithmeticOverflowBlock(`fill notional volume overflow: asset ${asset}, px ${price.toString()}, qty ${quantity.toString()}`);
}

/** A fill's or a release's amount at the lock price does not fit: OpenPit's settlement_reserved_amount text. */
export function settlementNotionalOverflowBlock(asset: Asset, lockPrice: DecimalValue, quantity: DecimalValue): PolicyBlock {
  return arithmeticOverflowBlock(`settlement notional overflow: asset ${asset}, lock_px ${lockPrice.toString()}, qty ${quantity.toString()}`);
}

/** A fill leg whose credit to available (`consume + flow`) does not fit: OpenPit's settle_fill_leg text. */
export function fillBalanceCreditOverflowBlock(asset: Asset, consume: DecimalValue, flow: DecimalValue): PolicyBlock {
  return arithmeticOverflowBlock(`fill balance credit overflow: asset ${asset}, consume ${consume.toString()}, flow ${flow.toString()}`);
}

/** A fill leg whose slot write (held, available, incoming) does not fit: OpenPit's settle_fill_leg text. */
export function fillLegMutationOverflowBlock(asset: Asset, consume: DecimalValue, credit: DecimalValue): PolicyBlock {
  return arithmeticOverflowBlock(`fill leg mutation overflow: asset ${asset}, consume ${consume.toString()}, credit ${credit.toString()}`);
}

/** A fee whose debit of its currency's slot does not fit: OpenPit's apply_fee_debit text (the fee as reported). */
export function feeDebitOverflowBlock(currency: Asset, fee: DecimalValue): PolicyBlock {
  return arithmeticOverflowBlock(`fee debit overflow: currency ${currency}, fee ${fee.toString()}`);
}

/** A release (final report with leaves) whose slot write does not fit: OpenPit's release_leg text. */
export function cancelReleaseOverflowBlock(asset: Asset, held: DecimalValue, incoming: DecimalValue): PolicyBlock {
  return arithmeticOverflowBlock(`cancel release overflow: asset ${asset}, held ${held.toString()}, incoming ${incoming.toString()}`);
}

/**
 * A report leg's summed delta that does not fit (its slot was written): OpenPit's texts for
 * the fill's (settle_fill_leg), the fee's (apply_fee_debit, the fee as reported) and the
 * release's (release_leg) sums. Built only when one overflows.
 */
export function legDeltaOverflowBlock(
  move: LegMove,
  field: LegDeltaField,
  asset: Asset,
  consume: DecimalValue,
  incoming: DecimalValue,
  credit: DecimalValue,
  fee: DecimalValue,
): PolicyBlock {
  if (move === "fee") return arithmeticOverflowBlock(`fee balance delta overflow: currency ${asset}, fee ${fee.toString()}`);
  if (move === "release") {
    const released = field === "incoming" ? incoming : consume;
    return arithmeticOverflowBlock(`cancel ${field} delta overflow: asset ${asset}, release ${released.toString()}`);
  }
  const named = field === "held" ? `consume ${consume.toString()}` : field === "incoming" ? `incoming ${incoming.toString()}` : `credit ${credit.toString()}`;
  return arithmeticOverflowBlock(`fill ${field} delta overflow: asset ${asset}, ${named}`);
}

/**
 * A hold's rollback whose inverse deltas overflow (the slot is left as it was): OpenPit's
 * record_rollback_overflow texts, the slot rendered as its `Holdings` Debug form.
 */
export function rollbackOverflowBlock(asset: Asset, held: DecimalValue, incoming: DecimalValue, slot: Holdings): PolicyBlock {
  return {
    code: "ArithmeticOverflow",
    reason: "rollback overflow: slot left inconsistent",
    details: `hold rollback overflow: asset ${asset}, held ${held.toString()}, incoming ${incoming.toString()}, slot ${holdingsDebug(slot)}`,
  };
}

/**
 * An account adjustment's rollback whose inverse deltas overflow (the slot is left as it
 * was): OpenPit's register_adjustment_rollback text, the forward deltas and the slot as it is.
 */
export function adjustmentRollbackOverflowBlock(
  asset: Asset,
  available: DecimalValue,
  held: DecimalValue,
  incoming: DecimalValue,
  slot: Holdings,
): PolicyBlock {
  return {
    code: "ArithmeticOverflow",
    reason: "rollback overflow: slot left inconsistent",
    details:
      `adjustment rollback overflow: asset ${asset}, available_delta ${available.toString()}, held_delta ${held.toString()}, ` +
      `incoming_delta ${incoming.toString()}, slot ${holdingsDebug(slot)}`,
  };
}

/** OpenPit's derived `Debug` of a holdings slot. */
function holdingsDebug(slot: Holdings): string {
  const pnl = slot.realizedPnl;
  const realized = pnl === undefined ? "None" : pnl.kind === "value" ? `Some(Pnl(${debugOption(pnl.value).slice(5, -1)}))` : `Some(Halted(${pnl.reason}))`;
  return (
    `Holdings { available: PositionSize(${slot.available.toString()}), held: PositionSize(${slot.held.toString()}), ` +
    `incoming: PositionSize(${slot.incoming.toString()}), avg_entry_price: ${debugOption(slot.averageEntryPrice)}, realized_pnl: ${realized} }`
  );
}

/** Same texts as OrderSizeLimit's notional / quantity derivation failures (spec §2.3). */
export function notionalCalculationFailed(): PolicyReject {
  return {
    code: "OrderValueCalculationFailed",
    reason: "order value calculation failed",
    details: "price or quantity could not be used to evaluate order notional",
    scope: "order",
  };
}

export function quantityCalculationFailed(): PolicyReject {
  return {
    code: "OrderValueCalculationFailed",
    reason: "order value calculation failed",
    details: "price or volume could not be used to evaluate order quantity",
    scope: "order",
  };
}

/** `{p}` and `{l}` are plain decimals; `{l}` is the positive magnitude, on the short side too. */
export function positionLimitExceeded(asset: Asset, side: "long" | "short", projected: DecimalValue, limit: DecimalValue): PolicyReject {
  return {
    code: "PositionLimitExceeded",
    reason: "position limit exceeded",
    details: `asset ${asset}, side ${side}, projected worst-case position ${projected.toString()}, limit ${limit.toString()}`,
    scope: "order",
  };
}

/** A Volume order at price 0 cannot be sized (OpenPit 3dec858; drop-copy keeps the empty leg). */
export function zeroPriceVolume(): PolicyReject {
  return {
    code: "OrderValueCalculationFailed",
    reason: "price calculation failed",
    details: "price or volume could not be used to evaluate order quantity",
    scope: "order",
  };
}

/** A drop-copy without a price is an evaluation failure: the whole drop-copy fails. */
export function dropCopyPriceMissing(): PolicyReject {
  return {
    code: "MissingRequiredField",
    reason: "limit price is required for drop-copy",
    details: "historical market orders cannot be valued at the current market price",
    scope: "order",
  };
}

/** No price and no market data. Details (open in the spec): what would have been needed. */
export function marketOrdersUnsupported(): PolicyReject {
  return {
    code: "UnsupportedOrderType",
    reason: "market orders not supported",
    details: "order has no price and the policy has no market data to price it",
    scope: "order",
  };
}

/** Details (open in the spec): the instrument and which quote or field was unusable. */
export function markPriceUnavailable(instrument: Instrument, why: string): PolicyReject {
  return {
    code: "MarkPriceUnavailable",
    reason: "mark price unavailable",
    details: `instrument ${instrument.underlyingAsset}/${instrument.settlementAsset}: ${why}`,
    scope: "order",
  };
}

/** The quote-derived price is not a positive number (or overflowed). Details: the inputs. */
export function priceCalculationFailed(details: string): PolicyReject {
  return { code: "OrderValueCalculationFailed", reason: "price calculation failed", details, scope: "order" };
}

// ── Account P&L kill switch ──────────────────────────────────────────────────────────

/** "lower", "upper" or "lower and upper" when `pnl` is outside the barrier (strict). */
export function breachedSides(barrier: SpotFundsPnlBarrier, pnl: Pnl): string | undefined {
  const lower = barrier.lower !== undefined && pnl.lt(barrier.lower);
  const upper = barrier.upper !== undefined && pnl.gt(barrier.upper);
  if (lower && upper) return "lower and upper";
  return lower ? "lower" : upper ? "upper" : undefined;
}

/** OpenPit's text (spot_funds/rejects.rs); a barrier with a currency names it, as OpenPit's always has one. */
export function pnlBreachBlock(sides: string, pnl: Pnl, barrier: SpotFundsPnlBarrier): PolicyBlock {
  return {
    code: "PnlKillSwitchTriggered",
    reason: "pnl kill switch triggered",
    details:
      `${sides} bound breached: realized pnl ${pnl.toString()}, ` +
      `lower_bound ${debugOption(barrier.lower)}, upper_bound ${debugOption(barrier.upper)}` +
      (barrier.currency === undefined ? "" : `, currency ${barrier.currency}`),
  };
}

/**
 * An account-tier barrier in another currency than the account's: its bounds cannot be
 * compared (never FX-converted), so it fails closed. OpenPit's texts
 * (`pnl_barrier_currency_mismatch_account_block`, spot_funds/rejects.rs), read in session 36;
 * the spec had them as not read, and this block had texts of its own until then.
 */
export function pnlCurrencyMismatchBlock(barrierCurrency: Asset, accountCurrency: Asset): PolicyBlock {
  return {
    code: "PnlKillSwitchTriggered",
    reason: "pnl barrier currency mismatch",
    details: `account currency ${accountCurrency}, barrier currency ${barrierCurrency}`,
  };
}

export function pnlHaltedBlock(reason: PnlHaltReason): PolicyBlock {
  return {
    code: "PnlKillSwitchTriggered",
    reason: "account pnl calculation halted",
    details: `halt reason ${reason}`,
  };
}

/** A block as the pre-trade reject it becomes: account scope, so the engine latches it. */
export function accountReject(block: PolicyBlock): PolicyReject {
  return { code: block.code, reason: block.reason, details: block.details, scope: "account" };
}

// ── Execution reports ────────────────────────────────────────────────────────────────

export { missingFieldBlock };

/** `purpose` names the leg being reconciled ("settlement fill", "settlement release"). */
export function lockMissingBlock(purpose: string, group: PolicyGroupId): PolicyBlock {
  return {
    code: "MissingRequiredField",
    reason: `pre-trade lock has no price for ${purpose}`,
    details: `group ${group}`,
  };
}

export function lockDuplicateBlock(purpose: string, group: PolicyGroupId): PolicyBlock {
  return {
    code: "Other",
    reason: `pre-trade lock has multiple prices for ${purpose}; two SpotFundsPolicies share a group_id`,
    details: `group ${group}`,
  };
}

// ── Account adjustments (account scope; the engine never latches these) ─────────────────

export type AdjustedField = "balance" | "held" | "incoming";

export function adjustmentBoundsExceeded(
  asset: Asset,
  field: AdjustedField,
  value: DecimalValue,
  lower: DecimalValue | undefined,
  upper: DecimalValue | undefined,
): PolicyReject {
  return {
    code: "AccountAdjustmentBoundsExceeded",
    reason: "account adjustment bounds exceeded",
    details: `asset ${asset}: ${field} ${value.toString()}, lower ${debugOption(lower)}, upper ${debugOption(upper)}`,
    scope: "account",
  };
}

/** A delta amount that takes a field past the decimal range (OpenPit's words: the current value and the amount as `delta: v`). */
export function adjustmentOverflow(asset: Asset, field: AdjustedField, current: PositionSize, delta: PositionSize): PolicyReject {
  return arithmeticOverflow(`account adjustment overflow: asset ${asset}, field ${field}, current ${current.toString()}, applied delta: ${delta.toString()}`, "account");
}

/** The net position (available + held) after the adjustment is past the decimal range. */
export function adjustmentNetPositionOverflow(asset: Asset): PolicyReject {
  return arithmeticOverflow(`account adjustment net-position overflow: asset ${asset}`, "account");
}

/** The change a field reports (new − previous) is past the decimal range. */
export function adjustmentDeltaOverflow(asset: Asset, field: AdjustedField | "realized pnl"): PolicyReject {
  return arithmeticOverflow(`account adjustment delta overflow: asset ${asset}, field ${field}`, "account");
}

/** A non-balance operation (or none): SpotFunds needs the balance asset. */
export function balanceAssetMissing(): PolicyReject {
  return missingField("balance asset", "account");
}
