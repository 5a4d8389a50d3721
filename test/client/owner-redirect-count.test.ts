/**
 * Found by review (session 30): OwnerFollowingChannel counted `maxRedirects` once per owner
 * visited in turn (one hop per round, for the whole send), not per command. A batch whose
 * accounts live on more owners than maxRedirects (several active owners) followed three of
 * them and handed the other owners' commands back as NOT_OWNER, though each NOT_OWNER named
 * the right owner the first time and nothing moved. The bound is per command's chain of
 * moves: a batch reaches every owner, answers stay in the caller's order, and a command whose
 * owner keeps moving still stops after maxRedirects moves with its NOT_OWNER.
 */
import { create } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import { CommandResultSchema, OpenResponseSchema, type CommandResult, type OpenRequest } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { OwnerFollowingChannel } from "../../src/client/index.js";
import { startDouble, type Double } from "./channel-double.js";

const adjust = (accountId: bigint) => ({
  case: "applyAccountAdjustment" as const,
  value: { accountId, adjustments: [{ operation: { case: "balance" as const, value: { asset: "USD" } }, balanceAmount: { amount: { case: "absolute" as const, value: "1" } } }] },
});
const accountOf = (c: OpenRequest["commands"][number]) => (c.command.value as { accountId: bigint }).accountId;
const notOwner = (ownerAddress: string) => create(CommandResultSchema, { result: { case: "error", value: { code: ErrorCode.NOT_OWNER, message: "not owner", ownerAddress } } });

/** A result as text: `ran A at K` (the double marks it in failedIndex as A*10+K), or the error. */
const text = (r: CommandResult) =>
  r.result.case === "adjustment" ? `ran ${Math.floor(r.result.value.failedIndex / 10)} at ${r.result.value.failedIndex % 10}` : r.result.case === "error" ? `error ${ErrorCode[r.result.value.code]}` : String(r.result.case);

describe("OwnerFollowingChannel counts redirects per command", () => {
  const doubles: Double[] = [];
  afterEach(() => doubles.splice(0).forEach((d) => d.close()));

  /** `count` sidecars; `ownerOf(account, k)` is the owner sidecar k names (k itself: it runs the command). */
  async function sidecars(count: number, ownerOf: (account: bigint, k: number) => number) {
    const sent: string[] = [];
    const list: Double[] = [];
    for (let k = 0; k < count; k++) {
      const me = k;
      list.push(
        await startDouble((call, req: OpenRequest) => {
          const results = req.commands.map((c) => {
            const account = accountOf(c);
            sent.push(`${account} to ${me}`);
            const owner = ownerOf(account, me);
            return owner === me ? create(CommandResultSchema, { result: { case: "adjustment", value: { accepted: true, failedIndex: Number(account) * 10 + me } } }) : notOwner(list[owner]!.address);
          });
          call.write(create(OpenResponseSchema, { correlationId: req.correlationId, results }));
        }),
      );
    }
    doubles.push(...list);
    return { list, sent };
  }

  it("a batch spanning more owners than maxRedirects reaches each owner, answers in the caller's order", async () => {
    // Account a (1..5) is owned by sidecar a-1; the batch comes to sidecar 0, out of order.
    const { list, sent } = await sidecars(5, (account) => Number(account) - 1);
    const moves: string[] = [];
    const ch = new OwnerFollowingChannel(list[0]!.address, { onRedirect: (from, to) => moves.push(`${list.findIndex((d) => d.address === from)} -> ${list.findIndex((d) => d.address === to)}`) });
    try {
      const results = await ch.send(adjust(5n), adjust(2n), adjust(1n), adjust(4n), adjust(3n), adjust(2n));
      expect(results.map(text)).toEqual(["ran 5 at 4", "ran 2 at 1", "ran 1 at 0", "ran 4 at 3", "ran 3 at 2", "ran 2 at 1"]);
      // Each command moved once, to the owner its NOT_OWNER named.
      expect(sent.filter((s) => !s.endsWith("to 0")).sort()).toEqual(["2 to 1", "2 to 1", "3 to 2", "4 to 3", "5 to 4"]);
      expect(moves).toEqual(["0 -> 4", "4 -> 1", "1 -> 3", "3 -> 2"]);
    } finally {
      await ch.close();
    }
  });

  it("a command whose owner keeps moving stops after maxRedirects moves with its NOT_OWNER; the others still reach their owners", async () => {
    // Account 9 is never owned: each sidecar names the next one. Accounts 1..3 are owned by sidecars 1..3.
    const { list, sent } = await sidecars(4, (account, k) => (account === 9n ? (k + 1) % 4 : Number(account)));
    const ch = new OwnerFollowingChannel(list[0]!.address, { maxRedirects: 2 });
    try {
      const results = await ch.send(adjust(9n), adjust(1n), adjust(2n), adjust(3n));
      expect(results.map(text)).toEqual(["error NOT_OWNER", "ran 1 at 1", "ran 2 at 2", "ran 3 at 3"]);
      // Sent where it came and moved twice: three sends in all, no more.
      expect(sent.filter((s) => s.startsWith("9 "))).toEqual(["9 to 0", "9 to 1", "9 to 2"]);
    } finally {
      await ch.close();
    }
  });

  it("maxRedirects 0 follows nothing", async () => {
    const { list, sent } = await sidecars(2, () => 1);
    const ch = new OwnerFollowingChannel(list[0]!.address, { maxRedirects: 0 });
    try {
      expect((await ch.send(adjust(1n), adjust(2n))).map(text)).toEqual(["error NOT_OWNER", "error NOT_OWNER"]);
      expect(sent).toEqual(["1 to 0", "2 to 0"]);
    } finally {
      await ch.close();
    }
  });
});
