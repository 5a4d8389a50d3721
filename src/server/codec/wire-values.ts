/**
 * Domain values read straight from a message's bytes, for the direct decoders
 * (wire-commands.ts, wire-reports.ts). Each reader either returns exactly what the
 * string path (`ProtoReader.string()`, then `decodeDecimal` / `decodeAsset`) would give, or
 * throws `UNEXPECTED` when it is not sure — then the whole message goes the string path,
 * which decodes it or names the error. So a reader never has to reproduce an error, only
 * to recognise the plain, valid case.
 */
import { SMALL_MAX_DIGITS, type DecimalValue, type ValueType } from "../../param/index.js";
import { LEN, UNEXPECTED, VARINT, type ProtoReader } from "../../transport/wire/proto-reader.js";
import { MAX_NAME_LENGTH } from "../../param/index.js";


/**
 * A length-delimited decimal at the reader's position, as `type.fromString(text)` would
 * build it from the same ASCII text — `-?digits[.digits]`, at most 15 digits — without
 * making the text. `UNEXPECTED` for anything else: empty, longer mantissas, other
 * characters, a negative value of a non-negative type.
 */
export function readDecimal<T extends DecimalValue>(r: ProtoReader, type: ValueType<T>): T {
  return new type(readMantissa(r, type.nonNegative === true), undefined, r.scale);
}

/**
 * `readDecimal`'s reading: the mantissa of the decimal at the reader's position (its scale in
 * `r.scale`), under `readDecimal`'s rules; `nonNegative` as the value type's. The order
 * decoder builds its values itself, as `new Quantity(readMantissa(r, …), undefined, r.scale)`
 * (arguments are evaluated left to right): `new type(…)` inside one shared reader is a
 * construct site that sees every value type, so optimised code went through V8's generic
 * construct builtin for each decimal of every order (docs/performance.md, "Session 22").
 */
export function readMantissa(r: ProtoReader, nonNegative: boolean): number {
  const end = r.lengthDelimitedEnd();
  const buf = r.buf;
  let i = r.pos;
  r.pos = end;
  const negative = i < end && buf[i] === 45; // "-"
  if (negative) i++;
  let m = 0;
  let digits = 0;
  let scale = -1; // digits after the point, once one was seen
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (scale >= 0) scale++;
    } else if (c === 46 && scale < 0 && digits > 0) {
      scale = 0; // "."
    } else {
      throw UNEXPECTED;
    }
  }
  // No digit, nothing after the point, or too long for an exact integer.
  if (digits === 0 || scale === 0 || digits > SMALL_MAX_DIGITS) throw UNEXPECTED;
  r.scale = scale < 0 ? 0 : scale;
  // smallValue's rules: zero (and -0) is 0; a negative non-negative type is an error, the string path's to name.
  if (m === 0) return 0;
  if (negative && nonNegative) throw UNEXPECTED;
  return negative ? -m : m;
}

/** Recently read assets, by a hash of their bytes: the same few asset names arrive in every order and report. */
const MAX_ASSETS = 1024;
const assets = new Map<number, string>();

/**
 * A length-delimited asset name (ASCII, not blank, as `decodeAsset` accepts it), the same
 * string each time the same bytes arrive; `UNEXPECTED` for anything else.
 */
export function readAsset(r: ProtoReader): string {
  const end = r.lengthDelimitedEnd();
  const buf = r.buf;
  const start = r.pos;
  r.pos = end;
  // ASCII: a byte is a character. Longer than `decodeAsset` takes: it names the field.
  if (end - start > MAX_NAME_LENGTH) throw UNEXPECTED;
  let hash = 0x811c9dc5;
  let blank = true;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c >= 0x80) throw UNEXPECTED;
    // `trim()`'s ASCII whitespace: tab, line feed, vertical tab, form feed, carriage return, space.
    if (blank && c !== 32 && (c < 9 || c > 13)) blank = false;
    hash = Math.imul(hash ^ c, 0x01000193);
  }
  if (blank) throw UNEXPECTED;
  const key = hash & 0x3fffffff;
  const known = assets.get(key);
  if (known !== undefined && sameText(known, buf, start, end)) return known;
  const text = asciiText(buf, start, end);
  if (assets.size >= MAX_ASSETS) assets.clear();
  assets.set(key, text);
  return text;
}

function sameText(text: string, buf: Uint8Array, start: number, end: number): boolean {
  if (text.length !== end - start) return false;
  for (let i = start; i < end; i++) if (text.charCodeAt(i - start) !== buf[i]) return false;
  return true;
}

const LATIN1 = new TextDecoder("latin1");

function asciiText(buf: Uint8Array, start: number, end: number): string {
  if (end - start === 1) return String.fromCharCode(buf[start]!);
  return LATIN1.decode(buf.subarray(start, end));
}

/** Account ids seen recently, by value: the same accounts send order after order. */
const MAX_IDS = 65_536;
const ids = new Map<number, bigint>();

/**
 * A uint64 varint as `ProtoReader.uint64()` reads it, the same bigint each time for values
 * below 2^28 (four varint bytes: every account id of a usual deployment), instead of a new
 * one per order and report.
 */
export function readSharedUint64(r: ProtoReader): bigint {
  const buf = r.buf;
  const start = r.pos;
  let v = 0;
  // 2^shift as a running product (`2 ** shift` calls pow(): see ProtoReader.uint32).
  for (let shift = 0, scale = 1; shift < 28; shift += 7, scale *= 0x80) {
    if (r.pos >= r.end) throw UNEXPECTED;
    const b = buf[r.pos++]!;
    v += (b & 0x7f) * scale;
    if (b < 0x80) {
      let id = ids.get(v);
      if (id === undefined) {
        if (ids.size >= MAX_IDS) ids.clear();
        ids.set(v, (id = BigInt(v)));
      }
      return id;
    }
  }
  r.pos = start;
  return r.uint64();
}

/**
 * `{ uint64 correlation_id = 1; repeated M items = 2 }` (`OpenRequest`, `PublishRequest`),
 * read by its caller one field at a time: fields are read up to the next item (true: the
 * reader is at the item's length prefix) or the end (false); a correlation id met on the way
 * is set on `message`. Two choices here are measured ones (docs/performance.md, "Session
 * 24"): the caller calls its own item reader, since a reader passed in as a function was a
 * call V8 could not resolve (its generic call builtin, once per item); and the id goes to the
 * message being built, not to a module variable, since storing a new bigint into a
 * long-lived object takes V8's write barrier's slow path (the remembered set), once per
 * message.
 */
export function nextListItem(r: ProtoReader, message: { correlationId: bigint }): boolean {
  while (!r.done) {
    const tag = r.uint32();
    if (tag === LEN(2)) return true;
    if (tag === VARINT(1)) message.correlationId = r.uint64();
    else throw UNEXPECTED;
  }
  return false;
}

/**
 * `list` with `item` added, the list created with its first item: an array grown from `[]`
 * reserves 17 slots, and most messages carry one item.
 */
export function appended<T>(list: T[] | undefined, item: T): T[] {
  if (list === undefined) return [item];
  list.push(item);
  return list;
}
