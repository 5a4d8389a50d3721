/**
 * Found by review (session 29, a wire-level fuzz), worked around in the client: AccountChannel.cancel() ("drops the stream without a goodbye, like a
 * crashed gateway", src/client/account-channel.ts) called in the same turn as the channel's
 * first send does not reach the server. The client reports the call CANCELLED, but the
 * request is still sent and the server-side stream stays open: the channel stays live, its
 * accounts stay pinned (another channel's bind without takeover is refused) and its
 * reservations stay held until the whole client connection goes.
 *
 * Root cause is in @grpc/grpc-js 1.14.7 (node_modules/@grpc/grpc-js/build/src/resolving-call.js,
 * getConfig: the child call is created in `filterStack.sendMetadata(...).then(...)` without
 * checking `this.ended`, so a cancelWithStatus that runs before that microtask only ends
 * the parent). Happens whenever the gRPC channel already has its config (any earlier call).
 * `cancel()` now cancels once more on the next turn, when that stream exists.
 */
import { afterEach, describe, expect, it } from "vitest";
import { AccountChannel } from "../../src/client/index.js";
import * as pb from "../../gen/openpit/sidecar/v1/types_pb.js";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { startHarness, seed, order, type Harness } from "../server/harness.js";

const ACC = 4242n;

describe("AccountChannel.cancel() right after the first send", () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it("the server closes the channel, unpins its account and rolls back its reservation", async () => {
    h = await startHarness();
    // Any earlier call on the connection (the gRPC channel has its config now).
    const warm = h.channel();
    await warm.send(seed("USD", "1000", ACC));
    const warmClosed = h.nextChannelClose();
    await warm.end();
    await warmClosed;

    const ch = new AccountChannel(h.clients.channel);
    const status = new Promise<number>((resolve) => (ch as unknown as { stream: { call: { on(e: string, f: (s: { code: number }) => void): void } } }).stream.call.on("status", (s) => resolve(s.code)));
    const closed = h.nextChannelClose();
    void ch.send({ case: "executePreTrade", value: { order: order({ accountId: ACC, qty: "1", price: "100", side: pb.Side.BUY }) } }).catch(() => {});
    ch.cancel();
    // The client sees its call cancelled...
    expect(await status).toBe(1 /* CANCELLED */);
    await closed;

    // ...and so does the server: the channel closed, the account unpinned, nothing held.
    const liveChannels = h.server.state.channels.size;
    const state = await h.admin<ad.GetAccountStateResponse>("getAccountState", { accountId: ACC });
    const other = h.channel();
    const bind = await other.one({ case: "bindAccounts", value: { accountIds: [ACC], takeover: false } });
    expect({
      liveChannels,
      pinnedChannelId: state.pinnedChannelId,
      openReservations: state.openReservations.length,
      held: state.holdings.find((x) => x.asset === "USD")?.held,
      otherBind: bind.result.case,
    }).toEqual({ liveChannels: 0, pinnedChannelId: 0n, openReservations: 0, held: "0", otherBind: "bind" });
  }, 30_000);
});
