/**
 * close() while a send pauses for "no owner yet": the commands refused NOT_OWNER were never
 * sent again, so they ran nowhere and keep their NOT_OWNER (found by review, session 42: they
 * came back `undefined`, "may or may not have run", and the gateway had to reconcile orders that
 * certainly did not run). Nothing of the send ran: it rejects with ChannelClosedError itself.
 * Some of it ran: PartialSendError with those answers and the NOT_OWNER of the rest.
 */
import { create } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import { ChannelClosedError, OwnerFollowingChannel, PartialSendError } from "../../src/client/index.js";
import { CommandResultSchema, OpenResponseSchema, type OpenRequest } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { startDouble, type Double, type OpenCall } from "./channel-double.js";

const doubles: Double[] = [];
afterEach(() => doubles.splice(0).forEach((d) => d.close()));

const noOwnerYet = create(CommandResultSchema, { result: { case: "error", value: { code: ErrorCode.NOT_OWNER, message: "no owner yet", ownerAddress: "" } } });
const accepted = create(CommandResultSchema, { result: { case: "execute", value: { accepted: true, committed: true } } });
const order = (accountId: bigint) => ({ case: "executePreTrade", value: { order: { accountId }, commitOnAccept: true } }) as const;

/** A sidecar that owns account 1 and answers every other account "no owner yet". */
async function sidecar(): Promise<{ double: Double; sent: () => number }> {
  let sent = 0;
  const double = await startDouble((call: OpenCall, req: OpenRequest) => {
    sent += req.commands.length;
    const results = req.commands.map((c) => (c.command.case === "executePreTrade" && c.command.value.order?.accountId === 1n ? accepted : noOwnerYet));
    call.write(create(OpenResponseSchema, { correlationId: req.correlationId, results }));
  });
  doubles.push(double);
  return { double, sent: () => sent };
}

describe("close() during a no-owner pause", () => {
  it("nothing of the send ran: it rejects with ChannelClosedError, and nothing is sent again", async () => {
    const { double, sent } = await sidecar();
    const ch: OwnerFollowingChannel = new OwnerFollowingChannel(double.address, { pause: () => ch.close() });
    const failure = await ch.send(order(5n)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(ChannelClosedError);
    expect((failure as Error).message).toBe("the channel was closed");
    expect(sent()).toBe(1);
  });

  it("part of it ran: PartialSendError with those answers, and NOT_OWNER (ran nowhere) for the rest", async () => {
    const { double, sent } = await sidecar();
    const ch: OwnerFollowingChannel = new OwnerFollowingChannel(double.address, { pause: () => ch.close() });
    const failure = await ch.send(order(1n), order(5n)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(PartialSendError);
    const results = (failure as PartialSendError).results;
    expect(results.map((r) => r?.result.case)).toEqual(["execute", "error"]);
    expect(results[1]).toEqual(noOwnerYet);
    expect((failure as PartialSendError).cause).toBeInstanceOf(ChannelClosedError);
    expect(sent()).toBe(2);
  });
});
