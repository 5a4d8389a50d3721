/**
 * The ownership gate end to end: two real servers (in-process, ephemeral) over one lease
 * store; A holds every shard, B none. Commands on B are refused NOT_OWNER per command with
 * A's address, the stream stays up, and the TypeScript client follows to A.
 */
import type { ServiceError } from "@grpc/grpc-js";
import { status } from "@grpc/grpc-js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { ReplicationRole, type GetReplicationStatusResponse } from "../../gen/openpit/sidecar/v1/replication_pb.js";
import { OwnerFollowingChannel, isNoOwnerYet, notOwnerAddress } from "../../src/client/index.js";
import { LeaseOwnershipGate } from "../../src/replication/lease-ownership-gate.js";
import { LeaseOwners } from "../../src/replication/lease-owners.js";
import { ShardLeases } from "../../src/replication/shard-leases.js";
import { shardOf } from "../../src/replication/shard-of.js";
import type { ReplicationControl } from "../../src/replication/replication-control.js";
import { ACCOUNT, holdingsOf, order, seed, startHarness, testConfig, type Harness } from "../server/harness.js";
import { as, errorOf, fill } from "../server/results.js";
import { ManualTimers, MemoryLeaseStore } from "./lease-fakes.js";
import type { SpotFundsPolicy } from "../../src/policies/index.js";
import type { AccountId } from "../../src/param/index.js";

const SHARDS = 4;
const TTL = 2000;
const execute = (o = order()) => ({ case: "executePreTrade", value: { order: o, commitOnAccept: true } }) as const;

interface Node {
  readonly h: Harness;
  readonly leases: ShardLeases;
  readonly gate: LeaseOwnershipGate;
}


