import { describe, expect, it } from "vitest";
import { OrderValidationPolicy } from "../../src/policies/index.js";
import { PolicyGroupId } from "../../src/param/index.js";
import { engineWith, onlyReject, order, submit } from "../helpers/start-policies.js";

describe("OrderValidationPolicy", () => {
  it("V1: zero quantity is rejected with InvalidFieldValue", () => {
    const { engine } = engineWith(new OrderValidationPolicy());
    const r = onlyReject(engine.executePreTrade(order({ qty: "0", price: "10" })));
    expect(r).toEqual({
      policy: "OrderValidationPolicy",
      code: "InvalidFieldValue",
      reason: "order quantity must be non-zero",
      details: "requested quantity 0 is not allowed",
      scope: "order",
    });
  });

  it("V1: a zero written with a scale (0.00) is still zero, with the same fixed text", () => {
    const { engine } = engineWith(new OrderValidationPolicy());
    const r = onlyReject(engine.executePreTrade(order({ qty: "0.00" })));
    expect(r.details).toBe("requested quantity 0 is not allowed");
  });

  it("zero volume is rejected with InvalidFieldValue", () => {
    const { engine } = engineWith(new OrderValidationPolicy());
    const r = onlyReject(engine.executePreTrade(order({ volume: "0", price: null })));
    expect(r).toMatchObject({
      code: "InvalidFieldValue",
      reason: "order volume must be non-zero",
      details: "requested volume 0 is not allowed",
      scope: "order",
    });
  });

  it("V2: qty 5 without price, volume 10 without price, qty 2 at -1 all pass both stages", () => {
    const { engine } = engineWith(new OrderValidationPolicy());
    for (const o of [order({ qty: "5", price: null }), order({ volume: "10", price: null }), order({ qty: "2", price: "-1" })]) {
      const result = submit(engine, o);
      expect(result.ok).toBe(true);
    }
  });

  it("a missing trade amount is MissingRequiredField", () => {
    const { engine } = engineWith(new OrderValidationPolicy());
    const r = onlyReject(engine.executePreTrade(order({ qty: null })));
    expect(r).toMatchObject({
      code: "MissingRequiredField",
      reason: "failed to access required field 'trade amount'",
      details: "failed to access required field 'trade amount'",
      scope: "order",
    });
  });

  it("does not need account, instrument or price", () => {
    const { engine } = engineWith(new OrderValidationPolicy());
    expect(submit(engine, order({ account: null, instrument: null, price: null })).ok).toBe(true);
  });

  it("dry runs give the same verdict and the policy name and group are fixed", () => {
    const policy = new OrderValidationPolicy({ policyGroupId: PolicyGroupId.fromU16(3) });
    expect(policy.name).toBe(OrderValidationPolicy.NAME);
    expect(policy.policyGroupId).toBe(3);
    const { engine } = engineWith(policy);
    const dry = engine.startPreTradeDryRun(order({ qty: "0" }));
    expect(dry.isPass).toBe(false);
    expect(dry.rejects[0]!.reason).toBe("order quantity must be non-zero");
    expect(engine.executePreTradeDryRun(order({ qty: "3" })).isPass).toBe(true);
  });
});
