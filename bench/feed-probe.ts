/**
 * `npx tsx bench/feed-probe.ts [rounds] [reports per message]`: the feed's cost per report
 * without any transport — the sidecar's own work for a `PublishRequest`'s bytes: the
 * direct decoder, the feed service's per-message work, the door (engine, SpotFunds, the
 * kill switch, the account book) and the answer written to bytes — in this process.
 *
 * Each round executes 2 000 orders (committed, on 2 000 funded accounts, alternately
 * buys and the sells that close them), unmeasured, then applies their fills in messages
 * of N reports (8 by default, the allocation section's; the open loop's 2 ms flush gives
 * 3–30), measured: CPU per report and bytes allocated per report (exact, from the
 * collections: alloc-meter.ts). The figures of a round are printed and the median over
 * the rounds after the first ten (warm-up), buys and sells apart. Not part of the bench: a quick, noise-robust
 * before/after of a change on the feed path (docs/performance.md, "Session 6: perf6-feed").
 */
import { buildSidecar } from "../src/app/build-sidecar.js";
import { parseSidecarConfig } from "../src/server/config/sidecar-config.js";
import { decodePublishRequestToReports } from "../src/server/codec/wire-reports.js";
import { encodeFeedAnswers } from "../src/server/codec/write-answers.js";
import { runOpenRequest, type StreamChannel } from "../src/server/services/account-channel-service.js";
import { publishAnswers } from "../src/server/services/feed-service.js";
import { allocatedBytes, startAllocationMeter, startAllocationSampling, stopAllocationSampling } from "./alloc-meter.js";
import { INSTRUMENTS, SETTLEMENT, WORLD_ACCOUNT_BASE, benchSidecarConfig } from "./bench-config.js";
import { encodeFillRequest, type FillReport } from "./order-wire.js";
import { balanceCommand, openRequest, orderCommand, type Side } from "./wire.js";
import { decodePublishResponse } from "../src/transport/wire/publish-response-decoder.js";

const ACCOUNTS = 2_000;
const rounds = Number(process.argv[2] ?? 40);
/** Rounds before this are warm-up (the JIT settles over the first ~10 000 reports). */
const WARM = Math.min(10, rounds - 2);
const perMessage = Number(process.argv[3] ?? 8);

const server = buildSidecar(parseSidecarConfig(benchSidecarConfig() as never));
const state = server.state;
const session: StreamChannel = { channelId: undefined };
let cid = 1n;
const accounts = Array.from({ length: ACCOUNTS }, (_, i) => WORLD_ACCOUNT_BASE + BigInt(i));
for (let i = 0; i < ACCOUNTS; i += 100) {
  runOpenRequest(state, session, openRequest(cid++, accounts.slice(i, i + 100).map((id) => balanceCommand(id, SETTLEMENT, { absolute: "100000000" }))));
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

startAllocationMeter();
const perReportUs: Record<Side, number[]> = { BUY: [], SELL: [] };
const perReportBytes: Record<Side, number[]> = { BUY: [], SELL: [] };
let sink = 0;
for (let round = 0; round < rounds; round++) {
  const side: Side = round % 2 === 0 ? "BUY" : "SELL";
  const fills: FillReport[] = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    const instrument = INSTRUMENTS[i % INSTRUMENTS.length]!;
    const quantity = 1 + ((i * 7 + round) % 50);
    const answer = runOpenRequest(state, session, openRequest(cid++, [orderCommand(accounts[i]!, instrument, side, quantity)]));
    const result = answer.results[0]?.result;
    if (result?.case === "execute" && result.value.accepted) fills.push({ accountId: accounts[i]!, instrument, side, quantity, leaves: 0 });
  }
  const messages: Buffer[] = [];
  for (let i = 0; i < fills.length; i += perMessage) messages.push(encodeFillRequest(Number(cid++), fills.slice(i, i + perMessage)));
  // ALLOC_PROFILE_DIR=DIR: a sampled heap profile of the last round's reports, written raw there.
  const sampling = process.env.ALLOC_PROFILE_DIR !== undefined && round === rounds - 1;
  if (sampling) await startAllocationSampling(256);
  const bytes0 = allocatedBytes();
  const cpu0 = cpuUs();
  let first: Buffer | undefined;
  for (const bytes of messages) {
    const m = decodePublishRequestToReports(bytes);
    const answers = publishAnswers(state, m, undefined, 0, undefined);
    if (!Array.isArray(answers)) throw new Error("refused");
    const out = encodeFeedAnswers(m.correlationId, answers).bytes;
    first ??= out;
    sink += out.length;
  }
  const us = (cpuUs() - cpu0) / fills.length;
  const b = (allocatedBytes() - bytes0) / fills.length;
  if (sampling) await stopAllocationSampling();
  if (round === 0) {
    // One answer checked: every report applied, none refused.
    const answer = decodePublishResponse(first!);
    if (answer.results.some((r) => r.result.case !== "postTrade")) throw new Error(`a report was refused: ${JSON.stringify(answer.results[0])}`);
  }
  if (round >= WARM) {
    perReportUs[side].push(us);
    perReportBytes[side].push(b);
  }
  if (process.env.FEED_PROBE_VERBOSE) process.stdout.write(`round ${round} (${side}): ${fills.length} reports, ${us.toFixed(2)} µs CPU and ${b.toFixed(0)} B allocated per report\n`);
}
if (sink === 0) throw new Error("no work");
for (const side of ["BUY", "SELL"] as const) {
  const u = perReportUs[side];
  const b = perReportBytes[side];
  process.stdout.write(
    `${side} fills, rounds ${WARM}-${rounds - 1}, ${perMessage} reports per message: median ${median(u).toFixed(2)} µs CPU per report (range ${Math.min(...u).toFixed(2)}–${Math.max(...u).toFixed(2)}), ` +
      `${median(b).toFixed(0)} B allocated per report (range ${Math.min(...b).toFixed(0)}–${Math.max(...b).toFixed(0)})\n`,
  );
}