describe("ownership gate", () => {
  let timers: ManualTimers;
  let store: MemoryLeaseStore;
  let a: Node;
  let b: Node;
  /** What B's own engine holds for the account (a read through B's API is refused NOT_OWNER: B does not own it). */
  const heldOnB = () => (b.h.server.state.engine.policy("SpotFundsPolicy") as SpotFundsPolicy).holdings(ACCOUNT as AccountId).get("USD");

  async function node(id: string): Promise<Node> {
    const h = await startHarness(testConfig());
    const leases = new ShardLeases({ store, timers, self: { owner: id, address: h.address }, ttlMs: TTL, onLost: () => {} });
    const owners = new LeaseOwners({ timers, ttlMs: TTL });
    owners.follow(store);
    const gate = new LeaseOwnershipGate({ leases, shardCount: SHARDS, instanceId: id, severalOwners: false, perInstance: false, owners });
    const control: ReplicationControl = {
      status: () => ({
        role: leases.heldShards().length > 0 ? "active" : "standby",
        instanceId: id,
        advertisedAddress: h.address,
        shardCount: SHARDS,
        shards: [],
        appliedSequence: 0n,
      }),
      stepDown: () => Promise.reject(new Error("not in this test")),
    };
    h.server.attachReplication(gate, control);
    return { h, leases, gate };
  }

  /** A cannot renew for a whole TTL: its leases lapse (on its clock and on the servers), and nobody holds them. */
  async function lapseLeases(): Promise<void> {
    store.unreachable = true;
    await timers.advance(TTL);
    store.unreachable = false;
  }

  /** A seed and an order sent through `ch` (opened on B) end on A, once moved there, and ran only there. */
  async function seedAndExecuteEndOnA(ch: OwnerFollowingChannel, moves: readonly string[]): Promise<void> {
    try {
      const [seeded, executed] = await ch.send(seed("USD", "10000"), execute());
      expect(moves).toEqual([`${b.h.address} -> ${a.h.address}`]);
      expect(ch.address).toBe(a.h.address);
      expect(seeded!.result.case).toBe("adjustment");
      expect(as(executed, "execute").accepted).toBe(true);
      expect((await holdingsOf(a.h)).USD).toEqual({ available: "9000", held: "1000", incoming: "0" });
      expect(heldOnB()).toBeUndefined();
      expect(b.h.server.state.channels.size).toBe(0);
    } finally {
      await ch.close();
    }
  }

  beforeEach(async () => {
    timers = new ManualTimers();
    store = new MemoryLeaseStore(timers, TTL);
    a = await node("a");
    b = await node("b");
    for (let s = 0; s < SHARDS; s++) expect(await a.leases.claim(s)).toBe(s + 1);
    for (let s = 0; s < SHARDS; s++) expect(await b.leases.claim(s)).toBeUndefined();
  });
  afterEach(async () => {
    a.leases.stop();
    b.leases.stop();
    await a.h.close();
    await b.h.close();
  });

  it("refuses each command on a foreign shard NOT_OWNER with the owner's address; the stream stays up", async () => {
    const ch = b.h.channel();
    const [r] = await ch.send(execute());
    const shard = shardOf(ACCOUNT, SHARDS);
    expect(errorOf(r)).toMatchObject({
      code: ErrorCode.NOT_OWNER,
      field: "commands[0].execute_pre_trade.order.account_id",
      ownerAddress: a.h.address,
      message: `commands[0].execute_pre_trade.order.account_id: account ${ACCOUNT} is on shard ${shard}, which this instance ('b') does not own: owned by instance 'a' at ${a.h.address}; send it there`,
    });
    // The same stream answers the next message too (and a bind the same way).
    const [bind] = await ch.send({ case: "bindAccounts", value: { accountIds: [ACCOUNT] } });
    expect(notOwnerAddress(bind!)).toBe(a.h.address);
    expect(errorOf(bind).field).toBe("commands[0].bind_accounts.account_ids[0]");
    // Nothing reached B's door: no channel was opened, nothing journaled.
    expect(b.h.server.state.channels.size).toBe(0);
    expect(heldOnB()).toBeUndefined();
  });

  it("refuses feed reports and admin changes on a foreign shard, and a standby's handle commands", async () => {
    const feed = b.h.feed();
    const [report] = await feed.publish(fill({ qty: "1", price: "100" }));
    expect(report!.result.case).toBe("error");
    expect(report!.result.value).toMatchObject({ code: ErrorCode.NOT_OWNER, ownerAddress: a.h.address, field: "reports[0].account_id" });

    const err = (await b.h.admin("blockAccount", { accountId: ACCOUNT, reason: "x" }).catch((e: unknown) => e)) as ServiceError;
    expect(err.code).toBe(status.FAILED_PRECONDITION);
    expect(err.metadata.get("openpit-error-kind")).toEqual(["NOT_OWNER"]);
    expect(err.metadata.get("openpit-owner-address")).toEqual([a.h.address]);
    // A broker-wide change on a standby: it owns nothing.
    const group = (await b.h.admin("blockGroup", { groupId: 3, reason: "x" }).catch((e: unknown) => e)) as ServiceError;
    expect(group.details).toBe(`this instance ('b') owns no shard: instance 'a' at ${a.h.address} does; send it there`);

    const [commit] = await b.h.channel().send({ case: "commitReservation", value: { reservationId: 5n } });
    expect(errorOf(commit)).toMatchObject({ code: ErrorCode.NOT_OWNER, ownerAddress: a.h.address, field: "commands[0]" });
  });

  it("the TypeScript client follows NOT_OWNER to the owner and runs the command there", async () => {
    const moves: string[] = [];
    const ch = new OwnerFollowingChannel(b.h.address, { onRedirect: (from, to) => moves.push(`${from} -> ${to}`) });
    await seedAndExecuteEndOnA(ch, moves);
  });

  it("while nobody owns the shard the client pauses and retries on the same sidecar, then follows the owner it names", async () => {
    await lapseLeases();
    const [refused] = await b.h.channel().send(execute());
    expect(isNoOwnerYet(refused!)).toBe(true);
    expect(errorOf(refused).message).toMatch(/: no instance owns it yet \(a failover is under way\): retry shortly$/);

    const pauses: number[] = [];
    const moves: string[] = [];
    const ch = new OwnerFollowingChannel(b.h.address, {
      onRedirect: (from, to) => moves.push(`${from} -> ${to}`),
      onNoOwner: (commands, ms) => pauses.push(commands, ms),
      pause: async () => {
        // During the second pause A claims every shard again: B's next refusal names it.
        if (pauses.length === 4) for (let s = 0; s < SHARDS; s++) expect(await a.leases.claim(s)).toBeGreaterThan(0);
      },
    });
    await seedAndExecuteEndOnA(ch, moves);
    expect(pauses).toEqual([2, 50, 2, 100]);
  });

  it("the client gives up after noOwnerWaitMs and returns the refusal as it is", async () => {
    await lapseLeases();
    const pauses: number[] = [];
    const ch = new OwnerFollowingChannel(b.h.address, { noOwnerWaitMs: 120, onNoOwner: (_n, ms) => pauses.push(ms), pause: async () => {} });
    try {
      const [r] = await ch.send(execute());
      // 50 ms, then 100 more would pass the 120 ms: one pause, then the refusal.
      expect(pauses).toEqual([50]);
      expect(isNoOwnerYet(r!)).toBe(true);
      expect(ch.address).toBe(b.h.address);
    } finally {
      await ch.close();
    }
  });

  it("an owner that cannot renew refuses at once, naming nobody; the status service reports roles", async () => {
    const ch = a.h.channel();
    expect(as((await ch.send(seed("USD", "10000")))[0], "adjustment")).toBeDefined();
    store.unreachable = true;
    await timers.advance(TTL);
    const [r] = await ch.send(execute());
    expect(errorOf(r)).toMatchObject({ code: ErrorCode.NOT_OWNER, ownerAddress: "" });
    expect(errorOf(r).message).toMatch(/does not own: no instance owns it yet \(a failover is under way\): retry shortly$/);
    const s = await b.h.admin<GetReplicationStatusResponse>("getReplicationStatus", {});
    expect(s.role).toBe(ReplicationRole.STANDBY);
    expect(s.instanceId).toBe("b");
  });
});
