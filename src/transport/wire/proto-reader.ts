/**
 * A minimal protobuf binary reader for hand-specialised decoders of hot messages.
 *
 * It never reports errors itself: anything it does not expect (a truncated varint, a
 * length past the end, a wire type the schema does not use) throws `UNEXPECTED`, and the
 * decoder hands the whole message to protobuf-es's `fromBinary`, which either decodes the
 * unusual-but-valid shape or fails with its own message. So the fast path can only ever
 * be faster, never different.
 */

/** Thrown (one shared instance, no stack capture) when the fast path gives up. */
export const UNEXPECTED: { readonly unexpected: true } = Object.freeze({ unexpected: true });

export const WIRE_VARINT = 0;
export const WIRE_LEN = 2;

/** The tag of a varint field, as `uint32()` reads it (`field * 8 + wire type`). */
export const VARINT = (field: number): number => field * 8 + WIRE_VARINT;
/** The tag of a length-delimited field. */
export const LEN = (field: number): number => field * 8 + WIRE_LEN;

const LATIN1 = new TextDecoder("latin1");

export class ProtoReader {
  pos: number;
  /**
   * The second results of the readers that have one, read by their caller right after: the
   * scale of the decimal mantissa read last (the server's `readMantissa`), an order holder's
   * flag (`readOrderHolder`). They were module variables, and reading one went through its
   * module cell, one more page of cold data per order (docs/performance.md, "Session 24").
   */
  scale = 0;
  flag = false;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    public end = buf.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** A varint below 2^32 (tags, lengths, enums, bools, uint32). */
  uint32(): number {
    const buf = this.buf;
    let result = 0;
    let shift = 0;
    // 2^shift as a running product: `2 ** shift` is a call to pow() in optimised code,
    // ~50 ns per varint (docs/performance.md, "Session 6: perf6-order").
    let scale = 1;
    while (shift < 35) {
      if (this.pos >= this.end) throw UNEXPECTED;
      const b = buf[this.pos++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (result > 0xffff_ffff) throw UNEXPECTED;
        return result;
      }
      shift += 7;
      scale *= 0x80;
    }
    // Longer varints (negative enums) are legal but never ours: protobuf-es decides.
    throw UNEXPECTED;
  }

  /** A full 64-bit unsigned varint. */
  uint64(): bigint {
    const buf = this.buf;
    let small = 0;
    let shift = 0;
    let scale = 1; // 2^shift, as in uint32()
    // Up to 7 bytes (49 bits) in a double, exactly; the rest, rarely, in bigint.
    for (; shift < 49; shift += 7, scale *= 0x80) {
      if (this.pos >= this.end) throw UNEXPECTED;
      const b = buf[this.pos++]!;
      small += (b & 0x7f) * scale;
      if (b < 0x80) return BigInt(small);
    }
    let big = BigInt(small);
    for (; shift < 70; shift += 7) {
      if (this.pos >= this.end) throw UNEXPECTED;
      const b = buf[this.pos++]!;
      big |= BigInt(b & 0x7f) << BigInt(shift);
      if (b < 0x80) return BigInt.asUintN(64, big);
    }
    throw UNEXPECTED;
  }

  /** An int32 or open enum, as protobuf-es reads it (five-byte varints only). */
  int32(): number {
    return this.uint32() | 0;
  }

  bool(): boolean {
    return this.uint32() !== 0;
  }

  /** The end offset of a length-delimited field's body starting at `pos`. */
  lengthDelimitedEnd(): number {
    const length = this.uint32();
    const end = this.pos + length;
    if (end > this.end) throw UNEXPECTED;
    return end;
  }

  /** Runs `read` limited to the length-delimited body at the position, then skips past it. */
  nested<T>(read: (r: ProtoReader) => T): T {
    const end = this.lengthDelimitedEnd();
    const outer = this.end;
    this.end = end;
    const value = read(this);
    this.end = outer;
    this.pos = end;
    return value;
  }

  /** The body of a message whose only field is a uint64 id at number 1 (commit, finalize…). */
  singleId(): bigint {
    let id = 0n;
    while (!this.done) {
      if (this.uint32() !== VARINT(1)) throw UNEXPECTED;
      id = this.uint64();
    }
    return id;
  }

  /** An ASCII string (decimals, assets); anything else is protobuf-es's to validate. */
  string(): string {
    const end = this.lengthDelimitedEnd();
    const buf = this.buf;
    const start = this.pos;
    for (let i = start; i < end; i++) if (buf[i]! >= 0x80) throw UNEXPECTED;
    this.pos = end;
    // One string, not one per character (appending char by char allocated a new string
    // per byte): short texts (every decimal and asset) through fromCharCode's arguments,
    // longer ones as latin1, which is ASCII here.
    switch (end - start) {
      case 0:
        return "";
      case 1:
        return String.fromCharCode(buf[start]!);
      case 2:
        return String.fromCharCode(buf[start]!, buf[start + 1]!);
      case 3:
        return String.fromCharCode(buf[start]!, buf[start + 1]!, buf[start + 2]!);
      case 4:
        return String.fromCharCode(buf[start]!, buf[start + 1]!, buf[start + 2]!, buf[start + 3]!);
      case 5:
        return String.fromCharCode(buf[start]!, buf[start + 1]!, buf[start + 2]!, buf[start + 3]!, buf[start + 4]!);
      case 6:
        return String.fromCharCode(buf[start]!, buf[start + 1]!, buf[start + 2]!, buf[start + 3]!, buf[start + 4]!, buf[start + 5]!);
      case 7:
        return String.fromCharCode(buf[start]!, buf[start + 1]!, buf[start + 2]!, buf[start + 3]!, buf[start + 4]!, buf[start + 5]!, buf[start + 6]!);
      case 8:
        return String.fromCharCode(buf[start]!, buf[start + 1]!, buf[start + 2]!, buf[start + 3]!, buf[start + 4]!, buf[start + 5]!, buf[start + 6]!, buf[start + 7]!);
      default:
        return LATIN1.decode(buf.subarray(start, end));
    }
  }
}
