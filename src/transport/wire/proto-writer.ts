/**
 * A minimal protobuf binary writer for hand-specialised encoders of hot messages.
 *
 * It writes into one reusable scratch buffer and hands out an exact-size copy per message
 * (a write queued behind another is serialized by grpc-js later, so the bytes must outlive
 * the next message's encoding). A nested
 * message reserves one byte for its length and is shifted in place in the rare case its
 * body reaches 128 bytes, so nothing is measured twice and nothing is allocated per field.
 *
 * Only what proto3 encoders need: varints (uint32, uint64, enums, bools), strings, raw
 * pre-encoded bytes and nested messages. Field emission rules (skip zero values, field
 * order) are the caller's, and tests hold them byte-for-byte to protobuf-es's `toBinary`.
 */
import { Buffer } from "node:buffer";

/**
 * Copies of up to this many bytes are a plain loop. Optimised code looked `set` and `copy` up
 * on the Buffer at run time (V8's generic LoadIC, shown by `--print-opt-code`), then ran
 * Node's `copy` and the typed-array builtin: code and tables an order touches only for that,
 * each page of them a TLB miss on a cold path. A loop over a few dozen bytes touches nothing
 * but the two buffers (docs/performance.md, "Session 22").
 */
const LOOP_COPY_MAX = 256;

/** `to[at…] = from[start…end)`. */
function copyBytes(to: Uint8Array, at: number, from: Uint8Array, start: number, end: number): void {
  if (end - start <= LOOP_COPY_MAX) {
    for (let i = start; i < end; i++) to[at++] = from[i]!;
    return;
  }
  to.set(from.subarray(start, end), at);
}

/**
 * The copies are slices of a 16 KiB slab of our own, as `Buffer.allocUnsafe`'s are of Node's
 * 8 KiB pool. That pool is shared with grpc-js's framed copy of each answer and its reads, so
 * a new one (an ArrayBuffer made through C++) came every couple of dozen orders; a slab lasts
 * about a hundred answers (docs/performance.md, "Session 23"). A slice keeps its slab alive
 * until it is garbage, as a pool slice keeps its pool: answers held for a client that does not
 * read (at most `maxQueuedMessages` per stream) can pin up to 16 KiB each, against 8 KiB in
 * Node's pool, which is why the slab is not larger. A message over a slab's eighth falls back
 * to `Buffer.allocUnsafe` (Node's pool below 4 KiB, its own buffer above). A slab is not zero-filled (`allocUnsafeSlow`): every byte handed out is
 * written by the copy first, and clearing 16 KiB showed as `memset` on the order path.
 */
const SLAB_BYTES = 16 * 1024;
const SLAB_SLICE_MAX = SLAB_BYTES / 8;
let slab = newSlab();
let slabUsed = 0;

function newSlab(): ArrayBuffer {
  // Its own ArrayBuffer of exactly SLAB_BYTES (never Node's shared pool), not cleared.
  return Buffer.allocUnsafeSlow(SLAB_BYTES).buffer as ArrayBuffer;
}

/** `n` bytes nobody else holds (their contents are not cleared). */
function sliceForCopy(n: number): Buffer {
  if (n > SLAB_SLICE_MAX) return Buffer.allocUnsafe(n);
  if (slabUsed + n > SLAB_BYTES) {
    slab = newSlab();
    slabUsed = 0;
  }
  const out = Buffer.from(slab, slabUsed, n);
  slabUsed += n;
  return out;
}

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const UINT64_MAX = 0xffff_ffff_ffff_ffffn;

function varintSize(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x20_0000) return 3;
  if (v < 0x1000_0000) return 4;
  return 5;
}

