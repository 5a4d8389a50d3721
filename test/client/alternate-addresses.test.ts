/**
 * OwnerFollowingChannel's `alternateAddresses` (owner-redirect.ts, docs/clients.md "Replicated
 * sidecars"): the channel leaves an address it cannot reach, or whose stream broke, for the
 * next one of the rotation (the address given, then the alternates). A send's commands go on
 * to the next address only when nothing of them was sent (the connection never became READY);
 * a command in flight on a stream that broke is never sent again, and only the next send
 * starts elsewhere. Real sidecars (in-process harnesses); a closed port for a dead one, a
 * listener that never speaks HTTP/2 for a frozen one, and proxies for a connection that is lost.
 */
import net from "node:net";
import { status } from "@grpc/grpc-js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OwnerFollowingChannel, PartialSendError, UnreachableError, type MoveReason } from "../../src/client/index.js";
import { order, type Harness } from "../server/harness.js";
import { freezableProxy } from "./freezable-proxy.js";
import { commit, openReservations, reservationOf, reserve, twoFundedSidecars } from "./two-sidecars.js";
import { silentListener } from "./silent-listener.js";

/** An address nothing listens on (a port bound, then closed): connections to it are refused. */
async function closedPort(): Promise<string> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const address = `127.0.0.1:${(srv.address() as net.AddressInfo).port}`;
  await new Promise<void>((r) => srv.close(() => r()));
  return address;
}

const SHORT_KEEPALIVE = { channelOptions: { "grpc.keepalive_time_ms": 500, "grpc.keepalive_timeout_ms": 500 } };

const accepted = (r: unknown) => (r as { result: { case: string; value: { accepted?: boolean } } }).result;

