/** OpenPit's newer SpotFunds position limit (openpit-newer.md §A): acceptance scenarios A.7 1-20 and the settings. */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/engine/index.js";
import { AccountId, Price, Quantity, type Asset } from "../../../src/param/index.js";
import {
  defaultSpotFundsSettings,
  parseSpotFundsSettingsJson,
  setPositionLimit,
  SpotFundsPolicy,
  type SpotFundsLimitMode,
} from "../../../src/policies/spot-funds/index.js";
import { settingsJsonOf } from "../../../src/policies/catalog.js";
import {
  ACCOUNT,
  AAPL_USD,
  balanceAdjustment,
  buy,
  cancelReport,
  commit,
  fillReport,
  marketData,
  report,
  seed,
  sell,
  slot,
  spotEngine,
  spotOrder,
  USD_USD,
} from "../../helpers/spot-funds.js";

const MAX = "79228162514264337593543950335";
const OTHER = AccountId.fromU64(99224417);

function setup(limits: readonly (readonly [Asset, string])[], mode: SpotFundsLimitMode = "Enforce", options = {}) {
  const settings = defaultSpotFundsSettings();
  settings.limitMode = mode;
  for (const [asset, limit] of limits) setPositionLimit(settings, ACCOUNT, asset, Quantity.fromString(limit));
  return spotEngine(new SpotFundsPolicy(settings, options));
}

function limitReject(asset: Asset, side: "long" | "short", projected: string, limit: string) {
  return {
    policy: "SpotFundsPolicy",
    code: "PositionLimitExceeded",
    reason: "position limit exceeded",
    details: `asset ${asset}, side ${side}, projected worst-case position ${projected}, limit ${limit}`,
    scope: "order",
  };
}

function arithmetic(asset: Asset, stage: string, cause: string) {
  return {
    policy: "SpotFundsPolicy",
    code: "ArithmeticOverflow",
    reason: "arithmetic overflow",
    details: `position-limit arithmetic failure: asset ${asset}, stage ${stage}, cause ${cause}`,
    scope: "order",
  };
}

const rejectsOf = (r: { ok: boolean; rejects: readonly unknown[] }) => (r.ok ? "passed" : r.rejects);

