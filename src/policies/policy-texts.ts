/** Reject and block texts the built-in policies share, rendered the way OpenPit prints them. */
import type { PolicyBlock } from "../engine/pretrade/policy.js";
import { missingField, type PolicyReject } from "../model/reject.js";
import type { DecimalValue } from "../param/decimal-value.js";
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

/** Where an operator control is set, for reject texts: never the account's id. */
export function whereSet(scope: ControlScope): string {
  return scope.kind === "account" ? "on the account" : scope.kind === "group" ? "on the account's group" : "globally";
}
