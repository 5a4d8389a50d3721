/** OrderValidationPolicy's fixed reject lists: missing trade amount, zero quantity, zero volume. */
import { missingField, type PolicyReject } from "../../model/reject.js";

// The texts are fixed (OpenPit writes a literal "0" whatever the zero's scale), so the
// reject lists are built once and shared: the engine copies each reject when stamping it.

export const MISSING_TRADE_AMOUNT: readonly PolicyReject[] = Object.freeze([missingField("trade amount")]);

export const ZERO_QUANTITY: readonly PolicyReject[] = Object.freeze([
  {
    code: "InvalidFieldValue",
    reason: "order quantity must be non-zero",
    details: "requested quantity 0 is not allowed",
    scope: "order",
  },
]);

export const ZERO_VOLUME: readonly PolicyReject[] = Object.freeze([
  {
    code: "InvalidFieldValue",
    reason: "order volume must be non-zero",
    details: "requested volume 0 is not allowed",
    scope: "order",
  },
]);
