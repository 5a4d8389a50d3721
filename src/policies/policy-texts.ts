/** Reject and block texts the built-in policies share, rendered the way OpenPit prints them. */
import type { PolicyBlock } from "../engine/pretrade/policy.js";
import { missingField, type PolicyReject } from "../model/reject.js";
import { Decimal } from "decimal.js";
import type { DecimalValue, ValueType } from "../param/decimal-value.js";
import type { ControlScope } from "../model/control-scope.js";

/**
 * Texts shared by the built-ins. OpenPit prints optional bounds with Rust's `{:?}` of
 * `Option<_>`, and its value types are derived-`Debug` tuple structs: `Some(Pnl(-100))`,
 * `Some(PositionSize(0))`, `None` (a value type's `kind` is its Rust name). They were rendered
 * bare (`Some(-100)`) until a review against OpenPit's source (session 30).
 */
export function debugOption(value: DecimalValue | undefined): string {
  return value === undefined ? "None" : `Some(${(value.constructor as ValueType<DecimalValue>).kind}(${value.toString()}))`;
}

/** A reject's texts as a block (post-trade and adjustments have no order to reject). */
export function blockOf(r: PolicyReject): PolicyBlock {
  return { code: r.code, reason: r.reason, details: r.details };
}

/** A report field the policy needs is absent. */
export function missingFieldBlock(field: string): PolicyBlock {
  return blockOf(missingField(field));
}

/** The missing-field rejects the controls share (one frozen list each: nothing is built per order). */
export const MISSING = {
  instrument: Object.freeze([missingField("instrument")]) as readonly PolicyReject[],
  accountId: Object.freeze([missingField("account ID")]) as readonly PolicyReject[],
  side: Object.freeze([missingField("side")]) as readonly PolicyReject[],
  tradeAmount: Object.freeze([missingField("trade amount")]) as readonly PolicyReject[],
};

/**
 * RiskConfigurationMissing (36): a control is configured but no tier of it covers the
 * account (no own entry, no group entry, no default). Fail closed (controls.md): an account
 * left out by mistake must not trade unlimited. One frozen list per control.
 */
export function notConfigured(limit: string): readonly PolicyReject[] {
  return Object.freeze([
    Object.freeze({ code: "RiskConfigurationMissing", reason: `${limit} not configured`, details: `no ${limit} applies to this account`, scope: "order" }),
  ]) as readonly PolicyReject[];
}

/** An instrument as reject texts name it: `AAPL/USD`. */
export function instrumentText(i: { readonly underlyingAsset: string; readonly settlementAsset: string }): string {
  return `${i.underlyingAsset}/${i.settlementAsset}`;
}

/**
 * How far `value` is from `reference`, as a percentage of |reference| with two decimals
 * (`6.00`), rounded up so a refused deviation never reads as the band itself: texts stay
 * short however long the quotient. Computed unbounded (decimal.js, 96 digits: the quotient
 * of two values of the decimal domain needs at most 63 to be rounded up correctly), so a
 * price near the edge of the domain still says how far off it is (found by review: the
 * quotient was first rounded half-even to the domain's 28 digits, so a price a hair past a
 * 100 % band read "100.00 %", and a deviation with no room for decimals had none).
 */
export function deviationPercentText(value: DecimalValue, reference: DecimalValue): string {
  if (reference.isZero()) return "inf";
  return value.decimal.minus(reference.decimal).abs().times(100).dividedBy(reference.decimal.abs()).toFixed(2, Decimal.ROUND_CEIL);
}

/** Where an operator control is set, for reject texts: never the account's id. */
export function whereSet(scope: ControlScope): string {
  return scope.kind === "account" ? "on the account" : scope.kind === "group" ? "on the account's group" : "globally";
}
