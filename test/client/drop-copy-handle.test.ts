/**
 * Found by review: an uncommitted drop-copy reservation (DropCopyResult.reservation_id,
 * committed=false) is a handle like an uncommitted ExecuteResult's, but HandleOwners never
 * booked it. Its commit was then routed to wherever the channel talked now, where the same id
 * was another reservation: the gateway's commit finished the wrong order. Booked, the id is
 * known to be open on both sidecars: the commit is refused as ambiguous (send it with sendAt).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AmbiguousHandleError, OwnerFollowingChannel } from "../../src/client/index.js";
import { ON_B, commit, reserve, stopTwoOwners, twoOwners, type OwnerNode, type TwoOwners } from "../replication/two-owners.js";
import { ACCOUNT, holdingsOf, order } from "../server/harness.js";

const dropCopy = (accountId: bigint) => ({ case: "executePreTradeDropCopy", value: { order: order({ accountId }), commitOnAccept: false } }) as const;

describe("drop-copy reservations and OwnerFollowingChannel", () => {
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
