/**
 * Found by review, session 34: ClientOrderIdPolicy gave a retry its id's first decision on
 * (account, id) alone, whatever order the retry carried. It now keeps the first order's
 * fingerprint with the decision (order-fingerprint.ts): the same order (decimals by value)
 * gets the decision, another one a DUPLICATE_CLIENT_ORDER_ID reject naming the first field
 * that differs; the fingerprint snapshots bit for bit, and an entry from a snapshot made
 * before fingerprints is unknown: its retry is answered as before.
 */
import { describe, expect, it } from "vitest";
import { Engine, ManualClock, SnapshotError } from "../../src/engine/index.js";
import { TradeAmount, type Order } from "../../src/model/index.js";
import { Leverage, Price, Quantity, Volume } from "../../src/param/index.js";
import { ClientOrderIdPolicy, parseClientOrderIdSettingsJson } from "../../src/policies/index.js";
import { canonicalDecimal, orderFingerprint } from "../../src/policies/client-order-id/order-fingerprint.js";
import { decodePlain, encodePlain } from "../../src/state/plain-data.js";
import { AAPL_USD, ACCOUNT, SAP_EUR } from "../helpers/start-policies.js";

function build() {
  const policy = new ClientOrderIdPolicy(parseClientOrderIdSettingsJson({ retentionMs: 0 }));
  return { engine: Engine.builder().clock(new ManualClock(0)).policy(policy).build(), policy };
}

const base = (over: Partial<NonNullable<Order["operation"]>> = {}, rest: Omit<Order, "operation"> = {}): Order => ({
  operation: { instrument: AAPL_USD, accountId: ACCOUNT, side: "BUY", tradeAmount: TradeAmount.quantity(Quantity.fromString("10")), price: Price.fromString("100"), ...over },
  clientOrderId: "A",
  ...rest,
});

/** The command `accepted` sends its order with (and a retry of it): an execute committed on accept. */
const EXECUTE = ["execute_pre_trade", true] as const;

/** Accepts `first` with id A and keeps `decision` for it, as the door does. */
function accepted(first: Order, decision: unknown = { answer: "first" }) {
  const b = build();
  const r = b.engine.executePreTrade(first);
  if (!r.ok) throw new Error("rejected");
  r.reservation.commit();
  b.policy.rememberDecision(ACCOUNT, "A", first, decision, ...EXECUTE);
  return b;
}

const differs = (field: string, now: string, was: string) => ({
  rejects: [
    {
      code: "DuplicateClientOrderId",
      reason: "retry differs from the first order",
      details: `the retried order differs from the one first sent with client order id 'A': ${field} is ${now}, was ${was}; a retry must repeat the first order field for field`,
      scope: "order",
    },
  ],
});

