/**
 * The account book's own reject and block texts. The book adds every accepted order's
 * quantity to its side's pending total and every fill to the position; past the decimal
 * range (±79228162514264337593543950335) neither sum can be kept, so the order is refused
 * (nothing of it stays) and a fill that cannot be counted blocks its account.
 */
import type { Instrument } from "../../param/instrument.js";
import type { AccountBlock, Reject } from "../../model/reject.js";
import { BOOK_OWNER } from "./book-mutation.js";
import type { OrderFootprint } from "./order-footprint.js";

const REASON = "arithmetic overflow";

function named(instrument: Instrument): string {
  return `${instrument.underlyingAsset}/${instrument.settlementAsset}`;
}

/** An accepted order whose quantity the book's pending total on its side cannot take. */
export function bookPendingOverflow(f: OrderFootprint): Reject {
  return {
    policy: BOOK_OWNER,
    code: "ArithmeticOverflow",
    reason: REASON,
    details: `account book pending overflow: instrument ${f.instrument ? named(f.instrument) : "none"}, side ${f.side ?? "none"}, quantity ${f.quantity.toString()}`,
    scope: "order",
  };
}

/** A fill the book's position cannot take: the position stays as it was, and the account is blocked. */
export function bookPositionOverflow(instrument: Instrument): AccountBlock {
  return {
    policy: BOOK_OWNER,
    code: "ArithmeticOverflow",
    reason: REASON,
    details: `account book position overflow: instrument ${named(instrument)}`,
  };
}
