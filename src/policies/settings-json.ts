/** Readers that turn JSON policy settings into typed values, naming the path of any bad field. */
import { AccountGroupId, AccountId, InstrumentId } from "../param/ids.js";
import type { DecimalValue, ValueType } from "../param/decimal-value.js";
import { asset, type Asset } from "../param/instrument.js";
import { longerThan, MAX_NAME_LENGTH } from "../param/name-length.js";
import { SettingsValidationError } from "../engine/errors.js";

/**
 * Readers for policy settings written as JSON (configuration files, the admin API).
 * Every error names the field's path (`rateLimit.broker.window`), so an operator can
 * find the bad value. Decimals are strings; account ids are u64 numbers or digit strings;
 * durations are milliseconds.
 */
export type Json = unknown;

export function fail(path: string, message: string): never {
  throw new SettingsValidationError(`${path}: ${message}`);
}

export function readObject(json: Json, path: string): Record<string, Json> {
  if (typeof json !== "object" || json === null || Array.isArray(json)) fail(path, "must be an object");
  return json as Record<string, Json>;
}

/** Refuses keys the reader does not know, so a typo is an error and not a silent default. */
export function onlyKeys(obj: Record<string, Json>, path: string, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) fail(`${path}.${key}`, `unknown field (expected one of: ${allowed.join(", ")})`);
  }
}

export function readArray(json: Json, path: string): Json[] {
  if (!Array.isArray(json)) fail(path, "must be an array");
  return json;
}

export function readString(json: Json, path: string): string {
  if (typeof json !== "string") fail(path, "must be a string");
  return json;
}

export function readBoolean(json: Json, path: string): boolean {
  if (typeof json !== "boolean") fail(path, "must be true or false");
  return json;
}

export function readNumber(json: Json, path: string): number {
  if (typeof json !== "number" || !Number.isFinite(json)) fail(path, "must be a finite number");
  return json;
}

export function readInteger(json: Json, path: string, min: number, max: number): number {
  const n = readNumber(json, path);
  if (!Number.isInteger(n) || n < min || n > max) fail(path, `must be an integer in ${min}..${max}`);
  return n;
}

export function readDecimal<T extends DecimalValue>(json: Json, path: string, type: ValueType<T>): T {
  if (typeof json !== "string") fail(path, `must be a decimal string (got ${typeof json})`);
  try {
    return (type as unknown as { fromString(s: string): T }).fromString(json);
  } catch (e) {
    return fail(path, e instanceof Error ? e.message : String(e));
  }
}

export function readAsset(json: Json, path: string): Asset {
  // As on the wire (server/codec/scalars.ts): a name the API refuses could never be used.
  if (typeof json === "string" && longerThan(json, MAX_NAME_LENGTH)) fail(path, `must be at most ${MAX_NAME_LENGTH} characters`);
  try {
    return asset(readString(json, path));
  } catch (e) {
    if (e instanceof SettingsValidationError) throw e;
    return fail(path, "must be a non-empty asset name");
  }
}

function readU64(json: Json, path: string): bigint {
  if (typeof json === "number" && Number.isSafeInteger(json) && json >= 0) return BigInt(json);
  if (typeof json === "string" && /^\d+$/.test(json)) {
    const v = BigInt(json);
    if (v < 1n << 64n) return v;
  }
  return fail(path, "must be an unsigned 64-bit integer (number or digit string)");
}

export function readAccountId(json: Json, path: string): AccountId {
  return AccountId.fromU64(readU64(json, path));
}

export function readInstrumentId(json: Json, path: string): InstrumentId {
  return InstrumentId.fromU64(readU64(json, path));
}

export function readAccountGroupId(json: Json, path: string): AccountGroupId {
  return AccountGroupId.fromU32(readInteger(json, path, 1, 0xffffffff));
}

/** Calls `read` when the field is present (not undefined/null). */
export function optional<T>(json: Json, path: string, read: (json: Json, path: string) => T): T | undefined {
  return json === undefined || json === null ? undefined : read(json, path);
}

/** An optional list of objects (absent = empty), each read with its own `[i]` path. */
export function readObjectList<T>(json: Json, path: string, read: (obj: Record<string, Json>, path: string) => T): T[] {
  return (optional(json, path, readArray) ?? []).map((item, i) => {
    const itemPath = `${path}[${i}]`;
    return read(readObject(item, itemPath), itemPath);
  });
}

/**
 * The same JSON value: objects compared key by key whatever their order, arrays in order,
 * numbers and strings as they are (`"5000"` is not `5000`). For a compare-and-set of settings
 * sent back by a client that may have re-serialised them.
 */
export function sameJson(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => sameJson(x, b[i]));
  }
  const ka = Object.keys(a);
  const ob = b as Record<string, Json>;
  if (ka.length !== Object.keys(ob).length) return false;
  return ka.every((k) => Object.hasOwn(ob, k) && sameJson((a as Record<string, Json>)[k], ob[k]));
}
