/** Reject and block texts the built-in policies share, rendered the way OpenPit prints them. */
import type { PolicyBlock } from "../engine/pretrade/policy.js";
import { missingField, type PolicyReject } from "../model/reject.js";
import type { DecimalValue } from "../param/decimal-value.js";
import { Price } from "../param/values.js";
import type { ControlScope } from "../model/control-scope.js";

/**
 * Texts shared by the built-ins. OpenPit prints optional bounds with Rust's `{:?}` of
 * `Option<_>`; the value is rendered bare: `Some(-100)` / `None`.
 */
export function debugOption(value: DecimalValue | undefined): string {
  return value === undefined ? "None" : `Some(${value.toString()})`;
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

/** An instrument as reject texts name it: `AAPL/USD`. */
export function instrumentText(i: { readonly underlyingAsset: string; readonly settlementAsset: string }): string {
  return `${i.underlyingAsset}/${i.settlementAsset}`;
}

/** A share as a percentage with two decimals (`6.00`): texts stay short however long the quotient. */
export function percentText(part: DecimalValue, whole: DecimalValue): string {
  if (whole.isZero()) return "inf";
  return part.mul(HUNDRED).div(whole).rounded(2, "midpointNearestEven").toString();
}

const HUNDRED = Price.fromInt(100);

/** Where an operator control is set, for reject texts: never the account's id. */
export function whereSet(scope: ControlScope): string {
  return scope.kind === "account" ? "on the account" : scope.kind === "group" ? "on the account's group" : "globally";
}
