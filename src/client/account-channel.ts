/** An account channel and a report feed as promise-returning clients: correlation ids, pipelining, notices. */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { connectivityState, type ClientDuplexStream } from "@grpc/grpc-js";
import {
  CommandSchema,
  type Command,
  type CommandResult,
  type OpenRequest,
  type OpenResponse,
} from "../../gen/openpit/sidecar/v1/channel_pb.js";
import {
  PublishRequestSchema,
  type PublishRequest,
  type PublishResponse,
  type ReportResult,
} from "../../gen/openpit/sidecar/v1/feed_pb.js";
import type { ExecutionReport } from "../../gen/openpit/sidecar/v1/types_pb.js";
import { ErrorCode, type CommandError } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { encodeOpenRequest, encodePublishRequest } from "../transport/wire/index.js";
import type { GenericClient } from "./grpc-clients.js";
import { readyBoundOf } from "./liveness.js";
import { callGatewayHook } from "./gateway-hook.js";

export type CommandInit = MessageInitShape<typeof CommandSchema>["command"];

/**
 * The server refused a whole message and ran none of its commands (OpenResponse.error /
 * PublishResponse.error, e.g. BATCH_TOO_LARGE); the stream stays usable.
 */
export class MessageRefusedError extends Error {
  override name = "MessageRefusedError";
  constructor(readonly error: CommandError) {
    super(`message refused (${ErrorCode[error.code] ?? error.code}): ${error.message}`);
  }
}

/** An answer that does not fit what was sent: a result missing or extra (the sidecar broke the protocol). */
export class AnswerMismatchError extends Error {
  override name = "AnswerMismatchError";
}

/**
 * The results of an answer, one per item sent, or the whole-message refusal it carries as an
 * error. An answer with another count is refused, not resolved short (found by review: a
 * missing result read as `undefined` where a CommandResult was typed, and the owner-following
 * channel failed on it with a TypeError).
 */
function resultsOf<R>(response: { error?: CommandError; results: R[] }, sent: number): R[] {
  if (response.error !== undefined) throw new MessageRefusedError(response.error);
  if (response.results.length !== sent) {
    throw new AnswerMismatchError(`the answer carries ${response.results.length} results for ${sent} items sent`);
  }
  return response.results;
}

/** The sidecar's default `network.maxReceiveMessageBytes`. */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/**
 * A pipelining stream client: every `send` gets the next correlation id and resolves with
 * the response that echoes it, so many messages can be in flight at once.
 */