describe("OwnerFollowingChannel with alternateAddresses", () => {
  let a: Harness;
  let b: Harness;
  let moves: string[];
  const onRedirect = (from: string, to: string, reason: MoveReason) => moves.push(`${from} -> ${to} (${reason})`);
  beforeEach(async () => {
    [a, b] = await twoFundedSidecars();
    moves = [];
  });
  afterEach(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  it("an address that refuses connections: the send goes on to the live alternate, once, and the channel stays there", async () => {
    const dead = await closedPort();
    const ch = new OwnerFollowingChannel(dead, { alternateAddresses: [b.address], onRedirect });
    try {
      const [r] = await ch.send(reserve());
      expect(accepted(r).case).toBe("execute");
      expect(accepted(r).value.accepted).toBe(true);
      expect(moves).toEqual([`${dead} -> ${b.address} (unreachable)`]);
      expect(ch.address).toBe(b.address);
      expect(await openReservations(b)).toEqual([reservationOf(r)]);
      // The next send goes straight there.
      await ch.send(reserve());
      expect(moves).toHaveLength(1);
      expect(await openReservations(b)).toHaveLength(2);
    } finally {
      await ch.close();
    }
  });

  it("a connection that never becomes READY (the liveness bound fires): the send goes on to the alternate", async () => {
    const frozen = await silentListener();
    const ch = new OwnerFollowingChannel(frozen.address, { alternateAddresses: [b.address], onRedirect, connectOptions: SHORT_KEEPALIVE });
    try {
      const [r] = await ch.send(reserve());
      expect(accepted(r).value.accepted).toBe(true);
      expect(moves).toEqual([`${frozen.address} -> ${b.address} (unreachable)`]);
      expect(await openReservations(b)).toEqual([reservationOf(r)]);
    } finally {
      await ch.close();
      frozen.close();
    }
  });

  it("every address refuses: the send rejects with UnreachableError naming each once (no loop); without alternates the message is the connection's", async () => {
    const [d1, d2] = [await closedPort(), await closedPort()];
    const ch = new OwnerFollowingChannel(d1, { alternateAddresses: [d2], onRedirect });
    const alone = new OwnerFollowingChannel(d1);
    try {
      const e = await ch.send(reserve()).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(UnreachableError);
      expect((e as UnreachableError).addresses).toEqual([d1, d2]);
      expect(moves).toEqual([`${d1} -> ${d2} (unreachable)`]);
      const e1 = await alone.send(reserve()).catch((x: unknown) => x);
      expect(e1).toBeInstanceOf(UnreachableError);
      expect((e1 as UnreachableError).addresses).toEqual([d1]);
      expect((e1 as UnreachableError).message).toBe(((e1 as UnreachableError).cause as Error).message);
      // The raw error's status, for code that read it before UnreachableError existed.
      expect((e1 as UnreachableError).code).toBe(status.UNAVAILABLE);
    } finally {
      await Promise.all([ch.close(), alone.close()]);
    }
  });

  it("a stream that breaks with a command in flight: the send rejects (PartialSendError beside a command that ran), nothing is sent again, and only the next send goes to the alternate", async () => {
    const proxy = await freezableProxy(a.address);
    const ch = new OwnerFollowingChannel(proxy.address, { alternateAddresses: [b.address], onRedirect });
    try {
      // Committed at once: A keeps no handle whose id B's reservation below would share (AmbiguousHandleError).
      const [first] = await ch.send({ case: "executePreTrade", value: { order: order(), commitOnAccept: true } });
      expect(accepted(first).value.accepted).toBe(true);
      // A reservation issued by B: committing it goes to B, whatever the current address.
      const [onB] = await ch.sendAt(b.address, reserve());
      const heldOnB = reservationOf(onB);
      expect(await openReservations(b)).toEqual([heldOnB]);

      // A stops answering; the batch's order is written on its (READY) stream, the commit goes to B.
      proxy.freeze();
      const sent = ch.send(commit(heldOnB), reserve()).catch((x: unknown) => x);
      // Only B's answer can come: wait for it to have run the commit, then lose A's connection.
      await untilEmpty(() => openReservations(b));
      proxy.close();
      const e = await sent;
      expect(e).toBeInstanceOf(PartialSendError);
      const partial = e as PartialSendError;
      expect(partial.results[0]!.result.case).toBe("finalize");
      expect(partial.results[1]).toBeUndefined(); // may or may not have run: not sent again
      expect(partial.cause).not.toBeInstanceOf(UnreachableError);
      expect(moves).toEqual([]);
      expect(await openReservations(b)).toEqual([]); // the order was not sent to B
      expect(await openReservations(a)).toEqual([]); // nor did A get it (frozen)

      // The next send starts at the alternate.
      const [next] = await ch.send(reserve());
      expect(accepted(next).value.accepted).toBe(true);
      expect(moves).toEqual([`${proxy.address} -> ${b.address} (broken)`]);
      expect(await openReservations(b)).toEqual([reservationOf(next)]);
      expect(await openReservations(a)).toEqual([]);
    } finally {
      await ch.close();
      proxy.close();
    }
  });

  it("a command alone in flight on a stream that breaks: the send rejects with the stream's error, and is not sent again", async () => {
    const proxy = await freezableProxy(a.address);
    const ch = new OwnerFollowingChannel(proxy.address, { alternateAddresses: [b.address], onRedirect });
    try {
      await ch.send(reserve());
      proxy.freeze();
      const sent = ch.send(reserve()).catch((x: unknown) => x);
      proxy.close();
      const e = await sent;
      expect(e).toBeInstanceOf(Error);
      expect(e).not.toBeInstanceOf(UnreachableError);
      expect(moves).toEqual([]);
      expect(await openReservations(b)).toEqual([]);
      await ch.send(reserve());
      expect(moves).toEqual([`${proxy.address} -> ${b.address} (broken)`]);
      expect(await openReservations(b)).toHaveLength(1);
    } finally {
      await ch.close();
      proxy.close();
    }
  });

  // Found by review (session 37): closed while a send was split over an address that never
  // answered and another that did, the send left the unsendable commands without an answer
  // and crashed with a TypeError, losing the answer of the commit that ran.
  it("closed during a send split over a silent address and a live one: PartialSendError with what ran", async () => {
    const silent = await silentListener();
    const ch = new OwnerFollowingChannel(silent.address, { alternateAddresses: [b.address], connectOptions: SHORT_KEEPALIVE, onRedirect });
    try {
      const [opened] = await ch.sendAt(b.address, reserve());
      const id = reservationOf(opened);
      // B's next answer waits until the test lets it go.
      const held: (() => void)[] = [];
      const state = b.server.state;
      const afterDurable = state.afterDurable.bind(state);
      state.afterDurable = (cb: () => void) => afterDurable(() => void held.push(cb));
      // A new order (to the silent current address) and the commit (to B, which issued it).
      const sending = ch.send(reserve(), commit(id)).then(
        () => undefined,
        (e: unknown) => e,
      );
      await expect.poll(() => held.length, { timeout: 10_000 }).toBeGreaterThan(0);
      // The silent address's connection bound fires (the order found unsendable) while B still holds its answer.
      await expect.poll(() => linkBroken(ch, silent.address), { timeout: 10_000 }).toBe(true);
      const closing = ch.close();
      for (const cb of held.splice(0)) cb();
      state.afterDurable = afterDurable;
      const failure = await sending;
      await closing;
      expect(failure).toBeInstanceOf(PartialSendError);
      const { results } = failure as PartialSendError;
      expect(results.map((r) => r?.result.case)).toEqual([undefined, "finalize"]);
      expect((failure as PartialSendError).cause).toBeInstanceOf(UnreachableError);
      expect(moves).toEqual([]);
    } finally {
      silent.close();
      await ch.close();
    }
  });
});

/** Polls (a condition, not a time) until `read` gives an empty list. */
async function untilEmpty(read: () => Promise<unknown[]>): Promise<void> {
  while ((await read()).length > 0) await new Promise((r) => setImmediate(r));
}

/** Whether the channel's link to `address` has failed (read from the client's private state: no API says it). */
const linkBroken = (c: OwnerFollowingChannel, address: string): boolean =>
  (c as unknown as { links: Map<string, { channel: { usable: boolean } }> }).links.get(address)?.channel.usable === false;
