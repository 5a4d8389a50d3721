/**
 * ExecutionReport.execution_id through the wire (docs/clients.md, *Execution ids*): a report
 * re-sent after a broken stream is answered duplicate_execution_id and not applied twice, on
 * the feed and on a channel, across a restart from the journal and from a snapshot.
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import * as pb from "../../gen/openpit/sidecar/v1/types_pb.js";
import type { ReportResult } from "../../gen/openpit/sidecar/v1/feed_pb.js";
import { ACCOUNT, holdingsOf, order, seed, testConfig, type Harness } from "./harness.js";
import { sidecarsPerTest } from "./controls-world.js";
import { as } from "./results.js";
import { PublishRequestSchema } from "../../gen/openpit/sidecar/v1/feed_pb.js";
import { decodePublishRequestToReports } from "../../src/server/codec/wire-reports.js";
import { decodePublishRequest } from "../../src/transport/wire/index.js";
import { toBinary } from "@bufbuild/protobuf";

const CONFIG = testConfig();

/** A fill of 1 AAPL at 100 of the order below, its execution id `id` (none: undefined). */
function fill(id: string | undefined): pb.ExecutionReport {
  return create(pb.ExecutionReportSchema, {
    instrument: { underlyingAsset: "AAPL", settlementAsset: "USD" },
    accountId: ACCOUNT,
    side: pb.Side.BUY,
    lastTrade: { price: "100", quantity: "1" },
    leavesQuantity: "3",
    lock: { prices: [{ price: "100" }] },
    ...(id === undefined ? {} : { executionId: id }),
  });
}

function postTrade(r: ReportResult | undefined): pb.PostTradeResult {
  if (r?.result.case !== "postTrade") throw new Error(`expected a postTrade result, got ${String(r?.result.case)}`);
  return r.result.value;
}

function errorOf(r: ReportResult | undefined): [string, string] {
  if (r?.result.case !== "error") throw new Error(`expected an error, got ${String(r?.result.case)}`);
  return [r.result.value.field, r.result.value.message];
}

/** USD 1000, a buy of 4 at 100 committed: each fill moves 100 USD out of held and 1 AAPL in. */
async function openBuy(h: Pick<Harness, "channel">): Promise<void> {
  const ch = h.channel();
  await ch.send(seed("USD", "1000"));
  expect(as(await ch.one({ case: "executePreTrade", value: { order: order({ qty: "4", price: "100" }), commitOnAccept: true } }), "execute").accepted).toBe(true);
  await ch.end();
}

