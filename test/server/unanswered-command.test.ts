/**
 * Found by review: docs/clients.md's reconnect pattern told gateways to treat a command with
 * no answer on a broken stream as not executed. It may have run: here the answer to a
 * commitOnAccept order is lost after the server ran it, and after the disconnect its funds
 * are still held (only unfinalised reservations are rolled back). A gateway that re-sent it
 * would spend them twice; the docs now say to query GetAccountState first.
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AccountChannel, connect } from "../../src/client/index.js";
import { ACCOUNT, holdingsOf, order, seed, startHarness, type Harness } from "./harness.js";

/** A TCP proxy; `dropAnswers()` stops forwarding server-to-client bytes; `cut()` destroys every socket. */
async function proxy(target: number) {
  let dropping = false;
  const sockets: net.Socket[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(target, "127.0.0.1");
    sockets.push(client, upstream);
    client.on("data", (b) => upstream.write(b));
    upstream.on("data", (b) => {
      if (!dropping) client.write(b);
    });
    for (const s of [client, upstream]) s.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    dropAnswers: () => (dropping = true),
    cut: () => {
      sockets.forEach((s) => s.destroy());
      server.close();
    },
  };
}

describe("a command whose answer was lost with the stream", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it("may have run: a commitOnAccept order's funds stay held after the disconnect", async () => {
    const seeder = h.channel();
    await seeder.one(seed("USD", "10000"));
    await seeder.end();
    const p = await proxy(Number(h.address.split(":")[1]));
    const clients = connect(`127.0.0.1:${p.port}`);
    const gateway = new AccountChannel(clients.channel);
    await gateway.one({ case: "bindAccounts", value: { accountIds: [ACCOUNT] } });
    p.dropAnswers();
    const closed = h.nextChannelClose();
    const answer = gateway.one({ case: "executePreTrade", value: { order: order({ qty: "10", price: "200" }), commitOnAccept: true } });
    // The server has run it (seen on a direct connection); then the stream breaks.
    await vi.waitFor(async () => expect((await holdingsOf(h)).USD?.available).toBe("8000"), { timeout: 5_000 });
    p.cut();
    await expect(answer).rejects.toThrow();
    await closed;
    clients.close();
    expect((await holdingsOf(h)).USD).toEqual({ available: "8000", held: "2000", incoming: "0" });
  });
});