describe("SpotFunds position limit (A.7)", () => {
  it("1: at the limit passes; one 28th-decimal step past it is PositionLimitExceeded", () => {
    const { engine } = setup([["AAPL", "1"]]);
    seed(engine, "USD", "10");
    const ok = engine.executePreTrade(buy("1", "1"));
    expect(ok.ok).toBe(true);
    if (ok.ok) ok.reservation.rollback();
    expect(rejectsOf(engine.executePreTrade(buy("1.0000000000000000000000000001", "1")))).toEqual([
      limitReject("AAPL", "long", "1.0000000000000000000000000001", "1"),
    ]);
    expect(engine.accounts().blockOf(ACCOUNT)).toBeUndefined();
  });

  it("2: open incoming counts; a final cancel releases it", () => {
    const { engine, policy } = setup([["AAPL", "10"]]);
    seed(engine, "USD", "100");
    commit(engine, buy("6", "1"));
    expect(slot(policy, "AAPL").incoming).toBe("6");
    expect(rejectsOf(engine.executePreTrade(buy("5", "1")))).toEqual([limitReject("AAPL", "long", "11", "10")]);
    engine.applyExecutionReport(cancelReport("BUY", "6", "1"));
    expect(slot(policy, "AAPL").incoming).toBe("0");
    expect(engine.executePreTrade(buy("5", "1")).ok).toBe(true);
  });

  it("3: a filled position keeps counting after its incoming is drained", () => {
    const { engine, policy } = setup([["AAPL", "10"]]);
    seed(engine, "USD", "100");
    commit(engine, buy("10", "1"));
    engine.applyExecutionReport(report({ side: "BUY", qty: "10", price: "1", leaves: "0", final: true }));
    expect(slot(policy, "AAPL")).toMatchObject({ available: "10", incoming: "0" });
    expect(rejectsOf(engine.executePreTrade(buy("1", "1")))).toEqual([limitReject("AAPL", "long", "11", "10")]);
  });

  it("4: partial fill then final cancel: the filled part counts, the unfilled part is released", () => {
    const { engine, policy } = setup([["AAPL", "10"]]);
    seed(engine, "USD", "20");
    commit(engine, buy("10", "1"));
    engine.applyExecutionReport(fillReport("BUY", "4", "1", { leaves: "6" }));
    expect(slot(policy, "AAPL")).toMatchObject({ available: "4", incoming: "6" });
    engine.applyExecutionReport(cancelReport("BUY", "6", "1"));
    expect(slot(policy, "AAPL")).toMatchObject({ available: "4", incoming: "0" });
    const six = engine.executePreTrade(buy("6", "1"));
    expect(six.ok).toBe(true);
    if (six.ok) six.reservation.rollback();
    expect(rejectsOf(engine.executePreTrade(buy("7", "1")))).toEqual([limitReject("AAPL", "long", "11", "10")]);
  });

  it("5: TrackOnly, the short side is bounded at -limit inclusive", () => {
    const { engine } = setup([["AAPL", "1"]], "TrackOnly");
    const ok = engine.executePreTrade(sell("1", "1"));
    expect(ok.ok).toBe(true);
    if (ok.ok) ok.reservation.rollback();
    expect(rejectsOf(engine.executePreTrade(sell("1.0000000000000000000000000001", "1")))).toEqual([
      limitReject("AAPL", "short", "-1.0000000000000000000000000001", "1"),
    ]);
  });

  it("6: reducing orders pass even when the position is beyond the limit (runtime limit)", () => {
    const { engine } = spotEngine(new SpotFundsPolicy({ ...defaultSpotFundsSettings(), limitMode: "TrackOnly" }));
    seed(engine, "AAPL", "20");
    engine.configure().update("SpotFundsPolicy", SpotFundsPolicy, (s) => setPositionLimit(s, ACCOUNT, "AAPL", Quantity.fromString("10")));
    const reduceLong = engine.executePreTrade(sell("1", "1"));
    expect(reduceLong.ok).toBe(true);
    if (reduceLong.ok) reduceLong.reservation.rollback();
    seed(engine, "AAPL", "-20");
    expect(engine.executePreTrade(buy("1", "1")).ok).toBe(true);
  });

  it("7: a limit on the settlement asset; step 1 stays written until the engine rolls back", () => {
    const settings = defaultSpotFundsSettings();
    setPositionLimit(settings, ACCOUNT, "USD", Quantity.fromString("10"));
    const policy = new SpotFundsPolicy(settings);
    let heldBeforeRollback = "";
    // Runs after SpotFunds in the same main stage: it sees step 1 (AAPL held) written.
    const probe = { name: "Probe", performPreTradeCheck: () => void (heldBeforeRollback = slot(policy, "AAPL").held) };
    const { engine } = spotEngine(policy, [probe]);
    seed(engine, "AAPL", "1");
    expect(rejectsOf(engine.executePreTrade(sell("1", "11")))).toEqual([limitReject("USD", "long", "11", "10")]);
    expect(heldBeforeRollback).toBe("1");
    expect(slot(policy, "AAPL")).toEqual({ available: "1", held: "0", incoming: "0" });
  });

  it("8: limits are per account", () => {
    const { engine } = setup([["AAPL", "1"]]);
    seed(engine, "USD", "10", OTHER);
    expect(engine.executePreTrade(buy("2", "1", { account: OTHER })).ok).toBe(true);
  });

  it("9: a never-seen slot counts as zeros", () => {
    const { engine } = setup([["AAPL", "1"]]);
    seed(engine, "USD", "1");
    expect(engine.executePreTrade(buy("1", "1")).ok).toBe(true);
  });

  it("10: same asset, zero net: no check even at limit 0", () => {
    const { engine } = setup([["USD", "0"]], "TrackOnly");
    expect(engine.executePreTrade(buy("10", "1", { instrument: USD_USD })).ok).toBe(true);
  });

  it("11: same asset, net -10 from 20 owned stays above -5", () => {
    const { engine } = setup([["USD", "5"]]);
    seed(engine, "USD", "20");
    expect(engine.executePreTrade(buy("10", "2", { instrument: USD_USD })).ok).toBe(true);
  });

  it("12: same asset at price 0: the single moving step is checked, and no mutation is pushed", () => {
    const { engine, policy } = setup([["USD", "0"]], "TrackOnly");
    const pushed: number[] = [];
    const counting = {
      name: "Count",
      performPreTradeCheck: (_c: unknown, _o: unknown, m: { size: number }) => {
        pushed.push(m.size);
        return undefined;
      },
    };
    const settings = defaultSpotFundsSettings();
    settings.limitMode = "TrackOnly";
    setPositionLimit(settings, ACCOUNT, "USD", Quantity.fromString("0"));
    const t = spotEngine(new SpotFundsPolicy(settings), [counting as never]);
    expect(rejectsOf(t.engine.executePreTrade(sell("1", "0", { instrument: USD_USD })))).toEqual([limitReject("USD", "short", "-1", "0")]);
    expect(rejectsOf(t.engine.executePreTrade(buy("1", "0", { instrument: USD_USD })))).toEqual([limitReject("USD", "long", "1", "0")]);
    expect(pushed).toEqual([0, 0]);
    expect(rejectsOf(engine.executePreTrade(sell("1", "0", { instrument: USD_USD })))).toHaveLength(1);
    expect(policy.holdings(ACCOUNT).size).toBe(0);
  });

  it("13: market orders count with their stored incoming; a later quote does not re-value them", () => {
    const clock = new ManualClock(1_000);
    const md = marketData(clock);
    const id = md.register(AAPL_USD);
    md.push(id, { mark: Price.fromString("100") });
    const settings = defaultSpotFundsSettings();
    setPositionLimit(settings, ACCOUNT, "AAPL", Quantity.fromString("14"));
    const { engine, policy } = spotEngine(new SpotFundsPolicy(settings, { marketData: md }), [], clock);
    seed(engine, "USD", "3000");
    commit(engine, spotOrder({ side: "BUY", volume: "1000", price: null }));
    expect(slot(policy, "AAPL").incoming).toBe("10");
    md.push(id, { mark: Price.fromString("200") });
    expect(rejectsOf(engine.executePreTrade(spotOrder({ side: "BUY", volume: "1000", price: null })))).toEqual([
      limitReject("AAPL", "long", "15", "14"),
    ]);
  });

  it("14: overflow in the projection", () => {
    const { engine } = setup([["AAPL", MAX]]);
    seed(engine, "AAPL", MAX);
    seed(engine, "USD", "10");
    expect(rejectsOf(engine.executePreTrade(buy("1", "1")))).toEqual([arithmetic("AAPL", "projection", "overflow")]);
  });

  it("15: a projection that would lose a digit is inexact", () => {
    const { engine } = setup([["AAPL", "100000000000"]]);
    seed(engine, "AAPL", "100000000000");
    expect(rejectsOf(engine.executePreTrade(buy("0.000000000000000001", "0")))).toEqual([arithmetic("AAPL", "projection", "inexact")]);
  });

  it("16: an inexact sum with open incoming, limit set at runtime", () => {
    const { engine } = spotEngine(new SpotFundsPolicy({ ...defaultSpotFundsSettings(), limitMode: "TrackOnly" }));
    seed(engine, "AAPL", "1.0000000000000000000000000001");
    commit(engine, buy("100", "0"));
    engine.configure().update("SpotFundsPolicy", SpotFundsPolicy, (s) => setPositionLimit(s, ACCOUNT, "AAPL", Quantity.fromString("102")));
    expect(rejectsOf(engine.executePreTrade(buy("1", "0")))).toEqual([arithmetic("AAPL", "projection", "inexact")]);
  });

  it("17: InsufficientFunds comes before the position check on the same step", () => {
    const { engine, policy } = setup([["USD", "0"]]);
    expect(rejectsOf(engine.executePreTrade(buy("1", "1")))).toEqual([
      {
        policy: "SpotFundsPolicy",
        code: "InsufficientFunds",
        reason: "spot funds insufficient",
        details: "asset USD: available 0, requested 1",
        scope: "order",
      },
    ]);
    expect(policy.holdings(ACCOUNT).size).toBe(0);
  });

  it("18: a dry run gives the identical reject and changes nothing", () => {
    const { engine, policy } = setup([["AAPL", "1"]]);
    seed(engine, "USD", "10");
    const before = slot(policy, "USD");
    const dry = engine.executePreTradeDryRun(buy("2", "1"));
    expect(dry.isPass).toBe(false);
    expect(dry.rejects).toEqual([limitReject("AAPL", "long", "2", "1")]);
    expect(slot(policy, "USD")).toEqual(before);
    expect(slot(policy, "AAPL")).toEqual({ available: "0", held: "0", incoming: "0" });
    expect(rejectsOf(engine.executePreTrade(buy("2", "1")))).toEqual(dry.rejects);
  });

  it("19: drop-copy is never position-checked and reports the same adjustments and lock", () => {
    const { engine } = setup([["AAPL", "0"]]);
    const result = engine.applyDropCopy(buy("2", "1"));
    if (!result.ok) throw new Error(JSON.stringify(result.rejects));
    const op = result.operation;
    expect(JSON.parse(JSON.stringify(op.accountAdjustments.map((a) => a.entry)))).toEqual([
      { asset: "USD", balance: { delta: "-2", absolute: "-2" }, held: { delta: "2", absolute: "2" } },
      { asset: "AAPL", incoming: { delta: "2", absolute: "2" } },
    ]);
    expect(op.lock.toJSON()).toEqual([["1"]]);
    op.rollback();
  });

  it("20: same asset, both steps checked as one net on step 2; step 1 stays written until rollback", () => {
    const seen: string[] = [];
    const settings = defaultSpotFundsSettings();
    settings.limitMode = "TrackOnly";
    setPositionLimit(settings, ACCOUNT, "USD", Quantity.fromString("4"));
    const policy = new SpotFundsPolicy(settings);
    const probe = { name: "Probe", performPreTradeCheck: () => void seen.push(slot(policy, "USD").available) };
    const { engine } = spotEngine(policy, [probe]);
    expect(rejectsOf(engine.executePreTrade(buy("10", "0.5", { instrument: USD_USD })))).toEqual([limitReject("USD", "long", "5.0", "4")]);
    expect(rejectsOf(engine.executePreTrade(sell("10", "0.5", { instrument: USD_USD })))).toEqual([limitReject("USD", "short", "-5.0", "4")]);
    expect(seen).toEqual(["-5.0", "-10"]);
    expect(policy.holdings(ACCOUNT).size).toBe(0);
  });
});

