/**
 * Several active owners on a 3-node cluster, real processes: A owns shards {0,1}, B owns
 * {2,3} of S = 4 (two ownership groups, each its own journal, fence and snapshot), each with
 * a standby (A', B'). A seeded workload over accounts of all four shards goes through the
 * owner-following client, every channel starting at A: the commands for B's accounts come
 * back NOT_OWNER naming B and are sent there. Then SIGKILL of A while B keeps serving: A'
 * must serve A's shards within lease TTL + 5 s, B must answer every command throughout, and
 * every account's state must equal its group's oracle (the acknowledged operations only:
 * nothing acknowledged lost, nothing applied twice).
 */
import { describe, expect, it } from "vitest";
import { ReplicationRole } from "../../gen/openpit/sidecar/v1/replication_pb.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import type { CommandResult } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { OwnerFollowingChannel } from "../../src/client/owner-redirect.js";
import type { SidecarProcess } from "../durability/sidecar-process.js";
import { NATS_READY } from "./nats-cluster.js";
import { LEASE_TTL_MS, replicatedSidecar, replicationStatus, useNatsCluster, waitForRole } from "./replicated-sidecars.js";
import { GroupOracle, GroupWorkload, accountsByShard, accountsView, commandsOf } from "./group-workload.js";
import type { WireOp } from "../durability/reference.js";

const clusterOf = useNatsCluster();

const errorOf = (r: CommandResult): string | undefined => (r.result.case === "error" ? `${ErrorCode[r.result.value.code]}: ${r.result.value.message}` : undefined);

/** Polls (real lease timers are the subject) until `check` passes or the deadline passes. */
async function eventually(check: () => Promise<void>, deadlineMs: number): Promise<void> {
  const until = performance.now() + deadlineMs;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (performance.now() > until) throw e;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** `proc`'s status names `low` the owner of shards 0 and 1 (its own) and `high` of shards 2 and 3 (the other group's). */
function showsOwners(proc: SidecarProcess, low: string, high: string): Promise<void> {
  return eventually(async () => {
    const s = await replicationStatus(proc.clients);
    expect(s.shards.map((x) => [x.shard, x.owned, x.ownerAddress]), `${proc.address}'s view of the shards`).toEqual([
      [0, true, low],
      [1, true, low],
      [2, false, high],
      [3, false, high],
    ]);
  }, 10_000);
}

