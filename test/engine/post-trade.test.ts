import { describe, expect, it } from "vitest";
import { GLOBAL_BLOCK, PolicyCallbackError, type PreTradePolicy } from "../../src/engine/index.js";
import type { ExecutionReport } from "../../src/model/index.js";
import { AccountGroupId, Pnl, PolicyGroupId, PositionSize } from "../../src/param/index.js";
import { ACCOUNT, CallLog, engineWith, order, OTHER_ACCOUNT, passPolicy, report } from "../helpers/engine-core.js";

/** A P&L accumulator that blocks below a floor, like a minimal kill switch. */
function pnlFloor(name: string, floor: string, log?: CallLog): PreTradePolicy & { total: Pnl } {
  const limit = Pnl.fromString(floor);
  const self = {
    name,
    total: Pnl.zero(),
    applyExecutionReport(_ctx: unknown, r: ExecutionReport) {
      log?.add(`${name}.report`);
      self.total = self.total.add(r.financialImpact?.pnl ?? Pnl.zero());
      if (self.total.gte(limit)) return undefined;
      return {
        accountBlocks: [
          { code: "PnlKillSwitchTriggered" as const, reason: "pnl kill switch triggered", details: `pnl ${self.total.toString()} below ${floor}` },
        ],
      };
    },
  };
  return self;
}

