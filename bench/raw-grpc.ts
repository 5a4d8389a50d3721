/**
 * The raw generator's transport: one `node:http2` session per target, speaking gRPC over
 * it directly (the request headers, the framing of grpc-frames.ts, the status in the
 * trailers). Measured against the grpc-js client on this 2-core machine, the client was
 * the open loop's wall: it spent about as much CPU per order as the sidecar, wrote about
 * one message per event-loop iteration per stream, and a promise and a few objects per
 * message fed GC pauses of tens of ms into the latency (docs/performance.md).
 *
 * Sends are coalesced: `queue` only collects a message, and everything queued in one
 * synchronous turn (one pacer tick) leaves in one `write` from a microtask at its end.
 * Answers arrive as raw message bytes, decoded by the caller.
 */
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream } from "node:http2";
import { FrameSplitter, frameMessages } from "./grpc-frames.js";

const { HTTP2_HEADER_METHOD, HTTP2_HEADER_PATH, HTTP2_HEADER_CONTENT_TYPE, HTTP2_HEADER_TE, HTTP2_HEADER_STATUS } = constants;

/** Flow-control windows large enough that a burst of answers never waits for a WINDOW_UPDATE. */
const WINDOW_BYTES = 16 * 1024 * 1024;

export class RawGrpcConnection {
  private readonly session: ClientHttp2Session;
  /** Set once the session failed: every stream opened on it fails with it. */
  private failure: Error | undefined;

  constructor(address: string) {
    this.session = connect(`http://${address}`, { settings: { initialWindowSize: WINDOW_BYTES } });
    this.session.on("error", (e) => (this.failure ??= e));
    this.session.once("connect", () => this.session.setLocalWindowSize(WINDOW_BYTES));
  }

  /** A bidi-streaming call of `path` (`/package.Service/Method`). */
  open(path: string, onMessage: (message: Buffer) => void, onClose: (error: Error | undefined) => void): RawGrpcStream {
    return new RawGrpcStream(this.session, path, onMessage, onClose, () => this.failure);
  }

  close(): void {
    this.session.close();
  }
}

export class RawGrpcStream {
  private readonly stream: ClientHttp2Stream;
  private queued: Uint8Array[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly done: Promise<Error | undefined>;
  /** Messages written so far (one per `queue`). */
  sent = 0;
  /** `write` calls so far: below `sent` when sends were coalesced. */
  writes = 0;

  constructor(
    session: ClientHttp2Session,
    path: string,
    onMessage: (message: Buffer) => void,
    onClose: (error: Error | undefined) => void,
    sessionFailure: () => Error | undefined,
  ) {
    this.stream = session.request(
      { [HTTP2_HEADER_METHOD]: "POST", [HTTP2_HEADER_PATH]: path, [HTTP2_HEADER_CONTENT_TYPE]: "application/grpc", [HTTP2_HEADER_TE]: "trailers" },
      { endStream: false },
    );
    const splitter = new FrameSplitter(onMessage);
    let status: string | undefined;
    let message = "";
    const statusOf = (headers: Record<string, unknown>): void => {
      if (headers["grpc-status"] !== undefined) {
        status = String(headers["grpc-status"]);
        message = decodeURIComponent(String(headers["grpc-message"] ?? ""));
      }
    };
    this.stream.on("response", (headers) => {
      const http = Number(headers[HTTP2_HEADER_STATUS]);
      if (http !== 200) this.stream.destroy(new Error(`HTTP status ${http} for ${path}`));
      // A trailers-only answer carries the status in the response headers.
      statusOf(headers);
    });
    this.stream.on("trailers", statusOf);
    this.stream.on("data", (chunk: Buffer) => {
      try {
        splitter.push(chunk);
      } catch (e) {
        this.stream.destroy(e instanceof Error ? e : new Error(String(e)));
      }
    });
    this.done = new Promise((resolve) => {
      let error: Error | undefined;
      this.stream.on("error", (e) => (error ??= e));
      this.stream.on("close", () => {
        this.closed = true;
        error ??= sessionFailure();
        if (!error && status !== "0") error = new Error(`${path} ended with gRPC status ${status ?? "(none)"}${message ? `: ${message}` : ""}`);
        if (!error && splitter.pending > 0) error = new Error(`${path} ended inside a message (${splitter.pending} bytes)`);
        resolve(error);
        onClose(error);
      });
    });
  }

  /** Queues one message; everything queued in this turn is written together at its end. */
  queue(message: Uint8Array): void {
    this.queued.push(message);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const batch = this.queued;
    if (batch.length === 0 || this.closed) return;
    this.queued = [];
    this.sent += batch.length;
    this.writes++;
    this.stream.write(frameMessages(batch));
  };

  /** Half-closes; resolves with the stream's error (undefined when it ended with status OK). */
  end(): Promise<Error | undefined> {
    this.flush();
    if (!this.closed) this.stream.end();
    return this.done;
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
