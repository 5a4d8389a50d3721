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
 * The order path of the checkout at `root` (its own src/ and bench/ modules: two roots load
 * two independent copies of the code into one process), with ACCOUNTS funded accounts.
 */
export async function loadOrderPath(root: string): Promise<OrderPath> {
  const at = (path: string) => pathToFileURL(resolve(root, path)).href;
  const { buildSidecar } = await import(at("src/app/build-sidecar.ts"));
  const { decodeOpenRequestToCommands } = await import(at("src/server/codec/wire-commands.ts"));
  const { parseSidecarConfig } = await import(at("src/server/config/sidecar-config.ts"));
  const { answerOpenRequest, runOpenRequest } = await import(at("src/server/services/account-channel-service.ts"));
  const { encodeOpenRequest } = await import(at("src/transport/wire/index.ts"));
  const { DEEP_ACCOUNT_BASE, DEEP_FUNDS_USD, INSTRUMENTS, SETTLEMENT, benchSidecarConfig } = await import(at("bench/bench-config.ts"));
  const { balanceCommand, openRequest, orderCommand } = await import(at("bench/wire.ts"));

  const { state } = buildSidecar(parseSidecarConfig(benchSidecarConfig()));
  const session = { channelId: undefined };
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => DEEP_ACCOUNT_BASE + BigInt(i));
  runOpenRequest(state, session, openRequest(1n, accounts.map((a: bigint) => balanceCommand(a, SETTLEMENT, { absolute: DEEP_FUNDS_USD }))));
  const orders: Uint8Array[] = accounts.map((a: bigint) => encodeOpenRequest(openRequest(2n, [orderCommand(a, INSTRUMENTS[0]!, "BUY", 10)])));
  const now = (): number => Number(process.hrtime.bigint());
  let n = 0;
  return {
    order(out: OrderTimes): void {
      const bytes = orders[n++ % ACCOUNTS]!;
      const t0 = now();
      const request = decodeOpenRequestToCommands(bytes);
      const t1 = now();
      const answer = answerOpenRequest(state, session, request);
      const t2 = now();
      if (answer.correlationId !== 2n) throw new Error(`order ${n} was not answered`);
      out.decode = t1 - t0;
      out.rest = t2 - t1;
    },
    skip(k: number): void {
      n += k;
    },
  };
}

/** The `p`th percentile of `xs` (ns) in µs, printed to two decimals. */
export function percentileUs(xs: readonly number[], p: number): string {
  const s = [...xs].sort((a, b) => a - b);
  return (s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))]! / 1000).toFixed(2).padStart(6);
}
