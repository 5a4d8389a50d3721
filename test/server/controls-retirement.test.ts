/**
 * RetireAccount through AdminService with controls configured for the account: the throttle's
 * live window and an account trading state refuse (both named, audited); once the window has
 * passed and the state is ACTIVE it retires, and the journal replays the same answers.
 */
import { describe, expect, it } from "vitest";
import type * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import * as rt from "../../gen/openpit/sidecar/v1/retirement_pb.js";
import { TradingState } from "../../gen/openpit/sidecar/v1/trading_state_pb.js";
import type { TwoTierThrottlePolicy } from "../../src/policies/index.js";
import type { AccountId } from "../../src/param/index.js";
import { ACCOUNT, order } from "./harness.js";
import { controlsConfig, executed, execute, sidecarsPerTest, type DurableSidecar } from "./controls-world.js";

const CONFIG = controlsConfig([
  { type: "TwoTierThrottlePolicy", settings: { default: { softMaxOrders: 5, hardMaxOrders: 10, windowMs: 1000 } } },
  { type: "TradingStatePolicy", settings: {} },
]);
const accountScope = { scope: { case: "accountId" as const, value: ACCOUNT } };

function throttleLog(d: DurableSidecar): readonly number[] | undefined {
  const policy = d.sidecar.server.state.engine.policy("TwoTierThrottlePolicy") as TwoTierThrottlePolicy;
  return policy.snapshotState().logs.get(ACCOUNT as unknown as AccountId);
}

describe("RetireAccount with controls configured for the account", () => {
  const sidecars = sidecarsPerTest();

  it("refuses on the throttle's live window and the account's trading state, retires once both are clear, and replays", async () => {
    const dataDir = sidecars.dataDir();
    const first = await sidecars.durable(CONFIG, dataDir, 1_000);
    const ch = first.channel();
    // Accepted then rolled back: the throttle counted it, the account book holds nothing.
    const open = executed(await ch.one(execute(order(), false)));
    expect(open.accepted).toBe(true);
    await ch.one({ case: "rollbackReservation", value: { reservationId: open.reservationId } });
    await ch.end();
    await first.admin("setTradingState", { scope: accountScope, state: TradingState.HALTED, reason: "closing" });

    const refused = await first.admin<rt.RetireAccountResponse>("retireAccount", { accountId: ACCOUNT });
    expect(refused).toMatchObject({
      retired: false,
      error: rt.AccountRetirementError.REFUSED,
      message: "account retirement refused by one or more policies",
      refusals: [
        { policy: "TwoTierThrottlePolicy", refusal: rt.AccountRetirementRefusal.NON_ZERO_STATE, text: "policy holds non-zero account state" },
        { policy: "TradingStatePolicy", refusal: rt.AccountRetirementRefusal.CONFIGURATION_REFERENCES_ACCOUNT, text: "policy configuration references the account" },
      ],
    });
    expect(throttleLog(first)).toEqual([1_000]);

    // The window has passed: only the operator's halt still names the account.
    first.clock.advance(1_000);
    expect(await first.admin<rt.RetireAccountResponse>("retireAccount", { accountId: ACCOUNT })).toMatchObject({
      retired: false,
      refusals: [{ policy: "TradingStatePolicy", refusal: rt.AccountRetirementRefusal.CONFIGURATION_REFERENCES_ACCOUNT }],
    });
    expect(throttleLog(first)).toEqual([1_000]);
    await first.admin("setTradingState", { scope: accountScope, state: TradingState.ACTIVE });
    expect(await first.admin<rt.RetireAccountResponse>("retireAccount", { accountId: ACCOUNT })).toMatchObject({ retired: true, refusals: [] });
    expect(throttleLog(first)).toBeUndefined();

    const audit = await first.admin<ad.QueryAuditResponse>("queryAudit", { action: "retireAccount" });
    expect(audit.records.map((r) => r.reason)).toEqual([
      "account retirement refused by one or more policies: TwoTierThrottlePolicy: policy holds non-zero account state; TradingStatePolicy: policy configuration references the account",
      "account retirement refused by one or more policies: TradingStatePolicy: policy configuration references the account",
      "",
    ]);

    // The process "dies" without a last snapshot: the journal replays the same three answers.
    await first.crash();
    const second = await sidecars.durable(CONFIG, dataDir, 5_000);
    expect(throttleLog(second)).toBeUndefined();
    const replayed = await second.admin<ad.QueryAuditResponse>("queryAudit", { action: "retireAccount" });
    expect(replayed.records.map((r) => r.reason)).toEqual(audit.records.map((r) => r.reason));
  });
});