describe("SpotFunds position limit: the other arithmetic stages", () => {
  it("pre-order reconstruction: owned = available + held cannot be represented", () => {
    const { engine } = setup([["AAPL", MAX]]);
    seed(engine, "USD", "10");
    const seeded = engine.applyAccountAdjustment(ACCOUNT, [balanceAdjustment("AAPL", { balance: ["abs", "100000000000000000000"], held: ["abs", "0.0000000001"] })]);
    expect(seeded.ok).toBe(true);
    expect(rejectsOf(engine.executePreTrade(buy("1", "1")))).toEqual([arithmetic("AAPL", "pre-order reconstruction", "inexact")]);
  });

  it("first-step transition: a same-asset order's first write is not exact", () => {
    const { engine } = setup([["USD", MAX]], "TrackOnly");
    seed(engine, "USD", "100000000000000000000");
    expect(rejectsOf(engine.executePreTrade(buy("1", "0.0000000001", { instrument: USD_USD })))).toEqual([
      arithmetic("USD", "first-step transition", "inexact"),
    ]);
  });

  it("net: a same-asset order's aggregate change cannot be represented", () => {
    const { engine } = setup([["USD", MAX]], "TrackOnly");
    expect(rejectsOf(engine.executePreTrade(buy("12345678901234567890", "0.000000000001", { instrument: USD_USD })))).toEqual([
      arithmetic("USD", "net", "inexact"),
    ]);
  });
});

