/**
 * Tagged JSON for domain data: commands in the journal and engine state in snapshots. It
 * round-trips exactly what engine state is made of (decimals with their scale, bigint ids,
 * Maps, locks), so a record read back is the same value, bit for bit.
 */
import type { DecimalValue } from "../param/decimal-value.js";
import { CashFlow, Fee, Leverage, Notional, Pnl, PositionSize, Price, Quantity, Volume } from "../param/values.js";
import { PreTradeLock } from "../model/pre-trade-lock.js";

/** A value this codec can carry: JSON, plus bigint, Map, decimals, locks, leverage, undefined. */
export type PlainData = unknown;

type DecimalClass = { fromString(text: string): DecimalValue; readonly kind: string };

const DECIMALS: readonly DecimalClass[] = [Price, Quantity, Volume, Notional, Pnl, Fee, CashFlow, PositionSize];
const DECIMAL_BY_TAG = new Map<string, DecimalClass>(DECIMALS.map((c) => [`$${c.kind}`, c]));
const DECIMAL_TAG = new Map<unknown, string>(DECIMALS.map((c) => [c, `$${c.kind}`]));

export class PlainDataError extends Error {
  override name = "PlainDataError";
}

/**
 * Encodes to a JSON-able tree. Tags are one-key objects whose key starts with `$`:
 * `{"$Price":"185.50"}`, `{"$n":"42"}` (bigint), `{"$map":[[k,v],…]}`, `{"$lock":[…]}`,
 * `{"$lev":"2.5"}`, `{"$u":0}` (undefined inside an array). A plain object that could be
 * mistaken for a tag is wrapped as `{"$o":{…}}`. Object keys whose value is undefined are dropped.
 */
export function toPlain(value: PlainData): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) throw new PlainDataError(`cannot encode the number ${value}`);
      return value;
    case "bigint":
      return { $n: value.toString() };
    case "undefined":
      return { $u: 0 };
    case "object":
      break;
    default:
      throw new PlainDataError(`cannot encode a ${typeof value}`);
  }
  if (value === null) return null;
  if (Array.isArray(value)) return value.map(toPlain);
  // The prototype's constructor, not `value.constructor`: a JSON object with its own key
  // "constructor" (an operator's settings text) answers that key's value there, and was
  // refused as an instance of a class, INTERNAL and unaudited (found by review, session 36).
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  const tag = DECIMAL_TAG.get(proto?.constructor as never);
  if (tag !== undefined) return { [tag]: (value as DecimalValue).toString() };
  if (value instanceof Map) return { $map: [...value].map(([k, v]) => [toPlain(k), toPlain(v)]) };
  if (value instanceof PreTradeLock) return { $lock: value.toJSON() };
  if (value instanceof Leverage) return { $lev: value.toString() };
  if (proto !== Object.prototype && proto !== null) {
    throw new PlainDataError(`cannot encode an instance of ${proto.constructor?.name}`);
  }
  const out: Record<string, unknown> = {};
  let keys = 0;
  let tagLike = false;
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    setKey(out, k, toPlain(v));
    keys++;
    tagLike = k.startsWith("$");
  }
  return keys === 1 && tagLike ? { $o: out } : out;
}

/** Decodes a tree made by `toPlain`. */
export function fromPlain(tree: unknown): PlainData {
  if (tree === null || typeof tree !== "object") return tree;
  if (Array.isArray(tree)) return tree.map(fromPlain);
  const entries = Object.entries(tree);
  if (entries.length === 1 && entries[0]![0].startsWith("$")) {
    const [tag, v] = entries[0]!;
    const decimal = DECIMAL_BY_TAG.get(tag);
    if (decimal !== undefined) return decimal.fromString(v as string);
    switch (tag) {
      case "$n":
        return BigInt(v as string);
      case "$u":
        return undefined;
      case "$map":
        return new Map((v as [unknown, unknown][]).map(([k, x]) => [fromPlain(k), fromPlain(x)]));
      case "$lock":
        return PreTradeLock.fromJSON(v);
      case "$lev":
        return Leverage.fromString(v as string);
      case "$o":
        return decodeObject(Object.entries(v as object));
      default:
        throw new PlainDataError(`unknown tag '${tag}'`);
    }
  }
  return decodeObject(entries);
}

function decodeObject(entries: [string, unknown][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) setKey(out, k, fromPlain(v));
  return out;
}

/**
 * `out[k] = v`, as an own key even when `k` is `__proto__`: there an assignment sets the
 * object's prototype and the key is gone. `JSON.parse` makes such keys (an operator's
 * settings JSON may hold one), and a record must read back as it was sent: a change refused
 * live for its unknown key, journaled without it, would be applied by the replay.
 */
function setKey(out: Record<string, unknown>, k: string, v: unknown): void {
  if (k === "__proto__") Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  else out[k] = v;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function encodePlain(value: PlainData): Uint8Array {
  return encoder.encode(JSON.stringify(toPlain(value)));
}

export function decodePlain(bytes: Uint8Array): PlainData {
  return fromPlain(JSON.parse(decoder.decode(bytes)));
}
