/**
 * Found by review (session 37), through the wire: REDUCING's worst case (position + open
 * orders on the order's side + the order) summed in the 29-digit decimal domain was rounded,
 * so short 1e11 (from the feed) with an open BUY of 1e-18 let a BUY of 1e11 through: +1e-18
 * exactly, a flip the rounded sum read as 0. Refused TRADING_REDUCING_ONLY now.
 */
import { describe, expect, it } from "vitest";
import * as pb from "../../gen/openpit/sidecar/v1/types_pb.js";
import { TradingState } from "../../gen/openpit/sidecar/v1/trading_state_pb.js";
import { order } from "./harness.js";
import { fill } from "./results.js";
import { controlsConfig, executed, execute, sidecarsPerTest } from "./controls-world.js";

const CONFIG = controlsConfig([{ type: "TradingStatePolicy", settings: {} }]);
const GLOBAL = { scope: { case: "global" as const, value: true } };

describe("REDUCING through the wire: the exact worst case", () => {
  const sidecars = sidecarsPerTest();

  it("short 1e11, an open BUY of 1e-18: a BUY of 1e11 flips the position by 1e-18 and is TRADING_REDUCING_ONLY", async () => {
    const h = await sidecars.harness(CONFIG);
    await h.feed().publish(fill({ qty: "100000000000", price: "100", side: pb.Side.SELL }));
    const c = h.channel();
    expect(executed(await c.one(execute(order({ qty: "0.000000000000000001" })))).accepted).toBe(true);
    await h.admin("setTradingState", { scope: GLOBAL, state: TradingState.REDUCING, reason: "close-out" });
    const [flip, reduce] = await c.send(execute(order({ qty: "100000000000" })), execute(order({ qty: "99999999999" })));
    expect(executed(flip)).toMatchObject({
      accepted: false,
      rejects: [
        [
          "TRADING_REDUCING_ONLY",
          "order does not reduce the position",
          "trading state REDUCING is set globally: position -100000000000, open BUY orders 0.000000000000000001, order BUY 100000000000 would not shrink it without flipping",
          "ORDER",
        ],
      ],
    });
    // Short by just under 1 afterwards: it reduces, and passes.
    expect(executed(reduce).accepted).toBe(true);
  });
});
