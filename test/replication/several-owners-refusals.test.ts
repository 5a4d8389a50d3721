/**
 * Two active owners over one in-memory lease store (in-process harness servers; A owns the
 * shard of ACCOUNT, B every other shard, the gate wired as start-failover.ts wires it). Found by
 * review (session 43): B's feed refused A's account UNKNOWN_NAME under a strict list (each
 * group's list holds its own shards' accounts), naming no owner, where B's channel refused it
 * NOT_OWNER naming A; QueryAudit filtered on A's account answered from B's trail, which holds
 * none of its changes, instead of naming A; and a report without an account latched the global
 * block of A's group only (B's accounts kept trading), where a global admin change is refused
 * under the cross-shard rule; and a change or a bind naming accounts of both owners was refused
 * by each naming the other ("send it there"), so the owner-following client went round in a
 * circle until its redirect limit.
 */
import { create } from "@bufbuild/protobuf";
import type { ServiceError } from "@grpc/grpc-js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import * as pb from "../../gen/openpit/sidecar/v1/types_pb.js";
import { LeaseOwnershipGate } from "../../src/replication/lease-ownership-gate.js";
import { LeaseOwners } from "../../src/replication/lease-owners.js";
import { ShardLeases } from "../../src/replication/shard-leases.js";
import { shardOf } from "../../src/replication/shard-of.js";
import type { ReplicationControl } from "../../src/replication/replication-control.js";
import { OwnerFollowingChannel } from "../../src/client/index.js";
import { ACCOUNT, startHarness, testConfig, type Harness } from "../server/harness.js";
import { fill } from "../server/results.js";
import { ManualTimers, MemoryLeaseStore } from "./lease-fakes.js";

const SHARDS = 4;
const TTL = 2000;
const SHARD_A = shardOf(ACCOUNT, SHARDS);
/** An account on one of B's shards. */
const ACCOUNT_B = (() => {
  for (let id = 1001n; ; id++) if (shardOf(id, SHARDS) !== SHARD_A) return id;
})();

interface Node {
  readonly h: Harness;
  readonly leases: ShardLeases;
}

const POLICIES = [
  { type: "OrderValidationPolicy" },
  // Per-account barriers only: allowed with several owners and crossShard "refuse".
  { type: "PnlBoundsKillSwitchPolicy", settings: { accountBarriers: [{ accountId: Number(ACCOUNT), settlementAsset: "USD", lowerBound: "-1000" }] } },
  { type: "SpotFundsPolicy", settings: {} },
];

