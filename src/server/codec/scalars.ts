/** Decimals, ids and assets from their wire strings and integers. */
import { ParamError, type DecimalValue, type ValueType } from "../../param/index.js";
import { AccountGroupId, AccountId, longerThan, MAX_NAME_LENGTH, type Asset } from "../../param/index.js";
import { invalid, missing } from "../../state/command-error.js";

/** Decimal strings in, value objects out; a malformed or out-of-range string names its field. */
export function decodeDecimal<T extends DecimalValue>(text: string, field: string, type: ValueType<T>): T {
  if (text === "") missing(field);
  try {
    return (type as unknown as { fromString(s: string): T }).fromString(text);
  } catch (e) {
    if (e instanceof ParamError) invalid(field, `${e.code}: ${e.message}`);
    throw e;
  }
}

export function decodeOptionalDecimal<T extends DecimalValue>(
  text: string | undefined,
  field: string,
  type: ValueType<T>,
): T | undefined {
  if (text === undefined) return undefined;
  // Sent, but empty: refused, never read as absent; and not "required", which would tell a
  // gateway sending a market order that a price is (found by review, session 44).
  if (text === "") invalid(field, "must not be empty when present");
  return decodeDecimal(text, field, type);
}

/** Account id 0 is "absent" on the wire (proto3 cannot tell them apart). */
export function decodeAccountId(id: bigint, field: string): AccountId {
  if (id === 0n) missing(field);
  return AccountId.fromU64(id);
}

/**
 * A group id as sent. 0 is passed on as the reserved default group: the engine refuses it
 * where it is not allowed, with its own stable kind (`ReservedGroup`).
 */
export function decodeGroupId(id: number): AccountGroupId {
  return id === 0 ? AccountGroupId.DEFAULT : AccountGroupId.fromU32(id);
}

/** A name (an asset's, a policy's): required, not blank, at most 128 characters. */
function decodeName(text: string, field: string): string {
  if (text.trim() === "") missing(field);
  if (longerThan(text, MAX_NAME_LENGTH)) invalid(field, `must be at most ${MAX_NAME_LENGTH} characters`);
  return text;
}

export function decodeAsset(text: string, field: string): Asset {
  return decodeName(text, field);
}

/** An `optional` asset field that was sent: a name as `decodeAsset` takes, refused as a value (not "required") when empty or blank. */
export function decodeOptionalAsset(text: string, field: string): Asset {
  if (text === "") invalid(field, "must not be empty when present");
  if (text.trim() === "") invalid(field, "must not be blank when present");
  return decodeName(text, field);
}

/** A policy's name as a request names it. */
export function decodePolicyName(text: string, field: string): string {
  return decodeName(text, field);
}
