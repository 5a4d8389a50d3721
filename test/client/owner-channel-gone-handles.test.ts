/**
 * Found by review (session 29), fixed: a channel whose stream broke (the connection dropped:
 * "Disconnect = drop", the sidecar rolled its reservations back), or an idle one told
 * ShuttingDown, kept its handles booked in OwnerFollowingChannel until something was sent to
 * that address again. Meanwhile the same id issued by another sidecar was refused as ambiguous
 * (AmbiguousHandleError), though only that sidecar held it. And a late answer on a channel the
 * sidecar had closed unbooked the handles of the new channel to the same sidecar.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OwnerFollowingChannel } from "../../src/client/index.js";
import type { OpenRequest } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { holdingsOf, type Harness } from "../server/harness.js";
import { commit, cuttableProxy, reserve, twoFundedSidecars } from "./two-sidecars.js";
import { channelClosing, executeAccepted, finalized, notOwner, startDouble, type Double, type OpenCall } from "./channel-double.js";

describe("handles of a channel whose stream broke", () => {
  let a: Harness;
  let b: Harness;
  beforeEach(async () => {
    [a, b] = await twoFundedSidecars();
  });
  afterEach(async () => {
    await a.close();
    await b.close();
  });

  it("are unbooked: the same id issued by B afterwards is B's alone", async () => {
    const proxy = await cuttableProxy(a.address);
    const ch = new OwnerFollowingChannel(proxy.address);
    try {
      const [onA] = await ch.send(reserve());
      expect(onA!.result.case).toBe("execute");
      const idA = (onA!.result.value as { reservationId: bigint }).reservationId;
      // The connection to A drops: A closes the channel and rolls its reservation back, and the client hears of it.
      const linkA = (ch as unknown as { links: Map<string, { channel: { usable: boolean; call: NodeJS.EventEmitter } }> }).links.get(proxy.address)!;
      const clientHeard = new Promise((r) => linkA.channel.call.once("status", r));
      const closed = a.nextChannelClose();
      proxy.cut();
      await Promise.all([closed, clientHeard]);
      expect((await holdingsOf(a)).USD).toEqual({ available: "100000", held: "0", incoming: "0" });
      expect(linkA.channel.usable).toBe(false);
      // B issues a reservation with the same id.
      const [onB] = await ch.sendAt(b.address, reserve());
      expect((onB!.result.value as { reservationId: bigint }).reservationId).toBe(idA);
      // Only B holds that id now: the commit goes there.
      const outcome = await ch.send(commit(idA)).then(
        (r) => r[0]!.result.case,
        (e: Error) => `${e.name}: ${e.message}`,
      );
      expect(outcome).toBe("finalize");
    } finally {
      await ch.close();
    }
  });

  // docs/clients.md: "a channel the sidecar closed (ChannelClosing, ShuttingDown) [unbooks] all of
  // its own". It was only done when an answer came on that channel.
  it("an idle channel told ShuttingDown unbooks its handles: the same id issued by B afterwards is B's alone", async () => {
    const notices: string[] = [];
    let shuttingDown!: () => void;
    const told = new Promise<void>((r) => (shuttingDown = r));
    const ch = new OwnerFollowingChannel(a.address, {
      onNotice: (_addr, n) => {
        notices.push(n.notice?.notice.case ?? "?");
        if (n.notice?.notice.case === "shuttingDown") shuttingDown();
      },
    });
    try {
      const [onA] = await ch.send(reserve());
      const idA = (onA!.result.value as { reservationId: bigint }).reservationId;
      // A shuts down (graceful restart, handing over): it tells the channel and rolls its reservation back.
      const stopping = a.server.shutdown();
      await told;
      await stopping;
      const [onB] = await ch.sendAt(b.address, reserve());
      expect((onB!.result.value as { reservationId: bigint }).reservationId).toBe(idA);
      const outcome = await ch.send(commit(idA)).then(
        (r) => r[0]!.result.case,
        (e: Error) => `${e.name}: ${e.message}`,
      );
      expect({ notices, outcome }).toEqual({ notices: ["shuttingDown"], outcome: "finalize" });
    } finally {
      await ch.close();
    }
  });
});

const reserveFor = (accountId: bigint) => ({ case: "executePreTrade", value: { order: { accountId } } }) as const;

describe("a late answer on a channel the sidecar closed", () => {
  const doubles: Double[] = [];
  afterEach(() => doubles.splice(0).forEach((d) => d.close()));

  it("does not unbook the handles of the new channel to the same sidecar", async () => {
    let held: { call: OpenCall; req: OpenRequest } | undefined;
    let heldArrived!: () => void;
    const slowArrived = new Promise<void>((r) => (heldArrived = r));
    const commitsAt: string[] = [];
    let bAddress = "";
    const a = await startDouble((call, req, idx) => {
      const c = req.commands[0]!.command;
      if (c.case === "commitReservation") {
        commitsAt.push("A");
        return call.write(finalized(req.correlationId, c.value.reservationId));
      }
      if (c.case !== "executePreTrade") return;
      const account = c.value.order!.accountId;
      if (idx === 0 && account === 2n) {
        held = { call, req }; // slow: answered later
        heldArrived();
      }
      else if (idx === 0 && account === 3n) {
        call.write(channelClosing());
        call.write(executeAccepted(req.correlationId, 7n));
      } else if (account === 9n) call.write(notOwner(req.correlationId, bAddress));
      else call.write(executeAccepted(req.correlationId, 1n));
    }, false);
    const b = await startDouble((call, req) => {
      const c = req.commands[0]!.command;
      if (c.case === "commitReservation") {
        commitsAt.push("B");
        return call.write(finalized(req.correlationId, c.value.reservationId));
      }
      if (c.case === "executePreTrade") call.write(executeAccepted(req.correlationId, 50n));
    });
    bAddress = b.address;
    doubles.push(a, b);
    const ch = new OwnerFollowingChannel(a.address);
    try {
      const slow = ch.send(reserveFor(2n)); // in flight on channel 1
      await slowArrived;
      await ch.send(reserveFor(3n)); // channel 1 closed by the sidecar after this answer
      const [onNew] = await ch.send(reserveFor(4n)); // channel 2 to A: reservation 1
      expect(onNew!.result.case).toBe("execute");
      expect(a.calls.length).toBe(2);
      // Channel 1's last answer comes, and the sidecar ends it.
      held!.call.write(executeAccepted(held!.req.correlationId, 5n));
      held!.call.end();
      const slowOutcome = await slow.then((r) => r[0]!.result.case, (e: Error) => `rejected: ${e.message}`);
      // An order on an account B owns: the channel follows to B.
      await ch.send(reserveFor(9n));
      expect(ch.address).toBe(b.address);
      // Channel 2's reservation 1 was issued by A: its commit must go to A.
      const [committed] = await ch.send(commit(1n));
      expect({ slowOutcome, committed: committed!.result.case, commitsAt }).toEqual({ slowOutcome: "execute", committed: "finalize", commitsAt: ["A"] });
    } finally {
      for (const c of a.calls) c.end();
      await ch.close();
    }
  });
});
