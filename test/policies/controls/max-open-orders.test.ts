/** MaxOpenOrdersPolicy: counts from the account book, at the limit and past it, finality, rollback, tiers, retune, dry run. */
import { describe, expect, it } from "vitest";
import { MaxOpenOrdersPolicy, parseMaxOpenOrdersSettingsJson } from "../../../src/policies/index.js";
import { AccountGroupId } from "../../../src/param/index.js";
import { ACCOUNT, OTHER, expectNoAccountIds, fill, only, order, submit, world } from "../../helpers/controls.js";

function limited(json: unknown = { default: { maxOpenOrders: 2 } }) {
  return world(() => [new MaxOpenOrdersPolicy(parseMaxOpenOrdersSettingsJson(json))]);
}

const EXCEEDED = (open: number, max: number) => ["OpenOrderLimitExceeded", "open order limit exceeded", `${open} orders are open, max allowed: ${max}`, "order"];

describe("MaxOpenOrdersPolicy", () => {
  it("accepts up to the limit and rejects the next, until one is final", () => {
    const { engine } = limited();
    expect(submit(engine, order())).toEqual([]);
    expect(submit(engine, order())).toEqual([]);
    const past = submit(engine, order());
    expect(only(past)).toEqual(EXCEEDED(2, 2));
    expectNoAccountIds(past);
    engine.applyExecutionReport(fill("1", { final: false }));
    expect(only(submit(engine, order()))).toEqual(EXCEEDED(2, 2));
    engine.applyExecutionReport(fill("1", { final: true }));
    expect(submit(engine, order())).toEqual([]);
  });

  it("counts open reservations and gives the slot back on rollback", () => {
    const { engine } = limited({ default: { maxOpenOrders: 1 } });
    const r = engine.executePreTrade(order());
    expect(r.ok).toBe(true);
    expect(only(submit(engine, order()))).toEqual(EXCEEDED(1, 1));
    if (r.ok) r.reservation.rollback();
    expect(submit(engine, order())).toEqual([]);
  });

  it("counts drop copies and keeps accounts apart", () => {
    const { engine } = limited({ default: { maxOpenOrders: 1 } });
    engine.executePreTradeDropCopy(order()).commit();
    expect(only(submit(engine, order()))).toEqual(EXCEEDED(1, 1));
    expect(submit(engine, order({ account: OTHER }))).toEqual([]);
  });

  it("resolves account, then group, then default; an account no tier covers is refused (fail closed)", () => {
    const { engine } = limited({ groups: [{ group: 3, limit: { maxOpenOrders: 0 } }], accounts: [{ accountId: "99224416", limit: { maxOpenOrders: 1 } }] });
    expect(submit(engine, order())).toEqual([]);
    expect(only(submit(engine, order()))).toEqual(EXCEEDED(1, 1));
    expect(only(submit(engine, order({ account: OTHER })))).toEqual([
      "RiskConfigurationMissing",
      "open order limit not configured",
      "no open order limit applies to this account",
      "order",
    ]);
    // A drop copy is already at the venue: taken into the book.
    expect(engine.applyDropCopy(order({ account: OTHER })).rejects).toEqual([]);
    expect(engine.book.openOrders(OTHER)).toBe(1);
    engine.accounts().registerGroup([OTHER], AccountGroupId.fromU32(3));
    expect(only(submit(engine, order({ account: OTHER })))).toEqual(EXCEEDED(1, 0));
  });

  it("answers a dry run without counting, and applies a runtime change to the next order", () => {
    const { engine } = limited({ default: { maxOpenOrders: 1 } });
    expect(engine.executePreTradeDryRun(order()).isPass).toBe(true);
    expect(engine.book.openOrders(ACCOUNT)).toBe(0);
    submit(engine, order());
    expect(engine.executePreTradeDryRun(order()).rejects[0]!.code).toBe("OpenOrderLimitExceeded");
    engine.configure().update("MaxOpenOrdersPolicy", MaxOpenOrdersPolicy, (d) => {
      d.default = { maxOpenOrders: 2 };
    });
    expect(submit(engine, order())).toEqual([]);
    expect(only(submit(engine, order()))).toEqual(EXCEEDED(2, 2));
  });

  // docs/controls.md, "Reports before a commit" (found by review).
  it("counts exactly when an order is committed before its final report, or when its reports name its client order id; a rollback after an anonymous final report frees a second slot (the limit left)", () => {
    const committed = limited({ default: { maxOpenOrders: 1 } }).engine;
    const a = committed.executePreTrade(order());
    if (!a.ok) throw new Error("A refused");
    a.reservation.commit();
    committed.applyExecutionReport(fill("1", { final: true }));
    expect(submit(committed, order())).toEqual([]);
    expect(only(submit(committed, order()))).toEqual(EXCEEDED(1, 1));

    const named = limited({ default: { maxOpenOrders: 1 } }).engine;
    const early = named.executePreTrade({ ...order(), clientOrderId: "A" });
    if (!early.ok) throw new Error("A refused");
    named.applyExecutionReport({ ...fill("1", { final: true }), clientOrderId: "A" }); // A's final report before its commit
    expect(submit(named, order())).toEqual([]); // B
    early.reservation.rollback(); // A's reservation rolled back (disconnect before the commit)
    expect(only(submit(named, order()))).toEqual(EXCEEDED(1, 1)); // B still counted

    const anonymous = limited({ default: { maxOpenOrders: 1 } }).engine;
    const raced = anonymous.executePreTrade({ ...order(), clientOrderId: "A" });
    if (!raced.ok) throw new Error("A refused");
    anonymous.applyExecutionReport(fill("1", { final: true })); // no client order id: nothing to match
    expect(submit(anonymous, order())).toEqual([]);
    raced.reservation.rollback();
    expect(anonymous.book.openOrders(ACCOUNT)).toBe(0); // B is open: the count is one short
  });

  it("validates settings naming the field", () => {
    expect(() => parseMaxOpenOrdersSettingsJson({ default: { maxOpenOrders: -1 } })).toThrow("settings.default.maxOpenOrders: must be an integer in 0..");
    expect(() => parseMaxOpenOrdersSettingsJson({ groups: [{ group: 0, limit: { maxOpenOrders: 1 } }] })).toThrow("settings.groups[0].group: must be an integer in 1..4294967295");
    expect(() => parseMaxOpenOrdersSettingsJson({ defaults: {} })).toThrow("settings.defaults: unknown field");
  });
});
