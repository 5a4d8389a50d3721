/**
 * Engine.retireAccount with the nine controls beyond OpenPit: each refuses on a setting that
 * names the account or on live per-account state, accepts otherwise, and its leftover state
 * goes on commit only (a refusal elsewhere leaves it in place).
 */
import { describe, expect, it } from "vitest";
import type { Engine, PreTradePolicy } from "../../src/engine/index.js";
import type { ExecutionReport, Order } from "../../src/model/index.js";
import { AccountGroupId, Quantity } from "../../src/param/index.js";
import {
  ClientOrderIdPolicy,
  GrossExposureLimitPolicy,
  MaxOpenOrdersPolicy,
  PriceCollarPolicy,
  RepeatedExecutionThrottlePolicy,
  RestrictedListPolicy,
  SoftLimitPolicy,
  TradingStatePolicy,
  TwoTierThrottlePolicy,
  parseClientOrderIdSettingsJson,
  parseGrossExposureSettingsJson,
  parseMaxOpenOrdersSettingsJson,
  parsePriceCollarSettingsJson,
  parseRepeatedExecutionSettingsJson,
  parseRestrictedListSettingsJson,
  parseSoftLimitSettingsJson,
  parseTwoTierThrottleSettingsJson,
} from "../../src/policies/index.js";
import { ACCOUNT, OTHER, AAPL_USD, fill, order, submit, world } from "../helpers/controls.js";

const GROUP = AccountGroupId.fromU32(7);
const OWN = (limit: unknown) => ({ accounts: [{ accountId: Number(ACCOUNT), limit }] });


const refusedBy = (...refusals: [string, string][]) => ({
  ok: false,
  error: "Refused",
  message: "account retirement refused by one or more policies",
  refusals: refusals.map(([policy, refusal]) => ({ policy, refusal })),
});
const RETIRED = { ok: true };

/** A cancel: the order ends without a trade (the book closes it; no position). */
function cancel(init: { clientOrderId?: string } = {}): ExecutionReport {
  return {
    operation: { instrument: AAPL_USD, accountId: ACCOUNT, side: "BUY" },
    fill: { leavesQuantity: Quantity.fromString("1"), isFinal: true },
    ...(init.clientOrderId === undefined ? {} : { clientOrderId: init.clientOrderId }),
  };
}

/** Accepted then rolled back: start-stage counters moved, nothing stays open. */
function rolledBack(engine: Engine, o: Order = order()): void {
  const r = engine.executePreTrade(o);
  expect(r.ok).toBe(true);
  if (r.ok) r.reservation.rollback();
}

describe("stateless tiered controls: an own accounts[] entry refuses, nothing else does", () => {
  const cases = [
    {
      name: "PriceCollarPolicy",
      make: (md: never, own: boolean) => new PriceCollarPolicy(parsePriceCollarSettingsJson({ default: { maxDeviationPct: "5" }, ...(own ? OWN({ maxDeviationPct: "1" }) : {}) }), md),
      clear: (engine: Engine) => engine.configure().update("PriceCollarPolicy", PriceCollarPolicy, (s) => void (s.accounts = [])),
    },
    {
      name: "GrossExposureLimitPolicy",
      make: (md: never, own: boolean) =>
        new GrossExposureLimitPolicy(
          parseGrossExposureSettingsJson({ default: { settlementAsset: "USD", maxNotional: "1000" }, ...(own ? OWN({ settlementAsset: "USD", maxNotional: "10" }) : {}) }),
          md,
        ),
      clear: (engine: Engine) => engine.configure().update("GrossExposureLimitPolicy", GrossExposureLimitPolicy, (s) => void (s.accounts = [])),
    },
    {
      name: "MaxOpenOrdersPolicy",
      make: (_md: never, own: boolean) => new MaxOpenOrdersPolicy(parseMaxOpenOrdersSettingsJson({ default: { maxOpenOrders: 5 }, ...(own ? OWN({ maxOpenOrders: 1 }) : {}) })),
      clear: (engine: Engine) => engine.configure().update("MaxOpenOrdersPolicy", MaxOpenOrdersPolicy, (s) => void (s.accounts = [])),
    },
  ];
  for (const c of cases) {
    it(`${c.name}: ConfigurationReferencesAccount until the account's entry is removed; other accounts and the default tier retire`, () => {
      const { engine } = world((md) => [c.make(md as never, true)]);
      engine.accounts().registerGroup([ACCOUNT], GROUP);
      expect(engine.retireAccount(ACCOUNT)).toEqual(refusedBy([c.name, "ConfigurationReferencesAccount"]));
      expect(engine.accounts().groupOf(ACCOUNT)).toBe(GROUP);
      expect(engine.retireAccount(OTHER)).toEqual(RETIRED);
      c.clear(engine);
      expect(engine.retireAccount(ACCOUNT)).toEqual(RETIRED);
      expect(engine.accounts().groupOf(ACCOUNT)).toBeUndefined();
    });
  }

  it("open orders are the account book's to refuse, not the control's", () => {
    const { engine } = world(() => [new MaxOpenOrdersPolicy(parseMaxOpenOrdersSettingsJson({ default: { maxOpenOrders: 5 } }))]);
    expect(submit(engine, order())).toEqual([]);
    expect(engine.retireAccount(ACCOUNT)).toEqual(refusedBy(["@AccountBook", "NonZeroState"]));
    engine.applyExecutionReport(cancel());
    expect(engine.retireAccount(ACCOUNT)).toEqual(RETIRED);
  });
});

