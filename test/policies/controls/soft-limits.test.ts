/** SoftLimitPolicy: one warning per share crossed, re-armed below it, from every policy that reports usage; dry run, snapshot. */
import { describe, expect, it } from "vitest";
import { Engine, ManualClock, type EngineEvent } from "../../../src/engine/index.js";
import {
  MaxOpenOrdersPolicy,
  PnlBoundsKillSwitchPolicy,
  RateLimitPolicy,
  RepeatedExecutionThrottlePolicy,
  SoftLimitPolicy,
  parseMaxOpenOrdersSettingsJson,
  parsePnlBoundsKillSwitchSettingsJson,
  parseRateLimitSettingsJson,
  parseRepeatedExecutionSettingsJson,
  parseSoftLimitSettingsJson,
} from "../../../src/policies/index.js";
import { fromPlain, toPlain } from "../../../src/state/plain-data.js";
import { Fee, Pnl, Price } from "../../../src/param/index.js";
import { ACCOUNT, fill, order, submit } from "../../helpers/controls.js";
import { Quantity } from "../../../src/param/index.js";
import { defaultSpotFundsSettings, setPositionLimit, SpotFundsPolicy } from "../../../src/policies/spot-funds/index.js";
import { balanceAdjustment, buy, commit, seed, spotEngine } from "../../helpers/spot-funds.js";

function build(clock = new ManualClock(1_000), softJson: unknown = { shares: ["0.7", "0.9"] }) {
  const soft = new SoftLimitPolicy(parseSoftLimitSettingsJson(softJson));
  const engine = Engine.builder()
    .clock(clock)
    .policy(new RateLimitPolicy(parseRateLimitSettingsJson({ accountBarriers: [{ accountId: Number(ACCOUNT), limit: { maxOrders: 100, windowMs: 1000 } }] })))
    .policy(new MaxOpenOrdersPolicy(parseMaxOpenOrdersSettingsJson({ default: { maxOpenOrders: 10 } })))
    .policy(new RepeatedExecutionThrottlePolicy(parseRepeatedExecutionSettingsJson({ default: { maxExecutions: 4, windowMs: 1000 } })))
    .policy(soft)
    .build();
  const events: EngineEvent[] = [];
  engine.onEvent((e) => events.push(e));
  const crossings = () => events.filter((e) => e.kind === "softLimitCrossed").map((e) => (e.kind === "softLimitCrossed" ? `${e.policy}/${e.limit} ${e.usage}/${e.max} @${e.share}` : ""));
  return { engine, soft, clock, events, crossings };
}

