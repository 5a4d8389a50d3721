/**
 * Found by review (session 40): answers that do not fit what was sent, and an owner no channel
 * can be opened to.
 * - A second answer for one correlation id was handed to onNotice as a notice (no notice in it).
 * - An answer with fewer results than commands resolved short (`undefined` typed as a result).
 * - A NOT_OWNER naming an owner the connect options refuse (a token over plaintext off
 *   loopback) moved the owner-following channel there for good: every later send failed, also
 *   for the accounts the first sidecar owns, and the NOT_OWNER was lost in a "0 of 1 answered".
 */
import { create } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import { CommandResultSchema, OpenResponseSchema, type OpenResponse } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { AccountChannel, AnswerMismatchError, connect, OwnerFollowingChannel, type SidecarClients } from "../../src/client/index.js";
import { executeAccepted, notOwner, startDouble, type Double } from "./channel-double.js";

const reserveFor = (accountId: bigint) => ({ case: "executePreTrade", value: { order: { accountId } } }) as const;

const doubles: Double[] = [];
const clients: SidecarClients[] = [];
afterEach(() => {
  clients.splice(0).forEach((c) => c.close());
  doubles.splice(0).forEach((d) => d.close());
});

async function channelTo(onRequest: Parameters<typeof startDouble>[0], onNotice?: (n: OpenResponse) => void): Promise<AccountChannel> {
  const d = await startDouble(onRequest);
  doubles.push(d);
  const c = connect(d.address);
  clients.push(c);
  return new AccountChannel(c.channel, onNotice);
}

describe("answers that do not fit what was sent", () => {
  it("a second answer for one id is no notice: the stream is dropped, and what is in flight fails with it", async () => {
    const heard: OpenResponse[] = [];
    let answered = 0;
    const ch = await channelTo((call, req) => {
      if (answered++ > 0) return; // the second request is never answered: it is in flight when the duplicate comes
      call.write(executeAccepted(req.correlationId, 5n));
      call.write(executeAccepted(req.correlationId, 6n));
    }, (n) => heard.push(n));
    const [first] = await ch.send(reserveFor(1n));
    expect(first!.result.case).toBe("execute");
    const second = await ch.send(reserveFor(2n)).catch((e: Error) => e);
    expect(second).toBeInstanceOf(AnswerMismatchError);
    expect((second as Error).message).toBe("an answer for correlation id 1, which no request awaits (answered twice?): the stream is dropped");
    expect({ heard: heard.length, notices: ch.notices.length, usable: ch.usable, broken: ch.broken }).toEqual({ heard: 0, notices: 0, usable: false, broken: true });
  });

  it("an answer with fewer results than commands is refused, not resolved short", async () => {
    const ch = await channelTo((call, req) => {
      call.write(create(OpenResponseSchema, { correlationId: req.correlationId, results: [create(CommandResultSchema, { result: { case: "execute", value: { accepted: true, reservationId: 1n } } })] }));
    });
    const outcome = await ch.send(reserveFor(1n), reserveFor(2n)).catch((e: Error) => e);
    expect(outcome).toBeInstanceOf(AnswerMismatchError);
    expect((outcome as Error).message).toBe("the answer carries 1 results for 2 items sent");
    await ch.end();
  });
});

describe("a NOT_OWNER naming an owner the connect options refuse", () => {
  it("keeps the NOT_OWNER and the channel where it was; the next send is answered there", async () => {
    const a = await startDouble((call, req) => {
      const c = req.commands[0]!.command;
      const account = c.case === "executePreTrade" ? c.value.order!.accountId : 0n;
      call.write(account === 2n ? notOwner(req.correlationId, "10.255.255.1:50051") : executeAccepted(req.correlationId, 1n));
    });
    doubles.push(a);
    const moves: string[] = [];
    const refused: string[] = [];
    const ch = new OwnerFollowingChannel(a.address, {
      connectOptions: { bearerToken: "secret" },
      onRedirect: (f, t, why) => moves.push(`${f}->${t} ${why}`),
      onUnfollowable: (address, e) => refused.push(`${address}: ${e.message.split(":")[0]}`),
    });
    try {
      const [first] = await ch.send(reserveFor(2n));
      expect(first!.result.case === "error" ? [first!.result.value.code, first!.result.value.ownerAddress] : first!.result.case).toEqual([ErrorCode.NOT_OWNER, "10.255.255.1:50051"]);
      const [second] = await ch.send(reserveFor(1n));
      expect({ second: second!.result.case, address: ch.address, moves, refused }).toEqual({
        second: "execute",
        address: a.address,
        moves: [],
        refused: ["10.255.255.1:50051: bearerToken needs rootCa for 10.255.255.1"],
      });
    } finally {
      await ch.close();
    }
  });
});
