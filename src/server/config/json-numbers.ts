/**
 * JSON numbers that do not read back as written.
 *
 * `JSON.parse` turns every number into the nearest double without a word:
 * `"maxOpenOrders": 7.0000000000000001` reads as 7, `1e-400` as 0 and an account id
 * 12345678901234567891 as 12345678901234567000. A limit or an id an operator wrote must be
 * the one enforced, or refused, never silently another. Decimals are strings in settings
 * (docs/configuration.md), so the numbers here are counts, ids, durations and basis
 * points; a number is kept only when the double it parses to is the number written
 * (`readsBack`: `1.0`, `1e3` and `0.1` are, as the text a double prints is the one written).
 */
import { Decimal } from "decimal.js";

/** A number of the text that `JSON.parse` changes, where it starts, and what it reads as. */
export interface InexactNumber {
  readonly written: string;
  readonly readsAs: string;
  /** 0-based offset of its first character in the text. */
  readonly offset: number;
}

/** Strings (skipped: their digits are not numbers) or numbers, in valid JSON. */
const TOKENS = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/** The first number of `text` (valid JSON: `JSON.parse` accepted it) that does not read back as written. */
export function firstInexactNumber(text: string): InexactNumber | undefined {
  TOKENS.lastIndex = 0;
  for (let m = TOKENS.exec(text); m !== null; m = TOKENS.exec(text)) {
    const written = m[0];
    if (written.startsWith('"')) continue;
    const read = Number(written);
    if (!readsBack(written, read)) return { written, readsAs: String(read), offset: m.index };
  }
  return undefined;
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

/** What to tell the author of such a number. */
export function inexactNumberProblem(n: InexactNumber): string {
  return `the number ${n.written} would be read as ${n.readsAs} (a JSON number is a double): write the value meant with at most 15 significant digits, or as a string where a decimal or a 64-bit id is expected`;
}
