/**
 * Found by review (session 35): group membership is live (openpit-semantics §1.13/§1.14), and
 * TradingStatePolicy is checked in both stages of a two-stage request, which may wait between
 * them (docs/controls.md). The request's context cached the group its start stage looked up,
 * and the main stage reused it: a request started before its account joined a HALTED group
 * was accepted, and one started before it left a group was judged by that group's limits.
 * The main stage now looks the group up at its own instant, as it takes its own time.
 */
import { describe, expect, it } from "vitest";
import { TradingState } from "../../gen/openpit/sidecar/v1/trading_state_pb.js";
import { ACCOUNT, order } from "./harness.js";
import { as } from "./results.js";
import { controlsConfig, rows, sidecarsPerTest } from "./controls-world.js";

const HALTED_ROW = ["TRADING_HALTED", "trading halted", "trading state HALTED is set on the account's group", "ORDER"];

describe("a two-stage request across a change of its account's group", () => {
  const s = sidecarsPerTest();

  it("started before its account joined a HALTED group: rejected at execute, as a new order is", async () => {
    const h = await s.harness(controlsConfig([{ type: "TradingStatePolicy", settings: {} }]));
    await h.admin("setTradingState", { scope: { scope: { case: "groupId", value: 3 } }, state: TradingState.HALTED, reason: "desk 3 halted" });
    const ch = h.channel();
    const requestId = as(await ch.one({ case: "startPreTrade", value: { order: order() } }), "start").requestId;
    await h.admin("registerGroup", { accountIds: [ACCOUNT], groupId: 3 });

    const fresh = as(await ch.one({ case: "executePreTradeDryRun", value: { order: order() } }), "dryRun");
    expect(rows(fresh.rejects)).toEqual([HALTED_ROW]);
    const executed = as(await ch.one({ case: "executeRequest", value: { requestId } }), "execute");
    expect({ accepted: executed.accepted, rejects: rows(executed.rejects) }).toEqual({ accepted: false, rejects: [HALTED_ROW] });
  });

  // A start-stage hook that reads the group (a trading state set on another group) used to fix it for the main stage.
  const TIERS = controlsConfig([
    { type: "TradingStatePolicy", settings: { states: [{ groupId: 9, state: "HALTED", reason: "another desk" }] } },
    { type: "MaxOpenOrdersPolicy", settings: { default: { maxOpenOrders: 10 }, groups: [{ group: 5, limit: { maxOpenOrders: 0 } }] } },
  ]);

  it("judged by the group tier of the group it joined, at execute (MaxOpenOrdersPolicy)", async () => {
    const h = await s.harness(TIERS);
    const ch = h.channel();
    const requestId = as(await ch.one({ case: "startPreTrade", value: { order: order() } }), "start").requestId;
    await h.admin("registerGroup", { accountIds: [ACCOUNT], groupId: 5 });
    expect(as(await ch.one({ case: "executePreTradeDryRun", value: { order: order() } }), "dryRun").rejects.map((r) => r.policy)).toEqual(["MaxOpenOrdersPolicy"]);
    const executed = as(await ch.one({ case: "executeRequest", value: { requestId } }), "execute");
    expect({ accepted: executed.accepted, policies: executed.rejects.map((r) => r.policy) }).toEqual({ accepted: false, policies: ["MaxOpenOrdersPolicy"] });
  });

  it("no longer judged by the group it left before execute", async () => {
    const h = await s.harness(TIERS);
    await h.admin("registerGroup", { accountIds: [ACCOUNT], groupId: 5 });
    const ch = h.channel();
    const requestId = as(await ch.one({ case: "startPreTrade", value: { order: order() } }), "start").requestId;
    await h.admin("unregisterGroup", { accountIds: [ACCOUNT], groupId: 5 });
    const executed = as(await ch.one({ case: "executeRequest", value: { requestId } }), "execute");
    expect({ accepted: executed.accepted, rejects: executed.rejects.length }).toEqual({ accepted: true, rejects: 0 });
  });
});
