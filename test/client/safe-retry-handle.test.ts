/**
 * Found by review (session 34): a safe retry (order.retry with a known client order id) is
 * answered with its first decision, field for field: the same reservation id.
 * OwnerFollowingChannel booked that id a second time at the same sidecar, so a command on the
 * reservation was refused as ambiguous ("open on A and A"), and after it was finished one copy
 * stayed booked for good. Within one sidecar a live id names one handle: it is booked once.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AmbiguousHandleError, OwnerFollowingChannel } from "../../src/client/index.js";
import type { CommandResult } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { order, seed, startHarness, testConfig, type Harness } from "../server/harness.js";

const outcomeOf = (sent: Promise<CommandResult[]>) =>
  sent.then(
    (r) => r[0]!.result.case as string,
    (e: Error) => (e instanceof AmbiguousHandleError ? { refused: e.name, open: e.addresses, ended: e.ended } : `${e.name}: ${e.message}`),
  );

describe("OwnerFollowingChannel and a safe retry", () => {
  let h: Harness;
  beforeEach(async () => {
    const base = testConfig();
    h = await startHarness(testConfig({ policies: [...(base.policies as unknown[]), { type: "ClientOrderIdPolicy", settings: { retentionMs: 0 } }] }));
  });
  afterEach(async () => {
    await h.close();
  });

  it("the retry's answer (the same reservation) does not make the reservation's commit ambiguous", async () => {
    const ch = new OwnerFollowingChannel(h.address);
    try {
      await ch.send(seed("USD", "100000"));
      const [first] = await ch.send({ case: "executePreTrade", value: { order: order({ clientOrderId: "X1" }) } });
      const id = (first!.result.value as { reservationId: bigint }).reservationId;
      // The gateway is not sure the order got through (its own timeout): it retries, as documented.
      const [again] = await ch.send({ case: "executePreTrade", value: { order: order({ clientOrderId: "X1", retry: true }) } });
      expect((again!.result.value as { reservationId: bigint }).reservationId).toBe(id);
      // One sidecar, one reservation: the commit goes to it.
      expect(await outcomeOf(ch.send({ case: "commitReservation", value: { reservationId: id } }))).toBe("finalize");
    } finally {
      await ch.close();
    }
  });
});