describe("two active owners: reads and reports on the other's accounts", () => {
  const nodes: Node[] = [];
  let timers = new ManualTimers();
  let store = new MemoryLeaseStore(timers, TTL);
  beforeEach(() => {
    timers = new ManualTimers();
    store = new MemoryLeaseStore(timers, TTL);
  });

  async function node(id: string, shards: number[], config: Record<string, unknown>, perInstance = false): Promise<Node> {
    const h = await startHarness(config);
    const leases = new ShardLeases({ store, timers, self: { owner: id, address: h.address }, ttlMs: TTL, onLost: () => {} });
    const owners = new LeaseOwners({ timers, ttlMs: TTL });
    owners.follow(store);
    const gate = new LeaseOwnershipGate({ leases, shardCount: SHARDS, shards, instanceId: id, severalOwners: true, perInstance, owners });
    const control: ReplicationControl = {
      status: () => ({ role: "active", instanceId: id, advertisedAddress: h.address, shardCount: SHARDS, shards: [], appliedSequence: 0n }),
      stepDown: () => Promise.reject(new Error("not in this test")),
    };
    h.server.attachReplication(gate, control);
    for (const s of shards) expect(await leases.claim(s)).toBeGreaterThan(0);
    const n = { h, leases };
    nodes.push(n);
    return n;
  }
  const others = Array.from({ length: SHARDS }, (_, s) => s).filter((s) => s !== SHARD_A);

  afterEach(async () => {
    for (const n of nodes.splice(0)) {
      n.leases.stop();
      await n.h.close();
    }
  });

  it("a feed report on another owner's account is refused NOT_OWNER naming the owner, also with a strict account list", async () => {
    // One file for the deployment, strict; each group's state keeps only its own shards' entries
    // (build-sidecar.ts ownAccountEntries): emulated by giving each node its own part of the list.
    const a = await node("a", [SHARD_A], testConfig({ policies: POLICIES, accounts: { defaultCurrency: "USD", strict: true, list: [{ id: Number(ACCOUNT) }] } }));
    const b = await node("b", others, testConfig({ policies: POLICIES, accounts: { defaultCurrency: "USD", strict: true, list: [{ id: Number(ACCOUNT_B) }] } }));
    // The account channel on B refuses it NOT_OWNER naming A (ownership is checked before the list)...
    const [onChannel] = await b.h.channel().send({ case: "applyExecutionReport", value: { report: fill({ qty: "1", price: "100" }) } });
    expect(onChannel!.result.value).toMatchObject({ code: ErrorCode.NOT_OWNER, ownerAddress: a.h.address });
    // ...and so must the feed: the same report, the same refusal.
    const [onFeed] = await b.h.feed().publish(fill({ qty: "1", price: "100" }));
    expect(onFeed!.result.case).toBe("error");
    expect(onFeed!.result.value).toMatchObject({ code: ErrorCode.NOT_OWNER, ownerAddress: a.h.address, field: "reports[0].account_id" });
  });

  it("QueryAudit filtered on another owner's account is refused NOT_OWNER naming the owner, not answered from this trail", async () => {
    const a = await node("a", [SHARD_A], testConfig({ policies: POLICIES }));
    const b = await node("b", others, testConfig({ policies: POLICIES }));
    await a.h.admin("blockAccount", { accountId: ACCOUNT, reason: "ops hold" });
    const onA = await a.h.admin<{ records: unknown[] }>("queryAudit", { accountId: ACCOUNT });
    expect(onA.records).toHaveLength(1);
    // GetAccountState on B is refused NOT_OWNER naming A (its state is A's)...
    const state = (await b.h.admin("getAccountState", { accountId: ACCOUNT }).catch((e: unknown) => e)) as ServiceError;
    expect(state.metadata.get("openpit-owner-address")).toEqual([a.h.address]);
    // ...and so is its audit history (B's trail holds none of its changes).
    const onB = await b.h.admin<{ records: unknown[] }>("queryAudit", { accountId: ACCOUNT }).then(
      (r) => `answered with ${r.records.length} records`,
      (e: ServiceError) => e.metadata.get("openpit-owner-address")[0],
    );
    expect(onB).toBe(a.h.address);
  });

  it("a report without an account is refused under the cross-shard rule, on the feed and on a channel: no group latches the global block alone", async () => {
    const a = await node("a", [SHARD_A], testConfig({ policies: POLICIES }));
    await node("b", others, testConfig({ policies: POLICIES }));
    const noAccount = create(pb.ExecutionReportSchema, { instrument: { underlyingAsset: "AAPL", settlementAsset: "USD" }, accountId: 0n, side: pb.Side.BUY, pnl: "-2000", fee: "0" });
    const rule =
      "an execution report without an account (it may latch the global block) changes state shared by accounts on every shard, and several instances own shards: " +
      'it cannot be applied exactly here (declare ownership.crossShard = "per-instance" to apply such changes instance by instance)';
    const [onFeed] = await a.h.feed().publish(noAccount);
    expect(onFeed!.result.value).toMatchObject({ code: ErrorCode.FAILED_PRECONDITION, field: "reports[0].account_id", message: `reports[0].account_id: ${rule}` });
    const [onChannel] = await a.h.channel().send({ case: "applyExecutionReport", value: { report: noAccount } });
    expect(onChannel!.result.value).toMatchObject({ code: ErrorCode.FAILED_PRECONDITION, message: `commands[0].apply_execution_report.report.account_id: ${rule}` });
    expect(a.h.server.state.engine.accounts().globalBlock).toBeUndefined();
  });

  it("a change or a bind naming accounts of both owners is refused FAILED_PRECONDITION, naming no owner to send it to", async () => {
    const a = await node("a", [SHARD_A], testConfig({ policies: POLICIES }));
    const b = await node("b", others, testConfig({ policies: POLICIES }));
    for (const n of [a, b]) {
      const e = (await n.h.admin("registerGroup", { accountIds: [ACCOUNT, ACCOUNT_B], groupId: 7 }).catch((x: unknown) => x)) as ServiceError;
      expect(e.details).toBe("account_ids: the command names accounts of several owners and runs all or nothing on one instance: split it per owner");
      expect(e.metadata.get("openpit-owner-address")).toEqual([]);
    }
    const moves: string[] = [];
    const ch = new OwnerFollowingChannel(a.h.address, { onRedirect: (from, to) => moves.push(`${from} -> ${to}`) });
    try {
      const [bound] = await ch.send({ case: "bindAccounts", value: { accountIds: [ACCOUNT, ACCOUNT_B] } });
      expect(moves).toEqual([]);
      expect(bound!.result.value).toMatchObject({ code: ErrorCode.FAILED_PRECONDITION, ownerAddress: "", field: "commands[0].bind_accounts.account_ids[0]" });
    } finally {
      await ch.close();
    }
  });
});
