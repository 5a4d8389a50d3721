/** Account, group, instrument and policy-group ids: branded integers with checked ranges. */
import { ParamError } from "./param-error.js";

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** An account: an unsigned 64-bit integer. Strings are hashed (FNV-1a 64), never parsed. */
export type AccountId = Brand<bigint, "AccountId">;
/** An account group: unsigned 32-bit, 0 reserved for "no group / default". */
export type AccountGroupId = Brand<number, "AccountGroupId">;
/** A market-data / reference-book instrument id: unsigned 64-bit. */
export type InstrumentId = Brand<bigint, "InstrumentId">;
/** Tags lock prices and outcomes with the policy that produced them: unsigned 16-bit, 0 default. */
export type PolicyGroupId = Brand<number, "PolicyGroupId">;

const U64_MAX = (1n << 64n) - 1n;
const FNV64_OFFSET = 14695981039346656037n;
const FNV64_PRIME = 1099511628211n;
const FNV32_OFFSET = 2166136261;
const FNV32_PRIME = 16777619;
const utf8 = new TextEncoder();

export function fnv1a64(text: string): bigint {
  let hash = FNV64_OFFSET;
  for (const byte of utf8.encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * FNV64_PRIME) & U64_MAX;
  }
  return hash;
}

export function fnv1a32(text: string): number {
  let hash = FNV32_OFFSET;
  for (const byte of utf8.encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, FNV32_PRIME) >>> 0;
  }
  return hash >>> 0;
}

function u64(kind: "AccountId", value: bigint | number): bigint {
  const v = typeof value === "number" ? (Number.isSafeInteger(value) ? BigInt(value) : -1n) : value;
  if (v < 0n || v > U64_MAX) throw new ParamError(kind, "Other", `${String(value)} is not an unsigned 64-bit integer`);
  return v;
}

export const AccountId = {
  fromU64(value: bigint | number): AccountId {
    return u64("AccountId", value) as AccountId;
  },
  /** FNV-1a 64 of the UTF-8 bytes. Do not mix hashed and numeric ids in one deployment. */
  fromString(text: string): AccountId {
    if (text.trim() === "") throw new ParamError("AccountId", "AccountIdEmpty", "account id text is empty");
    return fnv1a64(text) as AccountId;
  },
};

export const AccountGroupId = {
  fromU32(value: number): AccountGroupId {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new ParamError("AccountGroupId", "Other", `${value} is not an unsigned 32-bit integer`);
    }
    if (value === 0) throw new ParamError("AccountGroupId", "Other", "account group 0 is reserved");
    return value as AccountGroupId;
  },
  /** FNV-1a 32; a hash of 0 maps to 1 because 0 is reserved. */
  fromString(text: string): AccountGroupId {
    if (text.trim() === "") throw new ParamError("AccountGroupId", "Other", "account group text is empty");
    return (fnv1a32(text) || 1) as AccountGroupId;
  },
  /** The reserved default group; valid only where the API says "0 = default". */
  DEFAULT: 0 as AccountGroupId,
};

export const InstrumentId = {
  fromU64(value: bigint | number): InstrumentId {
    const v = typeof value === "number" ? (Number.isSafeInteger(value) ? BigInt(value) : -1n) : value;
    if (v < 0n || v > U64_MAX) throw new ParamError("InstrumentId", "Other", `instrument id ${String(value)} is not u64`);
    return v as InstrumentId;
  },
};

export const PolicyGroupId = {
  DEFAULT: 0 as PolicyGroupId,
  fromU16(value: number): PolicyGroupId {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
      throw new TypeError(`policy group id ${value} is not an unsigned 16-bit integer`);
    }
    return value as PolicyGroupId;
  },
};
