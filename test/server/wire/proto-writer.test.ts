/**
 * ProtoWriter's copies (src/transport/wire/proto-writer.ts): short ones are a byte loop,
 * longer ones the typed-array copy. Both must give the same bytes, at any offset, and
 * `finish` a Buffer (grpc-js frames a serialised message with Buffer's `copy`). The finished
 * copies are cut from shared slabs: each must keep its bytes while later messages are written.
 */
import { describe, expect, it } from "vitest";
import { ProtoWriter } from "../../../src/transport/wire/proto-writer.js";

const bytesOf = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

/** The expected encoding of field 2 (length-delimited) holding `body`, after one varint field. */
function expected(body: Uint8Array): number[] {
  const length: number[] = [];
  for (let v = body.length; ; v = Math.floor(v / 128)) {
    if (v < 128) {
      length.push(v);
      break;
    }
    length.push((v % 128) | 0x80);
  }
  return [0x08, 0x2a, 0x12, ...length, ...body];
}

describe("ProtoWriter copies", () => {
  // 256 is the last length copied by the loop; 257 and more go through the typed-array copy.
  for (const n of [0, 1, 40, 255, 256, 257, 300, 2047, 2048, 2049, 5000, 17_000]) {
    it(`writes a ${n}-byte field and finishes with exactly its bytes`, () => {
      const w = new ProtoWriter(16); // small, so that the longer fields also grow the scratch buffer
      w.uint32Field(1, 42);
      const body = bytesOf(n, n);
      w.bytesField(2, body);
      const out = w.finish();
      expect(Buffer.isBuffer(out)).toBe(true);
      expect([...out]).toEqual(expected(body));
    });
  }

  it("reuses the scratch buffer: a shorter second message leaves nothing of the first", () => {
    const w = new ProtoWriter(16);
    w.uint32Field(1, 42);
    w.bytesField(2, bytesOf(300, 1));
    w.finish();
    w.reset();
    w.uint32Field(1, 42);
    w.bytesField(2, bytesOf(3, 2));
    expect([...w.finish()]).toEqual(expected(bytesOf(3, 2)));
  });

  it("keeps every finished message intact while later ones fill several slabs", () => {
    const w = new ProtoWriter(16);
    const sizes = [1, 37, 150, 255, 1000, 2048, 2049, 9000];
    const kept: { out: Buffer; body: Uint8Array }[] = [];
    // 3 000 messages: about thirty slabs of 16 KiB, with messages over 2 KiB (not from a
    // slab) in between.
    for (let i = 0; i < 3000; i++) {
      const body = bytesOf(sizes[i % sizes.length]!, i);
      w.reset();
      w.uint32Field(1, 42);
      w.bytesField(2, body);
      kept.push({ out: w.finish(), body });
    }
    for (const { out, body } of kept) expect(out.equals(Buffer.from(expected(body)))).toBe(true);
  });

  it("cuts messages of up to 2 KiB from 16 KiB slabs, eight of 2 KiB filling one exactly, and gives larger ones other buffers", () => {
    const w = new ProtoWriter(16);
    // A message is 3 bytes of field 1 and a tag, a two-byte length and the body.
    const message = (bodyBytes: number): Buffer => {
      w.reset();
      w.uint32Field(1, 42);
      w.bytesField(2, bytesOf(bodyBytes, bodyBytes));
      return w.finish();
    };
    expect(message(2043).length).toBe(2048);
    const over = message(2044);
    expect(over.length).toBe(2049);
    expect(over.buffer.byteLength).not.toBe(16 * 1024);
    // Run until a slab starts, then it holds exactly eight 2 KiB messages.
    let first = message(2043);
    for (let i = 0; i < 8 && first.byteOffset !== 0; i++) first = message(2043);
    expect(first.byteOffset).toBe(0);
    expect(first.buffer.byteLength).toBe(16 * 1024);
    for (let k = 1; k < 8; k++) {
      const next = message(2043);
      expect(next.buffer).toBe(first.buffer);
      expect(next.byteOffset).toBe(k * 2048);
    }
    const ninth = message(2043);
    expect(ninth.buffer).not.toBe(first.buffer);
    expect(ninth.byteOffset).toBe(0);
    expect([...first]).toEqual(expected(bytesOf(2043, 2043)));
  });
});
