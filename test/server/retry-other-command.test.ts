/**
 * Found by review: a safe retry was matched on (account, client order id) and its order's
 * fingerprint only, not on the command that sent it. A start retry of an id an execute decided
 * got the execute's stored answer (an ExecuteResult to a start_pre_trade; a drop copy's id a
 * DropCopyResult); an execute retry asking commit_on_accept got the first's open reservation
 * (or, the other way round, a committed one where it asked an open one), so the gateway
 * believed something about the reservation that was not true; a drop copy's id retried as an
 * execute got the drop copy's answer, and the reverse. A retry sent by another command, or
 * with another commit_on_accept, is now rejected DUPLICATE_CLIENT_ORDER_ID as the command's
 * own reject naming what differs, the engine not run, nothing reserved; that holds across a
 * restart (journal replay and snapshot) (docs/controls.md).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { holdingsOf, seed, startHarness, type Harness } from "./harness.js";
import { as, json } from "./results.js";
import { dropCopy, execute, RETRY_CONFIG as CONFIG, start, OTHER, describeRestarts } from "./retry-helpers.js";

describe("a retry sent by another command than its id's first order", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(CONFIG);
  });
  afterEach(async () => {
    await h.close();
  });

  it("start retry of an execute's id: a StartResult reject (not the execute's ExecuteResult), nothing reserved", async () => {
    const c = h.channel();
    await c.send(seed("USD", "10000"));
    const first = as(await c.one(execute({ qty: "1", clientOrderId: "e-1" })), "execute");
    expect(first.accepted).toBe(true);
    const before = await holdingsOf(h);
    const [asStart, same] = await c.send(start({ qty: "1", clientOrderId: "e-1", retry: true }), execute({ qty: "1", clientOrderId: "e-1", retry: true }));
    expect(json(asStart)).toEqual({ start: { rejects: [OTHER("e-1", "command", "start_pre_trade", "execute_pre_trade")] } });
    expect(as(same, "execute")).toEqual(first);
    expect(await holdingsOf(h)).toEqual(before);
  });

  it("execute retry of a two-stage request's id is rejected; its start retry still gets the first (execute) decision", async () => {
    const c = h.channel();
    await c.send(seed("USD", "10000"));
    const requestId = as(await c.one(start({ qty: "1", clientOrderId: "s-1" })), "start").requestId;
    const first = as(await c.one({ case: "executeRequest", value: { requestId } }), "execute");
    const before = await holdingsOf(h);
    const [asExecute, asStart] = await c.send(execute({ qty: "1", clientOrderId: "s-1", retry: true }), start({ qty: "1", clientOrderId: "s-1", retry: true }));
    expect(json(asExecute)).toEqual({ execute: { rejects: [OTHER("s-1", "command", "execute_pre_trade", "start_pre_trade")] } });
    expect(as(asStart, "execute")).toEqual(first);
    expect(await holdingsOf(h)).toEqual(before);
  });

  it("execute retry asking commit_on_accept of an id whose first left its reservation open: rejected, nothing committed or reserved", async () => {
    const c = h.channel();
    await c.send(seed("USD", "10000"));
    const first = as(await c.one(execute({ qty: "1", clientOrderId: "o-1" }, false)), "execute");
    expect([first.accepted, first.committed]).toEqual([true, false]);
    const before = await holdingsOf(h);
    const [committed, same] = await c.send(execute({ qty: "1", clientOrderId: "o-1", retry: true }, true), execute({ qty: "1", clientOrderId: "o-1", retry: true }, false));
    expect(json(committed)).toEqual({ execute: { rejects: [OTHER("o-1", "commit_on_accept", "true", "false")] } });
    expect(as(same, "execute")).toEqual(first);
    expect(await holdingsOf(h)).toEqual(before);
    // The first reservation is still open and still the id's: its rollback frees both.
    await c.one({ case: "rollbackReservation", value: { reservationId: first.reservationId } });
    expect(as(await c.one(execute({ qty: "1", clientOrderId: "o-1" })), "execute").accepted).toBe(true);
  });

  it("execute retry asking an open reservation of an id whose first was committed on accept: rejected, nothing reserved", async () => {
    const c = h.channel();
    await c.send(seed("USD", "10000"));
    const first = as(await c.one(execute({ qty: "1", clientOrderId: "c-1" }, true)), "execute");
    expect([first.accepted, first.committed, first.reservationId]).toEqual([true, true, 0n]);
    const before = await holdingsOf(h);
    const [open, same] = await c.send(execute({ qty: "1", clientOrderId: "c-1", retry: true }, false), execute({ qty: "1", clientOrderId: "c-1", retry: true }, true));
    expect(json(open)).toEqual({ execute: { rejects: [OTHER("c-1", "commit_on_accept", "false", "true")] } });
    expect(as(same, "execute")).toEqual(first);
    expect(await holdingsOf(h)).toEqual(before);
  });

  it("a drop copy's id retried as an execute or a start is rejected; the drop-copy retry still gets its answer", async () => {
    const c = h.channel();
    await c.send(seed("USD", "10000"));
    const first = as(await c.one(dropCopy({ qty: "1", clientOrderId: "d-1" })), "dropCopy");
    expect(first.failed).toBe(false);
    const before = await holdingsOf(h);
    const [asExecute, asStart, asOpenCopy, same] = await c.send(
      execute({ qty: "1", clientOrderId: "d-1", retry: true }, true),
      start({ qty: "1", clientOrderId: "d-1", retry: true }),
      dropCopy({ qty: "1", clientOrderId: "d-1", retry: true }, false),
      dropCopy({ qty: "1", clientOrderId: "d-1", retry: true }),
    );
    expect(json(asExecute)).toEqual({ execute: { rejects: [OTHER("d-1", "command", "execute_pre_trade", "execute_pre_trade_drop_copy")] } });
    expect(json(asStart)).toEqual({ start: { rejects: [OTHER("d-1", "command", "start_pre_trade", "execute_pre_trade_drop_copy")] } });
    expect(json(asOpenCopy)).toEqual({ dropCopy: { failed: true, rejects: [OTHER("d-1", "commit_on_accept", "false", "true")] } });
    expect(as(same, "dropCopy")).toEqual(first);
    expect(await holdingsOf(h)).toEqual(before);
  });

  it("an execute's id retried as a drop copy fails with the reject, nothing applied", async () => {
    const c = h.channel();
    await c.send(seed("USD", "10000"));
    const first = as(await c.one(execute({ qty: "1", clientOrderId: "x-1" }, true)), "execute");
    const before = await holdingsOf(h);
    const [asCopy, same] = await c.send(dropCopy({ qty: "1", clientOrderId: "x-1", retry: true }), execute({ qty: "1", clientOrderId: "x-1", retry: true }, true));
    expect(json(asCopy)).toEqual({ dropCopy: { failed: true, rejects: [OTHER("x-1", "command", "execute_pre_trade_drop_copy", "execute_pre_trade")] } });
    expect(as(same, "execute")).toEqual(first);
    expect(await holdingsOf(h)).toEqual(before);
  });
});

describeRestarts(
  "the first command of an id after a restart in durable mode",
  "is still what a retry is compared with",
  async (first) => {
    const c = first.channel();
    await c.send(seed("USD", "10000"));
    const accepted = await c.one(execute({ qty: "1", clientOrderId: "p-1" }, true));
    const copied = await c.one(dropCopy({ qty: "1", clientOrderId: "q-1" }));
    expect([as(accepted, "execute").committed, as(copied, "dropCopy").failed]).toEqual([true, false]);
    return { accepted, copied };
  },
  async (second, { accepted, copied }) => {
    const [open, asStart, asExecute, same, sameCopy] = await second
      .channel()
      .send(
        execute({ qty: "1", clientOrderId: "p-1", retry: true }, false),
        start({ qty: "1", clientOrderId: "p-1", retry: true }),
        execute({ qty: "1", clientOrderId: "q-1", retry: true }, true),
        execute({ qty: "1", clientOrderId: "p-1", retry: true }, true),
        dropCopy({ qty: "1", clientOrderId: "q-1", retry: true }),
      );
    expect(json(open)).toEqual({ execute: { rejects: [OTHER("p-1", "commit_on_accept", "false", "true")] } });
    expect(json(asStart)).toEqual({ start: { rejects: [OTHER("p-1", "command", "start_pre_trade", "execute_pre_trade")] } });
    expect(json(asExecute)).toEqual({ execute: { rejects: [OTHER("q-1", "command", "execute_pre_trade", "execute_pre_trade_drop_copy")] } });
    expect(json(same)).toEqual(json(accepted));
    expect(json(sameCopy)).toEqual(json(copied));
  },
);
