/**
 * Found by review (session 37), through the wire: REDUCING's exact worst case started from the
 * account book's open BUY total, which the book keeps in the 29-digit decimal domain: short
 * 80000000001 (from the feed), open BUYs of 8e10 and 1e-18 were held as 8e10, so a BUY of 1
 * (+1e-18 worst case, a flip) passed, and once the 8e10 filled the total read 0 with the 1e-18
 * BUY still open. The BUY side is refused TRADING_REDUCING_ONLY now, with the open-order text,
 * until the account has nothing open.
 */
import { describe, expect, it } from "vitest";
import * as pb from "../../gen/openpit/sidecar/v1/types_pb.js";
import { TradingState } from "../../gen/openpit/sidecar/v1/trading_state_pb.js";
import { order } from "./harness.js";
import { as, fill } from "./results.js";
import { controlsConfig, dryRun, executed, execute, sidecarsPerTest } from "./controls-world.js";

const CONFIG = controlsConfig([{ type: "TradingStatePolicy", settings: {} }]);
const GLOBAL = { scope: { case: "global" as const, value: true } };
const DUST = "0.000000000000000001";
const OPEN_BUY_UNKNOWN = [
  "TRADING_REDUCING_ONLY",
  "order does not reduce the position",
  "trading state REDUCING is set globally: an open BUY order's quantity cannot be known (volume without a positive limit price, a buy by volume, a volume past the decimal range at its price, or a total of open orders rounded past 29 digits), " +
    "so no BUY order can be shown not to flip the position until it ends",
  "ORDER",
];

describe("REDUCING through the wire: the book's open total rounded", () => {
  const sidecars = sidecarsPerTest();

  it("short 80000000001, open BUYs 8e10 and 1e-18: a BUY of 1 is TRADING_REDUCING_ONLY until nothing is open", async () => {
    const h = await sidecars.harness(CONFIG);
    await h.feed().publish(fill({ qty: "80000000001", price: "100", side: pb.Side.SELL }));
    const c = h.channel();
    expect(executed(await c.one(execute(order({ qty: "80000000000" })))).accepted).toBe(true);
    expect(executed(await c.one(execute(order({ qty: DUST })))).accepted).toBe(true);
    await h.admin("setTradingState", { scope: GLOBAL, state: TradingState.REDUCING, reason: "close-out" });
    expect(executed(await c.one(execute(order({ qty: "1" }))))).toMatchObject({ accepted: false, rejects: [OPEN_BUY_UNKNOWN] });
    // The 8e10 BUY fills: short 1, the book's BUY total 0, the 1e-18 BUY still open.
    await h.feed().publish(fill({ qty: "80000000000", price: "100" }));
    expect(executed(await c.one(execute(order({ qty: "1" }))))).toMatchObject({ accepted: false, rejects: [OPEN_BUY_UNKNOWN] });
    // The 1e-18 BUY fills: nothing open, short 0.999999999999999999, decided exactly again.
    await h.feed().publish(fill({ qty: DUST, price: "100" }));
    expect(as(await c.one(dryRun(order({ qty: "0.999999999999999999" }))), "dryRun").pass).toBe(true);
    expect(executed(await c.one(execute(order({ qty: "1" }))))).toMatchObject({
      accepted: false,
      rejects: [
        [
          "TRADING_REDUCING_ONLY",
          "order does not reduce the position",
          "trading state REDUCING is set globally: position -0.999999999999999999, open BUY orders 0, order BUY 1 would not shrink it without flipping",
          "ORDER",
        ],
      ],
    });
  });
});
