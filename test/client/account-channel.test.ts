/** The TypeScript client's account channel against a real server: ending it, and its notices. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AccountChannel, OwnerFollowingChannel, connect } from "../../src/client/index.js";
import { ACCOUNT, OTHER_ACCOUNT, holdingsOf, order, seed, startHarness, testConfig, type Harness } from "../server/harness.js";
import { as } from "../server/results.js";

describe("account channel", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(testConfig());
  });
  afterEach(async () => {
    await h.close();
  });

  it("a send after end() is refused alone; the one in flight is answered", async () => {
    const clients = connect(h.address);
    try {
      const ch = new AccountChannel(clients.channel);
      const first = ch.send(seed("USD", "10000"));
      const ended = ch.end();
      const late = ch.send(seed("USD", "5"));
      await expect(late).rejects.toThrow("the channel was ended");
      expect(as((await first)[0], "adjustment").accepted).toBe(true);
      await ended;
      expect(ch.usable).toBe(false);
      expect((await holdingsOf(h)).USD).toEqual({ available: "10000", held: "0", incoming: "0" });
    } finally {
      clients.close();
    }
  });

  it("keeps the latest 64 notices, not every notice of a long-lived channel", async () => {
    const clients = connect(h.address);
    try {
      const one = new AccountChannel(clients.channel);
      const other = new AccountChannel(clients.channel);
      const takeOver = (ch: AccountChannel) => ch.send({ case: "bindAccounts", value: { accountIds: [ACCOUNT], takeover: true } });
      for (let i = 0; i < 70; i++) {
        await takeOver(one);
        await takeOver(other); // `one` is fenced: a notice
      }
      // A notice goes out before the answers that follow it on the same stream.
      await one.send(seed("USD", "1", OTHER_ACCOUNT));
      expect(one.notices).toHaveLength(64);
      expect(one.notices.every((n) => n.notice?.notice.case === "accountsFenced")).toBe(true);
      await Promise.all([one.end(), other.end()]);
    } finally {
      clients.close();
    }
  });

  it("refuses an id outside uint64 before sending, alone; the channel goes on", async () => {
    const clients = connect(h.address);
    try {
      const ch = new AccountChannel(clients.channel);
      // An adjustment (encoded by protobuf-es) and an order (by the hand-written encoder).
      await expect(ch.send(seed("USD", "10", -1n))).rejects.toThrow("invalid uint64: -1");
      await expect(ch.send({ case: "executePreTrade", value: { order: order({ accountId: 1n << 64n }) } })).rejects.toThrow(new RangeError(`invalid uint64: ${1n << 64n}`));
      await expect(ch.send({ case: "executePreTrade", value: { order: order({ accountId: -1n }) } })).rejects.toThrow(new RangeError("invalid uint64: -1"));
      expect(ch.inFlight).toBe(0);
      expect(as((await ch.send(seed("USD", "10")))[0], "adjustment").accepted).toBe(true);
      // Nothing reached the account the wrapped id would have named.
      expect(await holdingsOf(h, 0xffff_ffff_ffff_ffffn)).toEqual({});
      await ch.end();
    } finally {
      clients.close();
    }
  });

  // The server fails the whole stream on a message over its limit: the client refuses it alone.
  it("refuses a message over maxMessageBytes before sending, alone; the channel goes on (AccountChannel and OwnerFollowingChannel)", async () => {
    const clients = connect(h.address);
    const following = new OwnerFollowingChannel(h.address, { maxMessageBytes: 300 });
    try {
      const ch = new AccountChannel(clients.channel, undefined, 300);
      for (const [channel, account] of [[ch, ACCOUNT], [following, OTHER_ACCOUNT]] as const) {
        const big = Array.from({ length: 40 }, () => seed("USD", "1", account));
        await expect(channel.send(...big)).rejects.toThrow(/^message of \d+ bytes is over the sidecar's limit of 300 bytes: send smaller batches$/);
        expect(as((await channel.send(seed("USD", "10", account)))[0], "adjustment").accepted).toBe(true);
        expect((await holdingsOf(h, account)).USD).toEqual({ available: "10", held: "0", incoming: "0" });
      }
      await ch.end();
    } finally {
      await following.close();
      clients.close();
    }
  });
});
