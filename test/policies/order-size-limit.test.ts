import { describe, expect, it } from "vitest";
import { PolicyConfigureError, SettingsValidationError } from "../../src/engine/index.js";
import { Quantity, Volume } from "../../src/param/index.js";
import {
  OrderSizeLimitPolicy,
  parseOrderSizeLimitSettingsJson,
  type OrderSizeLimit,
  type OrderSizeLimitSettings,
} from "../../src/policies/index.js";
import { ACCOUNT, engineWith, onlyReject, order, OTHER_ACCOUNT, SAP_EUR, submit } from "../helpers/start-policies.js";

const NAME = "OrderSizeLimitPolicy";
const DECIMAL_MAX = "79228162514264337593543950335";

function limit(maxQuantity: string, maxNotional: string): OrderSizeLimit {
  return { maxQuantity: Quantity.fromString(maxQuantity), maxNotional: Volume.fromString(maxNotional) };
}

function settings(s: Partial<OrderSizeLimitSettings>): OrderSizeLimitSettings {
  return { assetBarriers: [], accountAssetBarriers: [], ...s };
}

function sized(s: Partial<OrderSizeLimitSettings>) {
  return engineWith(new OrderSizeLimitPolicy(settings(s)));
}

const USD_10_1000 = { assetBarriers: [{ settlementAsset: "USD", limit: limit("10", "1000") }] };

function validationError(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    if (e instanceof SettingsValidationError || e instanceof PolicyConfigureError) return e;
    throw e;
  }
  throw new Error("expected a validation error");
}

describe("OrderSizeLimitPolicy: scenarios", () => {
  it("S1: USD qty 10 / notional 1000: quantity, notional, both, and an exact fit", () => {
    const { engine } = sized(USD_10_1000);
    expect(onlyReject(submit(engine, order({ qty: "11", price: "90" })))).toEqual({
      policy: NAME,
      code: "OrderQtyExceedsLimit",
      reason: "order quantity exceeded",
      details: "requested 11, max allowed: 10",
      scope: "order",
    });
    expect(onlyReject(submit(engine, order({ qty: "10", price: "101" })))).toEqual({
      policy: NAME,
      code: "OrderNotionalExceedsLimit",
      reason: "order notional exceeded",
      details: "requested 1010, max allowed: 1000",
      scope: "order",
    });
    expect(onlyReject(submit(engine, order({ qty: "11", price: "100" })))).toEqual({
      policy: NAME,
      code: "OrderExceedsLimit",
      reason: "order size exceeded",
      details: "requested quantity 11, max allowed: 10; requested notional 1100, max allowed: 1000",
      scope: "order",
    });
    expect(submit(engine, order({ qty: "10", price: "100" })).ok).toBe(true);
  });

  it("S2: a limit only for EUR lets a USD order through", () => {
    const { engine } = sized({ assetBarriers: [{ settlementAsset: "EUR", limit: limit("1", "1000000") }] });
    expect(submit(engine, order({ qty: "1000", price: "1000" })).ok).toBe(true);
    expect(onlyReject(submit(engine, order({ instrument: SAP_EUR, qty: "2" }))).code).toBe("OrderQtyExceedsLimit");
  });

  it("S3: price = Decimal::MAX, qty 2: the notional overflows", () => {
    const { engine } = sized({ assetBarriers: [{ settlementAsset: "USD", limit: limit("100", "1000") }] });
    expect(onlyReject(submit(engine, order({ qty: "2", price: DECIMAL_MAX })))).toEqual({
      policy: NAME,
      code: "OrderValueCalculationFailed",
      reason: "order value calculation failed",
      details: "price or quantity could not be used to evaluate order notional",
      scope: "order",
    });
  });

  it("S4: asset max 10, account+asset max 5, qty 6: account scope, which latches a block", () => {
    const { engine } = sized({
      assetBarriers: [{ settlementAsset: "USD", limit: limit("10", "1000000") }],
      accountAssetBarriers: [{ accountId: ACCOUNT, settlementAsset: "USD", limit: limit("5", "1000000") }],
    });
    expect(onlyReject(submit(engine, order({ qty: "6" })))).toEqual({
      policy: NAME,
      code: "OrderQtyExceedsLimit",
      reason: "order quantity exceeded",
      details: "requested 6, max allowed: 5",
      scope: "account",
    });
    expect(onlyReject(submit(engine, order({ qty: "1" })))).toMatchObject({
      policy: NAME,
      code: "AccountBlocked",
      reason: "order quantity exceeded",
      details: "requested 6, max allowed: 5",
    });
    expect(submit(engine, order({ account: OTHER_ACCOUNT, qty: "6" })).ok).toBe(true);
  });

  it("S5: asset max 5, account+asset max 100, qty 10: that account passes, another is rejected (order scope)", () => {
    const { engine } = sized({
      assetBarriers: [{ settlementAsset: "USD", limit: limit("5", "1000000") }],
      accountAssetBarriers: [{ accountId: ACCOUNT, settlementAsset: "USD", limit: limit("100", "1000000") }],
    });
    expect(submit(engine, order({ qty: "10" })).ok).toBe(true);
    expect(onlyReject(submit(engine, order({ account: OTHER_ACCOUNT, qty: "10" })))).toMatchObject({
      code: "OrderQtyExceedsLimit",
      details: "requested 10, max allowed: 5",
      scope: "order",
    });
  });

  it("S6: broker max 5, asset max 3, qty 6: one reject, the asset one", () => {
    const { engine } = sized({
      broker: limit("5", "1000000"),
      assetBarriers: [{ settlementAsset: "USD", limit: limit("3", "1000000") }],
    });
    const result = submit(engine, order({ qty: "6" }));
    expect(result.rejects).toHaveLength(1);
    expect(onlyReject(result).details).toBe("requested 6, max allowed: 3");
  });
});

