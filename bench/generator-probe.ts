/**
 * `npx tsx bench/generator-probe.ts [orders]`: what the load generator's own JavaScript
 * costs per decided order of the open-loop mix — the mix, the oracle's predictions and
 * checks, the hand codecs, the correlation, the fill feed — with no transport, no pacer
 * and no sidecar in the figure. A diagnostic (like tail-probe.ts), not part of the bench.
 *
 * Pass 1 drives the world (16 lanes of `decideNext`, fills flushed on every call, so the
 * message sequence depends on the seed only) against the sidecar's own request handling
 * run in this process, and records every answer by stream and correlation id. Then five
 * passes, each with a fresh oracle and world on the same seed, are answered from that
 * recording, so only the generator works: their process CPU per order is the figure
 * (median of the five). The oracle checks every replayed answer as in a real run; a replay
 * that drifted from the recording would show as mismatches, so they are printed.
 */
import { buildSidecar } from "../src/app/build-sidecar.js";
import { parseSidecarConfig } from "../src/server/config/sidecar-config.js";
import { runOpenRequest, type StreamChannel } from "../src/server/services/account-channel-service.js";
import { runPublishRequest } from "../src/server/services/feed-service.js";
import { decodeOpenRequest, decodePublishRequest, encodeOpenResponse, encodePublishResponse } from "../src/transport/wire/index.js";
import { benchSidecarConfig } from "./bench-config.js";
import { FrameSplitter, frameMessages } from "./grpc-frames.js";
import { Oracle, type OracleSummary } from "./oracle.js";
import type { RawGrpcConnection } from "./raw-grpc.js";
import { openWorld } from "./world.js";

const LANES = 16;
const REPLAYS = 5;

type Answers = Record<"open" | "feed", Buffer[]>;

/**
 * A connection whose streams hand each turn's requests to `answer` (one flush per turn, as
 * the raw transport coalesces) and deliver the answers as one chunk on a later turn.
 */
function inProcessConnection(answer: (kind: "open" | "feed", cid: number, request: Uint8Array) => Buffer): RawGrpcConnection {
  const open = (path: string, onMessage: (message: Buffer) => void) => {
    const kind = path.endsWith("/Publish") ? "feed" : "open";
    const splitter = new FrameSplitter(onMessage);
    let queued: Uint8Array[] = [];
    let cid = 0;
    const stream = { sent: 0, writes: 0, isClosed: false, queue, end: async () => undefined };
    function queue(message: Uint8Array): void {
      if (queued.length === 0) queueMicrotask(flush);
      queued.push(message);
    }
    function flush(): void {
      const batch = queued;
      queued = [];
      stream.sent += batch.length;
      stream.writes++;
      const chunk = frameMessages(batch.map((request) => answer(kind, ++cid, request)));
      setImmediate(() => splitter.push(chunk));
    }
    return stream;
  };
  return { open, close() {} } as unknown as RawGrpcConnection;
}

async function pass(orders: number, answer: Parameters<typeof inProcessConnection>[0]): Promise<{ usPerOrder: number; oracle: OracleSummary }> {
  const oracle = new Oracle();
  const world = await openWorld("in-process", oracle, { accounts: 2_000, seed: 42, fillFlushMs: 0 }, inProcessConnection(answer));
  let decided = 0;
  const lane = async (): Promise<void> => {
    while (decided < orders) {
      decided++;
      await world.decideNext();
      world.fills.maybeFlush(process.hrtime.bigint());
    }
  };
  const cpu0 = process.cpuUsage();
  await Promise.all(Array.from({ length: LANES }, lane));
  await world.fills.drain();
  const cpu = process.cpuUsage(cpu0);
  return { usPerOrder: (cpu.user + cpu.system) / orders, oracle: oracle.summary() };
}

async function main(): Promise<void> {
  const orders = Number(process.argv[2] ?? 30_000);
  const server = buildSidecar(parseSidecarConfig(benchSidecarConfig() as never));
  const session: StreamChannel = { channelId: undefined };
  const recorded: Answers = { open: [], feed: [] };
  const record = await pass(orders, (kind, cid, request) => {
    const bytes =
      kind === "feed"
        ? encodePublishResponse(runPublishRequest(server.state, decodePublishRequest(request)))
        : encodeOpenResponse(runOpenRequest(server.state, session, decodeOpenRequest(request)));
    recorded[kind][cid] = bytes;
    return bytes;
  });
  const replays: number[] = [];
  let last = record.oracle;
  for (let k = 0; k < REPLAYS; k++) {
    const r = await pass(orders, (kind, cid) => recorded[kind][cid]!);
    replays.push(r.usPerOrder);
    last = r.oracle;
  }
  const median = [...replays].sort((a, b) => a - b)[Math.floor(REPLAYS / 2)]!;
  process.stdout.write(
    `generator JS per decided order: ${median.toFixed(2)} µs (median of ${REPLAYS} replays: ${replays.map((x) => x.toFixed(1)).join(", ")}; the recording pass, sidecar included: ${record.usPerOrder.toFixed(1)} µs)\n` +
      `oracle per replay: ${last.decisionsChecked} decisions, ${last.fillsChecked} fills, ${last.adjustmentsChecked} adjustments checked, ${last.mismatches} mismatches (recording: ${record.oracle.mismatches})\n`,
  );
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`generator-probe: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(2);
  },
);
