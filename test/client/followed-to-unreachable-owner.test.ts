/**
 * Found by review: a command refused NOT_OWNER (it did not run) and followed to the owner
 * named, where nothing of it ran either (no sidecar could be reached: the owner, then the
 * rotation back to the sidecar that named it; or the owner refused the message whole), came
 * back in PartialSendError as `undefined`, "no answer came: may or may not have run", so the
 * gateway had to reconcile an order that certainly did not run. It keeps its NOT_OWNER answer;
 * and when no command of the send ran anywhere, the send rejects with that failure itself
 * (UnreachableError: nothing ran), as a send to one sidecar does.
 */
import { create } from "@bufbuild/protobuf";
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { MessageRefusedError, OwnerFollowingChannel, PartialSendError, UnreachableError } from "../../src/client/index.js";
import { CommandResultSchema, OpenResponseSchema, type OpenRequest } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { channelClosing, startDouble, type Double, type OpenCall } from "./channel-double.js";

const reserveFor = (accountId: bigint) => ({ case: "executePreTrade", value: { order: { accountId }, commitOnAccept: true } }) as const;

/** An address nothing listens on any more. */
async function closedPort(): Promise<string> {
  const s = new Server();
  const port = await new Promise<number>((resolve, reject) => s.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  s.forceShutdown();
  return `127.0.0.1:${port}`;
}

const ran = create(CommandResultSchema, { result: { case: "execute", value: { accepted: true, committed: true, reservationId: 0n } } });
const notOwnerOf = (owner: string) => create(CommandResultSchema, { result: { case: "error", value: { code: ErrorCode.NOT_OWNER, message: "not owner", ownerAddress: owner } } });
const answer = (req: OpenRequest, owner: string) =>
  create(OpenResponseSchema, {
    correlationId: req.correlationId,
    results: req.commands.map((c) => ((c.command.value as { order?: { accountId: bigint } }).order?.accountId === 1n ? ran : notOwnerOf(owner))),
  });

const doubles: Double[] = [];
afterEach(() => doubles.splice(0).forEach((d) => d.close()));

/**
 * Sidecar A: runs the orders of account 1 and answers NOT_OWNER naming `owner` to the others;
 * it closes the channel (ChannelClosing before that answer) and stops listening, so the rotation
 * (no alternates: A alone) finds A unreachable too once the owner was.
 */
async function lastAnswerThenGone(owner: string): Promise<Double> {
  let a: Double | undefined;
  a = await startDouble((call: OpenCall, req: OpenRequest) => {
    call.write(channelClosing());
    call.write(answer(req, owner));
    a!.server.tryShutdown(() => {});
  });
  doubles.push(a);
  return a;
}

describe("a NOT_OWNER followed to an owner where nothing of it ran", () => {
  it("no sidecar could be reached: the followed command keeps its NOT_OWNER, not 'may or may not have run'", async () => {
    const dead = await closedPort();
    const a = await lastAnswerThenGone(dead);
    const ch = new OwnerFollowingChannel(a.address);
    try {
      const e = await ch.send(reserveFor(1n), reserveFor(2n)).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(PartialSendError);
      const { results, cause } = e as PartialSendError;
      expect(cause).toBeInstanceOf(UnreachableError);
      expect((cause as UnreachableError).addresses).toEqual([dead, a.address]);
      expect(results[0]?.result.case).toBe("execute");
      expect(results[1]).toEqual(notOwnerOf(dead));
    } finally {
      await ch.close();
    }
  }, 30_000);

  it("the owner refused the message whole: the followed command keeps its NOT_OWNER", async () => {
    const owner = await startDouble((call, req) =>
      call.write(create(OpenResponseSchema, { correlationId: req.correlationId, error: { code: ErrorCode.BATCH_TOO_LARGE, message: "too large" } })),
    );
    const a = await startDouble((call, req) => call.write(answer(req, owner.address)));
    doubles.push(a, owner);
    const ch = new OwnerFollowingChannel(a.address);
    try {
      const e = await ch.send(reserveFor(1n), reserveFor(2n)).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(PartialSendError);
      const { results, cause } = e as PartialSendError;
      expect(cause).toBeInstanceOf(MessageRefusedError);
      expect(results[0]?.result.case).toBe("execute");
      expect(results[1]).toEqual(notOwnerOf(owner.address));
    } finally {
      await ch.close();
    }
  });

  it("no command of the send ran anywhere: it rejects with UnreachableError (nothing ran), not PartialSendError", async () => {
    const dead = await closedPort();
    const a = await lastAnswerThenGone(dead);
    const ch = new OwnerFollowingChannel(a.address);
    try {
      const e = await ch.send(reserveFor(2n), reserveFor(3n)).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(UnreachableError);
      expect((e as UnreachableError).addresses).toEqual([dead, a.address]);
    } finally {
      await ch.close();
    }
  }, 30_000);
});