describe("OrderSizeLimitPolicy: resolution", () => {
  it("the broker limit applies in addition to a passing asset limit", () => {
    const { engine } = sized({
      broker: limit("5", "1000000"),
      assetBarriers: [{ settlementAsset: "USD", limit: limit("10", "1000000") }],
    });
    expect(onlyReject(submit(engine, order({ qty: "6" })))).toMatchObject({
      code: "OrderQtyExceedsLimit",
      details: "requested 6, max allowed: 5",
      scope: "order",
    });
    expect(onlyReject(submit(engine, order({ instrument: SAP_EUR, qty: "6" }))).details).toBe("requested 6, max allowed: 5");
  });

  it("when the account+asset and broker limits both breach, only the account+asset reject is returned", () => {
    const { engine } = sized({
      broker: limit("2", "1000000"),
      accountAssetBarriers: [{ accountId: ACCOUNT, settlementAsset: "USD", limit: limit("3", "1000000") }],
    });
    expect(onlyReject(submit(engine, order({ qty: "4" })))).toMatchObject({
      details: "requested 4, max allowed: 3",
      scope: "account",
    });
  });

});

describe("OrderSizeLimitPolicy: derivations and failures", () => {
  it("a volume order's quantity is volume / |price|", () => {
    const { engine } = sized({ assetBarriers: [{ settlementAsset: "USD", limit: limit("9", "1000") }] });
    expect(onlyReject(submit(engine, order({ volume: "1000", price: "100" }))).details).toBe("requested 10, max allowed: 9");
    expect(onlyReject(submit(engine, order({ volume: "1000", price: "-100" }))).details).toBe("requested 10, max allowed: 9");
    expect(submit(engine, order({ volume: "900", price: "100" })).ok).toBe(true);
    // 1001 / 250 = 4.004 fits; the volume itself is the notional.
    expect(onlyReject(submit(engine, order({ volume: "1001", price: "250" })))).toMatchObject({
      code: "OrderNotionalExceedsLimit",
      details: "requested 1001, max allowed: 1000",
    });
    expect(onlyReject(submit(engine, order({ volume: "2000", price: "0.5" })))).toMatchObject({
      code: "OrderExceedsLimit",
      details: "requested quantity 4000, max allowed: 9; requested notional 2000, max allowed: 1000",
    });
  });

  it("a quantity order's notional is |price| × quantity, keeping the scale", () => {
    const { engine } = sized(USD_10_1000);
    expect(onlyReject(submit(engine, order({ qty: "10", price: "100.50" }))).details).toBe("requested 1005.00, max allowed: 1000");
    expect(onlyReject(submit(engine, order({ qty: "3", price: "-400" }))).details).toBe("requested 1200, max allowed: 1000");
    expect(submit(engine, order({ qty: "10", price: "-100.00" })).ok).toBe(true);
  });

  it("a missing price cannot be evaluated, for quantity and volume orders", () => {
    const { engine } = sized(USD_10_1000);
    for (const o of [order({ qty: "1", price: null }), order({ volume: "10", price: null })]) {
      expect(onlyReject(submit(engine, o))).toEqual({
        policy: NAME,
        code: "OrderValueCalculationFailed",
        reason: "order value calculation failed",
        details: "price not provided for evaluating cash flow/notional/volume",
        scope: "order",
      });
    }
  });

  it("a volume order at price 0 or with an out-of-range quantity cannot be evaluated", () => {
    const { engine } = sized(USD_10_1000);
    for (const o of [order({ volume: "10", price: "0" }), order({ volume: DECIMAL_MAX, price: "0.5" })]) {
      expect(onlyReject(submit(engine, o))).toMatchObject({
        code: "OrderValueCalculationFailed",
        details: "price or volume could not be used to evaluate order quantity",
      });
    }
  });

  it("missing instrument, account id or trade amount are MissingRequiredField", () => {
    const { engine } = sized({
      accountAssetBarriers: [{ accountId: ACCOUNT, settlementAsset: "USD", limit: limit("10", "1000") }],
    });
    const cases: [ReturnType<typeof order>, string][] = [
      [order({ instrument: null }), "instrument"],
      [order({ account: null }), "account ID"],
      [order({ qty: null }), "trade amount"],
    ];
    for (const [o, field] of cases) {
      expect(onlyReject(submit(engine, o))).toEqual({
        policy: NAME,
        code: "MissingRequiredField",
        reason: `failed to access required field '${field}'`,
        details: `failed to access required field '${field}'`,
        scope: "order",
      });
    }
  });

  it("dry runs give the real verdict", () => {
    const { engine } = sized(USD_10_1000);
    expect(engine.executePreTradeDryRun(order({ qty: "11", price: "90" })).rejects[0]!.code).toBe("OrderQtyExceedsLimit");
    expect(engine.startPreTradeDryRun(order({ qty: "10" })).isPass).toBe(true);
  });
});

