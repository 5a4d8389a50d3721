/** A reservation flood over several real channels stops at limits.maxOpenHandles (counts, over the wire). */
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { order, seed, startHarness, testConfig, type Harness } from "./harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("a reservation flood", () => {
  it("three channels, 3 x 20 reservations in batches: exactly maxOpenHandles accepted, the rest RESOURCE_EXHAUSTED", async () => {
    h = await startHarness(testConfig({ limits: { maxOpenHandles: 25, maxOpenHandlesPerChannel: 20 } }));
    const accounts = [11n, 12n, 13n];
    const channels = accounts.map(() => h!.channel());
    await Promise.all(channels.map((c, i) => c.one(seed("USD", "1000000", accounts[i]))));
    const execute = (accountId: bigint) => ({ case: "executePreTrade", value: { order: order({ accountId, qty: "1" }) } }) as const;
    const answers = await Promise.all(channels.map((c, i) => c.send(...Array.from({ length: 20 }, () => execute(accounts[i]!)))));
    const all = answers.flat();
    expect(all.filter((r) => r.result.case === "execute" && r.result.value.accepted)).toHaveLength(25);
    const refused = all.filter((r) => r.result.case === "error");
    expect(refused).toHaveLength(35);
    for (const r of refused) expect(r.result.case === "error" && r.result.value.code).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    expect(h.server.state.openHandleCount()).toBe(25);
    // Every channel is the default principal's: pins count under "local".
    expect(h.server.state.pinnedAccountCount("local")).toBe(3);
  });
});
