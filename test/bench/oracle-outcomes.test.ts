/**
 * The bench oracle compares every outcome the sidecar reports for the bench's commands
 * (found by review: it read only the debit asset's balance of a decision, only the
 * absence of blocks of a fill, only `accepted` of a top-up). The real server's answers
 * for one account's seed, BUY 2 AAPL, its fill, SELL 1 AAPL, its fill and a top-up are
 * pinned below (checked against the server under the bench configuration); each wrong
 * answer is one of them with one amount changed, put on the wire with protobuf-es and
 * decoded by the raw generator's own decoder, as the open loop does. A real open-loop mix
 * with partial fills must stay clean (no false positives).
 */
import { fromJson, toBinary, toJson, type JsonValue } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import { CommandResultSchema, OpenResponseSchema } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { PublishResponseSchema, ReportResultSchema } from "../../gen/openpit/sidecar/v1/feed_pb.js";
import { decodeOpenAnswer, decodePublishAnswer } from "../../bench/answer-wire.js";
import { benchSidecarConfig, INSTRUMENTS, SETTLEMENT } from "../../bench/bench-config.js";
import { Oracle, type AcceptedExpectation } from "../../bench/oracle.js";
import { balanceCommand, fillReport, orderCommand } from "../../bench/wire.js";
import { openWorld } from "../../bench/world.js";
import { startHarness, type Harness } from "../server/harness.js";

const aapl = INSTRUMENTS[0]!;
const ACCOUNT = 1_000_000n;

/** What the real server answers, in protobuf JSON (see the first test). */
const REAL = {
  seed: { adjustment: { accepted: true, outcomes: [{ asset: "USD", balance: { delta: "1000", absolute: "1000" } }] } },
  buy: {
    execute: {
      accepted: true,
      committed: true,
      lock: { prices: [{ price: "185.25" }] },
      accountAdjustments: [
        { asset: "USD", balance: { delta: "-370.50", absolute: "629.50" }, held: { delta: "370.50", absolute: "370.50" } },
        { asset: "AAPL", incoming: { delta: "2", absolute: "2" } },
      ],
    },
  },
  buyFill: {
    postTrade: {
      accountAdjustments: [
        { asset: "AAPL", balance: { delta: "2", absolute: "2" }, incoming: { delta: "-2", absolute: "0" }, averageEntryPrice: "185.25" },
        { asset: "USD", held: { delta: "-370.50", absolute: "0.00" } },
      ],
    },
  },
  sell: {
    execute: {
      accepted: true,
      committed: true,
      lock: { prices: [{ price: "185.25" }] },
      accountAdjustments: [
        { asset: "AAPL", balance: { delta: "-1", absolute: "1" }, held: { delta: "1", absolute: "1" } },
        { asset: "USD", incoming: { delta: "185.25", absolute: "185.25" } },
      ],
    },
  },
  sellFill: {
    postTrade: {
      // (185.25 − 185.25) × 1: a product with a zero operand is 0 at scale 0, as rust_decimal's.
      accountPnls: [{ accountId: "1000000", result: { value: { delta: "0", absolute: "0" } } }],
      accountAdjustments: [
        { asset: "AAPL", held: { delta: "-1", absolute: "0" }, averageEntryPrice: "185.25" },
        { asset: "USD", balance: { delta: "185.25", absolute: "814.75" }, incoming: { delta: "-185.25", absolute: "0.00" } },
      ],
    },
  },
  topUp: { adjustment: { accepted: true, outcomes: [{ asset: "USD", balance: { delta: "50000.00", absolute: "50814.75" } }] } },
};
type Real = typeof REAL;

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const commandAnswer = (result: unknown) =>
  decodeOpenAnswer(Buffer.from(toBinary(OpenResponseSchema, fromJson(OpenResponseSchema, { correlationId: "1", results: [result] } as JsonValue)))).results[0];
const reportAnswer = (result: unknown) =>
  decodePublishAnswer(Buffer.from(toBinary(PublishResponseSchema, fromJson(PublishResponseSchema, { correlationId: "2", results: [result] } as JsonValue)))).results[0];

/**
 * Replays the account's story through an oracle with `answers` (the real ones by default)
 * up to and including `until`, returning the oracle's summary.
 */
