/**
 * Found by review of this session's change (session 31): the second version held notices naming
 * handles while any big message's answer was pending. A gateway that keeps big messages
 * pipelined never let that count reach 0, so a fence notice waited behind every later big
 * message too (40 of 40 here). A notice now waits only for the answer of the big message that
 * was the newest when it was told.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { CommandInit } from "../../src/client/index.js";
import { COMMANDS_PER_SLICE } from "../../src/server/services/account-channel-service.js";
import { sidecarsPerTest } from "./controls-world.js";
import { recordUntilFenced, slowFdatasync } from "./fence-notice.js";
import { ACCOUNT, order, OTHER_ACCOUNT, seed, testConfig } from "./harness.js";

let restoreDisk = () => {};

describe("pipelined big messages on a sync journal whose fdatasync takes 20 ms", () => {
  const sidecars = sidecarsPerTest();
  afterEach(() => restoreDisk());

  it("a fence notice for an account the big messages do not touch is not held behind all of them", async () => {
    restoreDisk = slowFdatasync(20);
    const d = await sidecars.durable(testConfig(), sidecars.dataDir(), 1_000);
    const big = d.channel();
    const other = d.channel();
    await big.send(seed("USD", "10000000"));
    // OTHER_ACCOUNT pinned to `big` too, with one open reservation.
    await big.send(seed("USD", "1000", OTHER_ACCOUNT));
    await big.send({ case: "executePreTrade", value: { order: order({ qty: "1", price: "1", accountId: OTHER_ACCOUNT }) } });
    const { wire: received, fenced: fenceNotice } = recordUntilFenced(big);
    const buy: CommandInit = { case: "executePreTrade", value: { order: order({ qty: "1", price: "1" }) } };
    const n = COMMANDS_PER_SLICE * 4;
    const messages = 40;
    const sends = Array.from({ length: messages }, () => big.send(...Array.from({ length: n }, () => buy)));
    // Once the first few answers are back, another channel takes OTHER_ACCOUNT over.
    await sends[2];
    const bind = await other.one({ case: "bindAccounts", value: { accountIds: [OTHER_ACCOUNT], takeover: true } });
    expect(bind.result.case).toBe("bind");
    await Promise.all([...sends, fenceNotice]);
    const wire = received.map((m) => (m.notice?.notice.case ? `notice:${m.notice.notice.case}` : `answer:${m.results.length}`));
    const fencedAt = wire.indexOf("notice:accountsFenced");
    const answersBefore = wire.slice(0, Math.max(fencedAt, 0)).filter((w) => w.startsWith("answer")).length;
    expect(fencedAt, wire.join(" ")).toBeGreaterThanOrEqual(0);
    // The takeover was durable after about answer 3: the notice comes behind the big message
    // that was the newest then, long before the last one is answered.
    expect(answersBefore, `fence notice after ${answersBefore} of ${messages} answers`).toBeLessThan(messages);
    // A hang guard, not a speed assertion.
  }, 60_000);
});
