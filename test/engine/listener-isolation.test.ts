/**
 * Found by review, session 34: engine events are announced mid-call (a reject's block is
 * recorded before the order's mutations roll back), and a listener's throw ran straight
 * through the engine: it left a rejected order's SpotFunds hold in place and turned the
 * business reject into an exception. Each listener is now isolated; its error goes to the
 * builder's `onListenerError` handler (by default rethrown in a microtask).
 */
import { describe, expect, it } from "vitest";
import { Engine, ManualClock, type EngineEvent, type PreTradePolicy } from "../../src/engine/index.js";
import { AccountId } from "../../src/param/index.js";
import { SpotFundsPolicy } from "../../src/policies/index.js";
import { buy, seed, slot } from "../helpers/spot-funds.js";

const GUARD = { code: "RiskLimitExceeded", reason: "guard", details: "account guard", scope: "account" } as const;

/** Rejects every order with account scope: in the main stage after SpotFunds wrote its hold, or in the start stage. */
const mainGuard = (): PreTradePolicy => ({ name: "AccountGuard", performPreTradeCheck: () => ({ rejects: [GUARD] }) });
const startGuard = (): PreTradePolicy => ({ name: "AccountGuard", checkPreTradeStart: () => [GUARD] });

/** An engine whose first listener throws; the second listener and the handler record what they got. */
function build(guard: PreTradePolicy) {
  const spot = new SpotFundsPolicy();
  const failures: { message: string; event: string }[] = [];
  const engine = Engine.builder()
    .clock(new ManualClock(1_000))
    .onListenerError((error, event) => failures.push({ message: (error as Error).message, event: event.kind }))
    .policy(spot)
    .policy(guard)
    .build();
  seed(engine, "USD", "10000");
  engine.onEvent(() => {
    throw new Error("listener bug");
  });
  const heard: EngineEvent["kind"][] = [];
  engine.onEvent((e) => heard.push(e.kind));
  return { engine, spot, failures, heard };
}

const REJECTED = { ok: false, rejects: [{ policy: "AccountGuard", ...GUARD }] };

describe("a throwing event listener", () => {
  it("main stage: the order is rejected as a value and its SpotFunds hold rolled back", () => {
    const { engine, spot, failures, heard } = build(mainGuard());

    const result = engine.executePreTrade(buy("10", "100"));

    expect(result).toEqual(REJECTED);
    expect(slot(spot, "USD")).toEqual({ available: "10000", held: "0", incoming: "0" });
    expect(heard).toEqual(["accountBlocked"]);
    expect(failures).toEqual([{ message: "listener bug", event: "accountBlocked" }]);
    // The block was recorded all the same: the next order meets the gate.
    expect(engine.executePreTrade(buy("1", "100"))).toEqual({ ok: false, rejects: [{ ...REJECTED.rejects[0], code: "AccountBlocked" }] });
  });

  it("start stage: startPreTrade returns the reject", () => {
    const { engine, failures, heard } = build(startGuard());

    expect(engine.startPreTrade(buy("10", "100"))).toEqual(REJECTED);
    expect(heard).toEqual(["accountBlocked"]);
    expect(failures).toEqual([{ message: "listener bug", event: "accountBlocked" }]);
  });
});

// Found by review (session 38): unsubscribing spliced the list `emit` was walking, so a
// listener that unsubscribed itself while an event was announced (a "once" listener) made
// the next one miss it; one subscribed mid-announcement heard the event in progress.
describe("listeners that subscribe or unsubscribe while an event is announced", () => {
  it("a listener that unsubscribes itself does not keep the event from the next; one added meanwhile hears only later events", () => {
    const engine = Engine.builder().clock(new ManualClock(1_000)).policy(new SpotFundsPolicy()).build();
    const once: string[] = [];
    const monitor: string[] = [];
    const late: string[] = [];
    const off = engine.onEvent((e) => {
      once.push(e.kind);
      off();
      engine.onEvent((later) => late.push(later.kind));
    });
    engine.onEvent((e) => monitor.push(e.kind));
    engine.accounts().block(AccountId.fromU64(7), "compliance hold");
    expect([once, monitor, late]).toEqual([["accountBlocked"], ["accountBlocked"], []]);
    engine.accounts().unblock(AccountId.fromU64(7));
    expect([once, monitor, late]).toEqual([["accountBlocked"], ["accountBlocked", "accountUnblocked"], ["accountUnblocked"]]);
  });
});