describe("OrderSizeLimitPolicy: settings", () => {
  it("no barrier is NoBarriersConfigured", () => {
    expect(validationError(() => new OrderSizeLimitPolicy(settings({}))).message).toBe(
      "NoBarriersConfigured: at least one broker, asset, or account+asset barrier must be configured",
    );
  });

  it("duplicate keys: the last entry wins", () => {
    const { engine } = sized({
      assetBarriers: [
        { settlementAsset: "USD", limit: limit("100", "100000") },
        { settlementAsset: "USD", limit: limit("1", "100000") },
      ],
    });
    expect(onlyReject(submit(engine, order({ qty: "2" }))).details).toBe("requested 2, max allowed: 1");
  });

  it("runtime reconfiguration replaces the axes and refuses removing every barrier (old settings kept)", () => {
    const policy = new OrderSizeLimitPolicy(settings(USD_10_1000));
    const { engine } = engineWith(policy);
    engine.configure().update(NAME, OrderSizeLimitPolicy, (draft) => {
      draft.assetBarriers[0]!.limit.maxQuantity = Quantity.fromString("4");
      draft.broker = limit("3", "1000000");
    });
    expect(onlyReject(submit(engine, order({ qty: "5" }))).details).toBe("requested 5, max allowed: 4");
    expect(onlyReject(submit(engine, order({ qty: "4" }))).details).toBe("requested 4, max allowed: 3");

    const error = validationError(() =>
      engine.configure().update(NAME, OrderSizeLimitPolicy, (draft) => {
        draft.assetBarriers = [];
        delete draft.broker;
      }),
    );
    expect(error).toBeInstanceOf(PolicyConfigureError);
    expect((error as PolicyConfigureError).kind).toBe("Validation");
    expect(error.message).toMatch(/^NoBarriersConfigured: /);
    expect(policy.settingsDraft().assetBarriers[0]!.limit.maxQuantity.toString()).toBe("4");
    expect(onlyReject(submit(engine, order({ qty: "4" }))).details).toBe("requested 4, max allowed: 3");
  });

  it("parses the JSON form", () => {
    const parsed = parseOrderSizeLimitSettingsJson({
      broker: { maxQuantity: "1000", maxNotional: "1000000.50" },
      assetBarriers: [{ settlementAsset: "USD", limit: { maxQuantity: "10", maxNotional: "1000" } }],
      accountAssetBarriers: [{ accountId: "42", settlementAsset: "USD", limit: { maxQuantity: "5", maxNotional: "500" } }],
    });
    expect(parsed.broker!.maxNotional.toString()).toBe("1000000.50");
    expect(parsed.accountAssetBarriers[0]!.accountId).toBe(OTHER_ACCOUNT);
    const { engine } = engineWith(new OrderSizeLimitPolicy(parsed));
    expect(onlyReject(submit(engine, order({ account: OTHER_ACCOUNT, qty: "6", price: "10" })))).toMatchObject({
      details: "requested 6, max allowed: 5",
      scope: "account",
    });
    expect(onlyReject(submit(engine, order({ qty: "11", price: "10" }))).details).toBe("requested 11, max allowed: 10");
  });

  it("a policy's settings written as JSON (decimals as strings, ids as digit strings) parse back unchanged", () => {
    const policy = new OrderSizeLimitPolicy(
      settings({
        broker: limit("1000.50", "250000.00"),
        accountAssetBarriers: [{ accountId: ACCOUNT, settlementAsset: "USD", limit: limit("5", "500") }],
      }),
    );
    const text = JSON.stringify(policy.settingsDraft(), (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
    const back = parseOrderSizeLimitSettingsJson(JSON.parse(text));
    expect(back.broker!.maxQuantity.toString()).toBe("1000.50");
    expect(back.broker!.maxNotional.toString()).toBe("250000.00");
    expect(back.accountAssetBarriers[0]!.accountId).toBe(ACCOUNT);
    expect(JSON.stringify(back, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).toBe(text);
  });

  it("JSON errors name the field path", () => {
    const cases: [unknown, string][] = [
      [{ broker: { maxQuantity: "-1", maxNotional: "1" } }, "settings.broker.maxQuantity: "],
      [{ broker: { maxQuantity: "1", maxNotional: 5 } }, "settings.broker.maxNotional: must be a decimal string"],
      [{ broker: { maxQuantity: "1" } }, "settings.broker.maxNotional: must be a decimal string"],
      [{ assetBarriers: [{ settlementAsset: "USD", limit: { maxQuantity: "1e3", maxNotional: "1" } }] }, "settings.assetBarriers[0].limit.maxQuantity: "],
      [{ accountAssetBarriers: [{ accountId: "x", settlementAsset: "USD", limit: { maxQuantity: "1", maxNotional: "1" } }] }, "settings.accountAssetBarriers[0].accountId: "],
      [{ assetBarriers: [{ asset: "USD" }] }, "settings.assetBarriers[0].asset: unknown field"],
      [{}, "settings: NoBarriersConfigured: "],
    ];
    for (const [json, prefix] of cases) {
      const error = validationError(() => parseOrderSizeLimitSettingsJson(json));
      expect(error.message.startsWith(prefix), `${error.message} should start with ${prefix}`).toBe(true);
    }
  });
});
