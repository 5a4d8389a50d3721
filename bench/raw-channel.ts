/**
 * The raw generator's streams to the sidecar and the echo floor (transport in
 * raw-grpc.ts, bytes in order-wire.ts and answer-wire.ts). No promise per message: each
 * send names a handler shared by every message of its kind and a token of its own
 * (the order's expectation, a request index), and the answer is given to
 * `handler(token, answer)` as soon as it is decoded. A stream that fails or ends hands
 * every message still waiting the error instead.
 */
import { toBinary } from "@bufbuild/protobuf";
import { OpenRequestSchema, type Command } from "../gen/openpit/sidecar/v1/channel_pb.js";
import { stageTrace } from "../src/transport/stage-trace.js";
import { decodeOpenAnswer, decodePublishAnswer, type AnswerView } from "./answer-wire.js";
import type { BenchInstrument } from "./bench-config.js";
import { encodeFillRequest, encodeOrderRequest, encodeTopUpRequest, type FillReport } from "./order-wire.js";
import type { RawGrpcConnection, RawGrpcStream } from "./raw-grpc.js";
import type { Side } from "./wire.js";

export type AnswerHandler<T> = (token: T, answer: AnswerView | Error) => void;

/**
 * The messages waiting for an answer, by correlation id, without a Map or an object per
 * message: ids are sequential, so message `cid` sits in slot `cid & mask` of three parallel
 * arrays (its id, handler and token). A slot still taken when its id comes round again
 * (more than the ring's size in flight) doubles the ring. An answer whose id is not in its
 * slot is a stray, as an unknown id was in the Map.
 */
class WaitingRing {
  private mask = 255;
  private ids = new Float64Array(256);
  private handlers: (AnswerHandler<never> | undefined)[] = new Array(256).fill(undefined);
  private tokens: unknown[] = new Array(256).fill(undefined);
  size = 0;

  add(cid: number, handler: AnswerHandler<never>, token: unknown): void {
    while (this.handlers[cid & this.mask] !== undefined) this.grow();
    const slot = cid & this.mask;
    this.ids[slot] = cid;
    this.handlers[slot] = handler;
    this.tokens[slot] = token;
    this.size++;
  }

  /** Hands the answer to the message waiting for `cid`; false if none waits (a stray). */
  settle(cid: number, answer: AnswerView | Error): boolean {
    const slot = cid & this.mask;
    const handler = this.handlers[slot] as AnswerHandler<unknown> | undefined;
    if (handler === undefined || this.ids[slot] !== cid) return false;
    const token = this.tokens[slot];
    this.handlers[slot] = undefined;
    this.tokens[slot] = undefined;
    this.size--;
    handler(token, answer);
    return true;
  }

  /** Every waiting message, in id order, emptied out of the ring. */
  drain(): { readonly handler: AnswerHandler<unknown>; readonly token: unknown }[] {
    const out: { cid: number; handler: AnswerHandler<unknown>; token: unknown }[] = [];
    for (let slot = 0; slot <= this.mask; slot++) {
      const handler = this.handlers[slot] as AnswerHandler<unknown> | undefined;
      if (handler !== undefined) out.push({ cid: this.ids[slot]!, handler, token: this.tokens[slot] });
      this.handlers[slot] = undefined;
      this.tokens[slot] = undefined;
    }
    this.size = 0;
    return out.sort((a, b) => a.cid - b.cid);
  }

  private grow(): void {
    const { ids, handlers, tokens } = this;
    const size = (this.mask + 1) * 2;
    this.mask = size - 1;
    this.ids = new Float64Array(size);
    this.handlers = new Array(size).fill(undefined);
    this.tokens = new Array(size).fill(undefined);
    for (let slot = 0; slot < ids.length; slot++) {
      const handler = handlers[slot];
      if (handler === undefined) continue;
      const to = ids[slot]! & this.mask;
      this.ids[to] = ids[slot]!;
      this.handlers[to] = handler;
      this.tokens[to] = tokens[slot];
    }
  }
}

/** Correlation ids, the waiting messages by id, and the failure that ends them all. */
class Correlated {
  private nextId = 1;
  private readonly waiting = new WaitingRing();
  private failure: Error | undefined;
  readonly stream: RawGrpcStream;

  constructor(
    connection: RawGrpcConnection,
    path: string,
    decode: (bytes: Buffer) => AnswerView,
    /** An answer nobody waits for (a notice, or a correlation id never sent). */
    onStray: (answer: AnswerView) => void,
  ) {
    this.stream = connection.open(
      path,
      (bytes) => {
        let answer: AnswerView;
        try {
          answer = decode(bytes);
        } catch (e) {
          // Answers can no longer be matched to what was sent: the stream is done for.
          this.fail(e instanceof Error ? e : new Error(String(e)));
          return;
        }
        if (!this.waiting.settle(answer.correlationId, answer)) onStray(answer);
      },
      (error) => this.fail(error ?? new Error(`${path}: stream ended`)),
    );
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.waiting.drain()) w.handler(w.token, e);
  }

  /** Sends the message `encode` builds for the next correlation id. */
  send<T>(encode: (cid: number) => Buffer, handler: AnswerHandler<T>, token: T): void {
    if (this.failure) return handler(token, this.failure);
    const cid = this.nextId++;
    this.waiting.add(cid, handler as AnswerHandler<never>, token);
    this.stream.queue(encode(cid));
  }

  get inFlight(): number {
    return this.waiting.size;
  }

  async end(): Promise<void> {
    const error = await this.stream.end();
    if (error) throw error;
  }
}

