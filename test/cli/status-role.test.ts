/**
 * Found by review: `openpit status` at a standby or a fenced instance printed `phase: serving`
 * and nothing of its role. Such an instance owns no shard, its health is NOT_SERVING, it
 * refuses every command, and its counts come from the state that follows the journal. status
 * now reads GetReplicationStatus too: the phase line says a standby (fenced) takes no command,
 * a `role:` line says who owns the shards, and --json carries the replication status. Without
 * failover (role OFF) the table is as before (test/cli/golden/status.txt).
 */
import { afterEach, describe, expect, it } from "vitest";
import { LeaseOwnershipGate } from "../../src/replication/lease-ownership-gate.js";
import type { ShardLeases } from "../../src/replication/shard-leases.js";
import type { ReplicationRoleName, ReplicationStatusView } from "../../src/replication/replication-control.js";
import { startHarness, type Harness } from "../server/harness.js";
import { runCaptured } from "./run-captured.js";

const SHARDS = 4;
const A = { owner: "a", address: "127.0.0.1:2" };

/** Instance b's gate and status: `mine` are the shards it owns (none: a standby or fenced), instance a owns the others. */
function instanceB(role: ReplicationRoleName, mine: readonly number[] = []) {
  const owns = (s: number) => mine.includes(s);
  const leases = { owns, heldShards: () => [...mine], ownerOf: (s: number) => (owns(s) ? { owner: "b", address: "127.0.0.1:3" } : A) } as unknown as ShardLeases;
  const gate = new LeaseOwnershipGate({ leases, shardCount: SHARDS, instanceId: "b", severalOwners: mine.length > 0, perInstance: true });
  if (role === "fenced") gate.fencedBecause = "its lease lapsed";
  const status = (): ReplicationStatusView => ({
    role,
    instanceId: "b",
    advertisedAddress: "127.0.0.1:3",
    shardCount: SHARDS,
    shards: Array.from({ length: SHARDS }, (_, shard) => ({
      shard,
      owned: owns(shard),
      epoch: owns(shard) ? 2n : 0n,
      ownerId: owns(shard) ? "b" : A.owner,
      ownerAddress: owns(shard) ? "127.0.0.1:3" : A.address,
    })),
    appliedSequence: 7n,
  });
  return [gate, { status, stepDown: () => Promise.reject(new Error("no")) }] as const;
}

describe("openpit status with failover", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const run = (...argv: string[]) => runCaptured([...argv, "--target", h!.address]);
  /** The phase and role lines. */
  const roleLines = async () => {
    const s = await run("status");
    expect([s.code, s.err]).toEqual([0, ""]);
    return s.out.split("\n").filter((l) => /^(phase|role):/.test(l));
  };

  it("a standby says it takes no command and who owns the shards; a fenced instance too", async () => {
    h = await startHarness();
    h.server.attachReplication(...instanceB("standby"));
    // It owns no shard: every command is refused there.
    expect((await run("accounts")).err).toContain("owns no shard");
    expect(await roleLines()).toEqual([
      "phase:             standby, takes no command (server phase: serving)",
      "role:              standby (instance 'b' owns no shard, takes no command; instance 'a' at 127.0.0.1:2 does)",
    ]);
    const json = JSON.parse((await run("status", "--json")).out) as Record<string, unknown>;
    expect(json).toMatchObject({ phase: "SERVING_PHASE_SERVING", replication: { role: "REPLICATION_ROLE_STANDBY", instanceId: "b", shardCount: 4, appliedSequence: "7" } });

    h.server.attachReplication(...instanceB("fenced"));
    expect(await roleLines()).toEqual([
      "phase:             fenced, takes no command (server phase: serving)",
      "role:              fenced (instance 'b' serves nothing until restarted; instance 'a' at 127.0.0.1:2 does)",
    ]);
  });

  it("an active owner names its shards and the other owners'", async () => {
    h = await startHarness();
    h.server.attachReplication(...instanceB("active", [2, 3]));
    expect(await roleLines()).toEqual(["phase:             serving", "role:              active (instance 'b' owns shards 2 3 of 4; instance 'a' at 127.0.0.1:2 owns 0 1)"]);
  });

  it("without failover: no role line, the role OFF in --json", async () => {
    h = await startHarness();
    expect(await roleLines()).toEqual(["phase:             serving"]);
    expect(JSON.parse((await run("status", "--json")).out)).toMatchObject({ replication: { role: "REPLICATION_ROLE_OFF" } });
  });
});
