/**
 * Found by review (session 29, a fuzz of extreme decimals): the account book threw when an
 * order took its pending total, or a fill its position, past the decimal range
 * (±79228162514264337593543950335). An order or drop copy was answered INTERNAL with every
 * policy's mutation left in place (a hold with no reservation to release it) and one open
 * order too many; a report was answered INTERNAL half-applied (counted out, its pending left).
 * Now the order is refused with a typed reject and nothing stays; a fill the position cannot
 * take blocks the account, and the rest of the report applies.
 */
import { describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/index.js";
import type { PreTradePolicy } from "../../src/engine/pretrade/policy.js";
import { ACCOUNT, AAPL_USD, engineWith, order, passPolicy } from "../helpers/engine-core.js";
import { report } from "../helpers/spot-funds.js";

const MAX = "79228162514264337593543950335";

/** A policy whose every accepted order holds one unit until its reservation ends. */
function holdingPolicy(held: { units: number }): PreTradePolicy {
  return {
    name: "Holds",
    performPreTradeCheck: (_ctx, _order, mutations) => {
      held.units += 1;
      mutations.push(
        () => {},
        () => {
          held.units -= 1;
        },
      );
    },
  };
}

function figures(engine: Engine) {
  const book = engine.book;
  return {
    open: book.openOrders(ACCOUNT),
    position: book.position(ACCOUNT, AAPL_USD).toString(),
    buy: book.pendingQuantity(ACCOUNT, AAPL_USD, "BUY").toString(),
  };
}

const PENDING_OVERFLOW = {
  policy: "@AccountBook",
  code: "ArithmeticOverflow",
  reason: "arithmetic overflow",
  details: "account book pending overflow: instrument AAPL/USD, side BUY, quantity 1",
  scope: "order",
};

describe("the account book at the edge of the decimal range", () => {
  it("an order its pending total cannot take is rejected, and every policy's mutation is rolled back", () => {
    const held = { units: 0 };
    const { engine } = engineWith([passPolicy(), holdingPolicy(held)]);
    const first = engine.executePreTrade(order({ qty: MAX, price: "0" }));
    expect(first.ok).toBe(true);
    expect([figures(engine), held.units]).toEqual([{ open: 1, position: "0", buy: MAX }, 1]);

    const second = engine.executePreTrade(order({ qty: "1", price: "0" }));
    expect(second).toEqual({ ok: false, rejects: [PENDING_OVERFLOW] });
    expect([figures(engine), held.units]).toEqual([{ open: 1, position: "0", buy: MAX }, 1]);
    // An order-scope reject: nothing latched.
    expect(engine.accounts().blockOf(ACCOUNT)).toBeUndefined();
  });

  it("a drop copy its pending total cannot take fails whole, with no block recorded and nothing held", () => {
    const held = { units: 0 };
    const blocking: PreTradePolicy = {
      name: "Blocks",
      performPreTradeCheck: () => ({ rejects: [{ code: "OrderQtyExceedsLimit", reason: "too big", details: "blocks the account", scope: "account" }] }),
    };
    const { engine } = engineWith([passPolicy(), holdingPolicy(held), blocking]);
    const first = engine.applyDropCopy(order({ qty: MAX, price: "0" }));
    expect(first.ok).toBe(true);
    engine.accounts().unblock(ACCOUNT);

    const second = engine.applyDropCopy(order({ qty: "1", price: "0" }));
    expect(second).toEqual({ ok: false, rejects: [PENDING_OVERFLOW] });
    expect([figures(engine), held.units]).toEqual([{ open: 1, position: "0", buy: MAX }, 1]);
    expect(engine.accounts().blockOf(ACCOUNT)).toBeUndefined();
  });

  it("a fill its position cannot take blocks the account; the position stays, the rest of the report applies", () => {
    const { engine } = engineWith([passPolicy()]);
    engine.applyExecutionReport(report({ side: "BUY", qty: MAX, price: "0" }));
    const open = engine.executePreTrade(order({ qty: "1", price: "100" }));
    if (!open.ok) throw new Error("expected the order to pass");
    open.reservation.commit();
    expect(figures(engine)).toEqual({ open: 1, position: MAX, buy: "1" });

    const fill = engine.applyExecutionReport(report({ side: "BUY", qty: "1", price: "100", leaves: "0", final: true }));
    const block = { policy: "@AccountBook", code: "ArithmeticOverflow", reason: "arithmetic overflow", details: "account book position overflow: instrument AAPL/USD" };
    expect(fill.accountBlocks).toEqual([block]);
    expect(engine.accounts().blockOf(ACCOUNT)).toEqual(block);
    // Counted out, its pending released; the position the book cannot hold stays as it was.
    expect(figures(engine)).toEqual({ open: 0, position: MAX, buy: "0" });
  });
});
