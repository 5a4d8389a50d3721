/**
 * Two ownership groups on a 3-node cluster, real processes: A owns shards {0,1}, B owns {2,3}
 * (crossShard per-instance). What crosses from one group to the other must not: a fenced
 * A, whose group nobody has claimed, must not name B as the owner in its refusals (a handle
 * id of A's is another account's reservation on B, and a broker-wide change sent to B
 * applies to B's group), and a monitor of A's events resuming at B with A's number must be
 * refused, not handed B's events as if they followed A's (each group numbers its own).
 */
import { create } from "@bufbuild/protobuf";
import { Kvm } from "@nats-io/kv";
import { connect as natsConnect } from "@nats-io/transport-node";
import { status, type ServiceError } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import type { CommandResult } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { ReplicationRole } from "../../gen/openpit/sidecar/v1/replication_pb.js";
import { AccountChannel, callUnary } from "../../src/client/index.js";
import type { SidecarProcess } from "../durability/sidecar-process.js";
import { monitorEvents } from "../helpers/event-monitor.js";
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

  it("a monitor of group {0,1} resuming at group {2,3}'s owner with its number is refused (OTHER_GROUP), not handed {2,3}'s events", async () => {
    const { a, b } = await twoGroups("groupevents");
    const byShard = accountsByShard(2);
    const block = (p: SidecarProcess, accountId: bigint) => callUnary(p.clients.admin, "blockAccount", create(ad.BlockAccountRequestSchema, { accountId, reason: "hold" }));
    // B numbers more events than A: A's numbers exist on B, for other events.
    for (const id of [...byShard[2]!, ...byShard[3]!]) await block(b, id);
    await block(a, byShard[0]![0]!);
    // The headers name each instance's group (also when kept events are written at once: a resume after 0).
    const onA = monitorEvents(a.clients, 0n);
    const onB = monitorEvents(b.clients);
    expect([await onA.ownershipGroup, await onB.ownershipGroup]).toEqual(["0-1", "2-3"]);
    await onA.received(3);
    const last = onA.sequences().at(-1)!;
    expect(last).toBe(3n);

    // A's monitor resumes at B, naming the group its number came from: refused, nothing sent.
    const refused = monitorEvents(b.clients, 1n, await onA.ownershipGroup);
    const ended = await refused.ended;
    expect([ended.code, ended.metadata.get("openpit-error-kind")]).toEqual([status.FAILED_PRECONDITION, ["OTHER_GROUP"]]);
    expect(ended.details).toBe(
      "after_sequence 1 was numbered by the journal of ownership group '0-1', and this instance's events by that of group 2-3: each group numbers its own events, so resume at an instance of group '0-1' (its owner or a standby), or subscribe here without after_sequence",
    );
    expect(refused.events).toEqual([]);
    // B's own monitor resumes at B with its group: served as before.
    const again = monitorEvents(b.clients, 1n, "2-3");
    await again.received(2);
    expect(again.sequences().slice(0, 2)).toEqual([2n, 3n]);
    for (const m of [onA, onB, again]) m.cancel();
    await Promise.all([a.crash(), b.crash()]);
  }, 60_000);
});