describe("TwoTierThrottlePolicy", () => {
  const throttle = (extra: object = {}) => new TwoTierThrottlePolicy(parseTwoTierThrottleSettingsJson({ default: { softMaxOrders: 5, hardMaxOrders: 10, windowMs: 1000 }, ...extra }));

  it("NonZeroState while an order is inside the window; once it has passed, the log is removed", () => {
    const policy = throttle();
    const w = world(() => [policy]);
    rolledBack(w.engine);
    expect(w.engine.book.openOrders(ACCOUNT)).toBe(0);
    w.clock.advance(999);
    expect(w.engine.retireAccount(ACCOUNT)).toEqual(refusedBy(["TwoTierThrottlePolicy", "NonZeroState"]));
    expect(policy.snapshotState().logs.get(ACCOUNT)).toEqual([1_000]);
    w.clock.advance(1);
    expect(w.engine.retireAccount(ACCOUNT)).toEqual(RETIRED);
    expect(policy.snapshotState().logs.has(ACCOUNT)).toBe(false);
  });

  it("an own tier refuses even with an empty window; the window of the tier that applies decides", () => {
    const policy = throttle(OWN({ softMaxOrders: 1, hardMaxOrders: 2, windowMs: 5000 }));
    const w = world(() => [policy]);
    rolledBack(w.engine);
    w.clock.advance(1_000);
    expect(w.engine.retireAccount(ACCOUNT)).toEqual(refusedBy(["TwoTierThrottlePolicy", "NonZeroState"]));
    w.clock.advance(4_000);
    expect(w.engine.retireAccount(ACCOUNT)).toEqual(refusedBy(["TwoTierThrottlePolicy", "ConfigurationReferencesAccount"]));
    w.engine.configure().update("TwoTierThrottlePolicy", TwoTierThrottlePolicy, (s) => void (s.accounts = []));
    expect(w.engine.retireAccount(ACCOUNT)).toEqual(RETIRED);
  });

  it("an expired log stays when another policy refuses, and goes with the retirement that succeeds", () => {
    const policy = throttle();
    let refuse = true;
    const w = world(() => [policy, { name: "Refuser", retireAccount: () => (refuse ? "OperationInProgress" : undefined) }]);
    rolledBack(w.engine);
    w.clock.advance(1_000);
    expect(w.engine.retireAccount(ACCOUNT)).toEqual(refusedBy(["Refuser", "OperationInProgress"]));
    expect(policy.snapshotState().logs.get(ACCOUNT)).toEqual([1_000]);
    refuse = false;
    expect(w.engine.retireAccount(ACCOUNT)).toEqual(RETIRED);
    expect(policy.snapshotState().logs.has(ACCOUNT)).toBe(false);
  });
});

