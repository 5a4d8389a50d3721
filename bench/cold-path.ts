/**
 * The order path of bench/cold-order.ts and bench/cold-order-ab.ts: the channel's path
 * bytes to bytes in process (request bytes → door commands → door → engine → answer
 * bytes, as alloc-sites.ts drives it, without grpc-js), built from one checkout's sources,
 * and the evictions that make an order run cold.
 */
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";

export const ACCOUNTS = 64;
/** Orders run before anything is timed: every function on the path optimised. */
export const WARM_UP = 40_000;

/** What evicts before an order: a buffer and the stride (in 4-byte words) at which it is touched. */
export interface Eviction {
  readonly words: Int32Array;
  readonly stride: number;
}

/** Every word per 64-byte line of 8 MiB: the CPU's caches keep none of the order's code or data. */
export const CACHE_EVICTION: Eviction = { words: new Int32Array((8 << 20) / 4), stride: 64 / 4 };
/**
 * One word per 4 KiB page of 64 MiB: 16 384 pages but only 1 MiB of lines, so the caches
 * keep most of the order's lines and what is lost is the address translations (the TLB).
 */
export const TLB_EVICTION: Eviction = { words: new Int32Array((64 << 20) / 4), stride: 4096 / 4 };

let sink = 0;
export function evict(e: Eviction): void {
  const { words, stride } = e;
  for (let i = 0; i < words.length; i += stride) sink += words[i]!++;
}

/** Keeps the evictions' reads observable (call once at the end). */
export function evictionSink(): number {
  return sink;
}

/** One order's times, ns: decoding, then the door with the engine and the answer's encoding. */
export interface OrderTimes {
  decode: number;
  rest: number;
}

export interface OrderPath {
  /** Runs the next account's order (round robin over ACCOUNTS) and times it into `out`. */
  order(out: OrderTimes): void;
  /** Skips `n` accounts of the round robin. */
  skip(n: number): void;
}

/**
 * How far the path reaches. `door`: the channel's decoder, then `answerOpenRequest` (door,
 * engine, answer bytes). `stream`: what the server runs between grpc-js's read and its
 * write — the method's request deserializer (server.ts's codecs), the channel service's
 * stream handler on a stand-in call (its inbox, phase checks, `afterDurable`, the write and
 * the server's metrics, as server.ts wires them), and the response serializer grpc-js calls
 * on the answer. The difference between the two is the handler's own cost.
 */
export type PathReach = "door" | "stream";

/** One reach of the path: from request bytes to what it decodes, and from that to the answer. */
interface Reach {
  decode(bytes: Buffer): unknown;
  /** Runs a decoded message; throws unless it was answered under `correlationId`. */
  run(request: unknown, correlationId: bigint): void;
}

type ModuleUrl = (path: string) => string;

/**
 * The order path of the checkout at `root` (its own src/ and bench/ modules: two roots load
 * two independent copies of the code into one process), with ACCOUNTS funded accounts.
 */
export async function loadOrderPath(root: string, reach: PathReach = "door"): Promise<OrderPath> {
  const at: ModuleUrl = (path) => pathToFileURL(resolve(root, path)).href;
  const { buildSidecar } = await import(at("src/app/build-sidecar.ts"));
  const { parseSidecarConfig } = await import(at("src/server/config/sidecar-config.ts"));
  const { encodeOpenRequest } = await import(at("src/transport/wire/index.ts"));
  const { DEEP_ACCOUNT_BASE, DEEP_FUNDS_USD, INSTRUMENTS, SETTLEMENT, benchSidecarConfig } = await import(at("bench/bench-config.ts"));
  const { balanceCommand, openRequest, orderCommand } = await import(at("bench/wire.ts"));

  const { state } = buildSidecar(parseSidecarConfig(benchSidecarConfig()));
  const path = reach === "stream" ? await streamReach(at, state) : await doorReach(at, state);
  const bytesOf = (correlationId: bigint, command: unknown): Buffer => Buffer.from(encodeOpenRequest(openRequest(correlationId, [command])));
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => DEEP_ACCOUNT_BASE + BigInt(i));
  // One message per account: on the stream reach, a message of more than 32 commands would run a slice per turn.
  for (const a of accounts) path.run(path.decode(bytesOf(1n, balanceCommand(a, SETTLEMENT, { absolute: DEEP_FUNDS_USD }))), 1n);
  const orders = accounts.map((a) => bytesOf(2n, orderCommand(a, INSTRUMENTS[0]!, "BUY", 10)));
  const now = (): number => Number(process.hrtime.bigint());
  let n = 0;
  return {
    order(out: OrderTimes): void {
      const bytes = orders[n++ % ACCOUNTS]!;
      const t0 = now();
      const request = path.decode(bytes);
      const t1 = now();
      path.run(request, 2n);
      const t2 = now();
      out.decode = t1 - t0;
      out.rest = t2 - t1;
    },
    skip(k: number): void {
      n += k;
    },
  };
}

