/**
 * Found by review, session 34: a safe retry was recognised by (account, client order id) alone,
 * so an order of 100 000 shares sent with retry=true and the id of an accepted 1-share order
 * was answered with that order's acceptance — no policy run, nothing reserved: any order went
 * through unchecked under a known id. A retry now gets the first decision only if it is the
 * order first sent with the id (every deciding field, decimals by value); another order is
 * rejected DUPLICATE_CLIENT_ORDER_ID naming the first differing field, the engine not run
 * (execute, start and drop copy alike), and that holds across a restart (docs/controls.md).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as pb from "../../gen/openpit/sidecar/v1/types_pb.js";
import { holdingsOf, seed, startHarness, type Harness } from "./harness.js";
import { as, json } from "./results.js";
import { dropCopy, execute, RETRY_CONFIG as CONFIG, start, DIFFERS, describeRestarts } from "./retry-helpers.js";

const HELD_AFTER_ONE = { AAPL: { available: "0", held: "0", incoming: "1" }, USD: { available: "9900", held: "100", incoming: "0" } };

describe("a retry whose order is not the one first sent with its id", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(CONFIG);
  });
  afterEach(async () => {
    await h.close();
  });

  it("execute: rejected DUPLICATE_CLIENT_ORDER_ID naming the field, nothing reserved; the same order still gets the first decision", async () => {
    const c = h.channel();
    await c.send(seed("USD", "10000"));
    const first = as(await c.one(execute({ qty: "1", clientOrderId: "ord-1" })), "execute");
    expect([first.accepted, await holdingsOf(h)]).toEqual([true, HELD_AFTER_ONE]);
    // The review's case: 100 000 shares (10 000 000 USD, over the account's funds) as a "retry" of ord-1.
    const [big, price, side] = await c.send(
      execute({ qty: "100000", clientOrderId: "ord-1", retry: true }),
      execute({ qty: "1", price: "101", clientOrderId: "ord-1", retry: true }),
      execute({ qty: "1", side: pb.Side.SELL, clientOrderId: "ord-1", retry: true }),
    );
    expect(json(big)).toEqual({ execute: { rejects: [DIFFERS("ord-1", "trade_amount", "quantity 100000", "quantity 1")] } });
    expect(json(price)).toEqual({ execute: { rejects: [DIFFERS("ord-1", "price", "101", "100")] } });
    expect(json(side)).toEqual({ execute: { rejects: [DIFFERS("ord-1", "side", "SELL", "BUY")] } });
    expect(await holdingsOf(h)).toEqual(HELD_AFTER_ONE);
    // The same order, its decimals written at another scale ("1.0" for "1"): the first decision, field for field.
    const same = as(await c.one(execute({ qty: "1.0", price: "100.00", clientOrderId: "ord-1", retry: true })), "execute");
    expect(same).toEqual(first);
    expect(await holdingsOf(h)).toEqual(HELD_AFTER_ONE);
    // Refused retries did not touch the id: its first order's reservation still ends it.
    await c.one({ case: "rollbackReservation", value: { reservationId: first.reservationId } });
    expect(as(await c.one(execute({ qty: "2", clientOrderId: "ord-1" })), "execute").accepted).toBe(true);
  });

  it("start: a start retry carrying another order is rejected the same way; the same order gets the first (execute) decision", async () => {
    const c = h.channel();
    await c.send(seed("USD", "10000"));
    const requestId = as(await c.one(start({ qty: "1", clientOrderId: "s-1" })), "start").requestId;
    const first = as(await c.one({ case: "executeRequest", value: { requestId } }), "execute");
    expect(first.accepted).toBe(true);
    const [other, same] = await c.send(start({ qty: "100000", clientOrderId: "s-1", retry: true }), start({ qty: "1", clientOrderId: "s-1", retry: true }));
    expect(json(other)).toEqual({ start: { rejects: [DIFFERS("s-1", "trade_amount", "quantity 100000", "quantity 1")] } });
    expect(as(same, "execute")).toEqual(first);
    expect(await holdingsOf(h)).toEqual(HELD_AFTER_ONE);
  });

  it("drop copy: a drop-copy retry carrying another order fails with the reject, nothing applied", async () => {
    const c = h.channel();
    await c.send(seed("USD", "10000"));
    const first = as(await c.one(dropCopy({ qty: "1", clientOrderId: "d-1" })), "dropCopy");
    expect(first.failed).toBe(false);
    const before = await holdingsOf(h);
    const [other, same] = await c.send(dropCopy({ qty: "5", clientOrderId: "d-1", retry: true }), dropCopy({ qty: "1", clientOrderId: "d-1", retry: true }));
    expect(json(other)).toEqual({ dropCopy: { failed: true, rejects: [DIFFERS("d-1", "trade_amount", "quantity 5", "quantity 1")] } });
    expect(as(same, "dropCopy")).toEqual(first);
    expect(await holdingsOf(h)).toEqual(before);
  });

  it("a drop copy of another order under a live order's id does not replace what a retry is compared with", async () => {
    const c = h.channel();
    await c.send(seed("USD", "10000"));
    const first = as(await c.one(execute({ qty: "1", clientOrderId: "x-1" })), "execute");
    expect(as(await c.one(dropCopy({ qty: "3", clientOrderId: "x-1" })), "dropCopy").failed).toBe(false);
    const [asDropCopy, asLive] = await c.send(execute({ qty: "3", clientOrderId: "x-1", retry: true }), execute({ qty: "1", clientOrderId: "x-1", retry: true }));
    expect(json(asDropCopy)).toEqual({ execute: { rejects: [DIFFERS("x-1", "trade_amount", "quantity 3", "quantity 1")] } });
    expect(as(asLive, "execute")).toEqual(first);
  });
});

describeRestarts(
  "the first order of an id after a restart in durable mode",
  "is still what a retry is compared with",
  async (first) => {
    const c = first.channel();
    await c.send(seed("USD", "10000"));
    const accepted = await c.one(execute({ qty: "1", clientOrderId: "p-1" }, true));
    expect(as(accepted, "execute").committed).toBe(true);
    return accepted;
  },
  async (second, kept) => {
    const [other, same] = await second.channel().send(execute({ qty: "100000", clientOrderId: "p-1", retry: true }, true), execute({ qty: "1", clientOrderId: "p-1", retry: true }, true));
    expect(json(other)).toEqual({ execute: { rejects: [DIFFERS("p-1", "trade_amount", "quantity 100000", "quantity 1")] } });
    expect(json(same)).toEqual(json(kept));
  },
);
