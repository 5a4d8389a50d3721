/**
 * Failover with two real sidecar processes on a 3-node JetStream cluster: the crash suite's
 * seeded workload through the wire on the active, then (a) SIGKILL of the active with one
 * operation in flight, or (c) a planned hand-over (AdminService.StepDown). The standby must
 * serve the same accounts within the bounds (lease TTL + 5 s; under 1 s for the
 * hand-over), and what it holds must equal the reference fed exactly the acknowledged
 * operations (the in-flight one all or nothing) plus the takeover's rollbacks: nothing
 * acknowledged lost, nothing recorded twice (one journal record per reference command).
 */
import { create } from "@bufbuild/protobuf";
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { ReplicationRole, StepDownRequestSchema, type StepDownResponse } from "../../gen/openpit/sidecar/v1/replication_pb.js";
import { QueryAuditRequestSchema, type QueryAuditResponse } from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { callUnary } from "../../src/client/index.js";
import type { SidecarProcess } from "../durability/sidecar-process.js";
import { ACCOUNTS, CRASH, Life, POLICIES, WorkloadLog, differences, readDurable } from "./oracle.js";
import { exitOf } from "./replicated-sidecar.js";
import { LEASE_TTL_MS, replicatedSidecar, useNatsCluster, waitForRole } from "./replicated-sidecars.js";
import { NATS_READY } from "./nats-cluster.js";

const OPS = 60;

const clusterOf = useNatsCluster();

/** The first sidecar becomes active (its deployment's stream is new), the second follows it as a standby. */
async function activeAndStandby(tag: string): Promise<{ a: SidecarProcess; b: SidecarProcess; config: Record<string, unknown> }> {
  const sa = await replicatedSidecar(clusterOf(), tag, "a");
  const a = await sa.start();
  await waitForRole(a, ReplicationRole.ACTIVE, 10_000);
  const b = await (await replicatedSidecar(clusterOf(), tag, "b")).start();
  await waitForRole(b, ReplicationRole.STANDBY, 10_000);
  return { a, b, config: sa.config };
}


describe.runIf(NATS_READY).sequential("failover between two sidecar processes on a 3-node cluster", () => {
  it("SIGKILL of the active: the standby serves the same accounts within TTL + 5 s, equal to the reference of what was acknowledged", async () => {
    const { a, b, config } = await activeAndStandby("kill");
    const log = new WorkloadLog(config, 11);
    const gwA = new Life(a);
    await log.runAcknowledged(gwA, OPS, true);

    // One more, not awaited: in flight when the active dies.
    const inFlight = log.work.next();
    let answered: unknown;
    gwA.run(inFlight.op).then(
      (x) => (answered = x),
      () => {},
    );
    await new Promise((r) => setImmediate(r));
    // An answer that comes after the kill is the transport's error, not an acknowledgement.
    const answeredBeforeKill = answered;
    const killedAt = performance.now();
    await a.crash();
    await waitForRole(b, ReplicationRole.ACTIVE, LEASE_TTL_MS + 5_000);
    const failoverMs = performance.now() - killedAt;

    const durable = await readDurable(b, expect, "after the SIGKILL failover");
    const { view } = durable;
    const lastSequence = durable.journal.lastSequence;
    const without = log.reference([CRASH]);
    const withIt = log.reference([inFlight.op, CRASH]);
    const viewWithout = without.ref.view(ACCOUNTS, POLICIES);
    const viewWith = withIt.ref.view(ACCOUNTS, POLICIES);
    let applied: boolean;
    if (answeredBeforeKill !== undefined) {
      expect(view, `an acknowledged operation was lost: ${differences(view, viewWith).join("; ")}`).toEqual(viewWith);
      applied = true;
    } else if (isDeepStrictEqual(view, viewWith) !== isDeepStrictEqual(view, viewWithout)) {
      applied = isDeepStrictEqual(view, viewWith);
    } else {
      expect(view, `equals neither past: ${differences(view, viewWithout).join("; ")}`).toEqual(viewWithout);
      applied = lastSequence === withIt.ref.commands;
    }
    const chosen = applied ? withIt : without;
    const inFlightText = `in flight: ${inFlight.what}, answered before the kill ${JSON.stringify(answeredBeforeKill)}; journal at ${lastSequence}, reference ${without.ref.commands} without it, ${withIt.ref.commands} with it`;
    expect(log.answersAgree(chosen), inFlightText).toEqual([]);
    // One journal record per door command: nothing lost, nothing recorded twice.
    expect(lastSequence, inFlightText).toBe(chosen.ref.commands);
    console.log(`SIGKILL failover: standby serving ${failoverMs.toFixed(0)} ms after the kill (lease TTL ${LEASE_TTL_MS} ms); in-flight op ${applied ? "applied" : "not applied"}; journal at ${lastSequence}`);

    // The new active serves the same accounts: more of the workload, answered as the reference answers.
    if (applied) log.push(inFlight.op, `${inFlight.what} [in flight, applied]`, undefined);
    log.takeover();
    const gwB = new Life(b);
    await log.runAcknowledged(gwB, 20, false);
    const after = log.reference();
    // Every answer the new owner gave (its channel still open) is the reference's.
    expect(log.answersAgree(after)).toEqual([]);
    await b.crash();
  }, 60_000);

  it("StepDown: a planned hand-over under 1 s, nothing lost; the old active exits to come back a standby", async () => {
    const { a, b, config } = await activeAndStandby("step");
    const log = new WorkloadLog(config, 12);
    await log.runAcknowledged(new Life(a), OPS, true);
    const aExit = exitOf(a);

    const started = performance.now();
    const answer = await callUnary<StepDownResponse>(a.clients.admin, "stepDown", create(StepDownRequestSchema, {}));
    expect(answer.shards).toEqual([0, 1, 2, 3]);
    // The bound as the deadline: the standby serves within a second of the request.
    await waitForRole(b, ReplicationRole.ACTIVE, 1_000 - (performance.now() - started));
    const handOverMs = performance.now() - started;
    console.log(`StepDown hand-over: standby serving ${handOverMs.toFixed(0)} ms after the request (leases released after ${answer.tookMs} ms)`);
    expect(await aExit).toBe(75);
    expect(a.stdout()).toMatch(/NOT_SERVING for good: stepped down; exiting \(75\)/);

    log.takeover();
    const ref = log.reference();
    const durable = await readDurable(b, expect, "after the hand-over");
    const { view } = durable;
    const lastSequence = durable.journal.lastSequence;
    expect(view, differences(view, ref.ref.view(ACCOUNTS, POLICIES)).join("; ")).toEqual(ref.ref.view(ACCOUNTS, POLICIES));
    expect(log.answersAgree(ref)).toEqual([]);
    // One more record than the reference's commands: the step-down's own audit record, which the new active replayed.
    expect(lastSequence).toBe(ref.ref.commands + 1n);
    const audit = await callUnary<QueryAuditResponse>(b.clients.admin, "queryAudit", create(QueryAuditRequestSchema, { action: "stepDown" }));
    expect(audit.records.map((r) => [r.actor, r.detail])).toEqual([["local", "hands over shards 0,1,2,3"]]);
    await b.crash();
  }, 60_000);
});
