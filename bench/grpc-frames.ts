/**
 * gRPC's message framing over HTTP/2 DATA frames, for the raw generator (raw-grpc.ts):
 * each message is a 5-byte prefix (a compressed flag, 0 here, and the length as a
 * big-endian uint32) and the protobuf bytes. HTTP/2 may cut the byte stream anywhere, so
 * the splitter reassembles messages across chunks and finds several in one chunk.
 */

export const PREFIX_BYTES = 5;

/** `messages`, each with its prefix, in one buffer: one write (one DATA frame) for all of them. */
export function frameMessages(messages: readonly Uint8Array[]): Buffer {
  let size = 0;
  for (const m of messages) size += PREFIX_BYTES + m.length;
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const m of messages) {
    out[pos] = 0;
    out.writeUInt32BE(m.length, pos + 1);
    out.set(m, pos + PREFIX_BYTES);
    pos += PREFIX_BYTES + m.length;
  }
  return out;
}

/**
 * Feeds chunks of a stream's DATA in, gets whole messages out (`onMessage`, in order). A
 * message inside one chunk is handed over as a view of that chunk (no copy); only one cut
 * by a chunk boundary is copied together.
 */
export class FrameSplitter {
  /** Bytes of an unfinished prefix or message carried over from earlier chunks. */
  private carry: Buffer | undefined;

  constructor(private readonly onMessage: (message: Buffer) => void) {}

  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.carry) {
      buf = Buffer.concat([this.carry, chunk]);
      this.carry = undefined;
    }
    let pos = 0;
    while (buf.length - pos >= PREFIX_BYTES) {
      if (buf[pos] !== 0) throw new Error(`compressed gRPC message (flag ${buf[pos]}): the generator never asks for compression`);
      const length = buf.readUInt32BE(pos + 1);
      const end = pos + PREFIX_BYTES + length;
      if (end > buf.length) break;
      this.onMessage(buf.subarray(pos + PREFIX_BYTES, end));
      pos = end;
    }
    if (pos < buf.length) this.carry = Buffer.from(buf.subarray(pos));
  }

  /** Bytes of an incomplete message still waiting for the rest (0 at a clean end of stream). */
  get pending(): number {
    return this.carry?.length ?? 0;
  }
}
