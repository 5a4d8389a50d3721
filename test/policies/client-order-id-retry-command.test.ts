/**
 * Found by review: ClientOrderIdPolicy answered a retry whose order matched the id's first,
 * whatever command sent it (a start retry got an execute's answer; an execute asking a commit
 * on accept got the first's open reservation, or the reverse). The command and its
 * commit_on_accept are now kept with the decision as plain data (`command`, `commitOnAccept`
 * in the snapshot, next to the fingerprint) and a retry sent otherwise is rejected
 * DUPLICATE_CLIENT_ORDER_ID naming what differs. They snapshot bit for bit; an entry from a
 * snapshot made before them (with a fingerprint, session 34's, or without) is answered as before.
 */
import { describe, expect, it } from "vitest";
import { Engine, ManualClock, SnapshotError } from "../../src/engine/index.js";
import { TradeAmount, type Order } from "../../src/model/index.js";
import { Price, Quantity } from "../../src/param/index.js";
import { ClientOrderIdPolicy, parseClientOrderIdSettingsJson } from "../../src/policies/index.js";
import { orderFingerprint } from "../../src/policies/client-order-id/order-fingerprint.js";
import { decodePlain, encodePlain } from "../../src/state/plain-data.js";
import { AAPL_USD, ACCOUNT } from "../helpers/start-policies.js";

function build() {
  const policy = new ClientOrderIdPolicy(parseClientOrderIdSettingsJson({ retentionMs: 0 }));
  return { engine: Engine.builder().clock(new ManualClock(0)).policy(policy).build(), policy };
}

const base = (qty = "10"): Order => ({
  operation: { instrument: AAPL_USD, accountId: ACCOUNT, side: "BUY", tradeAmount: TradeAmount.quantity(Quantity.fromString(qty)), price: Price.fromString("100") },
  clientOrderId: "A",
});

/** Accepts the order with id A, sent as an execute with `commitOnAccept`, and keeps its decision as the door does. */
function accepted(commitOnAccept: boolean) {
  const b = build();
  const r = b.engine.executePreTrade(base());
  if (!r.ok) throw new Error("rejected");
  if (commitOnAccept) r.reservation.commit();
  b.policy.rememberDecision(ACCOUNT, "A", base(), { answer: "first" }, "execute_pre_trade", commitOnAccept);
  return b;
}

const other = (field: string, now: string, was: string) => ({
  rejects: [
    {
      code: "DuplicateClientOrderId",
      reason: "retry differs from the first command",
      details: `the retried command differs from the one first sent with client order id 'A': ${field} is ${now}, was ${was}; a retry must repeat the first command (the same command, the same commit_on_accept)`,
      scope: "order",
    },
  ],
});
const FIRST = { decision: { answer: "first" } };

