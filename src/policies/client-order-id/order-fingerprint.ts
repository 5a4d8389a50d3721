/**
 * An order as a safe retry must repeat it: the fields that decide it, in one canonical string,
 * kept with the id's first decision (found by review, session 34: a retry was recognised by
 * (account, client order id) alone, so an order of 100 000 shares sent with retry=true and
 * the id of a 1-share order got that order's acceptance, no policy run, nothing reserved).
 *
 * What is in it: every field of `Order` a policy may read — the instrument (both assets),
 * side, the trade amount (its kind and value), price (absent = market order), position side,
 * reduce-only, close-position, leverage, collateral asset, auto-borrow. The account and the
 * client order id are not: they are the key the first decision is found by, equal by
 * construction. `retry` is what marks the retry. `userData` is not: it is opaque caller
 * data, not on the wire (a door's orders never carry it) and no built-in policy reads it.
 * The order model has no order type or time in force (a price or none is the type).
 *
 * Decimals by value, not by scale: "10" and "10.0" are the same order. Every policy compares
 * and computes by value (OpenPit's rust_decimal semantics); a scale shows only in how amounts
 * are written (trailing zeros in outcomes and reject texts), and a retry is answered with the
 * first order's text anyway. A gateway re-encoding the order on retry ("10.0" for "10") must
 * not see its retry refused. Booleans and absent parts the wire cannot tell apart (a position
 * of all defaults, `reduce_only` false) are written alike, so a decoder's choice between
 * "absent" and "default" is never a difference.
 *
 * Plain data: a string, so it snapshots with the id as it is and restores bit for bit (the
 * journal holds the orders themselves: a replay computes it again from them). It begins with
 * {@link FINGERPRINT_FORMAT}; a stored one of another format (a later build's, read back by
 * this one) is treated like a missing one: unknown.
 */
import type { DecimalValue } from "../../param/decimal-value.js";
import type { Order } from "../../model/order.js";

/** The layout of {@link orderFingerprint}; raised if its fields change. */
export const FINGERPRINT_FORMAT = 1;

/** The wire names of the fingerprint's fields, after the format number, in its order (for the reject text). */
const FIELDS = [
  "instrument.underlying_asset",
  "instrument.settlement_asset",
  "side",
  "trade_amount",
  "price",
  "position_side",
  "reduce_only",
  "close_position",
  "leverage",
  "collateral_asset",
  "auto_borrow",
] as const;

/** A decimal by value: trailing zeros of the fraction dropped ("10.50" → "10.5", "10.0" → "10", "-0" → "0"). */
export function canonicalDecimal(value: DecimalValue): string {
  const text = value.toString();
  let end = text.length;
  if (text.indexOf(".") >= 0) {
    while (text.charCodeAt(end - 1) === 48 /* 0 */) end--;
    if (text.charCodeAt(end - 1) === 46 /* . */) end--;
  }
  const out = end === text.length ? text : text.slice(0, end);
  return out === "-0" ? "0" : out;
}

/** One field: `-` when absent, else its length, `:`, and the text (no escaping, no separator needed). */
function field(value: string | undefined): string {
  return value === undefined ? "-" : `${value.length}:${value}`;
}

/**
 * The order's fingerprint (see the module comment): the format number, then each field of
 * {@link FIELDS} in order, each written as `-` (absent) or `<length>:<text>` — so any text
 * (an asset may hold any character) is unambiguous without escaping, and building it costs
 * little on the path of every accepted order with an id (`JSON.stringify` of an array of the
 * fields cost about four times as much). Booleans are `true`/`false`, absent or not.
 */
export function orderFingerprint(order: Order): string {
  const op = order.operation;
  const instrument = op?.instrument;
  const amount = op?.tradeAmount;
  const price = op?.price;
  const position = order.position;
  const margin = order.margin;
  const leverage = margin?.leverage;
  return (
    field(FORMAT_TEXT) +
    field(instrument?.underlyingAsset) +
    field(instrument?.settlementAsset) +
    field(op?.side) +
    field(amount === undefined ? undefined : `${amount.kind} ${canonicalDecimal(amount.value)}`) +
    field(price === undefined ? undefined : canonicalDecimal(price)) +
    field(position?.positionSide) +
    (position?.reduceOnly === true ? "4:true" : "5:false") +
    (position?.closePosition === true ? "4:true" : "5:false") +
    field(leverage === undefined ? undefined : leverage.toString()) +
    field(margin?.collateralAsset) +
    (margin?.autoBorrow === true ? "4:true" : "5:false")
  );
}

const FORMAT_TEXT = String(FINGERPRINT_FORMAT);

/** A fingerprint's fields (the format first; undefined = absent), or undefined when it is not one. */
function fieldsOf(fingerprint: string): (string | undefined)[] | undefined {
  const out: (string | undefined)[] = [];
  let at = 0;
  while (at < fingerprint.length) {
    if (fingerprint[at] === "-") {
      out.push(undefined);
      at++;
      continue;
    }
    const colon = fingerprint.indexOf(":", at);
    const length = colon < 0 ? NaN : Number(fingerprint.slice(at, colon));
    if (!Number.isSafeInteger(length) || length < 0 || colon + 1 + length > fingerprint.length) return undefined;
    out.push(fingerprint.slice(colon + 1, colon + 1 + length));
    at = colon + 1 + length;
  }
  return out;
}

/**
 * Where the retried order (`retried`) differs from the first (`first`, stored): the first
 * differing field's wire name and both values (`absent` for an absent one), or undefined when
 * they are the same order — or when `first` is missing, or of another format, or not a
 * fingerprint (unknown: the retry is answered as before this check existed).
 */
export function firstDifference(first: string | undefined, retried: string): { field: string; first: string; retried: string } | undefined {
  if (first === undefined || first === retried) return undefined;
  const a = fieldsOf(first);
  const b = fieldsOf(retried)!;
  if (a === undefined || a[0] !== FORMAT_TEXT || a.length !== b.length) return undefined;
  for (let i = 1; i < b.length; i++) {
    if (a[i] !== b[i]) return { field: FIELDS[i - 1]!, first: a[i] ?? "absent", retried: b[i] ?? "absent" };
  }
  return undefined;
}