function replay(answers: Real = REAL, until: keyof Real = "topUp") {
  const oracle = new Oracle();
  const steps: (keyof Real)[] = ["seed", "buy", "buyFill", "sell", "sellFill", "topUp"];
  let buy: AcceptedExpectation | undefined;
  let sell: AcceptedExpectation | undefined;
  for (const step of steps) {
    if (step === "seed") {
      oracle.checkAdjustment(commandAnswer(answers.seed), "seed", SETTLEMENT, undefined, 100_000, 100_000);
      oracle.credit(ACCOUNT, SETTLEMENT, 100_000);
    } else if (step === "buy") {
      const e = oracle.predict({ accountId: ACCOUNT, instrument: aapl, side: "BUY", quantity: 2 });
      if (!e.accept) throw new Error("expected an accept");
      buy = e;
      oracle.checkDecision(e, commandAnswer(answers.buy));
    } else if (step === "buyFill") oracle.checkFill(buy!, reportAnswer(answers.buyFill));
    else if (step === "sell") {
      const e = oracle.predict({ accountId: ACCOUNT, instrument: aapl, side: "SELL", quantity: 1 });
      if (!e.accept) throw new Error("expected an accept");
      sell = e;
      oracle.checkDecision(e, commandAnswer(answers.sell));
    } else if (step === "sellFill") oracle.checkFill(sell!, reportAnswer(answers.sellFill));
    else {
      oracle.credit(ACCOUNT, SETTLEMENT, 5_000_000);
      oracle.checkAdjustment(commandAnswer(answers.topUp), "top-up", SETTLEMENT, 5_000_000, oracle.lower(ACCOUNT, SETTLEMENT), oracle.upper(ACCOUNT, SETTLEMENT));
    }
    if (step === until) break;
  }
  return oracle.summary();
}

/** The story with one answer changed by `change`: the summary must show exactly one mismatch. */
function wrong<K extends keyof Real>(step: K, change: (answer: Real[K]) => void) {
  const answers = clone(REAL);
  change(answers[step]);
  return replay(answers, step);
}