class CorrelatedStream<Req, Res extends { correlationId: bigint }> {
  private nextId = 1n;
  private readonly pending = new Map<bigint, { resolve: (r: Res) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;
  private halfClosed = false;
  /** Settles when the server has ended the stream, whenever that happens. */
  private readonly ended: Promise<void>;
  /** The stream has ended (the server ended it, it failed, or it was cancelled). */
  private over = false;
  /** It failed, or the server ended it, before this client ended it or stopped sending (see `broken`). */
  private brokeItself = false;

  constructor(
    readonly call: ClientDuplexStream<Req, Res>,
    /** The client the call was made on: its connection must become ready in time (see `boundConnect`). */
    client: GenericClient,
    onUncorrelated: (message: Res) => void,
    /** The request's bytes, made before anything is written or awaited (see `request`). */
    private readonly encode: (request: Req) => Buffer,
    /** The server's message cap (network.maxReceiveMessageBytes): a longer message would fail the whole stream. */
    private readonly maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
  ) {
    // Listened for from the start: `end()` after the server already ended the stream
    // (shutdown, fencing) must not wait for events that were emitted before it was called.
    this.ended = new Promise((resolve) => {
      for (const event of ["end", "error", "status"]) {
        call.once(event, () => {
          this.over = true;
          resolve();
        });
      }
    });
    call.on("data", (m: Res) => {
      const waiter = this.pending.get(m.correlationId);
      if (!waiter) {
        // Notices carry correlation id 0. Another id that nothing awaits is an answer given
        // twice or to a request never sent: it was handed over as a notice (found by review).
        // Answers that cannot be told apart cannot be trusted: the stream is failed, fail closed.
        if (m.correlationId === 0n) return onUncorrelated(m);
        this.fail(new AnswerMismatchError(`an answer for correlation id ${m.correlationId}, which no request awaits (answered twice?): the stream is dropped`));
        this.call.cancel();
        return;
      }
      this.pending.delete(m.correlationId);
      waiter.resolve(m);
    });
    call.on("error", (e: Error) => this.fail(e));
    call.on("end", () => this.fail(new Error("stream ended")));
    this.boundConnect(client);
  }

  private fail(e: Error): void {
    // Failed before this client ended it or stopped sending on it: the stream broke.
    if (this.failure === undefined) this.brokeItself = true;
    this.failure ??= e;
    for (const w of this.pending.values()) w.reject(e);
    this.pending.clear();
  }

  /**
   * Found by review: on a new connection to a sidecar that never speaks HTTP/2 (a frozen
   * process: its kernel still completes the TCP handshake), grpc-js waits for the server's
   * SETTINGS with no timeout, the call waits for a connection, and the keepalive only runs on
   * a connected transport: every request, and `end()`, waited forever. So the connection must
   * become ready within the keepalive's time plus its timeout (what the client gives a
   * connection that went silent, `readyBoundOf`); else every request in flight is rejected
   * ("no connection to ADDR within N s") and the call cancelled, which settles `end()` too.
   * Once per stream, when it starts: nothing per message. A stream that already ended (the
   * connection refused, say) is left as it is.
   *
   * A timer of its own, unref'd and cleared when the stream is over, which at the bound fails
   * the stream only if its channel is not READY then: a stream that got its connection is on
   * that transport, and if the transport drops the call fails by itself. `client.waitForReady`
   * held a ref'd timer for the whole bound that closing the client did not clear, so a gateway
   * that closed its client to a sidecar that was down could not exit for 10 s; a connectivity
   * watch per stream (without a deadline) stayed on the channel for as long as a frozen
   * sidecar kept it connecting, one per stream opened meanwhile (both found by review,
   * session 36). A call still waiting for a connection keeps the process alive by itself, so
   * the bound needs no ref of its own.
   */
  private boundConnect(client: GenericClient): void {
    const { address, ms } = readyBoundOf(client);
    const channel = client.getChannel();
    const timer = setTimeout(() => {
      if (this.over || channel.getConnectivityState(false) === connectivityState.READY) return;
      this.fail(new Error(`no connection to ${address} within ${ms / 1000} s`));
      this.call.cancel();
    }, ms);
    timer.unref();
    void this.ended.then(() => clearTimeout(timer));
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /** New requests can still be sent (the stream has not failed, ended or been half-closed). */
  get usable(): boolean {
    return this.failure === undefined;
  }

  /**
   * The stream broke: it failed (an error, the connection bound) or the server ended it while
   * this client still sent on it; not when this client ended it or stopped sending (a
   * shutdown or channel-closing notice).
   */
  get broken(): boolean {
    return this.brokeItself;
  }

  request(build: (correlationId: bigint) => Req): Promise<Res> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    // Encoded here, not by grpc-js on write: a message that cannot be encoded (an id outside
    // uint64) is refused alone, where grpc-js would fail the whole stream with it.
    let bytes: Buffer;
    try {
      bytes = this.encode(build(id));
    } catch (e) {
      return Promise.reject(e);
    }
    // Over the server's cap, grpc-js on the server fails the stream (RESOURCE_EXHAUSTED): every
    // request in flight with it, and the channel's open reservations rolled back. Refused alone.
    if (bytes.length > this.maxMessageBytes) {
      return Promise.reject(new RangeError(`message of ${bytes.length} bytes is over the sidecar's limit of ${this.maxMessageBytes} bytes: send smaller batches`));
    }
    return new Promise<Res>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.call.write(bytes as unknown as Req);
    });
  }

  /**
   * Half-closes; resolves when the server has ended the stream. Requests already sent are
   * still answered; a later one is refused here alone (writing after the half-close would
   * fail the stream, and with it the requests in flight, which the server runs). On a
   * connection that does not become ready in time the call is cancelled (`boundConnect`),
   * so this resolves then at the latest.
   */
  end(): Promise<void> {
    this.failure ??= new Error("the channel was ended");
    if (!this.halfClosed) {
      this.halfClosed = true;
      this.call.end();
    }
    return this.ended;
  }

  /** Sends nothing more (new requests fail with `reason`); what is in flight is still answered. */
  stopSending(reason: Error): void {
    this.failure ??= reason;
    void this.end();
  }
}

const NOTICES_KEPT = 64;