describe("ClientOrderIdPolicy: a retry is answered only for the command first sent with the id", () => {
  it("the same command gets the first decision; another command or commit on accept is rejected naming it, before the order's fields", () => {
    const { policy } = accepted(false);
    expect(policy.firstAnswer(ACCOUNT, "A", base(), 0, "execute_pre_trade", false)).toEqual(FIRST);
    expect(policy.firstAnswer(ACCOUNT, "A", base(), 0, "execute_pre_trade", true)).toEqual(other("commit_on_accept", "true", "false"));
    expect(policy.firstAnswer(ACCOUNT, "A", base(), 0, "start_pre_trade", false)).toEqual(other("command", "start_pre_trade", "execute_pre_trade"));
    expect(policy.firstAnswer(ACCOUNT, "A", base(), 0, "execute_pre_trade_drop_copy", false)).toEqual(other("command", "execute_pre_trade_drop_copy", "execute_pre_trade"));
    // Both differ: the command is named (it is what the gateway sent otherwise first).
    expect(policy.firstAnswer(ACCOUNT, "A", base("5"), 0, "start_pre_trade", false)).toEqual(other("command", "start_pre_trade", "execute_pre_trade"));
    expect(accepted(true).policy.firstAnswer(ACCOUNT, "A", base(), 0, "execute_pre_trade", false)).toEqual(other("commit_on_accept", "false", "true"));
  });

  it("the command survives a snapshot and a restore as plain data, and snapshots again bit for bit", () => {
    const { policy } = accepted(true);
    const snap = policy.snapshotState();
    expect(snap.known[0]).toMatchObject({ fingerprint: orderFingerprint(base()), command: "execute_pre_trade", commitOnAccept: true });
    const bytes = encodePlain(snap);
    const restored = build().policy;
    restored.restoreState(decodePlain(bytes));
    expect(encodePlain(restored.snapshotState())).toEqual(bytes);
    expect(restored.firstAnswer(ACCOUNT, "A", base(), 0, "execute_pre_trade", false)).toEqual(other("commit_on_accept", "false", "true"));
    expect(restored.firstAnswer(ACCOUNT, "A", base(), 0, "start_pre_trade", false)).toEqual(other("command", "start_pre_trade", "execute_pre_trade"));
    expect(restored.firstAnswer(ACCOUNT, "A", base(), 0, "execute_pre_trade", true)).toEqual(FIRST);
  });

  it("a snapshot made before commands were kept (session 34's: a fingerprint, no command) restores; any command is answered as before, the order still compared", () => {
    const { policy } = accepted(false);
    const snap = policy.snapshotState();
    const older = { ...snap, known: snap.known.map(({ command: _c, commitOnAccept: _a, ...e }) => e) };
    expect(Object.keys(older.known[0]!)).toEqual(["accountId", "clientOrderId", "since", "decision", "order", "fingerprint"]);
    const restored = build().policy;
    restored.restoreState(decodePlain(encodePlain(older)));
    expect(restored.firstAnswer(ACCOUNT, "A", base(), 0, "start_pre_trade", false)).toEqual(FIRST);
    expect(restored.firstAnswer(ACCOUNT, "A", base(), 0, "execute_pre_trade", true)).toEqual(FIRST);
    expect(restored.firstAnswer(ACCOUNT, "A", base(), 0, "execute_pre_trade_drop_copy", true)).toEqual(FIRST);
    expect(restored.firstAnswer(ACCOUNT, "A", base("5"), 0, "execute_pre_trade", false)?.rejects?.[0]?.reason).toBe("retry differs from the first order");
    // And it snapshots as it came (no command invented).
    expect(encodePlain(restored.snapshotState())).toEqual(encodePlain(older));
  });

  it("a snapshot whose command or commitOnAccept is malformed is refused", () => {
    const { policy } = accepted(false);
    const snap = policy.snapshotState();
    const withEntry = (over: Record<string, unknown>) => ({ ...snap, known: snap.known.map(({ command: _c, commitOnAccept: _a, ...e }) => ({ ...e, ...over })) });
    for (const over of [{ command: "execute" }, { command: 7, commitOnAccept: false }, { command: "execute_pre_trade" }, { commitOnAccept: false }, { command: "execute_pre_trade", commitOnAccept: "no" }]) {
      expect(() => build().policy.restoreState(withEntry(over)), JSON.stringify(over)).toThrow(SnapshotError);
    }
  });

  it("a drop copy under a known id leaves the first order's command in place", () => {
    const { engine, policy } = accepted(false);
    engine.executePreTradeDropCopy(base()).commit();
    policy.rememberDecision(ACCOUNT, "A", base(), { answer: "drop copy" }, "execute_pre_trade_drop_copy", true);
    expect(policy.firstAnswer(ACCOUNT, "A", base(), 0, "execute_pre_trade_drop_copy", true)).toEqual(other("command", "execute_pre_trade_drop_copy", "execute_pre_trade"));
    expect(policy.firstAnswer(ACCOUNT, "A", base(), 0, "execute_pre_trade", false)).toEqual(FIRST);
  });
});
