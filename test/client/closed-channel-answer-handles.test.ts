/**
 * Found by review: a reservation opened by an answer that arrives on a channel the sidecar has
 * just closed (its ChannelClosing notice comes before that very answer) was not booked at all
 * (owner-redirect.ts sendTo booked only a usable channel's answers). If another sidecar had the
 * same id open, that id was that sidecar's alone, and a late commit of it (meant for the closed
 * channel's reservation, rolled back) committed the other sidecar's reservation: the hazard
 * handle-owners.ts guards against for TTL, fencing and lost channels. The closed channel's copy
 * is booked as ended: the id is ambiguous until `sendAt` settles it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { AmbiguousHandleError, OwnerFollowingChannel } from "../../src/client/index.js";
import { startHarness, type Harness } from "../server/harness.js";
import { controlsConfig } from "../server/controls-world.js";
import { commit, openReservations, reservationOf, reserve } from "./two-sidecars.js";

const THROTTLE = { type: "TwoTierThrottlePolicy", settings: { default: { softMaxOrders: 2, hardMaxOrders: 3, windowMs: 1000 } } };

let sidecars: Harness[] = [];
let ofc: OwnerFollowingChannel | undefined;
afterEach(async () => {
  await ofc?.close().catch(() => {});
  ofc = undefined;
  await Promise.all(sidecars.map((h) => h.close()));
  sidecars = [];
});

/** A holds reservation `id` open; B's channel opened the same id in the answer that came after its ChannelClosing. */
async function sameIdOnAClosedOnB(): Promise<{ a: Harness; b: Harness; ch: OwnerFollowingChannel; id: bigint }> {
  const [a, b] = (sidecars = await Promise.all([startHarness(controlsConfig([THROTTLE])), startHarness(controlsConfig([THROTTLE]))]));
  const ch = (ofc = new OwnerFollowingChannel(a!.address));
  const id = reservationOf((await ch.send(reserve()))[0]);
  expect(await openReservations(a!)).toEqual([id]);
  // On B: the first reserve opens the same id; the fourth order closes the channel (hard tier),
  // and the ChannelClosing notice comes before this answer.
  const atB = await ch.sendAt(b!.address, reserve(), reserve(), reserve(), reserve());
  expect(reservationOf(atB[0])).toBe(id); // the same numbering on both sidecars
  expect(await openReservations(b!)).toEqual([]); // rolled back with the closed channel
  return { a: a!, b: b!, ch, id };
}

describe("an answer on a channel the sidecar closed opens a handle another sidecar also has open", () => {
  it("a late commit of that id is refused as ambiguous, not routed to the other sidecar", async () => {
    const { a, b, ch, id } = await sameIdOnAClosedOnB();
    const late = await ch.send(commit(id)).then(
      (r) => ({ sent: true, result: r[0]!.result.case }),
      (e: Error) => ({ sent: false, error: e instanceof AmbiguousHandleError ? { open: e.addresses, ended: e.ended } : e.message }),
    );
    expect(await openReservations(a)).toEqual([id]);
    expect(late).toEqual({ sent: false, error: { open: [a.address], ended: [b.address] } });
  });

  it("sendAt to the sidecar that closed the channel settles the ended copy: the id is then the other sidecar's", async () => {
    const { a, b, ch, id } = await sameIdOnAClosedOnB();
    const [atB] = await ch.sendAt(b.address, commit(id)); // on a new channel to B: not its handle
    expect(atB!.result.case).toBe("error");
    expect(await openReservations(a)).toEqual([id]);
    const [atA] = await ch.send(commit(id));
    expect(atA!.result.case).toBe("finalize");
    expect(await openReservations(a)).toEqual([]);
  });
});