const settle: AnswerHandler<{ resolve: (a: AnswerView) => void; reject: (e: Error) => void }> = (p, a) => (a instanceof Error ? p.reject(a) : p.resolve(a));

function promised(send: (handler: typeof settle, token: Parameters<typeof settle>[0]) => void): Promise<AnswerView> {
  return new Promise((resolve, reject) => send(settle, { resolve, reject }));
}

/** An account channel (`AccountChannelService/Open`). */
export class RawOrderChannel {
  private readonly correlated: Correlated;

  constructor(connection: RawGrpcConnection, onStray: (answer: AnswerView) => void) {
    // With a stage trace on (bench/tail-probe.ts), answers are stamped where they are decoded.
    const trace = stageTrace;
    const decode = trace
      ? (bytes: Buffer) => {
          const a = decodeOpenAnswer(bytes);
          trace.received(BigInt(a.correlationId));
          return a;
        }
      : decodeOpenAnswer;
    this.correlated = new Correlated(connection, "/openpit.sidecar.v1.AccountChannelService/Open", decode, onStray);
  }

  /** An `executePreTrade` order with `commitOnAccept`. */
  sendOrder<T>(order: { readonly accountId: bigint; readonly instrument: BenchInstrument; readonly side: Side; readonly quantity: number }, handler: AnswerHandler<T>, token: T): void {
    this.correlated.send((cid) => encodeOrderRequest(cid, order.accountId, order.instrument, order.side, order.quantity), handler, token);
  }

  /** A balance adjustment of `asset` by `delta`. */
  sendTopUp<T>(accountId: bigint, asset: string, delta: string, handler: AnswerHandler<T>, token: T): void {
    this.correlated.send((cid) => encodeTopUpRequest(cid, accountId, asset, delta), handler, token);
  }

  /** Any commands, through protobuf-es (seeding: not the hot path). */
  sendCommands(commands: Command[]): Promise<AnswerView> {
    return promised((handler, token) =>
      this.correlated.send((cid) => Buffer.from(toBinary(OpenRequestSchema, { $typeName: "openpit.sidecar.v1.OpenRequest", correlationId: BigInt(cid), commands })), handler, token),
    );
  }

  order(order: Parameters<RawOrderChannel["sendOrder"]>[0]): Promise<AnswerView> {
    return promised((handler, token) => this.sendOrder(order, handler, token));
  }

  get inFlight(): number {
    return this.correlated.inFlight;
  }

  /** The transport stream, for its counters (messages sent vs writes). */
  get stream(): RawGrpcStream {
    return this.correlated.stream;
  }

  end(): Promise<void> {
    return this.correlated.end();
  }
}

/** The execution-report feed (`ExecutionReportFeedService/Publish`). */
export class RawReportFeed {
  private readonly correlated: Correlated;

  constructor(connection: RawGrpcConnection, onStray: (answer: AnswerView) => void) {
    this.correlated = new Correlated(connection, "/openpit.sidecar.v1.ExecutionReportFeedService/Publish", decodePublishAnswer, onStray);
  }

  publish<T>(fills: readonly FillReport[], handler: AnswerHandler<T>, token: T): void {
    this.correlated.send((cid) => encodeFillRequest(cid, fills), handler, token);
  }

  end(): Promise<void> {
    return this.correlated.end();
  }
}

/**
 * The echo floor through the same transport: the same framing, coalescing and handler
 * shape as the order channel, so the open loop's echo row prices what the raw generator
 * and the loopback cost. Echo answers carry no id: the server answers in order, so a FIFO
 * of tokens pairs them up.
 */
export class RawEchoStream<T> {
  private readonly stream: RawGrpcStream;
  private tokens: T[] = [];
  private head = 0;
  private failure: Error | undefined;

  constructor(
    connection: RawGrpcConnection,
    private readonly handler: (token: T, error: Error | undefined) => void,
  ) {
    this.stream = connection.open(
      "/bench.Echo/Echo",
      () => {
        if (this.head >= this.tokens.length) return this.fail(new Error("echo answer nobody waited for"));
        const token = this.tokens[this.head++]!;
        // Compact now and then so the FIFO does not grow for the whole run.
        if (this.head > 4096) {
          this.tokens = this.tokens.slice(this.head);
          this.head = 0;
        }
        this.handler(token, undefined);
      },
      (error) => this.fail(error ?? new Error("echo stream ended")),
    );
  }

  private fail(e: Error): void {
    this.failure ??= e;
    const waiting = this.tokens.slice(this.head);
    this.tokens = [];
    this.head = 0;
    for (const t of waiting) this.handler(t, e);
  }

  send(request: Uint8Array, token: T): void {
    if (this.failure) return this.handler(token, this.failure);
    this.tokens.push(token);
    this.stream.queue(request);
  }

  async end(): Promise<void> {
    await this.stream.end();
  }
}
