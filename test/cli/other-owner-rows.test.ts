/**
 * Found by review: on one of several owners (`ownership.shards` a subset, changes of shared
 * state declared per instance) ListAccounts lists accounts another instance owns, with the
 * block this instance's engine holds for them. That engine does not follow the other owner's
 * journal (docs/high-availability.md), so the block is not the one in force where the account
 * trades: a group block made here applies to this instance's shards only, yet `accounts`
 * showed the other owner's account "group 5 blocked", listed it under --blocked, and `groups`
 * counted it in BLOCKED. ListAccounts now marks such a row `owned_elsewhere` with its owner and
 * no block, and its `blocked` filter matches it neither way; the CLI shows whose it is (as the
 * console does: test/console/console-other-owner-rows.test.ts). The gate is the real
 * LeaseOwnershipGate over a stand-in for the leases, as in standby-reads.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import { LeaseOwnershipGate } from "../../src/replication/lease-ownership-gate.js";
import { shardOf } from "../../src/replication/shard-of.js";
import type { ShardLeases } from "../../src/replication/shard-leases.js";
import type { ReplicationControl } from "../../src/replication/replication-control.js";
import { startHarness, testConfig, type Harness } from "../server/harness.js";
import { cliAgainst } from "./run-captured.js";

const SHARDS = 4;
/** Two configured accounts of group 5, on different shards: this instance (a) owns MINE's, instance b every other. */
const MINE = 1n;
const THEIRS = [...Array(40).keys()].map((i) => BigInt(i + 2)).find((id) => shardOf(id, SHARDS) !== shardOf(MINE, SHARDS))!;
const OWNED = shardOf(MINE, SHARDS);
const ownerOf = (s: number) => (s === OWNED ? { owner: "a", address: "127.0.0.1:1" } : { owner: "b", address: "127.0.0.1:2" });

/** The gate and the replication status of instance a, one of several owners (declared per instance). */
function severalOwners(): [LeaseOwnershipGate, ReplicationControl] {
  const leases = { owns: (s: number) => s === OWNED, heldShards: () => [OWNED], ownerOf } as unknown as ShardLeases;
  const gate = new LeaseOwnershipGate({ leases, shardCount: SHARDS, instanceId: "a", severalOwners: true, perInstance: true });
  const shards = Array.from({ length: SHARDS }, (_, shard) => ({
    shard,
    owned: shard === OWNED,
    epoch: shard === OWNED ? 1n : 0n,
    ownerId: ownerOf(shard).owner,
    ownerAddress: ownerOf(shard).address,
  }));
  const status = () => ({ role: "active" as const, instanceId: "a", advertisedAddress: "127.0.0.1:1", shardCount: SHARDS, shards, appliedSequence: 0n });
  return [gate, { status, stepDown: () => Promise.reject(new Error("no")) }];
}

