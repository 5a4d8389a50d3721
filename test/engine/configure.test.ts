import { describe, expect, it } from "vitest";
import {
  PolicyConfigureError,
  SettingsValidationError,
  type ConfigurablePolicy,
  type PolicyConfigurationResult,
  type PreTradeContext,
} from "../../src/engine/index.js";
import type { Order, PolicyReject } from "../../src/model/index.js";
import { Quantity, type AccountId } from "../../src/param/index.js";
import { ACCOUNT, engineWith, order, reject } from "../helpers/engine-core.js";

interface CapSettings {
  maxQty: Quantity;
}

/** A configurable test policy: a quantity cap plus a live counter that must survive retuning. */
class CapPolicy implements ConfigurablePolicy<CapSettings> {
  static readonly NAME = "CapPolicy";
  readonly name = CapPolicy.NAME;
  seen = 0;
  private settings: CapSettings;

  constructor(settings: CapSettings) {
    this.settings = { ...settings };
  }

  settingsDraft(): CapSettings {
    return { ...this.settings };
  }

  publishSettings(next: CapSettings): void {
    if (next.maxQty.isZero()) throw new SettingsValidationError("InvalidCap: maxQty must be positive");
    this.settings = { ...next };
  }

  checkPreTradeStart(_ctx: PreTradeContext, o: Order): PolicyReject[] | undefined {
    this.seen++;
    const amount = o.operation?.tradeAmount;
    if (amount?.kind === "quantity" && amount.value.gt(this.settings.maxQty)) {
      return [reject("OrderQtyExceedsLimit", "order quantity exceeded", `requested ${amount.value}, max allowed: ${this.settings.maxQty}`)];
    }
    return undefined;
  }

  /** A configuration action that may report blocks (like setting a P&L accumulator). */
  halt(accountId: AccountId): PolicyConfigurationResult {
    return { accountBlocks: [{ accountId, block: { code: "PnlKillSwitchTriggered", reason: "pnl kill switch triggered", details: "set by operator" } }] };
  }
}

class OtherPolicy extends CapPolicy {}

function kindOf(fn: () => void): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof PolicyConfigureError) return e.kind;
    throw e;
  }
  return "no error";
}

function setup() {
  const cap = new CapPolicy({ maxQty: Quantity.fromString("10") });
  const t = engineWith([cap, { name: "Plain", checkPreTradeStart: () => {} }]);
  const details = (qty: string) => t.engine.executePreTrade(order({ qty })).rejects.map((r) => r.details);
  return { ...t, cap, details };
}

describe("configure", () => {
  it("an update is published and seen by the next order; live state (the counter) is kept", () => {
    const { engine, cap, details } = setup();
    expect(details("11")).toEqual(["requested 11, max allowed: 10"]);

    engine.configure().update("CapPolicy", CapPolicy, (draft) => {
      draft.maxQty = Quantity.fromString("20.5");
    });

    expect(details("11")).toEqual([]);
    expect(details("21")).toEqual(["requested 21, max allowed: 20.5"]);
    expect(cap.seen).toBe(3);
  });

  it("C1: an unknown policy name → UnknownPolicy", () => {
    const { engine } = setup();

    expect(kindOf(() => engine.configure().update("Nope", CapPolicy, () => {}))).toBe("UnknownPolicy");
    expect(kindOf(() => engine.configure().apply("Nope", CapPolicy, () => undefined))).toBe("UnknownPolicy");
  });

  it("C1: a policy of another type → PolicyTypeMismatch", () => {
    const { engine } = setup();

    expect(kindOf(() => engine.configure().update("CapPolicy", OtherPolicy, () => {}))).toBe("PolicyTypeMismatch");
    expect(kindOf(() => engine.configure().update("Plain", CapPolicy, () => {}))).toBe("PolicyTypeMismatch");
  });

  it("C1: a failing closure → Validation and the old value is kept", () => {
    const { engine, details } = setup();

    const kind = kindOf(() =>
      engine.configure().update("CapPolicy", CapPolicy, (draft) => {
        draft.maxQty = Quantity.fromString("1");
        throw new Error("operator changed their mind");
      }),
    );

    expect(kind).toBe("Validation");
    expect(details("10")).toEqual([]);
    expect(details("11")).toEqual(["requested 11, max allowed: 10"]);
  });

  it("C1: settings the policy refuses → Validation carrying its message, old value kept", () => {
    const { engine, details } = setup();

    let caught: unknown;
    try {
      engine.configure().update("CapPolicy", CapPolicy, (draft) => {
        draft.maxQty = Quantity.zero();
      });
    } catch (e) {
      caught = e;
    }

    expect(caught).toBeInstanceOf(PolicyConfigureError);
    expect((caught as PolicyConfigureError).kind).toBe("Validation");
    expect((caught as Error).message).toContain("InvalidCap: maxQty must be positive");
    expect(details("11")).toEqual(["requested 11, max allowed: 10"]);
  });

  it("C1: configure called from inside a configure closure → NestedConfiguration; configure works again afterwards", () => {
    const { engine, details } = setup();

    const kind = kindOf(() =>
      engine.configure().update("CapPolicy", CapPolicy, (draft) => {
        draft.maxQty = Quantity.fromString("1");
        engine.configure().update("CapPolicy", CapPolicy, () => {});
      }),
    );

    expect(kind).toBe("NestedConfiguration");
    expect(details("5")).toEqual([]);
    engine.configure().update("CapPolicy", CapPolicy, (draft) => {
      draft.maxQty = Quantity.fromString("4");
    });
    expect(details("5")).toEqual(["requested 5, max allowed: 4"]);
  });

  it("an action's blocks are recorded with the policy name and returned; the next order is rejected", () => {
    const { engine, events } = setup();

    const recorded = engine.configure().apply("CapPolicy", CapPolicy, (p) => p.halt(ACCOUNT));

    const block = { policy: "CapPolicy", code: "PnlKillSwitchTriggered", reason: "pnl kill switch triggered", details: "set by operator" };
    expect(recorded).toEqual([{ accountId: ACCOUNT, block }]);
    expect(engine.executePreTrade(order()).rejects).toEqual([{ ...block, scope: "account" }]);
    expect(events.map((e) => e.kind)).toEqual(["policyConfigured", "accountBlocked"]);
  });

  it("a successful update emits policyConfigured; a failed one does not", () => {
    const { engine, events } = setup();

    engine.configure().update("CapPolicy", CapPolicy, () => {});
    kindOf(() => engine.configure().update("CapPolicy", CapPolicy, (d) => void (d.maxQty = Quantity.zero())));

    expect(events).toEqual([{ kind: "policyConfigured", policy: "CapPolicy" }]);
  });
});
