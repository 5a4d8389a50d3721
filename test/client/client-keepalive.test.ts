/** Found by review: a send on a connection that went silent (network partition) must settle, not hang forever. */
import net from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AccountChannel, connect } from "../../src/client/index.js";
import { seed, startHarness, testConfig, type Harness } from "../server/harness.js";

/** A TCP proxy that can go silent: bytes are accepted (ACKed) but never forwarded, nothing is closed. */
async function freezableProxy(target: string) {
  const [host, port] = [target.slice(0, target.lastIndexOf(":")), Number(target.slice(target.lastIndexOf(":") + 1))];
  const pairs: [net.Socket, net.Socket][] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("error", () => {});
    upstream.on("error", () => {});
    pairs.push([client, upstream]);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    freeze() {
      for (const [c, u] of pairs) {
        c.unpipe(u);
        u.unpipe(c);
        u.removeAllListeners("end");
        c.pause();
        u.pause();
      }
    },
    close() {
      for (const [c, u] of pairs) (c.destroy(), u.destroy());
      server.close();
    },
  };
}

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
