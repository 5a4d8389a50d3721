/**
 * The correlation id of a message that does not decode, read from its bytes.
 *
 * The channel's and the feed's requests carry `uint64 correlation_id = 1`. When the rest of
 * a message is unreadable (a bad nested field, an invalid enum or string), field 1 usually
 * still is, and echoing it lets the client settle the request it sent instead of waiting
 * for an answer with correlation id 0 that matches nothing. Only the top level is walked,
 * field by field; the walk stops at the first thing it cannot read and keeps what it found.
 * As protobuf does for a repeated scalar, the last occurrence wins.
 */

import type { MalformedMessage } from "./service-definition.js";

const UINT64_MASK = (1n << 64n) - 1n;

/** Field 1 as a varint (uint64), or 0n when the bytes do not show one before they stop making sense. */
export function correlationIdOf(bytes: Uint8Array): bigint {
  let found = 0n;
  let pos = 0;
  const end = bytes.length;
  /** One varint at `pos` (at most ten bytes), advancing `pos`; undefined when cut short or too long. */
  const varint = (): bigint | undefined => {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (pos >= end) return undefined;
      const b = bytes[pos++]!;
      value |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return value;
    }
    return undefined;
  };
  while (pos < end) {
    const tag = varint();
    if (tag === undefined || tag > 0xffffffffn) return found;
    const field = tag >> 3n;
    const wireType = Number(tag & 7n);
    if (field === 0n) return found;
    if (wireType === 0) {
      const value = varint();
      if (value === undefined) return found;
      if (field === 1n) found = value & UINT64_MASK;
    } else if (wireType === 1 || wireType === 5) {
      pos += wireType === 1 ? 8 : 4;
    } else if (wireType === 2) {
      const length = varint();
      if (length === undefined || length > BigInt(end - pos)) return found;
      pos += Number(length);
    } else {
      return found; // groups and invalid wire types: nothing after them can be trusted
    }
  }
  return found;
}

/** The id to answer an undecodable channel or feed message with: its own when readable, else 0. */
export function malformedCorrelationId(m: MalformedMessage): bigint {
  return m.bytes === undefined ? 0n : correlationIdOf(m.bytes);
}