/** An account channel: send commands (alone or batched), get their results in order. */
export class AccountChannel {
  private readonly stream: CorrelatedStream<OpenRequest, OpenResponse>;
  /** The latest notices (at most NOTICES_KEPT: a channel lives for days), for callers without `onNotice`. */
  readonly notices: OpenResponse[] = [];

  constructor(client: GenericClient, onNotice?: (notice: OpenResponse) => void, maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES) {
    const call = client.open!() as ClientDuplexStream<OpenRequest, OpenResponse>;
    this.stream = new CorrelatedStream(call, client, (m) => {
      if (this.notices.push(m) > NOTICES_KEPT) this.notices.shift();
      // The server closed the channel and ends the stream once we half-close: every
      // request already sent is still answered (SHUTTING_DOWN at worst).
      if (m.notice?.notice.case === "shuttingDown") this.stream.stopSending(new Error("the sidecar is shutting down"));
      // The sidecar closed this channel (the hard throttle): what was sent is answered (refused
      // SHUTTING_DOWN after the closing answer) and the stream ends once this client half-closes.
      if (m.notice?.notice.case === "channelClosing") this.stream.stopSending(new Error(`the sidecar closed the channel: ${m.notice.notice.value.reason}`));
      callGatewayHook("onNotice", onNotice, m);
    }, encodeOpenRequest, maxMessageBytes);
  }

  get call(): ClientDuplexStream<OpenRequest, OpenResponse> {
    return this.stream.call;
  }

  get inFlight(): number {
    return this.stream.inFlight;
  }

  /** `send` still works: the channel was not ended, closed by the sidecar, or broken. */
  get usable(): boolean {
    return this.stream.usable;
  }

  /** The stream broke (an error, the connection bound, or ended by the server unasked); not ended or stopped by this client. */
  get broken(): boolean {
    return this.stream.broken;
  }

  /** One result per command, in order; rejects with MessageRefusedError if the message was refused whole. */
  async send(...commands: CommandInit[]): Promise<CommandResult[]> {
    return resultsOf(await this.sendRaw(commands.map((command) => create(CommandSchema, { command }))), commands.length);
  }

  async one(command: CommandInit): Promise<CommandResult> {
    const [result] = await this.send(command);
    return result!;
  }

  /** The answer as it came: `error` set (and no results) when the message was refused whole. */
  sendRaw(commands: Command[]): Promise<OpenResponse> {
    // A literal, not `create()`: every field is given, and this is every order's path.
    return this.stream.request((correlationId): OpenRequest => ({ $typeName: "openpit.sidecar.v1.OpenRequest", correlationId, commands }));
  }

  end(): Promise<void> {
    return this.stream.end();
  }

  /** Drops the stream without a goodbye, like a crashed gateway. */
  cancel(): void {
    const call = this.stream.call;
    call.cancel();
    // grpc-js 1.14 creates the call's transport stream a few microtasks after the first
    // write; a cancel before that ends the call here but never reaches that stream, which
    // then carries the request and stays open on the sidecar (found by review, session 29:
    // the channel stayed live, its account pinned, its reservation held). Cancelled again
    // once it exists: a cancel of a call already cancelled only passes on to that stream.
    setImmediate(() => call.cancel());
  }
}

/** The execution-report feed: publish reports, get post-trade results in order. */
export class ReportFeed {
  private readonly stream: CorrelatedStream<PublishRequest, PublishResponse>;

  constructor(client: GenericClient, maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES) {
    this.stream = new CorrelatedStream(client.publish!() as ClientDuplexStream<PublishRequest, PublishResponse>, client, () => {}, encodePublishRequest, maxMessageBytes);
  }

  /** One result per report, in order; rejects with MessageRefusedError if the message was refused whole. */
  async publish(...reports: ExecutionReport[]): Promise<ReportResult[]> {
    const response = await this.stream.request((correlationId) => create(PublishRequestSchema, { correlationId, reports }));
    const results = resultsOf(response, reports.length);
    // Shutdown has closed the feed (it has no notice): send nothing more, so the server can
    // end the stream once everything already sent is answered.
    if (results.some((r) => r.result.case === "error" && r.result.value.code === ErrorCode.SHUTTING_DOWN)) {
      this.stream.stopSending(new Error("the sidecar is shutting down"));
    }
    return results;
  }

  end(): Promise<void> {
    return this.stream.end();
  }
}