describe("SpotFunds position limit settings", () => {
  it("JSON round trip, clearing by omission, and an error naming the field", () => {
    const json = { positionLimits: [{ accountId: 99224416, asset: "AAPL", limit: "10" }] };
    const settings = parseSpotFundsSettingsJson(json);
    expect(settings.positionLimits.get(ACCOUNT)?.get("AAPL")?.toString()).toBe("10");
    const policy = new SpotFundsPolicy(settings);
    expect(settingsJsonOf(policy)).toMatchObject({ positionLimits: [{ accountId: "99224416", asset: "AAPL", limit: "10" }] });
    expect(() => parseSpotFundsSettingsJson({ positionLimits: [{ accountId: 1, asset: "AAPL", limit: "-1" }] })).toThrow(
      /settings\.positionLimits\[0\]\.limit/,
    );
    setPositionLimit(settings, ACCOUNT, "AAPL", undefined);
    expect(settings.positionLimits.size).toBe(0);
  });

  it("survives snapshot and restore", () => {
    const settings = defaultSpotFundsSettings();
    setPositionLimit(settings, ACCOUNT, "AAPL", Quantity.fromString("1"));
    const live = new SpotFundsPolicy(settings);
    const restored = new SpotFundsPolicy();
    restored.restoreState(live.snapshotState());
    const { engine } = spotEngine(restored);
    seed(engine, "USD", "10");
    expect(rejectsOf(engine.executePreTrade(buy("2", "1")))).toEqual([limitReject("AAPL", "long", "2", "1")]);
  });
});