describe("SoftLimitPolicy", () => {
  it("warns once per share crossed, with usage and limit, and re-arms below the share", () => {
    const w = build();
    for (let i = 0; i < 6; i++) submit(w.engine, order());
    expect(w.crossings()).toEqual([]);
    submit(w.engine, order());
    expect(w.crossings()).toEqual(["MaxOpenOrdersPolicy/openOrders 7/10 @0.7"]);
    expect(w.events.at(-1)).toEqual({ kind: "softLimitCrossed", accountId: ACCOUNT, policy: "MaxOpenOrdersPolicy", limit: "openOrders", usage: "7", max: "10", share: "0.7" });
    submit(w.engine, order());
    submit(w.engine, order());
    expect(w.crossings()).toEqual(["MaxOpenOrdersPolicy/openOrders 7/10 @0.7", "MaxOpenOrdersPolicy/openOrders 9/10 @0.9"]);
    w.engine.applyExecutionReport(fill("1", { final: true }));
    submit(w.engine, order());
    expect(w.crossings().slice(2)).toEqual(["MaxOpenOrdersPolicy/openOrders 9/10 @0.9"]);
  });

  // Found by review: nothing reads an unwatched policy, so its latched level was never re-armed, and hid the next crossing once watched again.
  it("a retune that stops watching a policy forgets its levels: watched again, the next crossing is sent (and the snapshot carries none meanwhile)", () => {
    const w = build(new ManualClock(1_000), { shares: ["0.7"], policies: ["MaxOpenOrdersPolicy"] });
    for (let i = 0; i < 7; i++) submit(w.engine, order());
    expect(w.crossings()).toEqual(["MaxOpenOrdersPolicy/openOrders 7/10 @0.7"]);
    const watch = (policies: string[]) =>
      w.engine.configure().update("SoftLimitPolicy", SoftLimitPolicy, (d) => {
        d.policies = policies;
      });
    watch(["RateLimitPolicy"]);
    expect(w.soft.snapshotState().levels.size).toBe(0);
    // Unwatched: every order ends (usage 0; cancelled, so the execution throttle counts nothing), then seven are open again.
    for (let i = 0; i < 7; i++) w.engine.applyExecutionReport(fill("0", { final: true }));
    expect(w.engine.book.openOrders(ACCOUNT)).toBe(0);
    for (let i = 0; i < 7; i++) submit(w.engine, order());
    watch(["MaxOpenOrdersPolicy"]);
    submit(w.engine, order());
    expect(w.crossings()).toEqual(["MaxOpenOrdersPolicy/openOrders 7/10 @0.7", "MaxOpenOrdersPolicy/openOrders 8/10 @0.7"]);
  });

  it("reads fills (repeated executions) and sends every share jumped over, lowest first", () => {
    const w = build();
    w.engine.applyExecutionReport(fill("1"));
    w.engine.applyExecutionReport(fill("1"));
    expect(w.crossings()).toEqual([]);
    w.engine.applyExecutionReport(fill("1"));
    w.engine.applyExecutionReport(fill("1"));
    expect(w.crossings()).toEqual(["RepeatedExecutionThrottlePolicy/executions 3/4 @0.7", "RepeatedExecutionThrottlePolicy/executions 4/4 @0.9"]);
  });

  it("reads the existing rate limit's account barrier", () => {
    const w = build(new ManualClock(1_000), { shares: ["0.05"], policies: ["RateLimitPolicy"] });
    for (let i = 0; i < 5; i++) submit(w.engine, order());
    expect(w.crossings()).toEqual(["RateLimitPolicy/accountRate 5/100 @0.05"]);
  });

  it("sends nothing for dry runs or rolled-back orders", () => {
    const w = build();
    for (let i = 0; i < 9; i++) w.engine.executePreTradeDryRun(order());
    for (let i = 0; i < 6; i++) submit(w.engine, order());
    const r = w.engine.executePreTrade(order());
    if (r.ok) r.reservation.rollback();
    expect(w.crossings()).toEqual([]);
  });

  it("re-arms a share when a rollback takes usage below it, silently, so the next crossing is sent", () => {
    const w = build();
    for (let i = 0; i < 5; i++) submit(w.engine, order());
    // Open, never committed: no reading (a reservation read at its rollback would be read
    // with its own hold not yet undone, so a rollback's reading never announces).
    const held = w.engine.executePreTrade(order());
    if (!held.ok) throw new Error("refused");
    submit(w.engine, order()); // 7 open: 0.7 crossed
    expect(w.crossings()).toEqual(["MaxOpenOrdersPolicy/openOrders 7/10 @0.7"]);
    held.reservation.rollback(); // 6 open: below 0.7, nothing announced
    expect(w.engine.book.openOrders(ACCOUNT)).toBe(6);
    expect(w.crossings()).toHaveLength(1);
    submit(w.engine, order()); // 7 open again: a second crossing
    expect(w.crossings()).toEqual(["MaxOpenOrdersPolicy/openOrders 7/10 @0.7", "MaxOpenOrdersPolicy/openOrders 7/10 @0.7"]);
  });

  it("a rollback above a share leaves it latched and announces nothing", () => {
    const w = build();
    for (let i = 0; i < 7; i++) submit(w.engine, order()); // 0.7 crossed
    const held = w.engine.executePreTrade(order()); // 8 open, unread
    if (!held.ok) throw new Error("refused");
    held.reservation.rollback(); // 7 open: still at 0.7
    submit(w.engine, order()); // 8: no new share
    expect(w.crossings()).toEqual(["MaxOpenOrdersPolicy/openOrders 7/10 @0.7"]);
  });

  it("survives a snapshot: a share already crossed is not sent again", () => {
    const w = build();
    for (let i = 0; i < 7; i++) submit(w.engine, order());
    const snapshot = fromPlain(toPlain(w.engine.snapshotState())) as ReturnType<Engine["snapshotState"]>;
    const r = build();
    r.engine.restoreState(snapshot);
    submit(r.engine, order());
    expect(r.crossings()).toEqual([]);
    submit(r.engine, order());
    expect(r.crossings()).toEqual(["MaxOpenOrdersPolicy/openOrders 9/10 @0.9"]);
  });

  it("keeps levels over a retune by the share reached: a new higher share is sent when crossed", () => {
    const w = build();
    for (let i = 0; i < 8; i++) submit(w.engine, order());
    expect(w.crossings()).toEqual(["MaxOpenOrdersPolicy/openOrders 7/10 @0.7"]);
    // 0.7 was reached: after the retune 0.5 and 0.7 count as sent, 0.8 and 1 not yet.
    w.engine.configure().update("SoftLimitPolicy", SoftLimitPolicy, (d) => {
      d.shares = ["0.5", "0.7", "0.8", "1"].map((x) => Price.fromString(x));
    });
    submit(w.engine, order());
    submit(w.engine, order());
    expect(w.crossings()).toEqual([
      "MaxOpenOrdersPolicy/openOrders 7/10 @0.7",
      "MaxOpenOrdersPolicy/openOrders 9/10 @0.8",
      "MaxOpenOrdersPolicy/openOrders 10/10 @1",
    ]);
  });

  it("keeps levels over a retune, cut to the new share count", () => {
    const w = build();
    for (let i = 0; i < 9; i++) submit(w.engine, order());
    w.engine.configure().update("SoftLimitPolicy", SoftLimitPolicy, (d) => {
      d.shares = d.shares.slice(0, 1);
    });
    w.engine.applyExecutionReport(fill("1", { final: true }));
    submit(w.engine, order());
    expect(w.crossings()).toEqual(["MaxOpenOrdersPolicy/openOrders 7/10 @0.7", "MaxOpenOrdersPolicy/openOrders 9/10 @0.9"]);
  });

  it("validates settings naming the field", () => {
    expect(() => parseSoftLimitSettingsJson({ shares: ["0.9", "0.7"] })).toThrow("settings: InvalidShare: shares must be ascending and distinct (at shares[1])");
    expect(() => parseSoftLimitSettingsJson({ shares: ["1.5"] })).toThrow("settings: InvalidShare: a share must be in (0, 1] (at shares[0])");
    expect(() => parseSoftLimitSettingsJson({ shares: [0.7] })).toThrow("settings.shares[0]: must be a decimal string");
    expect(() => parseSoftLimitSettingsJson({ shares: [] })).toThrow("settings: NoSharesConfigured");
  });
});

