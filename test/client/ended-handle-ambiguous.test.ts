/**
 * Found by review: two sidecars issue the same id to different orders (each numbers its own),
 * and OwnerFollowingChannel refused a command on it as ambiguous, but only while both copies
 * were open. Once A's copy ended (TTL, fencing, the connection to A lost) the id went to B,
 * and the gateway's late commit of A's reservation committed B's unrelated reservation,
 * where with one sidecar the same late commit is refused and changes nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AmbiguousHandleError, OwnerFollowingChannel } from "../../src/client/index.js";
import type { CommandResult, OpenResponse } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { ACCOUNT, startHarness, testConfig, type Harness } from "../server/harness.js";
import { commit, cuttableProxy, openReservations, reservationOf, reserve, twoFundedSidecars } from "./two-sidecars.js";

/** What a send came to: the first result's case, or the rejection's name and addresses. */
const outcomeOf = (sent: Promise<CommandResult[]>) =>
  sent.then(
    (r) => r[0]!.result.case as string,
    (e: Error) => (e instanceof AmbiguousHandleError ? { refused: e.name, open: e.addresses, ended: e.ended } : `${e.name}: ${e.message}`),
  );

describe("a handle whose copy ended on A while B holds the same id", () => {
  let a: Harness;
  let b: Harness;
  beforeEach(async () => {
    [a, b] = await twoFundedSidecars(() => startHarness(testConfig({ limits: { reservationTtlMs: 5000 } })));
  });
  afterEach(async () => {
    await a.close();
    await b.close();
  });

  /** A channel that heard the first notice of `kind`, with an order reserved on A and one on B under the same id. */
  async function sameIdOnAandB(address: string, kind: string) {
    let heard!: () => void;
    const notice = new Promise<void>((r) => (heard = r));
    const ch = new OwnerFollowingChannel(address, { onNotice: (_at, n: OpenResponse) => n.notice?.notice.case === kind && heard() });
    const id = reservationOf((await ch.send(reserve()))[0]);
    expect(reservationOf((await ch.sendAt(b.address, reserve()))[0])).toBe(id); // two orders, one id
    expect(await outcomeOf(ch.send(commit(id)))).toEqual({ refused: "AmbiguousHandleError", open: [address, b.address], ended: [] });
    return { ch, id, notice };
  }

  /** Loses `ch`'s link to A through `proxy` (`how`), and waits until A closed the channel and the client heard its end. */
  async function loseLinkToA(ch: OwnerFollowingChannel, proxy: { address: string; cut(): void; drop(): void }, how: "cut" | "drop") {
    const linkA = (ch as unknown as { links: Map<string, { channel: { call: NodeJS.EventEmitter } }> }).links.get(proxy.address)!;
    const clientHeard = new Promise((r) => linkA.channel.call.once("status", r));
    const closed = a.nextChannelClose();
    proxy[how]();
    await Promise.all([closed, clientHeard]);
  }

  it("TTL expiry on A: the late commit of A's reservation is refused, not sent to B; sendAt settles it", async () => {
    const { ch, id, notice } = await sameIdOnAandB(a.address, "handlesExpired");
    try {
      a.clock.advance(5000);
      a.server.state.sweepExpired();
      await notice;
      // The gateway's commit of A's order, a little late: B's order must not be committed.
      expect(await outcomeOf(ch.send(commit(id)))).toEqual({ refused: "AmbiguousHandleError", open: [b.address], ended: [a.address] });
      expect(await openReservations(b)).toEqual([id]);
      // The gateway sends it where it meant it: A no longer knows it, and the id is B's alone.
      const [onA] = await ch.sendAt(a.address, commit(id));
      expect(onA!.result.case).toBe("error");
      expect(await openReservations(b)).toEqual([id]);
      expect(await outcomeOf(ch.send(commit(id)))).toBe("finalize");
      expect(await openReservations(b)).toEqual([]);
    } finally {
      await ch.close();
    }
  });

  it("A's channel fenced (the account taken over there): the late commit of A's reservation is refused, not sent to B", async () => {
    const { ch, id, notice } = await sameIdOnAandB(a.address, "accountsFenced");
    const other = a.channel();
    try {
      expect((await other.send({ case: "bindAccounts", value: { accountIds: [ACCOUNT], takeover: true } }))[0]!.result.case).toBe("bind");
      await notice;
      expect(await outcomeOf(ch.send(commit(id)))).toEqual({ refused: "AmbiguousHandleError", open: [b.address], ended: [a.address] });
      expect(await openReservations(b)).toEqual([id]);
      // B's own, sent there explicitly.
      expect((await ch.sendAt(b.address, commit(id)))[0]!.result.case).toBe("finalize");
    } finally {
      await other.end();
      await ch.close();
    }
  });

  it("A's channel lost (crash, failover): the late commit of A's reservation is refused, not sent to B", async () => {
    const proxy = await cuttableProxy(a.address);
    const { ch, id } = await sameIdOnAandB(proxy.address, "none");
    try {
      await loseLinkToA(ch, proxy, "cut");
      expect(await outcomeOf(ch.send(commit(id)))).toEqual({ refused: "AmbiguousHandleError", open: [b.address], ended: [proxy.address] });
      expect(await openReservations(b)).toEqual([id]);
      expect((await ch.sendAt(b.address, commit(id)))[0]!.result.case).toBe("finalize");
      expect(await openReservations(b)).toEqual([]);
    } finally {
      await ch.close();
    }
  });

  // Found by review: sendAt to the sidecar where the copy ended goes on a NEW channel there
  // (the old one broke), and handle ids carry their channel's id, so the sidecar answers
  // FOREIGN_HANDLE, not UNKNOWN_HANDLE. That answer did not settle the copy: the id stayed
  // ambiguous for good, and every send of B's reservation was refused.
  it("A's channel lost, then sendAt to A (a new channel there, answered FOREIGN_HANDLE) settles A's copy: the id is B's alone", async () => {
    const proxy = await cuttableProxy(a.address);
    const { ch, id } = await sameIdOnAandB(proxy.address, "none");
    try {
      await loseLinkToA(ch, proxy, "drop"); // A can be reached again at the same address
      expect(await outcomeOf(ch.send(commit(id)))).toEqual({ refused: "AmbiguousHandleError", open: [b.address], ended: [proxy.address] });
      // The gateway names A: A rolled that reservation back with the channel.
      const [onA] = await ch.sendAt(proxy.address, commit(id));
      expect(onA!.result.case === "error" && ErrorCode[onA!.result.value.code]).toBe("FOREIGN_HANDLE");
      expect(await openReservations(b)).toEqual([id]);
      // Settled: the id is B's alone, and the commit of B's reservation goes to B.
      expect(await outcomeOf(ch.send(commit(id)))).toBe("finalize");
      expect(await openReservations(b)).toEqual([]);
    } finally {
      await ch.close();
      proxy.cut();
    }
  });
});
