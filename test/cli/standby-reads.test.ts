/**
 * Found by review (session 37): a standby answered the state reads that name no account from
 * its follower state, which may be behind the active's; it now refuses them NOT_OWNER, naming
 * the owner (test/ha/standby-state-reads.test.ts on a real cluster). `openpit accounts`,
 * `audit` and `policies` at a standby print that refusal and exit 1, as for every refusal;
 * `openpit status` and `channels` (diagnostics) still answer there. The gate is the real
 * LeaseOwnershipGate over a stand-in for the leases (no NATS), attached as start-failover.ts
 * attaches it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { LeaseOwnershipGate } from "../../src/replication/lease-ownership-gate.js";
import type { ShardLeases } from "../../src/replication/shard-leases.js";
import { startHarness, type Harness } from "../server/harness.js";
import { runCaptured } from "./run-captured.js";

const OWNER = { owner: "a", address: "127.0.0.1:2" };
const REFUSAL = "this instance ('b') owns no shard: instance 'a' at 127.0.0.1:2 does; send it there (FAILED_PRECONDITION, NOT_OWNER)";

/** A standby: it holds no lease, and instance a holds every shard. */
function standbyGate(): LeaseOwnershipGate {
  const leases = { owns: () => false, heldShards: () => [], ownerOf: () => OWNER } as unknown as ShardLeases;
  return new LeaseOwnershipGate({ leases, shardCount: 4, instanceId: "b", severalOwners: false, perInstance: false });
}

describe("openpit at a standby", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const run = (...argv: string[]) => runCaptured([...argv, "--target", h!.address]);

  it("accounts, groups, audit, policies and configure print the NOT_OWNER refusal naming the owner and exit 1; status and channels answer", async () => {
    h = await startHarness();
    h.server.attachReplication(standbyGate(), { status: () => ({}) as never, stepDown: () => Promise.reject(new Error("no")) });
    const reads = [["accounts"], ["accounts", "--all"], ["accounts", "--json"], ["groups"], ["audit"], ["policies"], ["policies", "RateLimitPolicy"], ["configure", "RateLimitPolicy", "--set", "broker.maxOrders=5"]];
    for (const argv of reads) {
      expect({ argv, ...(await run(...argv)) }).toEqual({ argv, code: 1, out: "", err: `openpit ${argv[0]}: ${REFUSAL}\n` });
    }
    for (const argv of [["status"], ["channels"]]) {
      const answered = await run(...argv);
      expect({ argv, code: answered.code, err: answered.err }).toEqual({ argv, code: 0, err: "" });
    }
  });
});
