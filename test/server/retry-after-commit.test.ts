/**
 * Found by review: a safe retry was answered with its id's first decision field for field, also
 * when that decision left a reservation open (an execute without commit_on_accept, a two-stage
 * request's execute, a drop copy without commit_on_accept) and the gateway had since committed
 * it: the answer still named the reservation as open ({accepted, reservation_id R, committed
 * false}), a handle that was already used. A client booked R as open again (a later R on another
 * sidecar was refused as ambiguous) and the gateway was told to commit it again. Such a retry
 * is now answered as the commit left it: committed, reservation_id 0, the same lock and outcomes;
 * while R is open it is still answered with R (also from another channel in fullSync). Across a
 * restart too (journal replay).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { holdingsOf, seed, startHarness, type Harness } from "./harness.js";
import { as, handleId, json } from "./results.js";
import { controlsConfig } from "./controls-helpers.js";
import { dropCopy, execute, RETRY_CONFIG as CONFIG, start, describeRestarts } from "./retry-helpers.js";

const commit = (reservationId: bigint) => ({ case: "commitReservation", value: { reservationId } }) as const;

/** BUY 1 AAPL at 100 from 10000 USD: the lock and outcomes every decision here carries. */
const BUY_1 = {
  lock: { prices: [{ price: "100" }] },
  accountAdjustments: [
    { asset: "USD", balance: { delta: "-100", absolute: "9900" }, held: { delta: "100", absolute: "100" } },
    { asset: "AAPL", incoming: { delta: "1", absolute: "1" } },
  ],
};
const OPEN = (id: bigint) => ({ execute: { accepted: true, reservationId: id.toString(), ...BUY_1 } });
const COMMITTED = { execute: { accepted: true, committed: true, ...BUY_1 } };

describe("a safe retry of an id whose first decision left a reservation open", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(CONFIG);
  });
  afterEach(async () => {
    await h.close();
  });

  it("execute: while the reservation is open, answered with it; after its commit, committed with reservation 0", async () => {
    const c = h.channel();
    await c.send(seed("USD", "10000"));
    const first = await c.one(execute({ qty: "1", clientOrderId: "o-1" }));
    const id = handleId(1n, 1n);
    expect(json(first)).toEqual(OPEN(id));
    const before = await holdingsOf(h);
    expect(json(await c.one(execute({ qty: "1", clientOrderId: "o-1", retry: true })))).toEqual(OPEN(id));
    expect(as(await c.one(commit(id)), "finalize").id).toBe(id);
    const [again, twice] = await c.send(execute({ qty: "1", clientOrderId: "o-1", retry: true }), execute({ qty: "1", clientOrderId: "o-1", retry: true }));
    expect(json(again)).toEqual(COMMITTED);
    expect(json(twice)).toEqual(COMMITTED);
    // Nothing reserved or committed again: the holdings are the commit's.
    expect(await holdingsOf(h)).toEqual(before);
  });

  it("two-stage: a start retry after the request's reservation was committed is answered committed", async () => {
    const c = h.channel();
    await c.send(seed("USD", "10000"));
    const requestId = as(await c.one(start({ qty: "1", clientOrderId: "s-1" })), "start").requestId;
    const first = await c.one({ case: "executeRequest", value: { requestId } });
    const id = handleId(1n, 2n);
    expect(json(first)).toEqual(OPEN(id));
    expect(json(await c.one(start({ qty: "1", clientOrderId: "s-1", retry: true })))).toEqual(OPEN(id));
    await c.one(commit(id));
    const before = await holdingsOf(h);
    expect(json(await c.one(start({ qty: "1", clientOrderId: "s-1", retry: true })))).toEqual(COMMITTED);
    expect(await holdingsOf(h)).toEqual(before);
  });

  it("drop copy without commit_on_accept: its retry gets the reservation while open, committed with reservation 0 after", async () => {
    const c = h.channel();
    await c.send(seed("USD", "10000"));
    const first = await c.one(dropCopy({ qty: "1", clientOrderId: "d-1" }, false));
    const id = handleId(1n, 1n);
    const copied = { lock: BUY_1.lock, accountAdjustments: BUY_1.accountAdjustments };
    expect(json(first)).toEqual({ dropCopy: { reservationId: id.toString(), ...copied } });
    expect(json(await c.one(dropCopy({ qty: "1", clientOrderId: "d-1", retry: true }, false)))).toEqual(json(first));
    await c.one(commit(id));
    const before = await holdingsOf(h);
    expect(json(await c.one(dropCopy({ qty: "1", clientOrderId: "d-1", retry: true }, false)))).toEqual({ dropCopy: { committed: true, ...copied } });
    expect(await holdingsOf(h)).toEqual(before);
  });
});

describe("a safe retry in fullSync, from another channel than the reservation's", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(controlsConfig([{ type: "ClientOrderIdPolicy", settings: { retentionMs: 0 } }, { type: "SpotFundsPolicy", settings: {} }], { syncMode: "fullSync" }));
  });
  afterEach(async () => {
    await h.close();
  });

  it("gets the reservation while it is open on the channel that issued it, committed once that one committed it", async () => {
    const a = h.channel();
    const b = h.channel();
    await a.send(seed("USD", "10000"));
    const id = as(await a.one(execute({ qty: "1", clientOrderId: "f-1" })), "execute").reservationId;
    expect(json(await b.one(execute({ qty: "1", clientOrderId: "f-1", retry: true })))).toEqual(OPEN(id));
    await a.one(commit(id));
    expect(json(await b.one(execute({ qty: "1", clientOrderId: "f-1", retry: true })))).toEqual(COMMITTED);
  });
});

describeRestarts(
  "a safe retry of a committed reservation's id after a restart in durable mode",
  "is answered committed",
  async (first) => {
    const c = first.channel();
    await c.send(seed("USD", "10000"));
    const id = as(await c.one(execute({ qty: "1", clientOrderId: "p-1" })), "execute").reservationId;
    await c.one(commit(id));
    expect(json(await c.one(execute({ qty: "1", clientOrderId: "p-1", retry: true })))).toEqual(COMMITTED);
  },
  async (second) => {
    expect(json(await second.channel().one(execute({ qty: "1", clientOrderId: "p-1", retry: true })))).toEqual(COMMITTED);
  },
);