describe("SoftLimitPolicy reading the P&L kill switch", () => {
  it("warns on the loss side against the tighter negative lower bound", () => {
    const engine = Engine.builder()
      .clock(new ManualClock(1_000))
      .policy(
        new PnlBoundsKillSwitchPolicy(
          parsePnlBoundsKillSwitchSettingsJson({
            brokerBarriers: [{ settlementAsset: "USD", lowerBound: "-1000" }],
            accountBarriers: [{ accountId: Number(ACCOUNT), settlementAsset: "USD", lowerBound: "-200" }],
          }),
        ),
      )
      .policy(new SoftLimitPolicy(parseSoftLimitSettingsJson({ shares: ["0.7"] })))
      .build();
    const events: EngineEvent[] = [];
    engine.onEvent((e) => events.push(e));
    const loss = (pnl: string) => ({ ...fill("1"), financialImpact: { pnl: Pnl.fromString(pnl), fee: Fee.fromString("0") } });
    engine.applyExecutionReport(loss("-139"));
    expect(events).toEqual([]);
    engine.applyExecutionReport(loss("-1"));
    expect(events).toEqual([
      { kind: "softLimitCrossed", accountId: ACCOUNT, policy: "PnlBoundsKillSwitchPolicy", limit: "loss:USD", usage: "140", max: "200", share: "0.7" },
    ]);
  });

  // Found by review (session 31): share × max was rounded to 29 digits, so a usage below the
  // exact threshold could count as reaching it. 0.1 × 1.0000000000000000000000000003 =
  // 0.10000000000000000000000000003, rounded 0.1: a loss of exactly 0.1 is below the share.
  it("compares usage with share × max to the last digit, never with a rounded threshold", () => {
    const engine = Engine.builder()
      .clock(new ManualClock(1_000))
      .policy(new PnlBoundsKillSwitchPolicy(parsePnlBoundsKillSwitchSettingsJson({ brokerBarriers: [{ settlementAsset: "USD", lowerBound: "-1.0000000000000000000000000003" }] })))
      .policy(new SoftLimitPolicy(parseSoftLimitSettingsJson({ shares: ["0.1", "0.5"] })))
      .build();
    const events: EngineEvent[] = [];
    engine.onEvent((e) => events.push(e));
    const loss = (pnl: string) => ({ ...fill("1"), financialImpact: { pnl: Pnl.fromString(pnl), fee: Fee.fromString("0") } });
    engine.applyExecutionReport(loss("-0.1"));
    expect(events).toEqual([]);
    engine.applyExecutionReport(loss("-0.0000000000000000000000000001"));
    expect(events).toEqual([
      { kind: "softLimitCrossed", accountId: ACCOUNT, policy: "PnlBoundsKillSwitchPolicy", limit: "loss:USD", usage: "0.1000000000000000000000000001", max: "1.0000000000000000000000000003", share: "0.1" },
    ]);
  });

});

