/**
 * Found by review (session 40): an alternate address the connect options refuse (a bearer
 * token over plaintext to a host off loopback), or one grpc-js cannot read as a target, was
 * moved to in a failover: the send failed there with the refusal (not UnreachableError, though
 * nothing was sent), the next alternate, which was up, was never tried, and the channel stayed
 * at that address for every later send. The first is refused when the channel is made, as the
 * address itself is; the second counts as unreachable, and the rotation goes on.
 */
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { OwnerFollowingChannel } from "../../src/client/index.js";
import { executeAccepted, startDouble, type Double } from "./channel-double.js";

const reserveFor = (accountId: bigint) => ({ case: "executePreTrade", value: { order: { accountId } } }) as const;

async function closedPort(): Promise<string> {
  const s = new Server();
  const port = await new Promise<number>((resolve, reject) => s.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  s.forceShutdown();
  return `127.0.0.1:${port}`;
}

const doubles: Double[] = [];
afterEach(() => doubles.splice(0).forEach((d) => d.close()));

describe("alternates that no channel can be opened to", () => {
  it("an alternate the token may not go to is refused when the channel is made", async () => {
    expect(() => new OwnerFollowingChannel(`127.0.0.1:1`, { connectOptions: { bearerToken: "secret" }, alternateAddresses: ["127.0.0.2:50051", "10.255.255.1:50051"] })).toThrow(
      "alternateAddresses[1]: bearerToken needs rootCa for 10.255.255.1:50051: a token is not sent in cleartext off loopback",
    );
  });

  it("an alternate grpc-js cannot read as a target is passed over as unreachable: the next one answers, and the channel stays there", async () => {
    const b = await startDouble((call, req) => call.write(executeAccepted(req.correlationId, 7n)));
    doubles.push(b);
    const moves: string[] = [];
    const dead = await closedPort();
    const ch = new OwnerFollowingChannel(dead, { alternateAddresses: ["dns://a/b/c/", b.address], onRedirect: (f, t, why) => moves.push(`${t} ${why}`) });
    try {
      const [first] = await ch.send(reserveFor(1n));
      const [second] = await ch.send(reserveFor(1n));
      expect({ first: first!.result.case, second: second!.result.case, address: ch.address, moves }).toEqual({
        first: "execute",
        second: "execute",
        address: b.address,
        moves: ["dns://a/b/c/ unreachable", `${b.address} unreachable`],
      });
    } finally {
      await ch.close();
    }
  }, 30_000);
});
