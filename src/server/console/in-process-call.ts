/**
 * The console calls the guarded gRPC service implementations in-process, through objects
 * shaped like grpc-js server calls: the same authentication (the HTTP `Authorization`
 * header becomes the call's metadata), the same roles, the same denial audit and the same
 * handlers as a gRPC client. No second copy of the admin logic exists.
 */
import { EventEmitter } from "node:events";
import { Metadata, type ServiceError, type UntypedServiceImplementation } from "@grpc/grpc-js";

/** Who is calling, as the HTTP request tells it. */
export interface HttpCaller {
  /** The request's `Authorization` header, if any (`Bearer <token>`). */
  readonly authorization: string | undefined;
  /** `http:HOST:PORT` of the browser's socket: denials record it. */
  readonly peer: string;
}

export type UnaryOutcome = { readonly ok: true; readonly response: unknown } | { readonly ok: false; readonly error: Partial<ServiceError> };

/** What grpc-js takes as a metadata value: printable ASCII. */
const METADATA_VALUE = /^[\x20-\x7e]*$/;

function metadataOf(caller: HttpCaller): Metadata {
  const metadata = new Metadata();
  // A header grpc-js would refuse (HTTP allows other bytes, e.g. a pasted no-break space) is
  // left out, as grpc-js leaves it out of a gRPC call: the guard then refuses the call for
  // want of credentials (401, recorded). Set, it threw with the header, token included, in
  // its message, which reached the log as a 500.
  const value = caller.authorization;
  if (value !== undefined && METADATA_VALUE.test(value)) metadata.set("authorization", value);
  return metadata;
}

/**
 * A request decoded when the handler first reads it, which is after the guard admitted the
 * caller: a caller refused never costs the decoding. The console's JSON bodies are up to 4 MiB,
 * and checking every number of one took seconds of the event loop, which anyone on the host
 * could make it spend before being told 401 (found by review, session 46).
 */
export class LazyRequest {
  constructor(readonly decode: () => unknown) {}
}

/** A call object with what the guard and handlers read: metadata, peer, path, no TLS certificate. */
class InProcessCall extends EventEmitter {
  readonly metadata: Metadata;
  private readonly peer: string;
  private pending: LazyRequest | undefined;
  private decoded: unknown;
  cancelled = false;

  constructor(
    request: unknown,
    caller: HttpCaller,
    private readonly path: string,
  ) {
    super();
    this.metadata = metadataOf(caller);
    this.peer = caller.peer;
    if (request instanceof LazyRequest) this.pending = request;
    else this.decoded = request;
  }

  get request(): unknown {
    if (this.pending) {
      const lazy = this.pending;
      this.pending = undefined;
      this.decoded = lazy.decode();
    }
    return this.decoded;
  }

  getPeer(): string {
    return this.peer;
  }

  getPath(): string {
    return this.path;
  }

  /** The console opens its own response once the handler returns (its ": subscribed" line). */
  sendMetadata(): void {}

  getAuthContext(): null {
    // No TLS on the HTTP listener: only a bearer token can name a principal here.
    return null;
  }
}

/** Runs a guarded unary handler (`localName`, e.g. "blockAccount") and resolves with its answer or its status. */
export function callUnaryInProcess(impl: UntypedServiceImplementation, localName: string, path: string, request: unknown, caller: HttpCaller): Promise<UnaryOutcome> {
  const handler = impl[localName] as ((call: unknown, callback: (e: Partial<ServiceError> | null, v: unknown) => void) => void) | undefined;
  if (!handler) return Promise.resolve({ ok: false, error: { code: 12, details: `${path} is not served` } });
  return new Promise((resolve) => {
    handler(new InProcessCall(request, caller, path), (error, value) => resolve(error ? { ok: false, error } : { ok: true, response: value }));
  });
}

/** What the console does with a server stream's messages and its end. */
export interface StreamSink {
  /** False = the sink is full: wait for `onDrain` before writing more. */
  write(message: unknown): boolean;
  onDrain(listener: () => void): void;
  /** The stream ended normally (shutdown). */
  end(): void;
  /** The stream was refused or failed (a gRPC status). */
  fail(error: Partial<ServiceError>): void;
}

/** Runs a guarded server-streaming handler; returns a function that cancels the stream (the browser went away). */
export function openServerStreamInProcess(
  impl: UntypedServiceImplementation,
  localName: string,
  path: string,
  request: unknown,
  caller: HttpCaller,
  sink: StreamSink,
): () => void {
  const call = new (class extends InProcessCall {
    write(message: unknown): boolean {
      return sink.write(message);
    }
    // Ended as a grpc-js server stream ends: 'finish' and 'close' after end(), 'close' after
    // destroy(). Whoever listed the call (the guard's RevocableStreams, so that revoking its token
    // ends it) unlists it on these: without them a stream the server ended stayed listed, and a
    // later revocation recorded a denial for a stream already gone.
    end(): void {
      sink.end();
      this.emit("finish");
      this.emit("close");
    }
    destroy(error?: Error): void {
      sink.fail({ code: 13, details: error?.message ?? "stream failed" });
      this.emit("close");
    }
  })(request, caller, path);
  // The guard refuses by emitting 'error' with the status; the handler does so when a reader falls behind.
  call.on("error", (e: Partial<ServiceError>) => sink.fail(e));
  sink.onDrain(() => call.emit("drain"));
  const handler = impl[localName] as ((call: unknown) => void) | undefined;
  if (!handler) sink.fail({ code: 12, details: `${path} is not served` });
  else handler(call);
  return () => {
    call.cancelled = true;
    call.emit("cancelled");
  };
}
