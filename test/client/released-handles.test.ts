/**
 * Found by review: ReleaseAccounts rolls back the released accounts' reservations and abandons
 * their requests on the sidecar (channel-state.ts release), answering only `bind {}`, but
 * OwnerFollowingChannel kept those handles booked. The same id issued later by another
 * sidecar was then refused as ambiguous though only that sidecar held it.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OwnerFollowingChannel } from "../../src/client/index.js";
import type { CommandResult } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { ACCOUNT, OTHER_ACCOUNT, order, type Harness } from "../server/harness.js";
import { commit, openReservations, reservationOf, reserve, twoFundedSidecars } from "./two-sidecars.js";

const release = (accountId: bigint) => ({ case: "releaseAccounts" as const, value: { accountIds: [accountId] } });
const outcomeOf = (sent: Promise<CommandResult[]>) =>
  sent.then(
    (r) => r[0]!.result.case as string,
    (e: Error) => e.name,
  );

describe("handles of released accounts", () => {
  let a: Harness;
  let b: Harness;
  beforeEach(async () => {
    [a, b] = await twoFundedSidecars();
  });
  afterEach(async () => {
    await a.close();
    await b.close();
  });

  it("are unbooked once the release ran: the same id issued by B afterwards is B's alone", async () => {
    const ch = new OwnerFollowingChannel(a.address);
    try {
      const idA = reservationOf((await ch.send(reserve()))[0]);
      const [released] = await ch.send(release(ACCOUNT));
      expect(released!.result.case).toBe("bind");
      expect(await openReservations(a)).toEqual([]); // A rolled it back
      expect(reservationOf((await ch.sendAt(b.address, reserve()))[0])).toBe(idA);
      expect(await outcomeOf(ch.send(commit(idA)))).toBe("finalize");
      expect(await openReservations(b)).toEqual([]);
    } finally {
      await ch.close();
    }
  });

  it("a two-stage order's request and the reservation its execute opened are the request's account's, and unbooked with it", async () => {
    const ch = new OwnerFollowingChannel(a.address);
    try {
      const [started] = await ch.send({ case: "startPreTrade", value: { order: order() } });
      const requestId = (started!.result.value as { requestId: bigint }).requestId;
      const reservationId = reservationOf((await ch.send({ case: "executeRequest", value: { requestId } }))[0]);
      const [open] = await ch.send({ case: "startPreTrade", value: { order: order() } });
      const openRequestId = (open!.result.value as { requestId: bigint }).requestId;
      expect((await ch.send(release(ACCOUNT)))[0]!.result.case).toBe("bind");
      // B issues the same ids to orders of its own.
      const onB = (await ch.sendAt(b.address, reserve(), reserve(), reserve())).map(reservationOf);
      expect(onB).toEqual([requestId, reservationId, openRequestId]);
      expect(await outcomeOf(ch.send(commit(reservationId)))).toBe("finalize");
      expect(await outcomeOf(ch.send(commit(openRequestId)))).toBe("finalize");
      expect(await openReservations(b)).toEqual([requestId]);
    } finally {
      await ch.close();
    }
  });

  it("a release of another account leaves them booked: the same id issued by B is ambiguous", async () => {
    const ch = new OwnerFollowingChannel(a.address);
    try {
      const idA = reservationOf((await ch.send(reserve()))[0]);
      expect((await ch.send(release(OTHER_ACCOUNT)))[0]!.result.case).toBe("bind");
      expect(await openReservations(a)).toEqual([idA]);
      expect(reservationOf((await ch.sendAt(b.address, reserve()))[0])).toBe(idA);
      expect(await outcomeOf(ch.send(commit(idA)))).toBe("AmbiguousHandleError");
      expect(await openReservations(b)).toEqual([idA]);
    } finally {
      await ch.close();
    }
  });
});