describe("SoftLimitPolicy reading SpotFunds", () => {
  it("reads SpotFunds' worst-case position limits, long and short, per asset", () => {
    const settings = defaultSpotFundsSettings();
    setPositionLimit(settings, ACCOUNT, "AAPL", Quantity.fromString("10"));
    setPositionLimit(settings, ACCOUNT, "MSFT", Quantity.fromString("4"));
    const { engine } = spotEngine(new SpotFundsPolicy(settings), [new SoftLimitPolicy(parseSoftLimitSettingsJson({ shares: ["0.7", "0.9"] }))]);
    const events: EngineEvent[] = [];
    engine.onEvent((e) => events.push(e));
    const crossings = () => events.flatMap((e) => (e.kind === "softLimitCrossed" ? [`${e.policy}/${e.limit} ${e.usage}/${e.max} @${e.share}`] : []));
    seed(engine, "USD", "1000");
    // Open buys count as incoming: 6 of 10 is under 0.7, 8 crosses it.
    commit(engine, buy("6", "1"));
    expect(crossings()).toEqual([]);
    commit(engine, buy("2", "1"));
    expect(crossings()).toEqual(["SpotFundsPolicy/position:AAPL 8/10 @0.7"]);
    // The short side: 3 MSFT lent out (a negative balance) is 3 of 4, past 0.7.
    engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("MSFT", { balance: ["abs", "-3"] })]);
    commit(engine, buy("1", "1"));
    // One reading, assets in order: AAPL 9 crosses 0.9 and MSFT's short side 0.7.
    expect(crossings().slice(1)).toEqual(["SpotFundsPolicy/position:AAPL 9/10 @0.9", "SpotFundsPolicy/position:MSFT 3/4 @0.7"]);
  });
});
