/**
 * Found by review: a blocking report without an account sets the global latch; each further
 * one announced `globalBlocked` again, with the generic kill-switch block even when the
 * stored (first) cause was another. The door turns every such event into a cancel-working-
 * orders notice to every channel and an event. Now, as the pre-trade latch does, a latch
 * already set blocks nothing new and announces nothing (openpit-semantics: first cause wins).
 */
import { describe, expect, it } from "vitest";
import { Engine, ManualClock, type EngineEvent, type PreTradePolicy } from "../../src/engine/index.js";
import { TradeAmount, type ExecutionReport } from "../../src/model/index.js";
import { Fee, Pnl, Price, Quantity, instrument } from "../../src/param/index.js";
import { PnlBoundsKillSwitchPolicy } from "../../src/policies/index.js";
import { ACCOUNT } from "../helpers/start-policies.js";

const AAPL_USD = instrument("AAPL", "USD");
/** A report with no account: the P&L kill switch answers it with a block, which the engine makes the global latch. */
const noAccount: ExecutionReport = {
  operation: { instrument: AAPL_USD, side: "BUY" },
  financialImpact: { pnl: Pnl.fromString("0"), fee: Fee.fromString("0") },
};

function build(extra: PreTradePolicy[] = []) {
  const pnl = new PnlBoundsKillSwitchPolicy({ brokerBarriers: [{ settlementAsset: "USD", lowerBound: Pnl.fromString("-10") }], accountBarriers: [] });
  let b = Engine.builder().clock(new ManualClock(1_000)).policy(pnl);
  for (const p of extra) b = b.policy(p);
  const engine = b.build();
  const events: EngineEvent[] = [];
  engine.onEvent((e) => events.push(e));
  return { engine, events };
}

describe("global latch from reports without an account", () => {
  it("a second blocking report without an account blocks nothing new and announces nothing", () => {
    const { engine, events } = build();
    engine.applyExecutionReport(noAccount);
    engine.applyExecutionReport(noAccount);
    expect(events.filter((e) => e.kind === "globalBlocked")).toHaveLength(1);
  });

  it("an already-set global latch (first cause) is not re-announced with another block", () => {
    // A custom policy whose commit callback fails arms the global kill switch (openpit-newer §E).
    const failing: PreTradePolicy = {
      name: "Custom",
      performPreTradeCheck: (_ctx, _o, m) => {
        m.push(() => {
          throw new Error("boom");
        }, undefined);
        return undefined;
      },
    };
    const { engine, events } = build([failing]);
    const r = engine.executePreTrade({ operation: { instrument: AAPL_USD, accountId: ACCOUNT, side: "BUY", tradeAmount: TradeAmount.quantity(Quantity.fromString("1")), price: Price.fromString("1") } });
    if (!r.ok) throw new Error("refused");
    expect(() => r.reservation.commit()).toThrow();
    const stored = engine.accounts().globalBlock;
    expect(stored?.reason).toBe("mutation callback failed");
    events.length = 0;
    engine.applyExecutionReport(noAccount);
    // Nothing new is blocked (the latch keeps its first cause), so no block may be announced.
    expect(events.filter((e) => e.kind === "globalBlocked")).toEqual([]);
  });
});