describe("ClientOrderIdPolicy: a retry is answered only for the order first sent with the id", () => {
  it("the same order gets the first decision, decimals compared by value; an unknown id gets nothing (runs as new)", () => {
    const { policy } = accepted(base());
    expect(policy.firstAnswer(ACCOUNT, "A", { ...base(), retry: true }, 0, ...EXECUTE)).toEqual({ decision: { answer: "first" } });
    const rescaled = base({ tradeAmount: TradeAmount.quantity(Quantity.fromString("10.000")), price: Price.fromString("100.0") });
    expect(policy.firstAnswer(ACCOUNT, "A", rescaled, 0, ...EXECUTE)).toEqual({ decision: { answer: "first" } });
    expect(policy.firstAnswer(ACCOUNT, "B", base(), 0, ...EXECUTE)).toBeUndefined();
  });

  it("another order is rejected, naming the first field that differs with both values", () => {
    const { policy } = accepted(base({}, { position: { positionSide: "LONG" }, margin: { leverage: Leverage.fromString("2"), collateralAsset: "USD" } }));
    const retry = (over: Partial<NonNullable<Order["operation"]>>, rest: Omit<Order, "operation"> = { position: { positionSide: "LONG" }, margin: { leverage: Leverage.fromString("2.0"), collateralAsset: "USD" } }) =>
      policy.firstAnswer(ACCOUNT, "A", base(over, rest), 0, ...EXECUTE);
    expect(retry({})).toEqual({ decision: { answer: "first" } });
    expect(retry({ instrument: SAP_EUR })).toEqual(differs("instrument.underlying_asset", "SAP", "AAPL"));
    expect(retry({ side: "SELL" })).toEqual(differs("side", "SELL", "BUY"));
    expect(retry({ tradeAmount: TradeAmount.quantity(Quantity.fromString("10.5")) })).toEqual(differs("trade_amount", "quantity 10.5", "quantity 10"));
    expect(retry({ tradeAmount: TradeAmount.volume(Volume.fromString("10")) })).toEqual(differs("trade_amount", "volume 10", "quantity 10"));
    expect(retry({ price: undefined })).toEqual(differs("price", "absent", "100"));
    expect(retry({}, { margin: { leverage: Leverage.fromString("2"), collateralAsset: "USD" } })).toEqual(differs("position_side", "absent", "LONG"));
    expect(retry({}, { position: { positionSide: "LONG", reduceOnly: true }, margin: { leverage: Leverage.fromString("2"), collateralAsset: "USD" } })).toEqual(
      differs("reduce_only", "true", "false"),
    );
    expect(retry({}, { position: { positionSide: "LONG" }, margin: { leverage: Leverage.fromString("3"), collateralAsset: "USD" } })).toEqual(differs("leverage", "3.0", "2.0"));
    expect(retry({}, { position: { positionSide: "LONG" }, margin: { leverage: Leverage.fromString("2") } })).toEqual(differs("collateral_asset", "absent", "USD"));
  });

  it("defaults the wire cannot tell from absent parts are the same order", () => {
    const { policy } = accepted(base());
    const spelled = base({}, { position: { positionSide: undefined, reduceOnly: false, closePosition: false }, margin: { autoBorrow: false } });
    expect(policy.firstAnswer(ACCOUNT, "A", spelled, 0, ...EXECUTE)).toEqual({ decision: { answer: "first" } });
  });

  it("a drop copy under a known id does not replace the first order's fingerprint", () => {
    const { engine, policy } = accepted(base());
    const copy = base({ tradeAmount: TradeAmount.quantity(Quantity.fromString("3")) });
    engine.executePreTradeDropCopy(copy).commit();
    policy.rememberDecision(ACCOUNT, "A", copy, { answer: "drop copy" }, "execute_pre_trade_drop_copy", true);
    expect(policy.firstAnswer(ACCOUNT, "A", copy, 0, ...EXECUTE)).toEqual(differs("trade_amount", "quantity 3", "quantity 10"));
    expect(policy.firstAnswer(ACCOUNT, "A", base(), 0, ...EXECUTE)).toEqual({ decision: { answer: "first" } });
  });

  it("the fingerprint survives a snapshot and a restore, and snapshots again bit for bit", () => {
    const { policy } = accepted(base());
    const bytes = encodePlain(policy.snapshotState());
    const restored = build().policy;
    restored.restoreState(decodePlain(bytes));
    expect(restored.snapshotState().known[0]!.fingerprint).toBe(orderFingerprint(base()));
    expect(encodePlain(restored.snapshotState())).toEqual(bytes);
    expect(restored.firstAnswer(ACCOUNT, "A", base({ tradeAmount: TradeAmount.quantity(Quantity.fromString("100000")) }), 0, ...EXECUTE)).toEqual(
      differs("trade_amount", "quantity 100000", "quantity 10"),
    );
    expect(restored.firstAnswer(ACCOUNT, "A", base(), 0, ...EXECUTE)).toEqual({ decision: { answer: "first" } });
  });

  it("a snapshot made before fingerprints restores; its entries are unknown and a retry is answered as before", () => {
    const { policy } = accepted(base());
    const snap = policy.snapshotState();
    // Made before fingerprints, so before commands were kept too.
    const legacy = { ...snap, known: snap.known.map(({ fingerprint: _f, command: _c, commitOnAccept: _a, ...e }) => e) };
    expect(Object.keys(legacy.known[0]!)).not.toContain("fingerprint");
    const restored = build().policy;
    restored.restoreState(decodePlain(encodePlain(legacy)));
    expect(restored.firstAnswer(ACCOUNT, "A", base({ tradeAmount: TradeAmount.quantity(Quantity.fromString("100000")) }), 0, ...EXECUTE)).toEqual({ decision: { answer: "first" } });
    // And it snapshots as it came (no fingerprint invented).
    expect(encodePlain(restored.snapshotState())).toEqual(encodePlain(legacy));
  });

  it("a snapshot whose fingerprint is not a string is refused as malformed", () => {
    const { policy } = accepted(base());
    const snap = policy.snapshotState();
    const bad = { ...snap, known: snap.known.map((e) => ({ ...e, fingerprint: 7 })) };
    expect(() => build().policy.restoreState(bad)).toThrow(SnapshotError);
  });

  it("the fingerprint's text is pinned (a change of it must raise FINGERPRINT_FORMAT), and any asset text is unambiguous", () => {
    expect(orderFingerprint(base())).toBe("1:14:AAPL3:USD3:BUY11:quantity 103:100-5:false5:false--5:false");
    const split = (u: string, s: string) => orderFingerprint(base({ instrument: { underlyingAsset: u, settlementAsset: s } }));
    expect(split("AB", "C")).not.toBe(split("A", "BC"));
    expect(split("1:A-", "-")).not.toBe(split("1", "A--"));
    const { policy } = accepted(base({ instrument: { underlyingAsset: "X:1-|", settlementAsset: "USD" } }));
    expect(policy.firstAnswer(ACCOUNT, "A", base({ instrument: { underlyingAsset: "X:1-", settlementAsset: "USD" } }), 0, ...EXECUTE)).toEqual(
      differs("instrument.underlying_asset", "X:1-", "X:1-|"),
    );
  });

  it("canonical decimals: trailing zeros of the fraction dropped, nothing else", () => {
    expect(["10", "10.0", "10.50", "0.000", "-0.0", "-1.10", "1000", "0.001"].map((t) => canonicalDecimal(Price.fromString(t)))).toEqual([
      "10",
      "10",
      "10.5",
      "0",
      "0",
      "-1.1",
      "1000",
      "0.001",
    ]);
    expect(canonicalDecimal(Quantity.fromString("1234567890123456789.1234567890"))).toBe("1234567890123456789.123456789");
  });
});
