/**
 * Duplicate client order ids and safe retries through the wire: a second order with a known
 * id is rejected DUPLICATE_CLIENT_ORDER_ID (7); a retry gets the first decision again and
 * reserves nothing more; rollback and the final report (ExecutionReport.client_order_id)
 * release the id; retention (changed at runtime) forgets it; dry runs read only; ids and
 * their decisions survive a restart in durable mode.
 */
import { status } from "@grpc/grpc-js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as pb from "../../gen/openpit/sidecar/v1/types_pb.js";
import { checkClientOrderId } from "../../src/server/codec/wire-commands.js";
import { ACCOUNT, holdingsOf, order, seed, startHarness, type Harness } from "./harness.js";
import { as, errorOf, fill, json } from "./results.js";
import { controlsConfig, DurableSidecars } from "./controls-helpers.js";

const CONFIG = controlsConfig([{ type: "ClientOrderIdPolicy", settings: { retentionMs: 0 } }, { type: "SpotFundsPolicy", settings: {} }]);
const execute = (clientOrderId: string | undefined, opts: { retry?: boolean; commit?: boolean; qty?: string } = {}) =>
  ({
    case: "executePreTrade",
    value: { order: order({ qty: opts.qty ?? "10", clientOrderId, retry: opts.retry ?? false }), commitOnAccept: opts.commit ?? false },
  }) as const;
const DUPLICATE = (id: string) => ({
  policy: "ClientOrderIdPolicy",
  code: "REJECT_CODE_DUPLICATE_CLIENT_ORDER_ID",
  reason: "duplicate client order id",
  details: `client order id '${id}' belongs to an order still known for the account; mark the order as a retry to get its first decision`,
  scope: "REJECT_SCOPE_ORDER",
});

describe("client order ids through the wire", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(CONFIG);
  });
  afterEach(async () => {
    await h.close();
  });

  it("rejects a duplicate (code 7), answers a retry with the first decision and reserves nothing twice", async () => {
    const c = h.channel();
    await c.send(seed("USD", "10000"));
    const first = as(await c.one(execute("ord-1")), "execute");
    expect([first.accepted, await holdingsOf(h)]).toEqual([true, { AAPL: { available: "0", held: "0", incoming: "10" }, USD: { available: "9000", held: "1000", incoming: "0" } }]);
    const [dup, retry] = await c.send(execute("ord-1"), execute("ord-1", { retry: true }));
    expect(json(dup)).toEqual({ execute: { rejects: [DUPLICATE("ord-1")] } });
    // The retry's answer is the first one, field for field: the same reservation.
    expect(as(retry, "execute")).toEqual(first);
    expect(as(retry, "execute").reservationId).toBe(first.reservationId);
    expect(await holdingsOf(h)).toEqual({ AAPL: { available: "0", held: "0", incoming: "10" }, USD: { available: "9000", held: "1000", incoming: "0" } });
    // Another id is another order.
    expect(as(await c.one(execute("ord-2")), "execute").accepted).toBe(true);
  });

  it("a rollback releases the id; a retry of a rejected order is checked anew", async () => {
    const c = h.channel();
    await c.send(seed("USD", "1000"));
    const first = as(await c.one(execute("r-1")), "execute");
    await c.one({ case: "rollbackReservation", value: { reservationId: first.reservationId } });
    const again = as(await c.one(execute("r-1")), "execute");
    expect(again.accepted).toBe(true);
    expect(again.reservationId).not.toBe(first.reservationId);
    // Rejected (funds): nothing was reserved, so nothing is remembered.
    expect(as(await c.one(execute("r-2", { qty: "100" })), "execute").accepted).toBe(false);
    expect(as(await c.one(execute("r-2", { retry: true, qty: "100" })), "execute").rejects.map((r) => r.reason)).toEqual(["spot funds insufficient"]);
  });

  it("the final report carrying the id releases it; a non-final one does not", async () => {
    const c = h.channel();
    await c.send(seed("USD", "10000"));
    expect(as(await c.one(execute("f-1", { commit: true })), "execute").committed).toBe(true);
    await h.feed().publish({ ...fill({ qty: "4", price: "100" }), isFinal: false, leavesQuantity: "6", clientOrderId: "f-1" });
    expect(json(await c.one(execute("f-1")))).toEqual({ execute: { rejects: [DUPLICATE("f-1")] } });
    await h.feed().publish({ ...fill({ qty: "6", price: "100" }), clientOrderId: "f-1" });
    expect(as(await c.one(execute("f-1")), "execute").accepted).toBe(true);
  });

  it("dry runs report a duplicate without remembering anything", async () => {
    const c = h.channel();
    await c.send(seed("USD", "10000"));
    const dry = (id: string) => ({ case: "executePreTradeDryRun", value: { order: order({ clientOrderId: id }) } }) as const;
    expect(as(await c.one(dry("d-1")), "dryRun").pass).toBe(true);
    expect(as(await c.one(execute("d-1")), "execute").accepted).toBe(true);
    expect(json(await c.one(dry("d-1")))).toEqual({ dryRun: { lock: {}, rejects: [DUPLICATE("d-1")] } });
  });

  it("retention set at runtime forgets an id at exactly retentionMs, not one millisecond before", async () => {
    const c = h.channel();
    await c.send(seed("USD", "10000"));
    await h.admin("configurePolicy", { policyName: "ClientOrderIdPolicy", settingsJson: '{"retentionMs":1000}' });
    expect(as(await c.one(execute("t-1", { commit: true })), "execute").accepted).toBe(true);
    h.clock.advance(999);
    expect(as(await c.one(execute("t-1")), "execute").rejects.map((r) => r.code)).toEqual([pb.RejectCode.DUPLICATE_CLIENT_ORDER_ID]);
    h.clock.advance(1);
    expect(as(await c.one(execute("t-1", { commit: true })), "execute").accepted).toBe(true);
  });

  it("refuses a malformed id or a retry without one, naming the field", async () => {
    const c = h.channel();
    const [empty, long, bare] = await c.send(execute(""), execute("x".repeat(129)), execute(undefined, { retry: true }));
    const f = "commands[0].execute_pre_trade.order";
    expect([errorOf(empty).field, errorOf(empty).message]).toEqual([`${f}.client_order_id`, `${f}.client_order_id: must not be empty when present`]);
    expect(errorOf(long).message).toBe("commands[1].execute_pre_trade.order.client_order_id: must be at most 128 characters");
    expect(errorOf(bare).message).toBe("commands[2].execute_pre_trade.order.retry: a retry must carry client_order_id");
    expect(status.OK).toBe(0);
  });

  // Found by review (session 38): the bound counted UTF-16 units, so a character beyond the
  // basic plane counted twice and 100 emoji were refused as longer than 128 characters.
  it("counts characters, not UTF-16 units: 128 emoji are an id, 129 are refused; on the fast wire path too", async () => {
    const c = h.channel();
    await c.send(seed("USD", "10000"));
    const id = "😀".repeat(128);
    expect(as(await c.one(execute(id, { commit: true })), "execute").accepted).toBe(true);
    expect(as(await c.one(execute(id)), "execute").rejects.map((r) => r.code)).toEqual([pb.RejectCode.DUPLICATE_CLIENT_ORDER_ID]);
    expect(errorOf(await c.one(execute(`${id}😀`))).message).toBe("commands[0].execute_pre_trade.order.client_order_id: must be at most 128 characters");
    expect(() => checkClientOrderId(id)).not.toThrow();
    expect(() => checkClientOrderId(`${id}😀`)).toThrow();
    expect(() => checkClientOrderId(`${"x".repeat(128)}`)).not.toThrow();
    expect(() => checkClientOrderId(`${"x".repeat(129)}`)).toThrow();
  });
});