describe("openpit accounts and groups on one of several owners", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const { run, json } = cliAgainst(() => h!.address);
  const [mine, theirs] = [String(MINE), String(THEIRS)];
  const deskClosed = { policy: "Engine", code: "REJECT_CODE_ACCOUNT_BLOCKED", reason: "desk closed", details: "desk closed" };

  it("another owner's account shows whose it is, never this instance's block; --blocked, --unblocked and BLOCKED leave it out", async () => {
    h = await startHarness(testConfig({ accounts: { defaultCurrency: "USD", strict: true, list: [{ id: Number(MINE), group: 5 }, { id: Number(THEIRS), group: 5 }] } }));
    h.server.attachReplication(...severalOwners());
    // Declared per instance: the group block applies to this instance's engine only.
    expect((await run("block", "--group", "5", "--reason", "desk closed")).code).toBe(0);
    // Here the other owner's account is refused (NOT_OWNER), so `unblock` could not act on a block shown.
    expect((await run("state", theirs)).err).toContain("NOT_OWNER");

    const width = Math.max(7, theirs.length);
    const row = (id: string, block: string) => `${id.padEnd(width)}  ${block.padEnd(45)}  5      USD       -        0             -`;
    const header = `${"ACCOUNT".padEnd(width)}  ${"BLOCK".padEnd(45)}  GROUP  CURRENCY  CHANNEL  RESERVATIONS  HOLDINGS`;
    const accounts = await run("accounts");
    expect(accounts).toEqual({
      code: 0,
      err: "",
      out: [header, row(mine, "group 5 blocked (Engine): desk closed"), row(theirs, "owned elsewhere (instance 'b' at 127.0.0.1:2)"), "2 of 2 accounts", ""].join("\n"),
    });
    // Whether the other owner's account is blocked is its owner's to say: neither filter lists it, and the total counts what matched.
    const blocked = await run("accounts", "--blocked");
    expect([blocked.code, blocked.err]).toEqual([0, ""]);
    expect(blocked.out.split("\n").slice(1)).toEqual([expect.stringMatching(new RegExp(`^${mine} +group 5 blocked \\(Engine\\): desk closed `)), "1 of 1 accounts", ""]);
    expect((await run("accounts", "--unblocked")).out.split("\n").slice(1)).toEqual(["0 of 0 accounts", ""]);

    // --json: the owner in place of the block, as ListAccounts answers it.
    const listed = (await json("accounts")).accounts as Record<string, unknown>[];
    expect(listed).toEqual([
      expect.objectContaining({ accountId: mine, block: deskClosed, blockScope: "BLOCK_SCOPE_GROUP", groupId: 5 }),
      expect.objectContaining({ accountId: theirs, groupId: 5, ownedElsewhere: { instanceId: "b", address: "127.0.0.1:2" } }),
    ]);
    expect(listed[1]).not.toHaveProperty("block");
    expect(listed[1]).not.toHaveProperty("blockScope");
    expect(await json("accounts", "--blocked")).toEqual({ accounts: [expect.objectContaining({ accountId: mine })], total: "1" });

    expect(await run("groups")).toEqual({ code: 0, err: "", out: `GROUP  BLOCKED  ACCOUNTS\n5      1        ${mine} ${theirs}\n` });
    expect(await json("groups")).toEqual({ groups: [{ groupId: 5, accountIds: [mine, theirs], blockedAccounts: 1 }] });
  });

  it("while no instance holds the other shard (a failover under way) the row says so; an active owning every shard marks nothing", async () => {
    h = await startHarness(testConfig({ accounts: { defaultCurrency: "USD", strict: true, list: [{ id: Number(MINE), group: 5 }, { id: Number(THEIRS), group: 5 }] } }));
    const unheld = { owns: (s: number) => s === OWNED, heldShards: () => [OWNED], ownerOf: (s: number) => (s === OWNED ? ownerOf(s) : undefined) } as unknown as ShardLeases;
    const [, control] = severalOwners();
    h.server.attachReplication(new LeaseOwnershipGate({ leases: unheld, shardCount: SHARDS, instanceId: "a", severalOwners: true, perInstance: true }), control);
    expect((await run("accounts")).out.split("\n")[2]).toMatch(new RegExp(`^${theirs} +owned elsewhere \\(no owner yet: a failover is under way\\) +5 `));
    expect(((await json("accounts")).accounts as Record<string, unknown>[])[1]).toEqual(expect.objectContaining({ accountId: theirs, ownedElsewhere: {} }));

    const everyShard = { owns: () => true, heldShards: () => [0, 1, 2, 3], ownerOf } as unknown as ShardLeases;
    h.server.attachReplication(new LeaseOwnershipGate({ leases: everyShard, shardCount: SHARDS, instanceId: "a", severalOwners: false, perInstance: false }), control);
    expect((await run("block", "--group", "5", "--reason", "desk closed")).code).toBe(0);
    expect((await json("accounts", "--blocked")).accounts).toEqual([
      expect.objectContaining({ accountId: mine, blockScope: "BLOCK_SCOPE_GROUP" }),
      expect.objectContaining({ accountId: theirs, blockScope: "BLOCK_SCOPE_GROUP" }),
    ]);
  });
});
