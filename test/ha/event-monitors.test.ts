/**
 * Monitors in replicated mode, with two sidecar processes on a 3-node JetStream cluster: a
 * monitor on the standby hears every event the active makes, as the standby applies the
 * journal (the same numbers and contents as on the active), and keeps its stream across the
 * takeover; a monitor of the active whose stream ends with the step-down resumes at the new
 * active after the last number it got, and misses nothing.
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { BlockAccountRequestSchema, UnblockAccountRequestSchema } from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { ReplicationRole, StepDownRequestSchema, type StepDownResponse } from "../../gen/openpit/sidecar/v1/replication_pb.js";
import { callUnary, type SidecarClients } from "../../src/client/index.js";
import { monitorEvents } from "../helpers/event-monitor.js";
import { exitOf } from "./replicated-sidecar.js";
import { replicatedSidecar, useNatsCluster, waitForRole } from "./replicated-sidecars.js";
import { NATS_READY } from "./nats-cluster.js";

const clusterOf = useNatsCluster();

const block = (clients: SidecarClients, accountId: bigint) => callUnary(clients.admin, "blockAccount", create(BlockAccountRequestSchema, { accountId, reason: "hold" }));
const unblock = (clients: SidecarClients, accountId: bigint) => callUnary(clients.admin, "unblockAccount", create(UnblockAccountRequestSchema, { accountId }));

describe.runIf(NATS_READY).sequential("event monitors across a hand-over", () => {
  it("a standby's monitor hears the active's events and keeps its stream; the active's monitor resumes at the new active", async () => {
    const a = await (await replicatedSidecar(clusterOf(), "monitors", "a")).start();
    await waitForRole(a, ReplicationRole.ACTIVE, 10_000);
    const b = await (await replicatedSidecar(clusterOf(), "monitors", "b")).start();
    await waitForRole(b, ReplicationRole.STANDBY, 10_000);
    const onA = monitorEvents(a.clients);
    const onB = monitorEvents(b.clients);
    // Subscribed before the block is made: otherwise the block's call may overtake a subscribe.
    await Promise.all([onA.subscribed, onB.subscribed]);

    // Block: accountBlocked, cancelWorkingOrdersSent, auditRecorded; unblock: accountUnblocked, auditRecorded.
    await block(a.clients, 7n);
    await unblock(a.clients, 7n);
    await onA.received(5);
    await onB.received(5);
    expect(onB.events).toEqual(onA.events);

    const aExit = exitOf(a);
    await callUnary<StepDownResponse>(a.clients.admin, "stepDown", create(StepDownRequestSchema, {}));
    await waitForRole(b, ReplicationRole.ACTIVE, 5_000);
    expect(await aExit).toBe(75);
    // The step-down's own audit event, made on a, reached both; then a went away.
    await onB.received(6);
    const lastOnA = onA.sequences().at(-1)!;

    await block(b.clients, 8n);
    await onB.received(9);
    // One ownership group (every shard): the headers say "all", and a resume naming it is served.
    expect([await onA.ownershipGroup, await onB.ownershipGroup]).toEqual(["all", "all"]);
    const resumed = monitorEvents(b.clients, lastOnA, await onA.ownershipGroup);
    const missed = onB.events.filter((e) => BigInt((e as { sequence: string }).sequence) > lastOnA);
    await resumed.received(missed.length);
    expect(resumed.events).toEqual(missed);
    expect([...onA.events, ...resumed.events]).toEqual(onB.events);
    expect(onB.sequences()).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n]);
    await b.crash();
  }, 60_000);
});
