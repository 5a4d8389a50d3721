/** Found by review: the account channel against a real server: one bad message must not break the stream for the others. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AccountChannel, connect } from "../../src/client/index.js";
import { holdingsOf, order, seed, startHarness, testConfig, type Harness } from "../server/harness.js";
import { as } from "../server/results.js";

describe("account channel stream", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(testConfig());
  });
  afterEach(async () => {
    await h.close();
  });

  it("a message over the server's 4 MiB cap is refused alone; the channel and its open reservation survive", async () => {
    const clients = connect(h.address);
    try {
      const ch = new AccountChannel(clients.channel);
      expect(as((await ch.send(seed("USD", "100000")))[0], "adjustment").accepted).toBe(true);
      const [reserved] = await ch.send({ case: "executePreTrade", value: { order: order() } });
      expect(as(reserved, "execute")).toMatchObject({ accepted: true, committed: false });
      const held = (await holdingsOf(h)).USD;
      // One oversize message (a gateway bug, a huge batch): it should fail alone.
      const big = ch.send(seed("X".repeat(5 * 1024 * 1024), "1"));
      await expect(big).rejects.toThrow(/4194304/);
      expect(ch.usable).toBe(true);
      // The reservation answered "accepted" is still open (not rolled back by a dropped stream).
      expect((await holdingsOf(h)).USD).toEqual(held);
      await ch.end();
    } finally {
      clients.close();
    }
  });
});