describe("execution ids on the wire", () => {
  const sidecars = sidecarsPerTest();

  it("the feed applies a report once per execution id; a repeat, in the same message or later, answers duplicate", async () => {
    const h = await sidecars.harness(CONFIG);
    await openBuy(h);
    const feed = h.feed();
    const [first, sameMessage, other] = await feed.publish(fill("X-1"), fill("X-1"), fill("X-2"));
    expect(postTrade(first).duplicateExecutionId).toBe(false);
    expect(postTrade(first).accountAdjustments.length).toBeGreaterThan(0);
    expect(postTrade(sameMessage)).toEqual(create(pb.PostTradeResultSchema, { duplicateExecutionId: true }));
    expect(postTrade(other).duplicateExecutionId).toBe(false);
    const [later] = await feed.publish(fill("X-2"));
    expect(postTrade(later).duplicateExecutionId).toBe(true);
    expect(await holdingsOf(h)).toEqual({
      USD: { available: "600", held: "200", incoming: "0" },
      AAPL: { available: "2", held: "0", incoming: "2" },
    });
  });

  it("a channel's report and the feed's share the account's ids; without an id a report applies every time", async () => {
    const h = await sidecars.harness(CONFIG);
    await openBuy(h);
    await h.feed().publish(fill("X-1"));
    const ch = h.channel();
    const [again, bare1, bare2] = await ch.send(
      { case: "applyExecutionReport", value: { report: fill("X-1") } },
      { case: "applyExecutionReport", value: { report: fill(undefined) } },
      { case: "applyExecutionReport", value: { report: fill(undefined) } },
    );
    expect(as(again, "postTrade").duplicateExecutionId).toBe(true);
    expect(as(bare1, "postTrade").duplicateExecutionId).toBe(false);
    expect(as(bare2, "postTrade").duplicateExecutionId).toBe(false);
    expect((await holdingsOf(h)).AAPL).toEqual({ available: "3", held: "0", incoming: "1" });
  });

  it("the direct decoder's message carries the id as the generated one does (found by review: it read undefined)", () => {
    const bytes = toBinary(PublishRequestSchema, create(PublishRequestSchema, { correlationId: 1n, reports: [fill("E-1")] }));
    const direct = decodePublishRequestToReports(bytes);
    expect(direct.reports[0]!.executionId).toBe("E-1");
    expect(decodePublishRequest(bytes).reports[0]!.executionId).toBe("E-1");
  });

  it("a malformed execution id is refused naming the field, and the stream goes on", async () => {
    const h = await sidecars.harness(CONFIG);
    await openBuy(h);
    const feed = h.feed();
    const [empty, long, emoji, good] = await feed.publish(fill(""), fill("x".repeat(129)), fill("😀".repeat(128)), fill("X-1"));
    expect(errorOf(empty)).toEqual(["reports[0].execution_id", "reports[0].execution_id: must not be empty when present"]);
    expect(errorOf(long)).toEqual(["reports[1].execution_id", "reports[1].execution_id: must be at most 128 characters"]);
    // 128 characters beyond the basic plane are an id (characters are counted, not UTF-16 units).
    expect(postTrade(emoji).duplicateExecutionId).toBe(false);
    expect(postTrade(good).duplicateExecutionId).toBe(false);
    // A refused report was not applied, and its id is not remembered: sent right, it applies.
    expect((await holdingsOf(h)).AAPL).toEqual({ available: "2", held: "0", incoming: "2" });
  });

  for (const how of ["crash", "stop"] as const) {
    const from = how === "crash" ? "the journal's records" : "the snapshot a clean stop leaves";
    it(`ids survive a restart from ${from}`, async () => {
      const dir = sidecars.dataDir();
      const first = await sidecars.durable(CONFIG, dir, 5_000);
      await openBuy(first);
      expect(postTrade((await first.feed().publish(fill("X-1")))[0]).duplicateExecutionId).toBe(false);
      await first[how]();
      const second = await sidecars.durable(CONFIG, dir, 6_000);
      const [again, next] = await second.feed().publish(fill("X-1"), fill("X-2"));
      expect(postTrade(again).duplicateExecutionId).toBe(true);
      expect(postTrade(next).duplicateExecutionId).toBe(false);
      const state = await second.admin<{ holdings: { asset: string; available: string; incoming: string }[] }>("getAccountState", { accountId: ACCOUNT });
      expect(state.holdings.find((x) => x.asset === "AAPL")).toMatchObject({ available: "2", incoming: "2" });
    });
  }

  it("a restart on other bounds replays under the bounds each record ran under, then takes the file's", async () => {
    const dir = sidecars.dataDir();
    const small = testConfig({ limits: { maxExecutionIds: 2 } });
    const first = await sidecars.durable(small, dir, 5_000);
    await openBuy(first);
    const feed = first.feed();
    // X-1 is forgotten by X-3 (two kept): its repeat applies again, live.
    const answers = await feed.publish(fill("X-1"), fill("X-2"), fill("X-3"), fill("X-1"));
    expect(answers.map((a) => postTrade(a).duplicateExecutionId)).toEqual([false, false, false, false]);
    const before = await first.admin<{ holdings: unknown[] }>("getAccountState", { accountId: ACCOUNT });
    await first.crash();
    // With a hundred thousand kept, a replay under the file's bounds would find X-1's repeat remembered
    // and skip it: one fill fewer than the live run acknowledged.
    const second = await sidecars.durable(CONFIG, dir, 6_000);
    expect(await second.admin<{ holdings: unknown[] }>("getAccountState", { accountId: ACCOUNT })).toEqual(before);
    expect(second.sidecar.server.state.engine.executionIdBounds()).toEqual({ retainMs: 86_400_000, maxRemembered: 100_000 });
    // Kept then: X-3 and X-1 (the two last); X-2 was forgotten when X-1 came again.
    const [x2, x3] = await second.feed().publish(fill("X-2"), fill("X-3"));
    expect(postTrade(x2).duplicateExecutionId).toBe(false);
    expect(postTrade(x3).duplicateExecutionId).toBe(true);
  });
});
