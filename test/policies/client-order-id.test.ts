/** ClientOrderIdPolicy on the engine: known ids, release by rollback / final report / retention, settings, snapshot. */
import { describe, expect, it } from "vitest";
import { Engine, ManualClock, SettingsValidationError } from "../../src/engine/index.js";
import { TradeAmount, type ExecutionReport, type Order } from "../../src/model/index.js";
import { Price, Quantity } from "../../src/param/index.js";
import { ClientOrderIdPolicy, parseClientOrderIdSettingsJson } from "../../src/policies/index.js";
import { AAPL_USD, ACCOUNT, OTHER_ACCOUNT, onlyReject } from "../helpers/start-policies.js";

function build(json: unknown = {}) {
  const clock = new ManualClock(0);
  const policy = new ClientOrderIdPolicy(parseClientOrderIdSettingsJson(json));
  return { engine: Engine.builder().clock(clock).policy(policy).build(), policy, clock };
}

const order = (clientOrderId: string, account = ACCOUNT): Order => ({
  operation: { instrument: AAPL_USD, accountId: account, side: "BUY", tradeAmount: TradeAmount.quantity(Quantity.fromString("1")), price: Price.fromString("1") },
  clientOrderId,
});
const finalReport = (clientOrderId: string): ExecutionReport => ({
  operation: { instrument: AAPL_USD, accountId: ACCOUNT, side: "BUY" },
  fill: { isFinal: true, leavesQuantity: Quantity.fromString("1") },
  clientOrderId,
});

