/**
 * Two ownership groups on a 3-node cluster, real processes: A owns shards {0,1}, B owns {2,3}
 * (crossShard per-instance). What crosses from one group to the other must not: a fenced
 * A, whose group nobody has claimed, must not name B as the owner in its refusals (a handle
 * id of A's is another account's reservation on B, and a broker-wide change sent to B
 * applies to B's group).
 */
import { create } from "@bufbuild/protobuf";
import { Kvm } from "@nats-io/kv";
import { connect as natsConnect } from "@nats-io/transport-node";
import type { ServiceError } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import type { CommandResult } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { ReplicationRole } from "../../gen/openpit/sidecar/v1/replication_pb.js";
import { AccountChannel, callUnary } from "../../src/client/index.js";
import type { SidecarProcess } from "../durability/sidecar-process.js";
import { order, seed } from "../server/harness.js";
import { accountsByShard } from "./group-workload.js";
import { NATS_READY } from "./nats-cluster.js";
import { replicatedSidecar, useNatsCluster, waitForRole } from "./replicated-sidecars.js";

const clusterOf = useNatsCluster();

const reservationOf = (r: CommandResult | undefined): bigint => {
  if (r?.result.case !== "execute" || !r.result.value.reservationId) throw new Error(`no reservation: ${JSON.stringify(r?.result.case)}`);
  return r.result.value.reservationId;
};

/** A started and ACTIVE for {0,1}, B for {2,3}, in deployment `deployment`. */
async function twoGroups(deployment: string): Promise<{ a: SidecarProcess; b: SidecarProcess }> {
  const group = async (id: string, shards: number[]) => {
    const p = await (await replicatedSidecar(clusterOf(), deployment, id, { shards, crossShard: "per-instance" })).start();
    await waitForRole(p, ReplicationRole.ACTIVE, 10_000);
    return p;
  };
  const [a, b] = await Promise.all([group("a", [0, 1]), group("b", [2, 3])]);
  return { a: a!, b: b! };
}

describe.runIf(NATS_READY).sequential("two ownership groups: nothing crosses between them", () => {
  it("a fenced owner whose group nobody has claimed names nobody, not the other group's owner, for a handle command or a broker-wide change", async () => {
    const deployment = "grouprefuse";
    const { a, b } = await twoGroups(deployment);
    const byShard = accountsByShard(1);
    const x = byShard[1]![0]!;
    const z = byShard[2]![0]!;
    const channelA = new AccountChannel(a.clients.channel);
    const channelB = new AccountChannel(b.clients.channel);
    await Promise.all([channelA.send(seed("USD", "100000", x)), channelB.send(seed("USD", "100000", z))]);
    const [[rx], [rz]] = await Promise.all([
      channelA.send({ case: "executePreTrade", value: { order: order({ accountId: x }), commitOnAccept: false } }),
      channelB.send({ case: "executePreTrade", value: { order: order({ accountId: z, qty: "7" }), commitOnAccept: false } }),
    ]);
    // Each channel numbers its handles itself: the same id is z's reservation on B.
    expect(reservationOf(rz)).toBe(reservationOf(rx));

    // Shard 1's lease goes (as a lapse or an operator would): A gives up its whole group; no standby runs for it.
    const nc = await natsConnect({ servers: [...clusterOf().urls] });
    try {
      await (await new Kvm(nc).open(`leases_${deployment}`)).delete("shard.1");
    } finally {
      await nc.close();
    }
    await waitForRole(a, ReplicationRole.FENCED, 5_000);

    const [refused] = await channelA.send({ case: "commitReservation", value: { reservationId: reservationOf(rx) } });
    expect(refused!.result.case).toBe("error");
    const e = refused!.result.value as { code: ErrorCode; ownerAddress: string; message: string };
    expect(e.code).toBe(ErrorCode.NOT_OWNER);
    expect(e.ownerAddress).toBe("");
    expect(e.message).toMatch(/^commands\[0\]: this instance \('a'\) was fenced off and serves nothing \(.*\): no instance owns a shard yet \(a failover is under way\): retry shortly$/);
    expect(e.message).not.toContain(b.address);

    // A broker-wide change (per instance: it applies to the group it is sent to) is not routed to B either.
    const group = (await callUnary(a.clients.admin, "blockGroup", create(ad.BlockGroupRequestSchema, { groupId: 3, reason: "x" })).catch((err: unknown) => err)) as ServiceError;
    expect(group.metadata?.get("openpit-error-kind")).toEqual(["NOT_OWNER"]);
    expect(group.metadata.get("openpit-owner-address")).toEqual([]);
    expect(group.details).toMatch(/no instance owns a shard yet/);

    // z's reservation on B is untouched.
    const zState = await callUnary<ad.GetAccountStateResponse>(b.clients.admin, "getAccountState", create(ad.GetAccountStateRequestSchema, { accountId: z }));
    expect(zState.openReservations).toHaveLength(1);
    await Promise.all([a.crash(), b.crash()]);
  }, 60_000);
});
