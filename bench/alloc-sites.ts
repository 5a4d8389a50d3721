/**
 * `npx tsx bench/alloc-sites.ts [order|feed] [units]`: what the sidecar's own code allocates
 * per order (or per report), by allocation site, measured in this process. The order path
 * is the channel's: request bytes → door commands → door → engine → answer bytes; the feed
 * path the same for a message of 8 fills. Neither includes grpc-js or Node's HTTP/2, which
 * `alloc-probe.ts` measures with everything else in the sidecar's own process.
 *
 * V8's sampling heap profiler runs at a 32-byte interval and keeps what minor and major
 * collections freed, so the profile is of everything allocated. A run takes about 10 s.
 * The total per unit moves by about 2 % from run to run (3 864–3 976 B per order in three
 * runs of one version): V8 does not optimise, inline and elide the same allocations in
 * every process. So compare two versions over several runs each, and read a site's bytes
 * as where the cost is, not to the byte. A site is a function, its file and a column: tsx
 * compiles each file to a single line. A diagnostic: never asserted.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { Session } from "node:inspector/promises";
import { PublishRequestSchema } from "../gen/openpit/sidecar/v1/feed_pb.js";
import { buildSidecar } from "../src/app/build-sidecar.js";
import { encodeFeedAnswers } from "../src/server/codec/index.js";
import { decodeOpenRequestToCommands } from "../src/server/codec/wire-commands.js";
import { decodePublishRequestToReports } from "../src/server/codec/wire-reports.js";
import { parseSidecarConfig } from "../src/server/config/sidecar-config.js";
import { answerOpenRequest, runOpenRequest, type StreamChannel } from "../src/server/services/account-channel-service.js";
import { publishAnswers } from "../src/server/services/feed-service.js";
import { encodeOpenRequest } from "../src/transport/wire/index.js";
import { DEEP_ACCOUNT_BASE, DEEP_FUNDS_USD, INSTRUMENTS, SETTLEMENT, benchSidecarConfig } from "./bench-config.js";
import { balanceCommand, fillReport, openRequest, orderCommand } from "./wire.js";

const ACCOUNTS = 64;
const FILLS_PER_MESSAGE = 8;

interface ProfileNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly columnNumber: number };
  readonly selfSize: number;
  readonly children: readonly ProfileNode[];
}

async function main(): Promise<void> {
  const path = process.argv[2] ?? "order";
  if (path !== "order" && path !== "feed") throw new Error(`the path is "order" or "feed", not ${path}`);
  const units = Number(process.argv[3] ?? 100_000);
  if (!Number.isSafeInteger(units) || units < FILLS_PER_MESSAGE) throw new Error(`units must be an integer of at least ${FILLS_PER_MESSAGE}`);

  const { state } = buildSidecar(parseSidecarConfig(benchSidecarConfig() as never));
  const session: StreamChannel = { channelId: undefined };
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => DEEP_ACCOUNT_BASE + BigInt(i));
  runOpenRequest(state, session, openRequest(1n, accounts.map((a) => balanceCommand(a, SETTLEMENT, { absolute: DEEP_FUNDS_USD }))));
  const orders = accounts.map((a) => encodeOpenRequest(openRequest(2n, [orderCommand(a, INSTRUMENTS[0]!, "BUY", 10)])));
  const fills = toBinary(
    PublishRequestSchema,
    create(PublishRequestSchema, { correlationId: 3n, reports: accounts.slice(0, FILLS_PER_MESSAGE).map((a) => fillReport(a, INSTRUMENTS[0]!, "BUY", 10)) }),
  );
  let answered = 0;
  const order = (i: number): void => {
    if (answerOpenRequest(state, session, decodeOpenRequestToCommands(orders[i % ACCOUNTS]!)).correlationId === 2n) answered++;
  };
  // Each message fills one order of each of its accounts, so orders are sent first.
  const feedMessage = (): void => {
    const answers = publishAnswers(state, decodePublishRequestToReports(fills), undefined, 0, undefined);
    if (Array.isArray(answers) && encodeFeedAnswers(3n, answers).correlationId === 3n) answered++;
  };
  const messages = path === "order" ? units : Math.ceil(units / FILLS_PER_MESSAGE);
  // Warm (optimised code, settled shapes), then enough open orders for every fill measured.
  for (let i = 0; i < 40_000; i++) order(i);
  for (let i = 0; i < 2_000; i++) feedMessage();
  if (path === "feed") for (let i = 0; i < messages * FILLS_PER_MESSAGE; i++) order(i);

  const inspector = new Session();
  inspector.connect();
  await inspector.post("HeapProfiler.enable");
  await inspector.post("HeapProfiler.startSampling", { samplingInterval: 32, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true });
  for (let i = 0; i < messages; i++) (path === "order" ? order(i) : feedMessage());
  const { profile } = await inspector.post("HeapProfiler.stopSampling");
  inspector.disconnect();

  const perUnit = path === "order" ? messages : messages * FILLS_PER_MESSAGE;
  const bySite = new Map<string, number>();
  let total = 0;
  const walk = (node: ProfileNode): void => {
    const f = node.callFrame;
    if (node.selfSize > 0 && !f.url.endsWith("alloc-sites.ts")) {
      const site = `${f.functionName || "(anonymous)"}  ${f.url.replace(/^.*?\/(src|bench|node_modules)\//, "$1/")}:${f.columnNumber}`;
      bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    node.children.forEach(walk);
  };
  walk(profile.head as unknown as ProfileNode);
  process.stdout.write(`${path} path: ${(total / perUnit).toFixed(0)} bytes per ${path === "order" ? "order" : "report"} (${perUnit} measured; ${answered} messages answered in all, warm-up included)\n`);
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
    process.stdout.write(`${(bytes / perUnit).toFixed(0).padStart(7)} B  ${site}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`alloc-sites: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(2);
});
