/**
 * Lets a grpc-js stream hand HTTP/2 every message queued behind a pending write at once.
 *
 * grpc-js's server streams are object-mode Node Writables with `_write` only: Node calls
 * `_write` for one message and holds the next until its callback, and grpc-js calls back
 * when the HTTP/2 stream has taken the bytes, which happens after nghttp2's send in a
 * later event-loop iteration. So a stream's answers leave one or two per loop iteration:
 * measured, 20 answers written in one turn took 9 iterations to leave, `write()` reported
 * "full" after 15 and the channel queued orders behind it (docs/performance.md, "Where
 * the time goes"). With `_writev`, Node hands everything buffered behind the pending
 * write to the stream in one call; each message still goes through grpc-js's own
 * `_write` (serialization, size limit, metadata, its callback), in order, so the wire and
 * grpc-js's behaviour per message are unchanged — only the wait between them goes.
 */

interface Chunk {
  readonly chunk: unknown;
  readonly encoding: BufferEncoding;
}

type WriteCallback = (error?: Error | null) => void;

/** The implementor hooks of a Node Writable (public stream API for subclasses). */
interface WritableHooks {
  _write(chunk: unknown, encoding: BufferEncoding, callback: WriteCallback): void;
  _writev?: ((chunks: Chunk[], callback: WriteCallback) => void) | null;
}

/** Installs a `_writev` that writes each chunk through the stream's own `_write`; done when all are. */
export function coalesceWrites(stream: object): void {
  const s = stream as WritableHooks;
  if (typeof s._write !== "function" || typeof s._writev === "function") return;
  s._writev = (chunks, callback) => {
    let left = chunks.length;
    let failed = false;
    const done: WriteCallback = (error) => {
      if (failed) return;
      if (error) {
        failed = true;
        callback(error);
      } else if (--left === 0) callback();
    };
    for (const { chunk, encoding } of chunks) s._write(chunk, encoding, done);
  };
}
