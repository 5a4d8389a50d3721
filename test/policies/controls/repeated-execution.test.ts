/** RepeatedExecutionThrottlePolicy: fills in a window, a block until an operator unblocks, retune, snapshot. */
import { describe, expect, it } from "vitest";
import { Engine, ManualClock } from "../../../src/engine/index.js";
import { RepeatedExecutionThrottlePolicy, parseRepeatedExecutionSettingsJson } from "../../../src/policies/index.js";
import type { AccountGroupId } from "../../../src/param/index.js";
import { fromPlain, toPlain } from "../../../src/state/plain-data.js";
import { ACCOUNT, OTHER, fill, only, order, submit } from "../../helpers/controls.js";

const SETTINGS = { default: { maxExecutions: 2, windowMs: 1000 } };

function throttled(json: unknown = SETTINGS, clock = new ManualClock(1_000)) {
  const policy = new RepeatedExecutionThrottlePolicy(parseRepeatedExecutionSettingsJson(json));
  return { engine: Engine.builder().clock(clock).policy(policy).build(), clock, policy };
}

const BLOCK = {
  policy: "RepeatedExecutionThrottlePolicy",
  code: "RepeatedExecutionLimitExceeded",
  reason: "repeated execution limit exceeded",
  details: "3 executions in 1s window, max allowed: 2; blocked until an operator unblocks",
};

describe("RepeatedExecutionThrottlePolicy", () => {
  it("allows max executions in the window and blocks the account on the next, until unblocked", () => {
    const { engine } = throttled();
    expect(engine.applyExecutionReport(fill("1")).accountBlocks).toEqual([]);
    expect(engine.applyExecutionReport(fill("1")).accountBlocks).toEqual([]);
    expect(engine.applyExecutionReport(fill("1", { final: true })).accountBlocks).toEqual([BLOCK]);
    expect(only(submit(engine, order()))).toEqual(["RepeatedExecutionLimitExceeded", BLOCK.reason, BLOCK.details, "account"]);
    expect(submit(engine, order({ account: OTHER }))).toEqual([]);
    engine.accounts().unblock(ACCOUNT);
    expect(submit(engine, order())).toEqual([]);
    // Counting started afresh at the block: the fills before it do not count again.
    expect(engine.applyExecutionReport(fill("1")).accountBlocks).toEqual([]);
  });

  // Found by review (session 40): fills still arriving after the block (orders racing the
  // kill switch's cancels) were counted, so the first fill after the unblock blocked again.
  it("does not count fills while the account is blocked: the unblock is not undone by fills in flight", () => {
    const { engine, clock } = throttled();
    engine.applyExecutionReport(fill("1"));
    engine.applyExecutionReport(fill("1"));
    expect(engine.applyExecutionReport(fill("1")).accountBlocks).toEqual([BLOCK]);
    clock.advance(10);
    // Blocked: counted neither toward a block nor toward the next window; no block reported again.
    expect(engine.applyExecutionReport(fill("1")).accountBlocks).toEqual([]);
    expect(engine.applyExecutionReport(fill("1")).accountBlocks).toEqual([]);
    expect(engine.applyExecutionReport(fill("1", { final: true })).accountBlocks).toEqual([]);
    engine.accounts().unblock(ACCOUNT);
    expect(submit(engine, order())).toEqual([]);
    clock.advance(10);
    expect(engine.applyExecutionReport(fill("1")).accountBlocks).toEqual([]);
    expect(engine.applyExecutionReport(fill("1")).accountBlocks).toEqual([]);
    expect(engine.accounts().blockOf(ACCOUNT)).toBeUndefined();
    expect(engine.applyExecutionReport(fill("1")).accountBlocks).toEqual([BLOCK]);
  });

  it("forgets the fills counted before an operator's block of the account or its group, once unblocked", () => {
    const { engine } = throttled();
    engine.applyExecutionReport(fill("1"));
    engine.applyExecutionReport(fill("1"));
    engine.accounts().block(ACCOUNT, "review");
    expect(engine.applyExecutionReport(fill("1")).accountBlocks).toEqual([]);
    engine.accounts().unblock(ACCOUNT);
    expect(engine.applyExecutionReport(fill("1")).accountBlocks).toEqual([]);
    expect(engine.applyExecutionReport(fill("1")).accountBlocks).toEqual([]);
    engine.accounts().registerGroup([ACCOUNT], 7 as AccountGroupId);
    engine.accounts().blockGroup(7 as AccountGroupId, "desk review");
    expect(engine.applyExecutionReport(fill("1")).accountBlocks).toEqual([]);
    engine.accounts().unblockGroup(7 as AccountGroupId);
    expect(engine.applyExecutionReport(fill("1")).accountBlocks).toEqual([]);
    expect(engine.applyExecutionReport(fill("1")).accountBlocks).toEqual([]);
    expect(engine.applyExecutionReport(fill("1")).accountBlocks).toEqual([BLOCK]);
  });

  it("ignores reports without a trade and fills that left the window", () => {
    const { engine, clock } = throttled();
    engine.applyExecutionReport(fill("1"));
    engine.applyExecutionReport({ operation: { accountId: ACCOUNT }, fill: { isFinal: true } });
    clock.advance(999);
    engine.applyExecutionReport(fill("1"));
    clock.advance(1);
    expect(engine.applyExecutionReport(fill("1")).accountBlocks).toEqual([]);
  });

  it("applies a runtime change to the next fill, and survives a snapshot", () => {
    const { engine, policy } = throttled();
    engine.applyExecutionReport(fill("1"));
    engine.applyExecutionReport(fill("1"));
    const data = fromPlain(toPlain(policy.snapshotState()));
    const restored = throttled(SETTINGS, new ManualClock(1_000));
    restored.policy.restoreState(data);
    expect(restored.engine.applyExecutionReport(fill("1")).accountBlocks).toEqual([BLOCK]);
    engine.configure().update("RepeatedExecutionThrottlePolicy", RepeatedExecutionThrottlePolicy, (d) => {
      d.default = { maxExecutions: 3, windowMs: 1000 };
    });
    expect(engine.applyExecutionReport(fill("1")).accountBlocks).toEqual([]);
    expect(engine.applyExecutionReport(fill("1")).accountBlocks[0]!.details).toBe("4 executions in 1s window, max allowed: 3; blocked until an operator unblocks");
  });

  it("validates settings naming the field", () => {
    expect(() => parseRepeatedExecutionSettingsJson({ default: { maxExecutions: 1.5, windowMs: 1 } })).toThrow("settings.default.maxExecutions: must be an integer");
    expect(() => parseRepeatedExecutionSettingsJson({ default: { maxExecutions: 1 } })).toThrow("settings.default.windowMs: must be a finite number");
    // A window is a Duration as the rate limit's is (found by review, session 31).
    for (const windowMs of [1e300, 1e-7]) {
      expect(() => parseRepeatedExecutionSettingsJson({ default: { maxExecutions: 1, windowMs } })).toThrow(
        "settings.default.windowMs: must be at least 1ns and at most 18446744073709.551615 ms (u64 nanoseconds)",
      );
    }
  });
});
