/**
 * The few DER reading primitives the CRL and certificate readers need (crl.ts): elements by
 * tag and length, their children, OIDs, Extensions and times. Definite lengths only, as DER.
 */

/** One DER element: its tag byte, its whole encoding, and its contents. */
export interface Element {
  readonly tag: number;
  readonly der: Buffer;
  readonly body: Buffer;
}

export const SEQUENCE = 0x30;
export const INTEGER = 0x02;
export const BIT_STRING = 0x03;
export const OID = 0x06;
export const OCTET_STRING = 0x04;
export const BOOLEAN = 0x01;
export const UTC_TIME = 0x17;
export const GENERALIZED_TIME = 0x18;
export const CONTEXT_0 = 0xa0;
export const CONTEXT_3 = 0xa3;

/** The element at `offset` of `der` (definite lengths only: DER has no other). */
export function element(der: Buffer, offset: number): Element {
  if (offset + 2 > der.length) throw new Error("truncated DER");
  const tag = der[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new Error("multi-byte DER tags are not expected here");
  let length = der[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 4) throw new Error("unsupported DER length");
    if (start + bytes > der.length) throw new Error("truncated DER");
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + der[start + i]!;
    start += bytes;
  }
  const end = start + length;
  if (end > der.length) throw new Error("truncated DER");
  return { tag, der: der.subarray(offset, end), body: der.subarray(start, end) };
}

/** The elements inside a constructed element's contents. */
export function children(body: Buffer): Element[] {
  const out: Element[] = [];
  for (let offset = 0; offset < body.length; offset += out[out.length - 1]!.der.length) out.push(element(body, offset));
  return out;
}

export function take(e: Element | undefined, tag: number, what: string): Element {
  if (e?.tag !== tag) throw new Error(`${what}: expected tag 0x${tag.toString(16)}, found ${e === undefined ? "nothing" : `0x${e.tag.toString(16)}`}`);
  return e;
}

/** A DER OID's dotted form. */
export function oid(body: Buffer): string {
  const parts = [Math.floor(body[0]! / 40), body[0]! % 40];
  let value = 0;
  for (const byte of body.subarray(1)) {
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join(".");
}

/** One extension of an `Extensions` SEQUENCE: its extnValue contents and its critical flag. */
export interface Extension {
  readonly value: Buffer;
  /** RFC 5280 §4.1: DEFAULT FALSE. One that is critical and not processed refuses the whole structure (§4.2, §5.2, §5.3). */
  readonly critical: boolean;
}

/**
 * The extensions of an `Extensions` SEQUENCE (RFC 5280 §4.1), by OID: each one's extnValue
 * contents and whether it is marked critical. The same extension twice is refused (§4.2).
 */
export function extensions(e: Element | undefined, what: string): Map<string, Extension> {
  const out = new Map<string, Extension>();
  for (const ext of children(take(e, SEQUENCE, what).body)) {
    const [id, second, third] = children(take(ext, SEQUENCE, `${what} entry`).body);
    const name = oid(take(id, OID, `${what} extnID`).body);
    const flagged = second?.tag === BOOLEAN;
    // DER writes TRUE as FF; anything but a single 00 (FALSE, which DER leaves out) counts as critical.
    const critical = flagged && !(second.body.length === 1 && second.body[0] === 0);
    const value = take(flagged ? third : second, OCTET_STRING, `${what} extnValue`).body;
    if (out.has(name)) throw new Error(`${what}: extension ${name} appears twice`);
    out.set(name, { value, critical });
  }
  return out;
}

/** A DER UTCTime or GeneralizedTime (RFC 5280 §4.1.2.5: seconds, "Z") as milliseconds since the epoch. */
export function time(e: Element, what: string): number {
  const text = e.body.toString("latin1");
  const m = (e.tag === UTC_TIME ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/ : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/).exec(text);
  if (m === null) throw new Error(`${what} is not a time of the form RFC 5280 asks: ${JSON.stringify(text)}`);
  let year = Number(m[1]);
  if (e.tag === UTC_TIME) year += year >= 50 ? 1900 : 2000; // RFC 5280 §4.1.2.5.1
  return Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}
