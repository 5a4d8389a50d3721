import { describe, expect, it } from "vitest";
import { LifecycleError, PolicyCallbackError, type PreTradePolicy, type PreTradeReservation } from "../../src/engine/index.js";
import { Price } from "../../src/param/index.js";
import { CallLog, engineWith, order } from "../helpers/engine-core.js";

/** Two main policies, each registering one mutation and one lock price. */
function setup() {
  const log = new CallLog();
  const policy = (name: string, price: string): PreTradePolicy => ({
    name,
    performPreTradeCheck: (_ctx, _order, mutations) => {
      mutations.push(
        () => log.add(`${name}.commit`),
        () => log.add(`${name}.rollback`),
      );
      return { lockPrices: [Price.fromString(price)], accountAdjustments: [{ asset: name }] };
    },
  });
  const { engine } = engineWith([policy("First", "10"), policy("Second", "11")]);
  const reserve = (): PreTradeReservation => {
    const result = engine.executePreTrade(order());
    if (!result.ok) throw new Error("expected a reservation");
    return result.reservation;
  };
  return { log, reserve };
}

describe("reservation", () => {
  it("P3: a reservation dropped without commit rolls back implicitly, second then first", () => {
    const { log, reserve } = setup();

    const reservation = reserve();
    reservation[Symbol.dispose]();

    expect(log.calls).toEqual(["Second.rollback", "First.rollback"]);
    expect(reservation.state).toBe("rolledBack");
  });

  it("P3: `using` rolls back a reservation abandoned at the end of its scope", () => {
    const { log, reserve } = setup();

    {
      using reservation = reserve();
      expect(reservation.isOpen).toBe(true);
    }

    expect(log.calls).toEqual(["Second.rollback", "First.rollback"]);
  });

  it("disposing after commit does nothing more", () => {
    const { log, reserve } = setup();

    const reservation = reserve();
    reservation.commit();
    reservation[Symbol.dispose]();

    expect(log.calls).toEqual(["First.commit", "Second.commit"]);
  });

  it("explicit rollback runs in reverse registration order", () => {
    const { log, reserve } = setup();

    reserve().rollback();

    expect(log.calls).toEqual(["Second.rollback", "First.rollback"]);
  });

  it("P11: a second finalisation of any kind throws LifecycleError and runs nothing", () => {
    const { log, reserve } = setup();
    // OpenPit's "already consumed", saying how it ended in words (it said "rolledBack", the state's name).
    const committed = "pre-trade reservation already consumed (committed)";
    const rolledBack = "pre-trade reservation already consumed (rolled back)";
    const cases: [string, (r: PreTradeReservation) => void, (r: PreTradeReservation) => void, string][] = [
      ["commit twice", (r) => r.commit(), (r) => r.commit(), committed],
      ["commit then rollback", (r) => r.commit(), (r) => r.rollback(), committed],
      ["rollback then commit", (r) => r.rollback(), (r) => r.commit(), rolledBack],
      ["rollback twice", (r) => r.rollback(), (r) => r.rollback(), rolledBack],
    ];
    for (const [label, first, second, message] of cases) {
      const reservation = reserve();
      first(reservation);
      const before = log.calls.length;
      expect(() => second(reservation), label).toThrow(new LifecycleError(message));
      expect(log.calls.length, label).toBe(before);
    }
  });

  it("the lock and outcomes are readable while open and throw LifecycleError after finalisation", () => {
    const { reserve } = setup();

    const committed = reserve();
    expect(committed.lock.prices().map(String)).toEqual(["10", "11"]);
    expect(committed.accountAdjustments.map((o) => o.entry.asset)).toEqual(["First", "Second"]);
    committed.commit();
    expect(() => committed.lock).toThrow(LifecycleError);
    expect(() => committed.accountAdjustments).toThrow(LifecycleError);

    const rolledBack = reserve();
    rolledBack.rollback();
    expect(() => rolledBack.lock).toThrow(new LifecycleError("cannot read the lock of a reservation already rolled back"));
    expect(() => rolledBack.accountAdjustments).toThrow(LifecycleError);
  });

  it("a commit closure that throws surfaces as PolicyCallbackError", () => {
    const boom = new Error("commit failed");
    const { engine } = engineWith([
      {
        name: "BadCommit",
        performPreTradeCheck: (_c, _o, m) =>
          m.push(
            () => {
              throw boom;
            },
            () => {},
          ),
      },
    ]);
    const result = engine.executePreTrade(order());
    if (!result.ok) throw new Error("expected a reservation");

    let caught: unknown;
    try {
      result.reservation.commit();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(PolicyCallbackError);
    expect((caught as PolicyCallbackError).cause).toBe(boom);
    expect(result.reservation.state).toBe("committed");
  });

  it("a rollback closure that throws does not stop the others; the failure is reported afterwards", () => {
    const log = new CallLog();
    const { engine } = engineWith([
      { name: "A", performPreTradeCheck: (_c, _o, m) => m.push(undefined, () => log.add("A.rollback")) },
      {
        name: "B",
        performPreTradeCheck: (_c, _o, m) =>
          m.push(undefined, () => {
            log.add("B.rollback");
            throw new Error("rollback failed");
          }),
      },
      { name: "C", performPreTradeCheck: (_c, _o, m) => m.push(undefined, () => log.add("C.rollback")) },
    ]);
    const result = engine.executePreTrade(order());
    if (!result.ok) throw new Error("expected a reservation");

    expect(() => result.reservation.rollback()).toThrow(PolicyCallbackError);
    expect(log.calls).toEqual(["C.rollback", "B.rollback", "A.rollback"]);
  });

  it("a reservation with no mutations commits and rolls back cleanly with an empty lock", () => {
    const { engine } = engineWith([{ name: "Quiet", performPreTradeCheck: () => {} }]);
    const result = engine.executePreTrade(order());
    if (!result.ok) throw new Error("expected a reservation");

    expect(result.reservation.lock.isEmpty()).toBe(true);
    expect(JSON.stringify(result.reservation.lock)).toBe("[]");
    result.reservation.commit();
    expect(result.reservation.state).toBe("committed");
  });
});
