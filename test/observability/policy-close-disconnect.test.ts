/**
 * Found by review: a channel stream whose channel a policy's reject closed (the throttle's
 * hard tier) was ended by the server without `finish()`: no `disconnect` line was logged for
 * it (docs/observability.md: logged when "a stream ends"), and its entry in the peer map
 * (ListChannels' peers) was never deleted. Now it logs `disconnect` with reason `policy` and
 * forgets the channel as any other ending does.
 */
import { describe, expect, it } from "vitest";
import { order, seed } from "../server/harness.js";
import { as } from "../server/results.js";
import { closeObservedAfterEach, startObserved } from "../observability/observed-sidecar.js";

describe("a channel stream the door closed by policy", () => {
  closeObservedAfterEach();

  it("logs a `disconnect` line (reason policy) and forgets the channel's peer, as every other ending does", async () => {
    const o = await startObserved({
      config: {
        policies: [
          { type: "TwoTierThrottlePolicy", settings: { default: { softMaxOrders: 2, hardMaxOrders: 2, windowMs: 60_000 } } },
          { type: "SpotFundsPolicy", settings: {} },
        ],
      },
    });
    const ch = o.channel();
    await ch.send(seed("USD", "100000"));
    as(await ch.one({ case: "executePreTrade", value: { order: order({ qty: "1", price: "100" }) } }), "execute");
    as(await ch.one({ case: "executePreTrade", value: { order: order({ qty: "1", price: "100" }) } }), "execute");
    as(await ch.one({ case: "executePreTrade", value: { order: order({ qty: "1", price: "100" }) } }), "execute");
    // The closing answer is the stream's last: its end is logged with it.
    const line = await o.log.next((l) => l.event === "disconnect" && l.stream === "channel");
    expect([line.channelId, line.reason]).toEqual(["1", "policy"]);
    await o.log.next((l) => l.event === "channel_closed");
    // The peer map entry of the closed channel is dropped as on any other close.
    const peers = (o.sidecar.server as unknown as { ctx: { channelPeers: Map<bigint, string> } }).ctx.channelPeers;
    expect([...peers.keys()]).toEqual([]);
    await ch.end();
  });
});