describe("client order ids after a restart in durable mode", () => {
  const sidecars = new DurableSidecars();
  afterEach(async () => {
    await sidecars.cleanup();
  });

  for (const how of ["crash", "stop"] as const) {
    it(`stay known after a ${how === "crash" ? "crash (journal replay)" : "graceful stop (snapshot)"}, with their first decision`, async () => {
      const dir = sidecars.dataDir();
      const first = await sidecars.start(dir, CONFIG, 1_000);
      const c = first.channel();
      await c.send(seed("USD", "10000"));
      const accepted = await c.one(execute("p-1", { commit: true }));
      // An open reservation does not outlive its channel: recovery rolls it back and its id goes.
      expect(as(await c.one(execute("p-2")), "execute").accepted).toBe(true);
      await (how === "crash" ? first.crash() : first.stop());

      const second = await sidecars.start(dir, CONFIG, 2_000);
      const c2 = second.channel();
      // The retry repeats the first command: commit_on_accept as the first had it.
      const [dup, retry, reopened] = await c2.send(execute("p-1"), execute("p-1", { retry: true, commit: true }), execute("p-2"));
      expect(json(dup)).toEqual({ execute: { rejects: [DUPLICATE("p-1")] } });
      expect(json(retry)).toEqual(json(accepted));
      expect(as(reopened, "execute").accepted).toBe(true);
      expect(ACCOUNT).toBe(99224416n);
    });
  }
});

describe("client order ids without a ClientOrderIdPolicy (fail closed)", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(controlsConfig([]));
  });
  afterEach(async () => {
    await h.close();
  });

  it("a retry is refused (it cannot be recognised) rather than run as a second order; ids alone pass", async () => {
    const c = h.channel();
    const [plain, retry] = await c.send(execute("n-1"), execute("n-1", { retry: true }));
    expect(as(plain, "execute").accepted).toBe(true);
    const f = "commands[1].execute_pre_trade.order.retry";
    expect(json(retry)).toEqual({
      error: { code: "ERROR_CODE_FAILED_PRECONDITION", field: f, message: `${f}: no ClientOrderIdPolicy is configured, so a retry cannot be recognised; send it as a new order` },
    });
  });
});
