/** Checks on the plain data a built-in's `restoreState` / `restoreMutation` receives. */
import { SnapshotError } from "../engine/errors.js";

/** The data as an object with the given keys present, or a `Malformed` error naming the policy. */
export function snapshotFields<K extends string>(data: unknown, policy: string, what: string, keys: readonly K[]): Record<K, unknown> {
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new SnapshotError("Malformed", `${policy}: ${what} must be an object`, policy);
  }
  for (const key of keys) {
    if (!(key in data)) throw new SnapshotError("Malformed", `${policy}: ${what} has no '${key}'`, policy);
  }
  return data as Record<K, unknown>;
}

export function snapshotMap<K, V>(value: unknown, policy: string, what: string): ReadonlyMap<K, V> {
  if (!(value instanceof Map)) throw new SnapshotError("Malformed", `${policy}: ${what} must be a Map`, policy);
  return value as ReadonlyMap<K, V>;
}

export function snapshotArray<T>(value: unknown, policy: string, what: string): readonly T[] {
  if (!Array.isArray(value)) throw new SnapshotError("Malformed", `${policy}: ${what} must be an array`, policy);
  return value as readonly T[];
}

/** Nested Maps copied level by level, so a snapshot never aliases live tables (and vice versa). */
export function copyNested<K1, K2, V>(source: ReadonlyMap<K1, ReadonlyMap<K2, V>>): Map<K1, Map<K2, V>> {
  const out = new Map<K1, Map<K2, V>>();
  for (const [k, inner] of source) out.set(k, new Map(inner));
  return out;
}