describe("post-trade", () => {
  it("every policy sees the report in registration order; results are concatenated and tagged", () => {
    const log = new CallLog();
    const { engine } = engineWith([
      {
        name: "A",
        applyExecutionReport: () => {
          log.add("A.report");
          return {
            accountAdjustments: [{ asset: "USD", balance: { delta: PositionSize.fromString("-10"), absolute: PositionSize.fromString("90") } }],
          };
        },
      },
      { name: "Silent", checkPreTradeStart: () => {} },
      {
        name: "B",
        policyGroupId: PolicyGroupId.fromU16(4),
        applyExecutionReport: (ctx) => {
          log.add(`B.report:${String(ctx.accountGroup())}`);
          return {
            accountPnls: [{ accountId: ACCOUNT, result: { kind: "value", delta: Pnl.fromString("5"), absolute: Pnl.fromString("12.5") } }],
            accountAdjustments: [{ asset: "AAPL" }],
          };
        },
      },
    ]);
    engine.accounts().registerGroup([ACCOUNT], AccountGroupId.fromU32(9));

    const result = engine.applyExecutionReport(report());

    expect(log.calls).toEqual(["A.report", "B.report:9"]);
    expect(result.accountBlocks).toEqual([]);
    expect(result.accountAdjustments.map((a) => [a.policyGroupId, a.entry.asset])).toEqual([
      [0, "USD"],
      [4, "AAPL"],
    ]);
    expect(result.accountAdjustments[0]!.entry.balance?.delta.toString()).toBe("-10");
    expect(result.accountPnls).toHaveLength(1);
    expect(result.accountPnls[0]!.policyGroupId).toBe(4);
    expect(result.accountPnls[0]!.accountId).toBe(ACCOUNT);
  });

  it("the first block is recorded with its code preserved; later orders hit it before any policy", () => {
    const log = new CallLog();
    const { engine, events } = engineWith([pnlFloor("First", "-100"), pnlFloor("Second", "-50"), passPolicy("P", log)]);

    const result = engine.applyExecutionReport(report({ pnl: "-600" }));

    expect(result.accountBlocks.map((b) => [b.policy, b.code])).toEqual([
      ["First", "PnlKillSwitchTriggered"],
      ["Second", "PnlKillSwitchTriggered"],
    ]);
    const rejected = engine.executePreTrade(order());
    expect(rejected.rejects).toEqual([
      { policy: "First", code: "PnlKillSwitchTriggered", reason: "pnl kill switch triggered", details: "pnl -600 below -100", scope: "account" },
    ]);
    expect(log.calls).toEqual([]);
    expect(events.map((e) => e.kind)).toEqual(["accountBlocked"]);
    expect(engine.executePreTrade(order({ account: OTHER_ACCOUNT })).ok).toBe(true);
  });

  it("is not atomic: a policy's state change stays when a later policy blocks", () => {
    const counter = pnlFloor("Tracker", "-1000000");
    const { engine } = engineWith([counter, pnlFloor("Blocker", "0")]);

    const result = engine.applyExecutionReport(report({ pnl: "-5.25" }));

    expect(result.accountBlocks).toHaveLength(1);
    expect(counter.total.toString()).toBe("-5.25");
  });

  it("a later block never displaces a stored cause (first cause wins)", () => {
    const { engine } = engineWith([pnlFloor("Floor", "0")]);
    engine.accounts().block(ACCOUNT, "manual review");

    engine.applyExecutionReport(report({ pnl: "-1" }));
    engine.applyExecutionReport(report({ pnl: "-1" }));

    expect(engine.executePreTrade(order()).rejects.map((r) => [r.policy, r.code, r.reason])).toEqual([
      ["Engine", "AccountBlocked", "manual review"],
    ]);
  });

  it("a block from a report without an account id sets the global block; unblocking an account does not lift it", () => {
    const { engine, events } = engineWith([pnlFloor("Floor", "0")]);

    const result = engine.applyExecutionReport(report({ account: null, pnl: "-1" }));

    expect(result.accountBlocks).toHaveLength(1);
    expect(events).toEqual([{ kind: "globalBlocked", block: GLOBAL_BLOCK }]);
    const expected = [
      {
        policy: "Engine",
        code: "AccountBlocked",
        reason: "account is blocked due to kill-switch",
        details: "kill-switch was previously triggered for this account",
        scope: "account",
      },
    ];
    expect(engine.executePreTrade(order()).rejects).toEqual(expected);
    expect(engine.executePreTrade(order({ account: OTHER_ACCOUNT })).rejects).toEqual(expected);
    engine.accounts().unblock(ACCOUNT);
    expect(engine.executePreTrade(order()).rejects).toEqual(expected);
    expect(engine.executePreTrade(order({ account: null })).rejects.map((r) => r.code)).toEqual(["MissingRequiredField"]);
  });

  it("an account's own block takes precedence over the global block", () => {
    const { engine } = engineWith([pnlFloor("Floor", "0")]);
    engine.accounts().block(ACCOUNT, "own reason");

    engine.applyExecutionReport(report({ account: null, pnl: "-1" }));

    expect(engine.executePreTrade(order()).rejects.map((r) => r.reason)).toEqual(["own reason"]);
    expect(engine.executePreTrade(order({ account: OTHER_ACCOUNT })).rejects.map((r) => r.reason)).toEqual([
      "account is blocked due to kill-switch",
    ]);
  });

  it("a throwing policy does not stop the others; the error is raised after all have seen the report", () => {
    const log = new CallLog();
    const boom = new Error("report handler failed");
    const { engine } = engineWith([
      {
        name: "Bad",
        applyExecutionReport: () => {
          log.add("Bad.report");
          throw boom;
        },
      },
      pnlFloor("Floor", "0", log),
    ]);

    let caught: unknown;
    try {
      engine.applyExecutionReport(report({ pnl: "-1" }));
    } catch (e) {
      caught = e;
    }

    expect(caught).toBeInstanceOf(PolicyCallbackError);
    expect((caught as PolicyCallbackError).policy).toBe("Bad");
    expect((caught as PolicyCallbackError).cause).toBe(boom);
    expect(log.calls).toEqual(["Bad.report", "Floor.report"]);
    expect(engine.accounts().blockOf(ACCOUNT)?.policy).toBe("Floor");
  });

  it("post-trade block texts handed back never contain the account id", () => {
    const { engine } = engineWith([pnlFloor("Floor", "0")]);

    engine.applyExecutionReport(report({ account: null, pnl: "-1" }));
    const rejects = engine.executePreTrade(order()).rejects;

    expect(rejects).toHaveLength(1);
    expect(JSON.stringify(rejects)).not.toContain(ACCOUNT.toString());
  });
});
