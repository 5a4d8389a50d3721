/**
 * Found by review: a stream on a NEW connection to a sidecar that never speaks HTTP/2 (a frozen
 * process: its kernel still completes the TCP handshake into the listen backlog) waited
 * forever. grpc-js waits for the server's SETTINGS with no timeout, the call sits in the pick
 * queue, and the keepalive only runs on a connected transport; so a send, and `end()` /
 * `OwnerFollowingChannel.close()`, never settled. docs/clients.md (Liveness): the wait for the
 * connection is bounded by the keepalive's time plus its timeout.
 *
 * The keepalive is shortened here (0.5 s + 0.5 s, through `channelOptions`) so the bound is
 * 1 s; the races below are hang guards, never waits for a time.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AccountChannel, OwnerFollowingChannel, ReportFeed, connect, type CommandInit } from "../../src/client/index.js";
import { readyBoundOf } from "../../src/client/liveness.js";
import { startHarness, type Harness } from "../server/harness.js";
import { freezableProxy } from "./freezable-proxy.js";
import { silentListener } from "./silent-listener.js";

const SHORT_KEEPALIVE = { channelOptions: { "grpc.keepalive_time_ms": 500, "grpc.keepalive_timeout_ms": 500 } };

/** Settles with what `p` came to, or "still pending" once the guard passes (a hang). */
const outcome = (p: Promise<unknown>, guardMs = 8_000) =>
  Promise.race([
    p.then(
      () => "answered",
      (e: Error) => `rejected: ${e.message}`,
    ),
    new Promise<string>((r) => setTimeout(() => r("still pending"), guardMs).unref()),
  ]);

const bind = { case: "bindAccounts", value: { accountIds: [42n] } } satisfies CommandInit;

describe("a new connection that never becomes ready", () => {
  it("bounds the wait by the keepalive's time plus its timeout (10 s with connect's defaults)", () => {
    const clients = connect("127.0.0.1:1");
    try {
      expect(readyBoundOf(clients.channel)).toEqual({ address: "127.0.0.1:1", ms: 10_000 });
      expect(readyBoundOf(connect("127.0.0.1:1", SHORT_KEEPALIVE).channel).ms).toBe(1_000);
    } finally {
      clients.close();
    }
  });

  it("AccountChannel and ReportFeed: a request rejects, and end() resolves", async () => {
    const peer = await silentListener();
    const clients = connect(peer.address, SHORT_KEEPALIVE);
    try {
      const ch = new AccountChannel(clients.channel);
      const feed = new ReportFeed(clients.feed);
      const sent = ch.send(bind);
      const published = feed.publish();
      const ended = ch.end(); // half-closed while the request waits for the connection
      const noConnection = `rejected: no connection to ${peer.address} within 1 s`;
      expect(await outcome(sent)).toBe(noConnection);
      expect(await outcome(published)).toBe(noConnection);
      expect(await outcome(ended)).toBe("answered");
      expect(await outcome(feed.end())).toBe("answered");
      expect(ch.usable).toBe(false);
    } finally {
      clients.close();
      peer.close();
    }
  });

  // Found by review (session 36): the bound first watched the channel's state once per
  // stream, without a deadline, and a frozen sidecar keeps the channel connecting: every stream
  // opened meanwhile left its watcher (about 4 KiB) on the channel, however it ended.
  it("streams opened one after another, each rejected at the bound, leave nothing on the channel", async () => {
    const peer = await silentListener();
    const clients = connect(peer.address, SHORT_KEEPALIVE);
    const watchers = () => (clients.channel.getChannel() as unknown as { internalChannel: { connectivityStateWatchers: unknown[] } }).internalChannel.connectivityStateWatchers.length;
    try {
      const got: string[] = [];
      for (let i = 0; i < 3; i++) {
        const ch = new AccountChannel(clients.channel);
        got.push(await outcome(ch.send(bind)));
        await outcome(ch.end());
      }
      expect({ got, watchers: watchers() }).toEqual({ got: Array.from({ length: 3 }, () => `rejected: no connection to ${peer.address} within 1 s`), watchers: 0 });
    } finally {
      clients.close();
      peer.close();
    }
  });

  it("OwnerFollowingChannel: close() resolves", async () => {
    const peer = await silentListener();
    const ch = new OwnerFollowingChannel(peer.address, { connectOptions: SHORT_KEEPALIVE });
    try {
      const sent = outcome(ch.send(bind));
      expect(await outcome(ch.close())).toBe("answered");
      expect(await sent).toBe(`rejected: no connection to ${peer.address} within 1 s`);
    } finally {
      peer.close();
    }
  });
});

describe("a sidecar that freezes (SIGSTOP) under an OwnerFollowingChannel", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it("the send in flight rejects (keepalive), and so does the next, on a new connection; close() resolves", async () => {
    const proxy = await freezableProxy(h.address);
    const ch = new OwnerFollowingChannel(proxy.address, { connectOptions: SHORT_KEEPALIVE });
    try {
      expect((await ch.send(bind))[0]!.result.case).toBe("bind");
      proxy.freeze();
      expect(await outcome(ch.send(bind))).toMatch(/^rejected/); // the open connection: its keepalive fails it
      expect(await outcome(ch.send(bind))).toBe(`rejected: no connection to ${proxy.address} within 1 s`);
      expect(await outcome(ch.close())).toBe("answered");
    } finally {
      proxy.close();
    }
  });
});