/** The `door` reach: the channel's decoder, then `answerOpenRequest`. */
async function doorReach(at: ModuleUrl, state: unknown): Promise<Reach> {
  const { decodeOpenRequestToCommands } = await import(at("src/server/codec/wire-commands.ts"));
  const { answerOpenRequest } = await import(at("src/server/services/account-channel-service.ts"));
  const session = { channelId: undefined };
  return {
    decode: decodeOpenRequestToCommands,
    run(request, correlationId) {
      if (answerOpenRequest(state, session, request).correlationId !== correlationId) throw new Error(`message ${correlationId} was not answered`);
    },
  };
}

/**
 * Stands in for grpc-js's server duplex stream: `write` serializes the answer as grpc-js's
 * `_write` would (the method's responseSerialize) and keeps the answer's correlation id.
 */
async function streamCall(serialize: (m: unknown) => Buffer) {
  const { EventEmitter } = await import("node:events");
  return new (class extends EventEmitter {
    writableLength = 0;
    answered: bigint | undefined = undefined;
    _write(): void {}
    write(m: unknown): boolean {
      if (serialize(m).length > 0) this.answered = (m as { correlationId: bigint }).correlationId;
      return true;
    }
    pause(): void {}
    resume(): void {}
    end(): void {}
    destroy(e: Error): void {
      throw e;
    }
    getPeer(): string {
      return "ipv4:127.0.0.1:1";
    }
  })();
}

/** The `stream` reach: the method's deserializer, the channel's stream handler, the serializer. */
async function streamReach(at: ModuleUrl, state: { observer: unknown }): Promise<Reach> {
  const { accountChannelService } = await import(at("src/server/services/account-channel-service.ts"));
  const { LiveStreams } = await import(at("src/server/services/live-streams.ts"));
  const { SidecarMetrics } = await import(at("src/server/metrics/sidecar-metrics.ts"));
  const { CHANNEL_DECODING_WIRE } = await import(at("src/server/codec/wire-decoders.ts"));
  const { serviceDefinition } = await import(at("src/transport/service-definition.ts"));
  const { AccountChannelService } = await import(at("gen/openpit/sidecar/v1/channel_pb.ts"));

  // As server.ts: the door's counters observe every command, the channel times its answers.
  // replayRules only labels openpit_build_info (0: the roots compared may predate it).
  const metrics = new SidecarMetrics({ state, phase: () => "serving", version: "bench", replayRules: 0 });
  state.observer = metrics.door;
  const ctx = { state, streams: new LiveStreams(), phase: () => "serving", channelWriters: new Map(), channelPeers: new Map(), metrics };
  const method = serviceDefinition(AccountChannelService, { open: CHANNEL_DECODING_WIRE }).open!;
  const call = await streamCall(method.responseSerialize as (m: unknown) => Buffer);
  (accountChannelService(ctx, { maxQueuedMessages: 1024 }).open as (c: unknown) => void)(call);
  return {
    decode: method.requestDeserialize as (b: Buffer) => unknown,
    run(request, correlationId) {
      call.answered = undefined;
      call.emit("data", request);
      // Answered synchronously (in-memory journal): nothing written means it was not.
      if (call.answered !== correlationId) throw new Error(`message ${correlationId} was not answered`);
    },
  };
}

/** The `p`th percentile of `xs` (ns) in µs, printed to two decimals. */
export function percentileUs(xs: readonly number[], p: number): string {
  const s = [...xs].sort((a, b) => a - b);
  return (s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))]! / 1000).toFixed(2).padStart(6);
}