describe.runIf(NATS_READY).sequential("several active owners (ownership groups) on a 3-node cluster", () => {
  it("A {0,1} and B {2,3} with standbys: redirects to the owner; SIGKILL of A: A' serves A's shards within TTL + 5 s, B undisturbed, every account equals its oracle", async () => {
    const group = (id: string, shards: number[]) => replicatedSidecar(clusterOf(), "owners", id, { shards, crossShard: "per-instance" });
    const setA = await group("a", [0, 1]);
    const start = async (s: Awaited<ReturnType<typeof group>>, role: ReplicationRole): Promise<SidecarProcess> => {
      const p = await s.start();
      await waitForRole(p, role, 10_000);
      return p;
    };
    const a = await start(setA, ReplicationRole.ACTIVE);
    const b = await start(await group("b", [2, 3]), ReplicationRole.ACTIVE);
    // A shard set that overlaps a live owner's is refused at start (exit 2): two journals would share shard 1's subject.
    await expect((await group("c", [1, 2])).start()).rejects.toThrow(
      /code 2[\s\S]*configuration error: instance 'a' holds shard 0 for the shard set 0-1, which shares shard\(s\) 1 with this instance's ownership\.shards \(1-2\)/,
    );
    const a2 = await start(await group("a2", [0, 1]), ReplicationRole.STANDBY);
    const b2 = await start(await group("b2", [2, 3]), ReplicationRole.STANDBY);

    // Each owner shows its own shards owned and, once its watch of the lease bucket has seen them, the other group's owner.
    await showsOwners(a, a.address, b.address);

    const byShard = accountsByShard(2);
    const accountsA = [...byShard[0]!, ...byShard[1]!];
    const accountsB = [...byShard[2]!, ...byShard[3]!];
    const oracleA = new GroupOracle(setA.config, accountsA);
    const oracleB = new GroupOracle(setA.config, accountsB);
    const oracleOf = (account: bigint) => (accountsA.includes(account) ? oracleA : oracleB);
    const redirects: string[] = [];
    const channels = new Map<bigint, OwnerFollowingChannel>();
    const open = (account: bigint, address: string) => {
      channels.get(account)?.close().catch(() => {});
      const c = new OwnerFollowingChannel(address, { onRedirect: (from, to) => redirects.push(`${account}: ${from} -> ${to}`) });
      channels.set(account, c);
      return c;
    };
    for (const account of [...accountsA, ...accountsB]) open(account, a.address);

    const work = new GroupWorkload(41);
    /** Sends one operation; an answer without an error at the command level is acknowledged. */
    const run = async (account: bigint, op: WireOp): Promise<void> => {
      const results = await channels.get(account)!.send(...commandsOf(op));
      const error = results.map(errorOf).find((e) => e?.startsWith("NOT_OWNER"));
      if (error) throw new Error(`account ${account}: ${error}`);
      oracleOf(account).acknowledged(op);
    };
    for (const account of [...accountsA, ...accountsB]) await run(account, work.fund(account));
    for (let i = 0; i < 60; i++) {
      const account = work.pick([...accountsA, ...accountsB]);
      await run(account, work.next(account));
    }
    // Every B account's channel was sent from A to B; no A account moved.
    expect(redirects.sort(), "the redirects").toEqual(accountsB.map((x) => `${x}: ${a.address} -> ${b.address}`).sort());
    for (const account of accountsB) expect(channels.get(account)!.address).toBe(b.address);

    // B's accounts keep trading while A dies and A' takes over: every command answered by B.
    let stopB = false;
    let duringFailover = 0;
    let failing = true;
    const bWork = new GroupWorkload(42);
    const bLoop = (async () => {
      const failures: string[] = [];
      while (!stopB) {
        const account = bWork.pick(accountsB);
        try {
          await run(account, bWork.next(account));
          if (failing) duringFailover++;
        } catch (e) {
          failures.push(e instanceof Error ? e.message : String(e));
        }
      }
      return failures;
    })();

    const killedAt = performance.now();
    await a.crash();
    await waitForRole(a2, ReplicationRole.ACTIVE, LEASE_TTL_MS + 5_000);
    const failoverMs = performance.now() - killedAt;
    failing = false;
    oracleA.takeover();
    // The gateway re-opens A's accounts on the new owner (the old connection is gone).
    for (const account of accountsA) open(account, a2.address);
    for (let i = 0; i < 30; i++) {
      const account = work.pick(accountsA);
      await run(account, work.next(account));
    }
    stopB = true;
    const bFailures = await bLoop;
    console.log(`several owners: A' serving ${failoverMs.toFixed(0)} ms after the SIGKILL of A (lease TTL ${LEASE_TTL_MS} ms); B answered ${duringFailover} commands meanwhile`);

    expect(bFailures).toEqual([]);
    expect(duringFailover).toBeGreaterThan(0);
    expect((await replicationStatus(b.clients)).role).toBe(ReplicationRole.ACTIVE);
    expect((await replicationStatus(b2.clients)).role).toBe(ReplicationRole.STANDBY);
    // A' owns A's shards only; B's still B's.
    await showsOwners(a2, a2.address, b.address);
    // B now names A' for A's accounts (its watch of the lease bucket saw A' claim them).
    await eventually(async () => {
      const s = await replicationStatus(b.clients);
      expect(s.shards.filter((x) => x.shard < 2).map((x) => x.ownerAddress)).toEqual([a2.address, a2.address]);
    }, 10_000);

    // Every account equals its group's oracle: nothing acknowledged lost, nothing applied twice.
    expect(await accountsView(a2.clients, accountsA)).toEqual(oracleA.view());
    expect(await accountsView(b.clients, accountsB)).toEqual(oracleB.view());

    for (const c of channels.values()) await c.close();
    for (const p of [a2, b, b2]) await p.crash();
  }, 90_000);
});
