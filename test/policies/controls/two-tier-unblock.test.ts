/** Found by review: an operator's unblock after a hard-throttle block is undone by the very orders that caused the block. */
import { describe, expect, it } from "vitest";
import { TwoTierThrottlePolicy, parseTwoTierThrottleSettingsJson } from "../../../src/policies/index.js";
import { ACCOUNT, only, order, submit, world } from "../../helpers/controls.js";

describe("TwoTierThrottlePolicy after an operator unblock", () => {
  it("the first order after UnblockAccount is not hard-blocked again by the flood that was already acted on", () => {
    const { engine, clock } = world(() => [new TwoTierThrottlePolicy(parseTwoTierThrottleSettingsJson({ default: { softMaxOrders: 2, hardMaxOrders: 3, windowMs: 1000 } }))]);
    submit(engine, order());
    submit(engine, order());
    submit(engine, order()); // soft
    expect(only(submit(engine, order()))[0]).toBe("ThrottleHardLimitExceeded");
    clock.advance(10);
    engine.accounts().unblock(ACCOUNT);
    // The operator has dealt with the flood (as RepeatedExecutionThrottlePolicy does: "the
    // count then starts afresh, so the unblock is not undone by the fills that caused the block").
    const after = submit(engine, order());
    expect(after.map((r) => r.code)).not.toContain("ThrottleHardLimitExceeded");
    expect(engine.accounts().blockOf(ACCOUNT)).toBeUndefined();
  });
});