describe("the bench oracle on the real answers and on wrong ones", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("the pinned answers are what the server answers under the bench configuration", async () => {
    h = await startHarness(benchSidecarConfig());
    const channel = h.channel();
    const feed = h.feed();
    const command = async (c: Parameters<typeof channel.sendRaw>[0][0]) => toJson(CommandResultSchema, (await channel.sendRaw([c])).results[0]!);
    const report = async (...args: Parameters<typeof fillReport>) => toJson(ReportResultSchema, (await feed.publish(fillReport(...args)))[0]!);
    expect(await command(balanceCommand(ACCOUNT, SETTLEMENT, { absolute: "1000" }))).toEqual(REAL.seed);
    expect(await command(orderCommand(ACCOUNT, aapl, "BUY", 2))).toEqual(REAL.buy);
    expect(await report(ACCOUNT, aapl, "BUY", 2)).toEqual(REAL.buyFill);
    expect(await command(orderCommand(ACCOUNT, aapl, "SELL", 1))).toEqual(REAL.sell);
    expect(await report(ACCOUNT, aapl, "SELL", 1)).toEqual(REAL.sellFill);
    expect(await command(balanceCommand(ACCOUNT, SETTLEMENT, { delta: "50000" }))).toEqual(REAL.topUp);
    await channel.end();
  });

  it("the real answers are no mismatch", () => {
    expect(replay()).toMatchObject({ decisionsChecked: 2, accepted: 2, fillsChecked: 2, adjustmentsChecked: 2, mismatches: 0, samples: [] });
  });

  it.each<[string, () => ReturnType<typeof replay>]>([
    ["a decision whose USD balance is a cent off", () => wrong("buy", (a) => void (a.execute.accountAdjustments[0]!.balance = { delta: "-370.51", absolute: "629.49" }))],
    ["an accepted BUY holding the wrong USD amount", () => wrong("buy", (a) => void (a.execute.accountAdjustments[0]!.held = { delta: "3705.00", absolute: "3705.00" }))],
    ["an accepted BUY whose hold absolute is short of the hold itself", () => wrong("buy", (a) => void (a.execute.accountAdjustments[0]!.held = { delta: "370.50", absolute: "0.00" }))],
    ["an accepted BUY holding nothing", () => wrong("buy", (a) => void delete (a.execute.accountAdjustments[0] as { held?: unknown }).held)],
    ["an accepted BUY of 2 AAPL booking 20 AAPL incoming", () => wrong("buy", (a) => void (a.execute.accountAdjustments[1]!.incoming = { delta: "20", absolute: "20" }))],
    ["an accepted BUY that also takes 5 AAPL off the balance", () => wrong("buy", (a) => void ((a.execute.accountAdjustments[1] as Record<string, unknown>).balance = { delta: "-5", absolute: "-5" }))],
    ["an accepted BUY with its USD leg twice", () => wrong("buy", (a) => void a.execute.accountAdjustments.push(clone(a.execute.accountAdjustments[0]!)))],
    ["an accepted SELL holding 2 AAPL for 1", () => wrong("sell", (a) => void (a.execute.accountAdjustments[0]!.held = { delta: "2", absolute: "2" }))],
    ["an accepted SELL bringing in a cent too much USD", () => wrong("sell", (a) => void (a.execute.accountAdjustments[1]!.incoming = { delta: "185.26", absolute: "185.26" }))],
    ["a fill of 2 AAPL crediting 3", () => wrong("buyFill", (a) => void (a.postTrade.accountAdjustments[0]!.balance = { delta: "3", absolute: "3" }))],
    ["a fill of 2 AAPL leaving the AAPL incoming in place", () => wrong("buyFill", (a) => void delete (a.postTrade.accountAdjustments[0] as { incoming?: unknown }).incoming)],
    ["a fill leaving the USD hold in place", () => wrong("buyFill", (a) => void (a.postTrade.accountAdjustments[1]!.held = { delta: "0.00", absolute: "370.50" }))],
    ["a fill releasing the hold but reporting it still held", () => wrong("buyFill", (a) => void (a.postTrade.accountAdjustments[1]!.held = { delta: "-370.50", absolute: "370.50" }))],
    ["a fill at the wrong average entry price", () => wrong("buyFill", (a) => void (a.postTrade.accountAdjustments[0]!.averageEntryPrice = "185.26"))],
    ["a sale's fill crediting a cent less USD", () => wrong("sellFill", (a) => void (a.postTrade.accountAdjustments[1]!.balance = { delta: "185.24", absolute: "814.74" }))],
    ["a sale's fill leaving 1 AAPL held", () => wrong("sellFill", (a) => void (a.postTrade.accountAdjustments[0]!.held = { delta: "0", absolute: "1" }))],
    ["a sale's fill realizing a P&L", () => wrong("sellFill", (a) => void ((a.postTrade.accountAdjustments[0] as { realizedPnl?: unknown }).realizedPnl = { value: { delta: "1.00", absolute: "1.00" } }))],
    ["a sale's fill with a realized P&L entry of 0 (a zero-delta leg)", () => wrong("sellFill", (a) => void ((a.postTrade.accountAdjustments[0] as { realizedPnl?: unknown }).realizedPnl = { value: { delta: "0.00", absolute: "0.00" } }))],
    ["a sale's fill with an account P&L of another account", () => wrong("sellFill", (a) => void (a.postTrade.accountPnls[0]!.accountId = "7"))],
    ["a top-up booking 500 instead of 50 000", () => wrong("topUp", (a) => void (a.adjustment.outcomes[0]!.balance = { delta: "500", absolute: "1314.75" }))],
    ["a top-up reporting a balance a cent short", () => wrong("topUp", (a) => void (a.adjustment.outcomes[0]!.balance = { delta: "50000", absolute: "50814.74" }))],
    ["a seed setting 100 instead of 1 000", () => wrong("seed", (a) => void (a.adjustment.outcomes[0]!.balance = { delta: "100", absolute: "100" }))],
  ])("%s is a mismatch", (_name, run) => {
    expect(run().mismatches).toBe(1);
  });

  it("a real open-loop mix with partial fills, sells and top-ups is checked without a mismatch", async () => {
    h = await startHarness(benchSidecarConfig());
    const oracle = new Oracle();
    const world = await openWorld(h.address, oracle, { accounts: 4, seed: 5, fillFlushMs: 0 });
    const lanes = Array.from({ length: 16 }, async () => {
      for (let k = 0; k < 60; k++) {
        const planned = world.mix.next();
        world.sendTopUps(planned);
        world.checkOrder(planned.expectation, await world.channel.order(planned.expectation).catch((err: Error) => err), 3);
        world.fills.maybeFlush(process.hrtime.bigint());
      }
    });
    await Promise.all(lanes);
    await world.fills.drain();
    world.checks.run();
    // Every account read back once nothing is in flight: exactly what the oracle confirmed.
    await world.reconcile(h.clients);
    await world.close();
    const s = oracle.summary();
    expect(s.samples).toEqual([]);
    expect(s.accountsReconciled).toBe(4);
    expect(s.decisionsChecked).toBe(960);
    expect(s.fillsChecked).toBeGreaterThan(2 * s.accepted);
    expect(s.adjustmentsChecked).toBeGreaterThan(4);
  });
});
