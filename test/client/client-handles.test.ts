/** Found by review: OwnerFollowingChannel / HandleOwners must never send a handle to a sidecar that did not issue it. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { AmbiguousHandleError, OwnerFollowingChannel } from "../../src/client/index.js";
import { HandleOwners } from "../../src/client/handle-owners.js";
import { CommandResultSchema, OpenResponseSchema } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { ON_B, commit, reserve, stopTwoOwners, twoOwners, type OwnerNode, type TwoOwners } from "../replication/two-owners.js";
import { ACCOUNT, holdingsOf, order, testConfig } from "../server/harness.js";
import { as } from "../server/results.js";

const dropCopy = (accountId: bigint) => ({ case: "executePreTradeDropCopy", value: { order: order({ accountId }), commitOnAccept: false } }) as const;

describe("handles and NOT_OWNER following", () => {
  let w: TwoOwners | undefined;
  let a: OwnerNode;
  let b: OwnerNode;
  beforeEach(async () => {
    w = await twoOwners();
    ({ a, b } = w);
  });
  afterEach(async () => {
    await stopTwoOwners(w);
  });

  it("a commit of A's reservation refused NOT_OWNER(B) is not re-sent to B, where the same id is another reservation", async () => {
    const ch = new OwnerFollowingChannel(a.h.address);
    try {
      const [onA] = await ch.send(reserve(ACCOUNT));
      const idA = as(onA, "execute").reservationId;
      // A is fenced off (failover): it refuses everything NOT_OWNER, naming B.
      a.gate.fencedBecause = "test";
      // A new order for ON_B and the commit of A's reservation, in one batch: both refused on A, both follow to B.
      const [newOrder, committed] = await ch.send(reserve(ON_B), commit(idA));
      const idB = as(newOrder, "execute").reservationId;
      expect(idB).toBe(idA); // B numbers its handles from the same start
      // The commit meant for A's reservation must not finish B's fresh, unsent order's reservation.
      expect(committed!.result.case).toBe("error");
      expect((await holdingsOf(b.h, ON_B)).USD).toEqual({ available: "99000", held: "1000", incoming: "0" });
    } finally {
      await ch.close();
    }
  });

  // Found by review: an uncommitted drop copy's reservation was not booked, so its commit went
  // wherever the channel talked then, where the same id could be another order's reservation.
  it("books the drop-copy reservation: its commit is refused as ambiguous where B has the same id, and goes to A with sendAt", async () => {
    const ch = new OwnerFollowingChannel(a.h.address);
    try {
      const [dc, onB] = await ch.send(dropCopy(ACCOUNT), reserve(ON_B));
      expect(dc!.result.case).toBe("dropCopy");
      const dcId = (dc!.result.value as { reservationId: bigint; committed: boolean }).reservationId;
      expect((dc!.result.value as { committed: boolean }).committed).toBe(false);
      expect(onB!.result.case).toBe("execute");
      const bId = (onB!.result.value as { reservationId: bigint }).reservationId;
      expect(ch.address).toBe(b.h.address);
      // Same numbering on both sidecars: the ids collide.
      expect(bId).toBe(dcId);
      expect((await holdingsOf(b.h, ON_B)).USD).toEqual({ available: "99000", held: "1000", incoming: "0" });

      // The gateway commits its drop-copy reservation: the id is open on A and on B, so the
      // channel will not guess (before, it went to B and finished B's order).
      await expect(ch.send(commit(dcId))).rejects.toThrow(AmbiguousHandleError);
      const [committed] = await ch.sendAt(a.h.address, commit(dcId));
      expect(committed!.result.case).toBe("finalize");
      // B's reservation (a different order, still unsent to the venue) is still open on B.
      const [bStillOpen] = await ch.sendAt(b.h.address, { case: "rollbackReservation", value: { reservationId: bId } });
      expect(bStillOpen!.result.case).toBe("finalize");
      // Both are gone now: the id is no longer ambiguous, and names nothing open.
      const [again] = await ch.send(commit(dcId));
      expect(again!.result.case).toBe("error");
    } finally {
      await ch.close();
    }
  });
});

// Found by review (session 28): a channel the sidecar closed (ChannelClosing: the hard
// throttle) took its reservations with it, but they stayed booked, so the same id issued by
// another sidecar was refused as ambiguous.
describe("a channel the sidecar closed", () => {
  let w: TwoOwners | undefined;
  afterEach(async () => {
    await stopTwoOwners(w);
  });

  it("leaves none of its handles open: the same id on B is refused as ambiguous, and goes to B with sendAt", async () => {
    const throttled = testConfig();
    const throttle = { type: "TwoTierThrottlePolicy", settings: { default: { softMaxOrders: 2, hardMaxOrders: 3, windowMs: 1000 } } };
    w = await twoOwners([ACCOUNT, ON_B], { ...throttled, policies: [...(throttled.policies as unknown[]), throttle] });
    const ch = new OwnerFollowingChannel(w.a.h.address);
    try {
      const idB = as((await ch.send(reserve(ON_B)))[0], "execute").reservationId; // followed to B
      expect(ch.address).toBe(w.b.h.address);
      const idA = as((await ch.sendAt(w.a.h.address, reserve(ACCOUNT)))[0], "execute").reservationId;
      expect(idA).toBe(idB); // the same numbering on both sidecars
      // Past the hard tier, A closes the channel, rolling back idA with it.
      for (let i = 0; i < 3; i++) await ch.sendAt(w.a.h.address, reserve(ACCOUNT));
      // Found by review: this commit used to go to B, a guess. The id was open on A and on B,
      // and the gateway may not have heard yet that A's copy ended: a late commit of A's
      // reservation would have committed B's. So the id stays ambiguous while B's copy is open.
      await expect(ch.send(commit(idB))).rejects.toThrow(AmbiguousHandleError);
      expect((await ch.sendAt(w.b.h.address, commit(idB)))[0]!.result.case).toBe("finalize");
    } finally {
      await ch.close();
    }
  });
});

describe("HandleOwners bookkeeping", () => {
  const execResult = (id: bigint) => create(CommandResultSchema, { result: { case: "execute", value: { accepted: true, committed: false, reservationId: id } } });
  const errorResult = (code: ErrorCode) => create(CommandResultSchema, { result: { case: "error", value: { code, message: "refused" } } });

  it("a commit refused before it ran (RESOURCE_EXHAUSTED) leaves the handle booked where it was issued", () => {
    const owners = new HandleOwners();
    owners.record("A", [reserve(ACCOUNT)], [execResult(1n)]);
    owners.record("B", [reserve(ON_B)], [execResult(1n)]);
    // The server refused the commit whole (the channel queue was full): reservation 1 is still open on A.
    owners.record("A", [commit(1n)], [errorResult(ErrorCode.RESOURCE_EXHAUSTED)]);
    // Still open on both: the client must refuse to route it, not send A's commit to B.
    expect(() => owners.addressOf(1n)).toThrow(/is open on A and B/);
  });

  const start = (id: bigint) => create(CommandResultSchema, { result: { case: "start", value: { accepted: true, requestId: id } } });
  const fenced = (reservations: bigint[], requests: bigint[]) =>
    create(OpenResponseSchema, { notice: { notice: { case: "accountsFenced", value: { accountIds: [ACCOUNT], rolledBackReservationIds: reservations, abandonedRequestIds: requests } } } });
  const expired = (reservations: bigint[]) => create(OpenResponseSchema, { notice: { notice: { case: "handlesExpired", value: { reservationIds: reservations } } } });
  const where = (owners: HandleOwners) => (id: bigint) => {
    try {
      return owners.addressOf(id);
    } catch (e) {
      const { addresses, ended } = e as AmbiguousHandleError;
      return `open on ${addresses.join(" and ")}${ended.length > 0 ? `, ended on ${ended.join(" and ")}` : ""}`;
    }
  };

  // Found by review (session 28): only HandlesExpired ended booked handles.
  it("a notice that ends handles (HandlesExpired, AccountsFenced) unbooks them where they were issued: the same ids issued by B afterwards are B's", () => {
    const owners = new HandleOwners();
    owners.record("A", [reserve(ACCOUNT), reserve(ACCOUNT), reserve(ACCOUNT)], [execResult(1n), execResult(2n), execResult(3n)]);
    owners.record("A", [{ case: "startPreTrade", value: { order: order() } }], [start(4n)]);
    owners.noticed("A", fenced([1n], [4n]));
    owners.noticed("A", expired([2n]));
    for (const id of [1n, 2n, 3n, 4n]) owners.record("B", [reserve(ON_B)], [execResult(id)]);
    expect([1n, 2n, 3n, 4n].map(where(owners))).toEqual(["B", "B", "open on A and B", "B"]);
  });

  // Found by review: an id open on A and B went to B as soon as A's copy ended, and the
  // gateway's late commit of A's reservation committed B's.
  it("an id whose copy ended on A while B had it open stays ambiguous until one of them is settled by a command, or B's ends too", () => {
    const owners = new HandleOwners();
    owners.record("A", [reserve(ACCOUNT), reserve(ACCOUNT), reserve(ACCOUNT), reserve(ACCOUNT)], [execResult(1n), execResult(2n), execResult(3n), execResult(4n)]);
    owners.record("A", [{ case: "startPreTrade", value: { order: order() } }], [start(5n)]);
    for (const id of [1n, 2n, 3n, 4n, 5n]) owners.record("B", [reserve(ON_B)], [execResult(id)]);
    owners.noticed("A", fenced([1n], [5n]));
    owners.noticed("A", expired([2n, 3n, 4n]));
    expect([1n, 2n, 3n, 4n, 5n].map(where(owners))).toEqual(Array(5).fill("open on B, ended on A"));
    expect(() => owners.addressOf(1n)).toThrow(/open on B and was open on A too, where it ended/);
    // The gateway settles 2 on A (where it ended): A answers it does not know it, so 2 is B's.
    owners.record("A", [commit(2n)], [errorResult(ErrorCode.UNKNOWN_HANDLE)]);
    // It commits 3 on B: B's copy is used up, and no copy of 3 is open any more.
    owners.record("B", [commit(3n)], [create(CommandResultSchema, { result: { case: "finalize", value: { id: 3n } } })]);
    // B's copy of 4 ends too: nothing of 4 is open anywhere.
    owners.noticed("B", expired([4n]));
    // A refused a command on 5 before it ran: that settles nothing.
    owners.record("A", [{ case: "discardRequest", value: { requestId: 5n } }], [errorResult(ErrorCode.RESOURCE_EXHAUSTED)]);
    expect([1n, 2n, 3n, 4n, 5n].map(where(owners))).toEqual(["open on B, ended on A", "B", undefined, undefined, "open on B, ended on A"]);
    // An id issued afresh once no copy is open is its issuer's alone.
    owners.record("C", [reserve(ON_B)], [execResult(4n)]);
    expect(where(owners)(4n)).toBe("C");
  });

  // Found by review: a release ran at A but A's handles of the released accounts stayed booked.
  it("a ReleaseAccounts that ran unbooks that address's handles of the released accounts, a two-stage order's reservation with its request's", () => {
    const owners = new HandleOwners();
    const released = create(CommandResultSchema, { result: { case: "bind", value: {} } });
    const release = (accountId: bigint) => ({ case: "releaseAccounts" as const, value: { accountIds: [accountId] } });
    const execute = (requestId: bigint) => ({ case: "executeRequest", value: { requestId } }) as const;
    owners.record("A", [reserve(ACCOUNT), reserve(ON_B), { case: "startPreTrade", value: { order: order() } }], [execResult(1n), execResult(2n), start(3n)]);
    owners.record("A", [execute(3n)], [execResult(4n)]);
    owners.record("C", [reserve(ON_B)], [execResult(5n)]);
    // Refused: nothing was released.
    owners.record("A", [release(ACCOUNT)], [errorResult(ErrorCode.PERMISSION_DENIED)]);
    // A release at C does not end A's handles.
    owners.record("C", [release(ACCOUNT)], [released]);
    // In one message: 5 opened on A, then the release ran; then 6 opened after it.
    owners.record("A", [reserve(ACCOUNT), release(ACCOUNT), reserve(ACCOUNT)], [execResult(5n), released, execResult(6n)]);
    for (const id of [1n, 2n, 3n, 4n, 6n]) owners.record("B", [reserve(ON_B)], [execResult(id)]);
    // 1 and 4 are B's alone; 2 (ON_B's) and 6 (after the release) are still open on A; 3 was used
    // up by its execute; 5 was open on C too when A's copy ended.
    expect([1n, 2n, 3n, 4n, 5n, 6n].map(where(owners))).toEqual(["B", "open on A and B", "B", "B", "open on C, ended on A", "open on A and B"]);
  });

  it("the channel to A gone: ids B has open too stay ambiguous, A's alone are forgotten", () => {
    const owners = new HandleOwners();
    owners.record("A", [reserve(ACCOUNT), reserve(ACCOUNT)], [execResult(1n), execResult(2n)]);
    owners.record("B", [reserve(ON_B)], [execResult(1n)]);
    owners.forget("A");
    expect([1n, 2n].map(where(owners))).toEqual(["open on B, ended on A", undefined]);
    // A new channel to A numbers from 1 again: its 1 is a third copy.
    owners.record("A", [reserve(ACCOUNT)], [execResult(1n)]);
    expect(where(owners)(1n)).toBe("open on B and A, ended on A");
    // Committing the new one on A leaves the one that ended there still counted.
    owners.record("A", [commit(1n)], [create(CommandResultSchema, { result: { case: "finalize", value: { id: 1n } } })]);
    expect(where(owners)(1n)).toBe("open on B, ended on A");
  });
});

describe("answers that ran are not dropped when a forward fails", () => {
  let w: TwoOwners | undefined;
  let a: OwnerNode;
  let b: OwnerNode;
  beforeEach(async () => {
    w = await twoOwners([ACCOUNT]);
    ({ a, b } = w);
  });
  afterEach(async () => {
    await stopTwoOwners(w);
  });

  it("A committed an order but the send rejects (B unreachable) without A's answer", async () => {
    const ch = new OwnerFollowingChannel(a.h.address);
    try {
      await b.h.close(); // B still holds its lease: A names it
      const sent = ch.send(reserve(ACCOUNT, true), reserve(ON_B, true));
      const outcome = await sent.then(
        (r) => ({ ok: true as const, r }),
        (e: unknown) => ({ ok: false as const, e: e as { results?: unknown[] } }),
      );
      // The order on ACCOUNT ran and was committed on A...
      expect((await holdingsOf(a.h)).USD).toEqual({ available: "99000", held: "1000", incoming: "0" });
      // ...so its answer must reach the gateway (resolved, or on the error), not be dropped.
      const first = outcome.ok ? outcome.r[0] : outcome.e.results?.[0];
      expect(first).toBeDefined();
    } finally {
      await ch.close();
    }
  });
});
