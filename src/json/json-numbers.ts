/**
 * JSON text that does not read back as written: numbers a double changes, keys written twice.
 *
 * `JSON.parse` turns every number into the nearest double without a word:
 * `"maxOpenOrders": 7.0000000000000001` reads as 7, `1e-400` as 0 and an account id
 * 12345678901234567891 as 12345678901234567000. A limit or an id an operator wrote must be
 * the one enforced, or refused, never silently another. Decimals are strings in settings
 * (docs/configuration.md), so the numbers here are counts, ids, durations and basis
 * points; a number is kept only when the double it parses to is the number written
 * (`readsBack`: `1.0`, `1e3` and `0.1` are, as the text a double prints is the one written).
 *
 * It also keeps only the last value of a key written twice in one object, as silently:
 * `{ "maxOrders": 10, "windowMs": 1000, "maxOrders": 100000 }` enforced 100000 orders where
 * the operator also wrote 10 (found by review, session 34). A repeated key is refused too,
 * keys compared as JSON reads them (`"a"` and `"\u0061"` are one key).
 */
import { Decimal } from "decimal.js";

/** A number of the text that `JSON.parse` changes, where it starts, and what it reads as. */
export interface InexactNumber {
  readonly written: string;
  readonly readsAs: string;
  /** 0-based offset of its first character in the text. */
  readonly offset: number;
}

/** A key written again in one object of the text: where, and where it was written first. */
export interface RepeatedKey {
  /** As JSON reads it (escapes resolved). */
  readonly key: string;
  /** 0-based offset of the repeat's opening quote. */
  readonly offset: number;
  /** 0-based offset of the first one's opening quote. */
  readonly firstOffset: number;
}

/** Something a JSON text says that `JSON.parse` reads as something else, where it is. */
export type JsonTextProblem = ({ readonly kind: "inexactNumber" } & InexactNumber) | ({ readonly kind: "repeatedKey" } & RepeatedKey);

/**
 * A string's opening quote (the string itself is read by {@link stringEnd}), numbers, and the
 * braces that open and close an object, in valid JSON. A string is not matched here: V8 keeps
 * a backtracking entry per character of `"(?:[^"\\]|\\.)*"`, so a string of a few million
 * characters threw a RangeError (stack size) out of the check.
 */
const TOKENS = /"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[{}]/g;

/** The offset just past the closing quote of the string whose opening quote is at `start` (valid JSON: it is closed). */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  for (let c = text.charCodeAt(i); c !== 34 /* " */; c = text.charCodeAt(i)) i += c === 92 /* \\ */ ? 2 : 1;
  return i + 1;
}

/** After a string: the colon that makes it a key (JSON's whitespace before it). */
const KEY_COLON = /[ \t\n\r]*:/y;

/**
 * The first number or key of `text` (valid JSON: `JSON.parse` accepted it) that does not
 * read back as written: a number a double changes, or a key written again in the same
 * object. One pass over the text, with a stack of the open objects' keys: a file of 10^5
 * accounts is scanned in linear time.
 */
export function firstJsonTextProblem(text: string): JsonTextProblem | undefined {
  /** The keys of each object open at this point (innermost last), with their offsets. */
  const objects: Map<string, number>[] = [];
  TOKENS.lastIndex = 0;
  for (let m = TOKENS.exec(text); m !== null; m = TOKENS.exec(text)) {
    let token = m[0];
    if (token === '"') {
      TOKENS.lastIndex = stringEnd(text, m.index);
      token = text.slice(m.index, TOKENS.lastIndex);
    }
    if (token === "{") {
      objects.push(new Map());
    } else if (token === "}") {
      objects.pop();
    } else if (token.startsWith('"')) {
      KEY_COLON.lastIndex = TOKENS.lastIndex;
      if (!KEY_COLON.test(text)) continue;
      const keys = objects[objects.length - 1]!;
      const key = token.includes("\\") ? (JSON.parse(token) as string) : token.slice(1, -1);
      const firstOffset = keys.get(key);
      if (firstOffset !== undefined) return { kind: "repeatedKey", key, offset: m.index, firstOffset };
      keys.set(key, m.index);
    } else {
      const read = Number(token);
      if (!readsBack(token, read)) return { kind: "inexactNumber", written: token, readsAs: String(read), offset: m.index };
    }
  }
  return undefined;
}

/**
 * A number written without an exponent in at most 15 digits always reads back: two decimals of
 * 15 significant digits or fewer never round to the same double (a double carries 15 decimal
 * digits through and back), so the shortest text of the one read is the one written, and with
 * no more than 15 digits in all it lies between 1e-15 and 1e15, far from where doubles lose
 * precision. Checked without building two Decimals: a 4 MiB settings or console body is
 * millions of numbers (found by review, session 46: seconds of the event loop).
 */
const FEW_DIGITS = /^-?\d{1,15}(?:\.\d{1,15})?$/;

function digitCount(written: string): number {
  let digits = 0;
  for (let i = 0; i < written.length; i++) if (written.charCodeAt(i) >= 48 && written.charCodeAt(i) <= 57) digits++;
  return digits;
}

/**
 * Whether the double `read` is the number `written`: its shortest text is the same decimal
 * (`0.1`), or, for an integer, its exact value is (2^64 written out prints as
 * 18446744073709552000 but is exactly the number written).
 */
function readsBack(written: string, read: number): boolean {
  if (!Number.isFinite(read)) return false;
  // Zero only when written as zero: decimal.js reads an exponent below its minE (-9e15) as 0
  // too, so `1e-99999999999999999999` compared equal (found by review, session 34: a
  // retentionMs of it turned ClientOrderIdPolicy's expiry off).
  if (read === 0) return !/[1-9]/.test(written.split(/[eE]/)[0]!);
  if (FEW_DIGITS.test(written) && digitCount(written) <= 15) return true;
  const w = new Decimal(written);
  return w.equals(new Decimal(String(read))) || (Number.isInteger(read) && w.equals(new Decimal(BigInt(read).toString())));
}

/** "line L column C" of a 0-based offset (both 1-based), for a file's errors. */
export function lineAndColumn(text: string, offset: number): string {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return `line ${line} column ${offset - start + 1}`;
}

/**
 * Where JSON.parse stopped (" at line L column C"), when its error says, else "": never its
 * message itself, which quotes the text's first characters (`Unexpected token 's',
 * "s3cr3tOper"... is not valid JSON`), a raw token when a token file is named by mistake
 * (found by review, session 38).
 */
export function jsonParseErrorAt(text: string, e: unknown): string {
  const position = /at position (\d+)/.exec(e instanceof Error ? e.message : "")?.[1];
  return position === undefined ? "" : ` at ${lineAndColumn(text, Number(position))}`;
}

/** What to tell the author of such a number. */
export function inexactNumberProblem(n: InexactNumber): string {
  return `the number ${n.written} would be read as ${n.readsAs} (a JSON number is a double): write the value meant with at most 15 significant digits, or as a string where a decimal or a 64-bit id is expected`;
}

/** What to tell the author of such a key; `at` says where the first one is ("line 3 column 5", "offset 12"). */
export function repeatedKeyProblem(k: RepeatedKey, at: (offset: number) => string): string {
  return `the key ${JSON.stringify(k.key)} is written again in the same object (first at ${at(k.firstOffset)}): JSON would keep only the last value; write each key once`;
}

/** What to tell the author of `p` (`at` as for repeatedKeyProblem). */
export function jsonTextProblem(p: JsonTextProblem, at: (offset: number) => string): string {
  return p.kind === "inexactNumber" ? inexactNumberProblem(p) : repeatedKeyProblem(p, at);
}
