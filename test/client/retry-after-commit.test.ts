/**
 * Found by review: a safe retry answered after its reservation was committed (the gateway's own
 * timeout fired, it committed on a late answer, then its retry logic resent) named the committed
 * reservation as open, so OwnerFollowingChannel booked its id at that sidecar again; once another
 * sidecar issued the same id, a commit of it was refused as ambiguous, though A's copy had ended
 * (docs/clients.md: "an id issued after every other copy of it ended is its issuer's alone"). The
 * retry is now answered committed, reservation 0: nothing is booked.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AmbiguousHandleError, OwnerFollowingChannel } from "../../src/client/index.js";
import type { CommandResult } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { order, startHarness, testConfig, type Harness } from "../server/harness.js";
import { commit, reservationOf, reserve, twoFundedSidecars } from "./two-sidecars.js";

const outcomeOf = (sent: Promise<CommandResult[]>) =>
  sent.then(
    (r) => r[0]!.result.case as string,
    (e: Error) => (e instanceof AmbiguousHandleError ? { refused: e.name, open: e.addresses, ended: e.ended } : `${e.name}: ${e.message}`),
  );

describe("OwnerFollowingChannel and a safe retry after the reservation was committed", () => {
  let a: Harness;
  let b: Harness;
  beforeEach(async () => {
    const base = testConfig();
    [a, b] = await twoFundedSidecars(() => startHarness(testConfig({ policies: [...(base.policies as unknown[]), { type: "ClientOrderIdPolicy", settings: { retentionMs: 0 } }] })));
  });
  afterEach(async () => {
    await a.close();
    await b.close();
  });

  it("the retry's answer books nothing: B's reservation with the same id is committed at B", async () => {
    const ch = new OwnerFollowingChannel(a.address);
    try {
      const [first] = await ch.send({ case: "executePreTrade", value: { order: order({ clientOrderId: "X1" }) } });
      const id = reservationOf(first);
      expect((await ch.send(commit(id)))[0]!.result.case).toBe("finalize");
      const [again] = await ch.send({ case: "executePreTrade", value: { order: order({ clientOrderId: "X1", retry: true }) } });
      expect(again!.result.value).toMatchObject({ accepted: true, committed: true, reservationId: 0n });
      // B issues the same id to an order of its own; A's copy was committed before.
      expect(reservationOf((await ch.sendAt(b.address, reserve()))[0])).toBe(id);
      expect(await outcomeOf(ch.send(commit(id)))).toBe("finalize");
    } finally {
      await ch.close();
    }
  });
});