describe("RepeatedExecutionThrottlePolicy", () => {
  it("NonZeroState while a fill is inside the window (flat position); an own tier refuses; the stale log goes on commit only", () => {
    const policy = new RepeatedExecutionThrottlePolicy(parseRepeatedExecutionSettingsJson({ default: { maxExecutions: 5, windowMs: 1000 }, ...OWN({ maxExecutions: 5, windowMs: 2000 }) }));
    let refuse = true;
    const w = world(() => [policy, { name: "Refuser", retireAccount: () => (refuse ? "OperationInProgress" : undefined) }]);
    w.engine.applyExecutionReport(fill("1"));
    w.engine.applyExecutionReport(fill("1", { side: "SELL" }));
    expect(w.engine.book.position(ACCOUNT, AAPL_USD).isZero()).toBe(true);
    w.clock.advance(1_999);
    expect(w.engine.retireAccount(ACCOUNT)).toEqual(refusedBy(["RepeatedExecutionThrottlePolicy", "NonZeroState"], ["Refuser", "OperationInProgress"]));
    w.clock.advance(1);
    expect(w.engine.retireAccount(ACCOUNT)).toEqual(refusedBy(["RepeatedExecutionThrottlePolicy", "ConfigurationReferencesAccount"], ["Refuser", "OperationInProgress"]));
    w.engine.configure().update("RepeatedExecutionThrottlePolicy", RepeatedExecutionThrottlePolicy, (s) => void (s.accounts = []));
    expect(w.engine.retireAccount(ACCOUNT)).toEqual(refusedBy(["Refuser", "OperationInProgress"]));
    expect(policy.snapshotState().logs.get(ACCOUNT)).toEqual([1_000, 1_000]);
    refuse = false;
    expect(w.engine.retireAccount(ACCOUNT)).toEqual(RETIRED);
    expect(policy.snapshotState().logs.has(ACCOUNT)).toBe(false);
  });
});

describe("SoftLimitPolicy", () => {
  it("a latch that still holds refuses; a stale one (usage fell, no reading since) goes on commit only", () => {
    const soft = new SoftLimitPolicy(parseSoftLimitSettingsJson({ shares: ["0.5"], policies: ["RepeatedExecutionThrottlePolicy"] }));
    const repeated = new RepeatedExecutionThrottlePolicy(parseRepeatedExecutionSettingsJson({ default: { maxExecutions: 4, windowMs: 1000 } }));
    let refuse = true;
    const w = world(() => [repeated, { name: "Refuser", retireAccount: () => (refuse ? "OperationInProgress" : undefined) }, soft]);
    w.engine.applyExecutionReport(fill("1"));
    w.engine.applyExecutionReport(fill("1", { side: "SELL" }));
    expect(w.events.filter((e) => e.kind === "softLimitCrossed")).toHaveLength(1);
    expect(soft.snapshotState().levels.get(ACCOUNT)?.get("RepeatedExecutionThrottlePolicy/executions")).toBe(1);
    expect(w.engine.retireAccount(ACCOUNT)).toEqual(
      refusedBy(["RepeatedExecutionThrottlePolicy", "NonZeroState"], ["Refuser", "OperationInProgress"], ["SoftLimitPolicy", "NonZeroState"]),
    );
    w.clock.advance(1_000);
    // The throttle's window has passed: the latch is stale, kept while another policy refuses.
    expect(w.engine.retireAccount(ACCOUNT)).toEqual(refusedBy(["Refuser", "OperationInProgress"]));
    expect(soft.snapshotState().levels.get(ACCOUNT)?.get("RepeatedExecutionThrottlePolicy/executions")).toBe(1);
    refuse = false;
    expect(w.engine.retireAccount(ACCOUNT)).toEqual(RETIRED);
    expect(soft.snapshotState().levels.has(ACCOUNT)).toBe(false);
    // The account looks new: the same usage warns again.
    w.engine.applyExecutionReport(fill("1"));
    w.engine.applyExecutionReport(fill("1", { side: "SELL" }));
    expect(w.events.filter((e) => e.kind === "softLimitCrossed")).toHaveLength(2);
    expect(w.events.some((e) => e.kind === "softLimitCrossed" && e.usage === "2")).toBe(true);
  });

  it("an account without latched levels is accepted without reading anything", () => {
    const soft = new SoftLimitPolicy(parseSoftLimitSettingsJson({ shares: ["0.5"] }));
    const { engine } = world(() => [soft]);
    expect(engine.retireAccount(ACCOUNT)).toEqual(RETIRED);
  });
});