export class ProtoWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initialBytes = 4096) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Starts a new message, reusing the scratch buffer. */
  reset(): this {
    this.pos = 0;
    return this;
  }

  /** An exact-size copy of what was written since `reset`. */
  finish(): Buffer {
    const out = sliceForCopy(this.pos);
    copyBytes(out, 0, this.buf, 0, this.pos);
    return out;
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + extra) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    copyBytes(grown, 0, this.buf, 0, this.pos);
    this.buf = grown;
  }

  /** A varint of a non-negative integer below 2^53. */
  private varint(v: number): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    while (v >= 0x80) {
      // Arithmetic, not bit operators: those truncate to 32 bits.
      buf[pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  private tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  /** Refuses what protobuf-es's toBinary refuses ("invalid uint32"), rather than wrapping it to another value. */
  uint32Field(field: number, v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`invalid uint32: ${v}`);
    this.tag(field, WIRE_VARINT);
    this.varint(v);
  }

  /**
   * An enum or int32: negative values are ten-byte two's complement varints, as protobuf
   * requires. Refuses a value outside int32, as toBinary does (found by review: 1e30 wrote
   * a varint no decoder reads, so the sidecar could not tell whose message it was, and
   * Infinity never left the varint loop).
   */
  int32Field(field: number, v: number): void {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new RangeError(`invalid int32: ${v}`);
    this.tag(field, WIRE_VARINT);
    if (v >= 0) this.varint(v);
    else this.uint64Value(BigInt.asUintN(64, BigInt(v)));
  }

  boolField(field: number, v: boolean): void {
    this.tag(field, WIRE_VARINT);
    this.varint(v ? 1 : 0);
  }

  /** Refuses a value outside uint64 (a negative id would otherwise wrap to another, valid id). */
  uint64Field(field: number, v: bigint): void {
    if (v < 0n || v > UINT64_MAX) throw new RangeError(`invalid uint64: ${v}`);
    this.tag(field, WIRE_VARINT);
    this.uint64Value(v);
  }

  private uint64Value(v: bigint): void {
    if (v <= 0x1f_ffff_ffff_ffffn) {
      this.varint(Number(v));
      return;
    }
    // Above 2^53 (rare: ids are usually small): seven bits at a time in bigint arithmetic.
    this.ensure(10);
    let x = v;
    while (x >= 0x80n) {
      this.buf[this.pos++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.pos++] = Number(x);
  }

  stringField(field: number, s: string): void {
    this.tag(field, WIRE_LEN);
    const n = s.length;
    // Optimistically ASCII (every decimal, asset and code text): one byte per UTF-16
    // unit, written in one pass; on the first other character, rewind and encode UTF-8.
    const mark = this.pos;
    this.varint(n);
    this.ensure(n);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.pos = mark;
        this.utf8(s);
        return;
      }
      buf[pos++] = c;
    }
    this.pos = pos;
  }

  private utf8(s: string): void {
    const bytes = Buffer.byteLength(s, "utf8");
    this.varint(bytes);
    this.ensure(bytes);
    this.pos += this.buf.write(s, this.pos, "utf8");
  }

  /** A length-delimited field whose body was encoded elsewhere (e.g. by protobuf-es). */
  bytesField(field: number, bytes: Uint8Array): void {
    this.tag(field, WIRE_LEN);
    this.varint(bytes.length);
    this.ensure(bytes.length);
    copyBytes(this.buf, this.pos, bytes, 0, bytes.length);
    this.pos += bytes.length;
  }

  /** Opens a nested message field; pass the returned mark to `endMessage`. */
  beginMessage(field: number): number {
    this.tag(field, WIRE_LEN);
    this.ensure(1);
    return this.pos++;
  }

  endMessage(mark: number): void {
    const length = this.pos - mark - 1;
    if (length < 0x80) {
      this.buf[mark] = length;
      return;
    }
    const size = varintSize(length);
    this.ensure(size - 1);
    this.buf.copyWithin(mark + size, mark + 1, this.pos);
    const end = this.pos + size - 1;
    this.pos = mark;
    this.varint(length);
    this.pos = end;
  }
}
