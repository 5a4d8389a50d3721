/** Found by review: a send on a connection that went silent (network partition) must settle, not hang forever. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AccountChannel, connect } from "../../src/client/index.js";
import { seed, startHarness, testConfig, type Harness } from "../server/harness.js";
import { freezableProxy } from "./freezable-proxy.js";

describe("client liveness", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(testConfig());
  });
  afterEach(async () => {
    await h.close();
  });

  it("a send in flight when the network goes silent rejects (the client pings; nothing answers)", { timeout: 40_000 }, async () => {
    const proxy = await freezableProxy(h.address);
    const clients = connect(proxy.address);
    try {
      const ch = new AccountChannel(clients.channel);
      await ch.send(seed("USD", "1")); // the stream is up
      proxy.freeze();
      const outcome = await Promise.race([
        ch.send(seed("USD", "2")).then(() => "answered", () => "rejected"),
        new Promise((r) => setTimeout(() => r("still pending"), 20_000)),
      ]);
      // The client's keepalive (5 s ping, 5 s to answer) fails the call; the race is a hang guard.
      expect(outcome).toBe("rejected");
    } finally {
      clients.close();
      proxy.close();
    }
  });
});
