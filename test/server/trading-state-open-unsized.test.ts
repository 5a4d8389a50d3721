/**
 * Found by review (session 37), through the wire: an open SELL by volume 1e20 limited at 1e-9
 * (up to 1e29 units, past the decimal range) counted 0 pending and was not counted as an open
 * order with no bound on its units, so REDUCING let a SELL of 10 through against long 10 (from
 * the feed) as if nothing were open on the SELL side. Refused TRADING_REDUCING_ONLY now, with
 * the open-order text; free again once that order's final report ends it.
 */
import { describe, expect, it } from "vitest";
import * as pb from "../../gen/openpit/sidecar/v1/types_pb.js";
import { TradingState } from "../../gen/openpit/sidecar/v1/trading_state_pb.js";
import { order } from "./harness.js";
import { as, fill } from "./results.js";
import { controlsConfig, dryRun, executed, execute, sidecarsPerTest } from "./controls-world.js";

const CONFIG = controlsConfig([{ type: "TradingStatePolicy", settings: {} }]);
const GLOBAL = { scope: { case: "global" as const, value: true } };
const sell = (qty: string) => order({ qty, side: pb.Side.SELL });

describe("REDUCING through the wire: an open SELL whose size is past the decimal range", () => {
  const sidecars = sidecarsPerTest();

  it("long 10, an open SELL of volume 1e20 limited at 1e-9: a SELL of 10 is TRADING_REDUCING_ONLY until it ends", async () => {
    const h = await sidecars.harness(CONFIG);
    await h.feed().publish(fill({ qty: "10", price: "100" }));
    const c = h.channel();
    const huge = order({ side: pb.Side.SELL, tradeAmount: { case: "volume", value: "100000000000000000000" }, price: "0.000000001" });
    expect(executed(await c.one(execute(huge))).accepted).toBe(true);
    await h.admin("setTradingState", { scope: GLOBAL, state: TradingState.REDUCING, reason: "close-out" });
    expect(executed(await c.one(execute(sell("10"))))).toMatchObject({
      accepted: false,
      rejects: [
        [
          "TRADING_REDUCING_ONLY",
          "order does not reduce the position",
          "trading state REDUCING is set globally: an open SELL order's quantity cannot be known (volume without a positive limit price, a buy by volume, a volume past the decimal range at its price, or a total of open orders rounded past 29 digits), " +
            "so no SELL order can be shown not to flip the position until it ends",
          "ORDER",
        ],
      ],
    });
    // The open order sells 4 and ends: long 6, nothing open, a SELL of 6 reduces.
    await h.feed().publish(fill({ qty: "4", price: "100", side: pb.Side.SELL }));
    expect(as(await c.one(dryRun(sell("6"))), "dryRun").pass).toBe(true);
  });
});
