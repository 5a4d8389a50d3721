/**
 * Policy settings as the operator edits them: leaves addressed by a dotted path
 * (`broker.maxQuantity`, `brokerBarriers[0].lowerBound`), values typed like the value they
 * replace, so nobody writes JSON inside a JSON string.
 */
import { UsageError } from "./args.js";
import { firstJsonTextProblem, jsonTextProblem } from "../json/json-numbers.js";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Names an object holds by inheritance, not as settings: `--set __proto__.x=5` wrote through the
 * prototype, left the settings unchanged and printed "applied" (found by review).
 */
const NOT_SETTINGS = new Set(["__proto__", "constructor", "prototype"]);

/** `a.b[2].c` (or `a.b.2.c`) → ["a", "b", 2, "c"]. */
export function parsePath(path: string): (string | number)[] {
  const parts: (string | number)[] = [];
  for (const segment of path.split(".")) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(segment);
    if (!m || (m[1] === "" && m[2] === "")) throw new UsageError(`'${path}' is not a settings path (e.g. broker.maxQuantity or brokerBarriers[0].lowerBound)`);
    if (NOT_SETTINGS.has(m[1]!)) throw new UsageError(`'${path}': ${m[1]} is not a settings name`);
    if (m[1] !== "") parts.push(/^\d+$/.test(m[1]!) ? Number(m[1]) : m[1]!);
    for (const index of m[2]!.matchAll(/\[(\d+)\]/g)) parts.push(Number(index[1]));
  }
  return parts;
}

function pathText(parts: readonly (string | number)[]): string {
  return parts.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/** Every leaf (a scalar, an empty list or object) with its path, in document order. */
export function flatten(json: Json, prefix: (string | number)[] = []): [string, Json][] {
  if (Array.isArray(json) && json.length > 0) return json.flatMap((v, i) => flatten(v, [...prefix, i]));
  if (json !== null && typeof json === "object" && !Array.isArray(json) && Object.keys(json).length > 0) {
    return Object.entries(json).flatMap(([k, v]) => flatten(v, [...prefix, k]));
  }
  return [[pathText(prefix), json]];
}

/** A number as JSON writes one (no hex, octal, binary, sign +, spaces or bare dots). */
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * `text` typed like `current`: strings stay strings (decimals are strings), numbers and
 * booleans parse, else JSON if it parses. An integer a double cannot hold exactly (a uint64
 * id past 2^53) stays its digit string, which the sidecar reads as the same id, instead of
 * being rounded to another.
 */
export function typedValue(text: string, current: Json | undefined, path: string): Json {
  if (typeof current === "string") return text;
  if (typeof current === "number") {
    // A JSON number only, as the settings file takes: Number() also read 0x10 as 16, 0o17,
    // 0b11 and ' 7 ', and applied a limit other than the one typed (found by review).
    if (!JSON_NUMBER.test(text)) throw new UsageError(`${path} is a number; '${text}' is not`);
    if (isUnsafeInteger(text)) return text;
    const n = Number(text);
    if (!Number.isFinite(n)) throw new UsageError(`${path} is a number; '${text}' is not`);
    refuseWhatJsonChanges(text, path);
    return n;
  }
  if (typeof current === "boolean") {
    if (text !== "true" && text !== "false") throw new UsageError(`${path} is true or false, not '${text}'`);
    return text === "true";
  }
  const quoted = quoteUnsafeIntegers(text);
  let value: Json;
  try {
    value = JSON.parse(quoted) as Json;
  } catch {
    return text;
  }
  refuseWhatJsonChanges(quoted, path);
  return value;
}

/**
 * Refuses a value whose text JSON reads as something else (a key written twice, a number a
 * double changes), as the sidecar refuses it in settings_json: the settings go out
 * re-serialised, so the sidecar's own check never sees the text the operator wrote (found by
 * review, session 35: `broker={"maxOrders": 10, …, "maxOrders": 100000}` was sent as 100000,
 * and `broker.maxOrders=7.0000000000000001` as 7).
 */
function refuseWhatJsonChanges(text: string, path: string): void {
  const problem = firstJsonTextProblem(text);
  if (problem !== undefined) throw new UsageError(`${path}: ${jsonTextProblem(problem, (offset) => `offset ${offset}`)}`);
}

function isUnsafeInteger(text: string): boolean {
  return /^-?\d+$/.test(text) && !Number.isSafeInteger(Number(text));
}

/** JSON text with every integer literal a double cannot hold exactly (outside strings) quoted. */
function quoteUnsafeIntegers(json: string): string {
  let out = "";
  let i = 0;
  while (i < json.length) {
    const c = json[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < json.length && json[j] !== '"') j += json[j] === "\\" ? 2 : 1;
      out += json.slice(i, j + 1);
      i = j + 1;
    } else if (c === "-" || (c >= "0" && c <= "9")) {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(json.slice(i))!;
      const token = m[0] === "" ? c : m[0];
      out += isUnsafeInteger(token) ? `"${token}"` : token;
      i += token.length;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

/** What `node` holds itself under `key`: an inherited member (`toString`) is no setting. */
function own(node: Record<string | number, Json>, key: string | number): Json | undefined {
  return Object.hasOwn(node, key) ? node[key] : undefined;
}

/** Sets `path=value` in `settings` (in place), creating missing objects; returns the value replaced. */
export function setPath(settings: Json, assignment: string): { path: string; before: Json | undefined; after: Json } {
  const eq = assignment.indexOf("=");
  if (eq <= 0) throw new UsageError(`--set takes PATH=VALUE, not '${assignment}'`);
  const path = assignment.slice(0, eq);
  const parts = parsePath(path);
  let node = settings as Record<string | number, Json>;
  for (const [i, key] of parts.slice(0, -1).entries()) {
    // A list is stepped into by index only: a name written onto it was dropped when the
    // settings were sent, and the unchanged settings were reported applied (found by review).
    if (Array.isArray(node) && typeof key !== "number") throw new UsageError(`${pathText(parts.slice(0, i + 1))}: a list takes an index, not a name`);
    let next = own(node, key);
    if (next === undefined || next === null) {
      if (Array.isArray(node) && typeof key === "number" && key > node.length) throw new UsageError(`${pathText(parts.slice(0, i + 1))}: the list has ${node.length} items`);
      node[key] = next = typeof parts[i + 1] === "number" ? [] : {};
    }
    if (typeof next !== "object") throw new UsageError(`${pathText(parts.slice(0, i + 1))} is ${JSON.stringify(next)}, not an object or list`);
    node = next as Record<string | number, Json>;
  }
  const last = parts.at(-1)!;
  if (Array.isArray(node) && (typeof last !== "number" || last > node.length)) throw new UsageError(`${path}: not an index of a list of ${node.length} items`);
  const before = own(node, last);
  const after = typedValue(assignment.slice(eq + 1), before, path);
  node[last] = after;
  return { path: pathText(parts), before, after };
}