describe("ClientOrderIdPolicy", () => {
  it("a two-stage request's id is known for retentionMs from its main stage (its acceptance), not from its start", () => {
    const { engine, clock } = build({ retentionMs: 1_000 });
    const started = engine.startPreTrade(order("A"));
    if (!started.ok) throw new Error("start refused");
    clock.advance(950);
    const accepted = started.request.execute(); // accepted at t = 950
    if (!accepted.ok) throw new Error("main stage refused");
    accepted.reservation.commit();
    clock.advance(100); // t = 1 050: 100 ms after acceptance
    expect(onlyReject(engine.executePreTrade(order("A"))).code).toBe("DuplicateClientOrderId");
    clock.advance(899); // t = 1 949: still known
    expect(onlyReject(engine.executePreTrade(order("A"))).code).toBe("DuplicateClientOrderId");
    clock.advance(1); // t = 1 950: retention over
    expect(engine.executePreTrade(order("A")).ok).toBe(true);
  });

  it("one live order per (account, id): duplicate rejected, other accounts and ids free, account id never in the text", () => {
    const { engine } = build();
    const first = engine.executePreTrade(order("A"));
    expect(first.ok).toBe(true);
    const dup = onlyReject(engine.executePreTrade(order("A")));
    expect(dup).toEqual({
      policy: "ClientOrderIdPolicy",
      code: "DuplicateClientOrderId",
      reason: "duplicate client order id",
      details: "client order id 'A' belongs to an order still known for the account; mark the order as a retry to get its first decision",
      scope: "order",
    });
    expect(engine.executePreTrade(order("A", OTHER_ACCOUNT)).ok).toBe(true);
    expect(engine.executePreTrade(order("B")).ok).toBe(true);
  });

  it("two open requests with the same id: the main stage lets only the first through", () => {
    const { engine } = build();
    const a = engine.startPreTrade(order("A"));
    const b = engine.startPreTrade(order("A"));
    if (!a.ok || !b.ok) throw new Error("start rejected");
    expect(a.request.execute().ok).toBe(true);
    expect(onlyReject(b.request.execute()).code).toBe("DuplicateClientOrderId");
  });

  it("released by rollback and by a final report carrying the id; kept by commit", () => {
    const { engine, policy } = build();
    const r = engine.executePreTrade(order("A"));
    if (!r.ok) throw new Error("rejected");
    r.reservation.rollback();
    expect(policy.size).toBe(0);
    const c = engine.executePreTrade(order("A"));
    if (!c.ok) throw new Error("rejected");
    c.reservation.commit();
    expect(policy.size).toBe(1);
    engine.applyExecutionReport({ ...finalReport("A"), fill: { isFinal: false } });
    expect(policy.size).toBe(1);
    engine.applyExecutionReport(finalReport("A"));
    expect(policy.size).toBe(0);
  });

  // Found by review (session 31): retirement dropped the account's id table only while the
  // account still had ids; released or pruned, its table (at its largest size) stayed for as
  // long as the process ran.
  it("retirement drops the account's table even when every id was already released", () => {
    const { engine, policy } = build();
    const open = [];
    for (let i = 0; i < 100; i++) {
      const r = engine.executePreTrade(order(`A${i}`));
      if (!r.ok) throw new Error("rejected");
      open.push(r.reservation);
    }
    for (const r of open) r.rollback();
    expect([policy.size, policy.accountsHeld]).toEqual([0, 1]);
    expect(engine.retireAccount(ACCOUNT)).toEqual({ ok: true });
    expect(policy.accountsHeld).toBe(0);
    // Retiring an account the policy never saw changes nothing.
    expect(engine.retireAccount(OTHER_ACCOUNT)).toEqual({ ok: true });
    expect(policy.accountsHeld).toBe(0);
  });

  it("retention: forgotten at exactly retentionMs; 0 keeps ids until released", () => {
    const { engine, clock } = build({ retentionMs: 500 });
    expect(engine.executePreTrade(order("A")).ok).toBe(true);
    clock.set(499);
    expect(engine.executePreTrade(order("A")).ok).toBe(false);
    clock.set(500);
    expect(engine.executePreTrade(order("A")).ok).toBe(true);
    const forever = build({ retentionMs: 0 });
    expect(forever.engine.executePreTrade(order("A")).ok).toBe(true);
    forever.clock.set(10 ** 12);
    expect(forever.engine.executePreTrade(order("A")).ok).toBe(false);
  });

  it("dry runs and drop copies: dry runs read only; a drop copy registers its id and is never refused", () => {
    const { engine, policy } = build();
    expect(engine.executePreTradeDryRun(order("A")).isPass).toBe(true);
    expect(policy.size).toBe(0);
    engine.executePreTradeDropCopy(order("A")).commit();
    expect(policy.size).toBe(1);
    expect(engine.executePreTradeDryRun(order("A")).rejects.map((r) => r.code)).toEqual(["DuplicateClientOrderId"]);
    engine.executePreTradeDropCopy(order("A")).commit();
  });

  it("settings are validated naming the field; snapshots carry ids and an open reservation's release", () => {
    expect(() => parseClientOrderIdSettingsJson({ retentionMs: -1 }, "p")).toThrow(new SettingsValidationError("p.retentionMs: must be an integer in 0..1099511627776"));
    expect(() => parseClientOrderIdSettingsJson({ keep: 1 }, "p")).toThrow(new SettingsValidationError("p.keep: unknown field (expected one of: retentionMs)"));
    expect(parseClientOrderIdSettingsJson(undefined)).toEqual({ retentionMs: 86_400_000 });
    const { engine } = build();
    const open = engine.executePreTrade(order("A"));
    if (!open.ok) throw new Error("rejected");
    const fresh = build();
    fresh.engine.restoreState(engine.snapshotState());
    const restored = fresh.engine.restoreReservation(open.reservation.toData());
    expect(fresh.engine.executePreTrade(order("A")).ok).toBe(false);
    restored.rollback();
    expect(fresh.engine.executePreTrade(order("A")).ok).toBe(true);
  });

  it("an id past its retention behind a younger one (time stepped back) is taken over in its place by a new order", () => {
    const { engine, policy, clock } = build({ retentionMs: 1_000 });
    clock.set(1_000);
    expect(engine.executePreTrade(order("A")).ok).toBe(true);
    clock.set(0);
    expect(engine.executePreTrade(order("B")).ok).toBe(true);
    // At 1500 A (1000) is still known, so expiry stops at it; B (0) is past retention but still stored.
    clock.set(1_500);
    expect(engine.executePreTrade(order("B")).ok).toBe(true);
    expect(policy.size).toBe(2);
    expect(policy.snapshotState().known.map((e) => [e.clientOrderId, e.since])).toEqual([
      ["A", 1_000],
      ["B", 1_500],
    ]);
    expect(engine.executePreTrade(order("B")).ok).toBe(false);
  });
});
