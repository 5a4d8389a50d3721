/**
 * Found by review (session 37): a standby (it owns no shard of its group and follows the
 * active's journal) answered the state reads that name no account (ListAccounts,
 * GetPolicySettings, GetTradingStates, QueryAudit) from its follower state, which may be
 * behind the active (milliseconds normally; for as long as a partition lasts), with nothing
 * in the answer saying so: cut off from NATS, it listed an account with the block its owner
 * had lifted. GetAccountState was already refused NOT_OWNER there, and docs/high-availability.md
 * and docs/durability.md (*Reads*) promise current reads. Now those reads are refused on a
 * standby too, NOT_OWNER naming the active's address as the ownership gate words it; the
 * diagnostics (GetServerStatus, GetJournalStatus, ListChannels) still answer there at once,
 * and on the active every read answers. `openpit accounts|audit|policies` at the standby
 * print the refusal, naming the owner, and exit 1 as for other refusals.
 */
import { afterAll, describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { status, type ServiceError } from "@grpc/grpc-js";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import * as op from "../../gen/openpit/sidecar/v1/operator_pb.js";
import * as tsp from "../../gen/openpit/sidecar/v1/trading_state_pb.js";
import { ReplicationRole } from "../../gen/openpit/sidecar/v1/replication_pb.js";
import { callUnary, type SidecarClients } from "../../src/client/index.js";
import { runCaptured } from "../cli/run-captured.js";
import { testConfig } from "../server/harness.js";
import { NATS_READY } from "./nats-cluster.js";
import { replicationStatus, useNatsCluster } from "./replicated-sidecars.js";
import { failoverConfig, startFailoverInstance, until, waitRole, type FailoverInstance } from "./failover-instances.js";

const clusterOf = useNatsCluster();
const all: FailoverInstance[] = [];
afterAll(async () => {
  for (const i of all) await i.stop().catch(() => undefined);
});

/** One account, and a pipeline with a TradingStatePolicy (GetTradingStates reads its states). */
const EXTRA = {
  accounts: { defaultCurrency: "USD", list: [{ id: 1001 }] },
  policies: [...(testConfig().policies as unknown[]), { type: "TradingStatePolicy", settings: {} }],
};
const POLICY = "RateLimitPolicy";

/** The reads that name no account, as a client sends them. */
const STATE_READS: readonly [string, unknown][] = [
  ["listAccounts", create(op.ListAccountsRequestSchema, {})],
  ["getPolicySettings", create(ad.GetPolicySettingsRequestSchema, { policyName: POLICY })],
  ["getTradingStates", create(tsp.GetTradingStatesRequestSchema, {})],
  ["queryAudit", create(ad.QueryAuditRequestSchema, {})],
];
/** The diagnostics: answered at once on any instance. */
const DIAGNOSTICS: readonly [string, unknown][] = [
  ["getServerStatus", create(op.GetServerStatusRequestSchema, {})],
  ["getJournalStatus", create(ad.GetJournalStatusRequestSchema, {})],
  ["listChannels", create(op.ListChannelsRequestSchema, {})],
];

/** How a call ended: answered, or refused with its code, message, kind and owner trailer. */
async function outcome(clients: SidecarClients, method: string, request: unknown) {
  try {
    await callUnary(clients.admin, method, request);
    return { method, answered: true };
  } catch (e) {
    const se = e as ServiceError;
    return {
      method,
      code: se.code,
      details: se.details,
      kind: se.metadata?.get("openpit-error-kind"),
      owner: se.metadata?.get("openpit-owner-address"),
    };
  }
}

describe.runIf(NATS_READY).sequential("replicated mode: the state reads that name no account on a standby", () => {
  it("a standby refuses ListAccounts, GetPolicySettings, GetTradingStates and QueryAudit NOT_OWNER naming the active; the diagnostics answer; the active answers all", async () => {
    const ca = await failoverConfig(clusterOf(), "reads", "a", EXTRA);
    const cb = await failoverConfig(clusterOf(), "reads", "b", EXTRA);
    const activeAddress = (ca.ownership as { advertisedAddress: string }).advertisedAddress;
    const a = await startFailoverInstance("a", ca);
    all.push(a);
    await waitRole(a, ReplicationRole.ACTIVE, 10_000);
    const b = await startFailoverInstance("b", cb);
    all.push(b);
    await waitRole(b, ReplicationRole.STANDBY, 10_000);

    // Something to read: a block, followed by the standby.
    await callUnary(a.clients.admin, "blockAccount", create(ad.BlockAccountRequestSchema, { accountId: 1001n, reason: "hold" }));
    const end = (await replicationStatus(a.clients)).appliedSequence;
    await until("b follows a", 10_000, async () => (await replicationStatus(b.clients)).appliedSequence === end);

    // The active answers every read.
    for (const [method, request] of [...STATE_READS, ...DIAGNOSTICS]) expect(await outcome(a.clients, method, request)).toEqual({ method, answered: true });

    // The standby refuses the state reads as the gate words a refusal that names no account.
    const refusal = `this instance ('b') owns no shard: instance 'a' at ${activeAddress} does; send it there`;
    for (const [method, request] of STATE_READS) {
      expect(await outcome(b.clients, method, request)).toEqual({ method, code: status.FAILED_PRECONDITION, details: refusal, kind: ["NOT_OWNER"], owner: [activeAddress] });
    }
    // ... and answers the diagnostics at once.
    for (const [method, request] of DIAGNOSTICS) expect(await outcome(b.clients, method, request)).toEqual({ method, answered: true });

    // The CLI at the standby: the refusal, naming the owner, exit 1 (the sidecar refused).
    const cli = (...argv: string[]) => runCaptured([...argv, "--target", `127.0.0.1:${b.started.port}`]);
    for (const argv of [["accounts"], ["audit"], ["policies"], ["policies", POLICY]]) {
      expect({ argv, ...(await cli(...argv)) }).toEqual({ argv, code: 1, out: "", err: `openpit ${argv[0]}: ${refusal} (FAILED_PRECONDITION, NOT_OWNER)\n` });
    }
    const statusAtB = await cli("status");
    expect([statusAtB.code, statusAtB.err]).toEqual([0, ""]);
    // ... and at the active, the same commands answer.
    const atA = await runCaptured(["accounts", "--target", activeAddress]);
    expect([atA.code, atA.err, atA.out]).toEqual([0, "", expect.stringContaining("1001") as unknown]);
  }, 60_000);
});
