/**
 * Found by review of this session's change (session 31): the first fix held a notice naming
 * handles only while a big message's slices ran. A notice is delivered once its own command is
 * durable; with a `sync` journal on a slow disk (or a takeover batch large enough to be synced
 * off the event loop) that came after the last slice but before the answer, queued behind a
 * later durability batch, was written, and the notice still preceded the answer that issued
 * the ids it names. Notices are now held until the answer is written.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { CommandInit } from "../../src/client/index.js";
import { COMMANDS_PER_SLICE } from "../../src/server/services/account-channel-service.js";
import { sidecarsPerTest } from "./controls-world.js";
import { recordUntilFenced, slowFdatasync } from "./fence-notice.js";
import { ACCOUNT, order, OTHER_ACCOUNT, seed, testConfig } from "./harness.js";

let restoreDisk = () => {};

describe("a takeover between a big message's slices, on a sync journal whose fdatasync takes 40 ms", () => {
  const sidecars = sidecarsPerTest();
  afterEach(() => restoreDisk());

  it("the AccountsFenced notice comes after the big message's answer", async () => {
    restoreDisk = slowFdatasync(40);
    const d = await sidecars.durable(testConfig(), sidecars.dataDir(), 1_000);
    const big = d.channel();
    const other = d.channel();
    await big.send(seed("USD", "100000"));
    await other.send(seed("USD", "1000", OTHER_ACCOUNT));
    const { wire, fenced: fenceNotice } = recordUntilFenced(big);
    const buy: CommandInit = { case: "executePreTrade", value: { order: order({ qty: "1", price: "1" }) } };
    const n = COMMANDS_PER_SLICE * 8;
    const sent = big.send(...Array.from({ length: n }, () => buy));
    // 4000 more accounts in the bind: its journal batch passes the bound for syncing on the event loop.
    const accountIds = [ACCOUNT, ...Array.from({ length: 4000 }, (_, i) => (1n << 45n) + BigInt(i))];
    const [results, bind] = await Promise.all([sent, other.one({ case: "bindAccounts", value: { accountIds, takeover: true } })]);
    expect(bind.result.case).toBe("bind");
    await fenceNotice;
    expect(results.filter((r) => r.result.case === "execute" && r.result.value.accepted).length).toBeGreaterThanOrEqual(COMMANDS_PER_SLICE);
    expect(results.at(-1)?.result.case).toBe("error");
    const answerAt = wire.findIndex((m) => m.results.length === n);
    const fencedAt = wire.findIndex((m) => m.notice?.notice.case === "accountsFenced");
    expect(answerAt).toBeGreaterThanOrEqual(0);
    expect(fencedAt, `answer at ${answerAt}, notice at ${fencedAt}`).toBeGreaterThan(answerAt);
  });
});