describe("TradingStatePolicy", () => {
  it("REDUCING or HALTED on the account refuses; group and global states do not name it; ACTIVE clears it", () => {
    const policy = new TradingStatePolicy({ states: [] });
    const w = world(() => [policy]);
    w.engine.accounts().registerGroup([ACCOUNT], GROUP);
    policy.setState({ kind: "account", accountId: ACCOUNT }, "REDUCING", "wind down");
    policy.setState({ kind: "group", group: GROUP }, "HALTED", "desk closed");
    policy.setState({ kind: "global" }, "REDUCING", "end of day");
    expect(w.engine.retireAccount(ACCOUNT)).toEqual(refusedBy(["TradingStatePolicy", "ConfigurationReferencesAccount"]));
    policy.setState({ kind: "account", accountId: ACCOUNT }, "ACTIVE", "");
    expect(w.engine.retireAccount(ACCOUNT)).toEqual(RETIRED);
    expect(policy.stateOf({ kind: "group", group: GROUP })).toBe("HALTED");
  });
});

describe("RestrictedListPolicy", () => {
  it("an entry scoped to the account refuses; group and global entries do not", () => {
    const list = (own: boolean) =>
      parseRestrictedListSettingsJson({
        entries: [{ global: true, underlyingAsset: "XYZ" }, { groupId: 7, underlyingAsset: "AAPL", sellOnly: true }, ...(own ? [{ accountId: Number(ACCOUNT), underlyingAsset: "TSLA" }] : [])],
      });
    const w = world(() => [new RestrictedListPolicy(list(true))]);
    expect(w.engine.retireAccount(ACCOUNT)).toEqual(refusedBy(["RestrictedListPolicy", "ConfigurationReferencesAccount"]));
    expect(w.engine.retireAccount(OTHER)).toEqual(RETIRED);
    w.engine.configure().update("RestrictedListPolicy", RestrictedListPolicy, (s) => void (s.entries = list(false).entries));
    expect(w.engine.retireAccount(ACCOUNT)).toEqual(RETIRED);
  });
});

describe("ClientOrderIdPolicy", () => {
  const withId = (clientOrderId: string): Order => ({ ...order(), clientOrderId });

  it("a known id refuses (the order closed by a report without it); past retention it is removed on commit only", () => {
    const policy = new ClientOrderIdPolicy(parseClientOrderIdSettingsJson({ retentionMs: 1000 }));
    let refuse = true;
    const w = world(() => [policy, { name: "Refuser", retireAccount: () => (refuse ? "OperationInProgress" : undefined) }]);
    expect(submit(w.engine, withId("A-1"))).toEqual([]);
    expect(submit(w.engine, { ...withId("B-1"), operation: { ...order().operation!, accountId: OTHER } })).toEqual([]);
    w.engine.applyExecutionReport(cancel());
    expect(w.engine.book.openOrders(ACCOUNT)).toBe(0);
    w.clock.advance(999);
    expect(w.engine.retireAccount(ACCOUNT)).toEqual(refusedBy(["ClientOrderIdPolicy", "NonZeroState"], ["Refuser", "OperationInProgress"]));
    w.clock.advance(1);
    expect(w.engine.retireAccount(ACCOUNT)).toEqual(refusedBy(["Refuser", "OperationInProgress"]));
    expect(policy.size).toBe(2);
    refuse = false;
    expect(w.engine.retireAccount(ACCOUNT)).toEqual(RETIRED);
    expect(policy.snapshotState().known.map((e) => e.clientOrderId)).toEqual(["B-1"]);
    // The id is free for the account again.
    expect(submit(w.engine, withId("A-1"))).toEqual([]);
  });

  it("an id released by its final report leaves nothing to refuse", () => {
    const policy = new ClientOrderIdPolicy(parseClientOrderIdSettingsJson({ retentionMs: 0 }));
    const w = world(() => [policy]);
    expect(submit(w.engine, withId("A-1"))).toEqual([]);
    expect(w.engine.retireAccount(ACCOUNT)).toEqual(refusedBy(["ClientOrderIdPolicy", "NonZeroState"], ["@AccountBook", "NonZeroState"]));
    w.engine.applyExecutionReport(cancel({ clientOrderId: "A-1" }));
    expect(w.engine.retireAccount(ACCOUNT)).toEqual(RETIRED);
  });
});
