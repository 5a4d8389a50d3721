/**
 * A sidecar with failover (the `ownership` section) starts like every other sidecar
 * (start-sidecar.ts): its HTTP listener serves /metrics (with the replication gauges) and the
 * web console, and its structured log on stderr is JSON lines, with the replication facts
 * (standby, claim, takeover, step-down) and their epochs. Two real processes on the 3-node cluster.
 */
import { create } from "@bufbuild/protobuf";
import { expect, it } from "vitest";
import { ReplicationRole, StepDownRequestSchema, type StepDownResponse } from "../../gen/openpit/sidecar/v1/replication_pb.js";
import { callUnary } from "../../src/client/index.js";
import type { SidecarProcess } from "../durability/sidecar-process.js";
import { NATS_READY } from "./nats-cluster.js";
import { Life, WorkloadLog } from "./oracle.js";
import { exitOf, recoveryGauges } from "./replicated-sidecar.js";
import { LEASE_TTL_MS, logLines, replicatedSidecar, useNatsCluster, waitForRole } from "./replicated-sidecars.js";

const clusterOf = useNatsCluster();



function metricsUrl(proc: SidecarProcess): string {
  const url = /openpit-sidecar: metrics on (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(proc.stdout())?.[1];
  if (url === undefined) throw new Error(`no metrics line in:\n${proc.stdout()}`);
  return url;
}

async function metrics(proc: SidecarProcess): Promise<string> {
  const res = await fetch(`${metricsUrl(proc)}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one sample line (`name{labels} value`), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

it.runIf(NATS_READY)("a standby and an active owner serve /metrics and the console, and log claim, takeover and step-down as JSON lines with the epoch", async () => {
  const a = await (await replicatedSidecar(clusterOf(), "observe", "a")).start();
  await waitForRole(a, ReplicationRole.ACTIVE, 10_000);
  const b = await (await replicatedSidecar(clusterOf(), "observe", "b")).start();
  await waitForRole(b, ReplicationRole.STANDBY, 10_000);

  // The standby: the same listener, metrics and console as any sidecar.
  const standby = await metrics(b);
  expect(sample(standby, 'openpit_replication_role{role="standby"}')).toBe(1);
  expect(sample(standby, 'openpit_replication_role{role="active"}')).toBe(0);
  expect(sample(standby, "openpit_replication_owned_shards")).toBe(0);
  expect(sample(standby, "openpit_replication_epoch")).toBe(0);
  expect(sample(standby, 'openpit_serving_phase{phase="serving"}')).toBe(1);
  const page = await fetch(`${metricsUrl(b)}/console/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toMatch(/<html/i);

  const active = await metrics(a);
  expect(sample(active, 'openpit_replication_role{role="active"}')).toBe(1);
  expect(sample(active, "openpit_replication_owned_shards")).toBe(4);
  const epochA = sample(active, "openpit_replication_epoch")!;
  expect(epochA).toBeGreaterThan(0);

  const aLines = logLines(a);
  expect(aLines.find((l) => l.event === "start")).toMatchObject({ level: "info", config: { durability: { mode: "replicated" } } });
  expect(aLines.find((l) => l.event === "standby")).toMatchObject({ instanceId: "a", shardCount: 4, leaseTtlMs: 1500 });
  expect(aLines.find((l) => l.event === "journal_claimed")).toMatchObject({ level: "info", epoch: String(epochA) });
  expect(aLines.find((l) => l.event === "takeover")).toMatchObject({ level: "info", epoch: String(epochA), shards: [0, 1, 2, 3] });
  expect(logLines(b).find((l) => l.event === "takeover")).toBeUndefined();

  // A planned hand-over: A logs its step-down with its epoch; B its takeover with a newer one.
  const aExit = exitOf(a);
  const answer = await callUnary<StepDownResponse>(a.clients.admin, "stepDown", create(StepDownRequestSchema, {}));
  expect(answer.shards).toEqual([0, 1, 2, 3]);
  await waitForRole(b, ReplicationRole.ACTIVE, 5_000);
  expect(await aExit).toBe(75);
  expect(logLines(a).find((l) => l.event === "stepped_down")).toMatchObject({ level: "info", epoch: String(epochA), reason: "stepped down" });

  const takeover = logLines(b).find((l) => l.event === "takeover");
  expect(takeover).toMatchObject({ level: "info", shards: [0, 1, 2, 3] });
  const epochB = Number(takeover!.epoch);
  expect(epochB).toBeGreaterThan(epochA);
  const after = await metrics(b);
  expect(sample(after, 'openpit_replication_role{role="active"}')).toBe(1);
  expect(sample(after, "openpit_replication_epoch")).toBe(epochB);
  expect(sample(after, "openpit_replication_owned_shards")).toBe(4);
  await b.crash();
}, 60_000);

it.runIf(NATS_READY)("the recovery gauges say what a takeover did: the snapshot it started from, the records replayed after it, the reservations rolled back", async () => {
  const sa = await replicatedSidecar(clusterOf(), "recovered", "a");
  const a = await sa.start();
  await waitForRole(a, ReplicationRole.ACTIVE, 10_000);
  // A's takeover of a new stream: nothing restored, nothing replayed.
  expect(recoveryGauges(await metrics(a))).toMatchObject({ snapshotSequence: 0, replayed: 0, rolledBack: 0 });

  // Past a snapshot (every 40 records) before B starts, then more records after it.
  const log = new WorkloadLog(sa.config, 5);
  const gwA = new Life(a);
  await log.runAcknowledged(gwA, 60, true);
  // The snapshot is in the object store (A notes it once written): B starts from it.
  let written = 0;
  for (const from = performance.now(); written === 0 && performance.now() - from < 10_000; await new Promise((r) => setTimeout(r, 50))) {
    written = sample(await metrics(a), "openpit_journal_last_snapshot_sequence") ?? 0;
  }
  expect(written).toBeGreaterThan(0);
  const b = await (await replicatedSidecar(clusterOf(), "recovered", "b")).start();
  await waitForRole(b, ReplicationRole.STANDBY, 10_000);
  // A standby has recovered nothing yet: no recovery gauges.
  expect(recoveryGauges(await metrics(b))).toEqual({ replayed: undefined, snapshotSequence: undefined, seconds: undefined, rolledBack: undefined });
  await log.runAcknowledged(gwA, 20, false);
  const snapshotSequence = Number(logLines(b).find((l) => l.event === "standby")!.snapshotSequence);
  expect(snapshotSequence).toBe(written);

  await a.crash();
  await waitForRole(b, ReplicationRole.ACTIVE, LEASE_TTL_MS + 5_000);
  log.takeover();
  // The reference: one record per command; its takeover (a crash) answers with the reservations A left open.
  const { ref, answers } = log.reference();
  const rolledBack = answers.at(-1) as number;
  expect(rolledBack).toBeGreaterThan(0);
  // A's last record: the reference's commands less B's two (the channel's close, `served`).
  const lastOfA = ref.commands - 2n;
  expect(BigInt(snapshotSequence)).toBeLessThan(lastOfA);
  const gauges = recoveryGauges(await metrics(b));
  expect(gauges).toMatchObject({ snapshotSequence, replayed: Number(lastOfA) - snapshotSequence, rolledBack });
  expect(gauges.seconds).toBeGreaterThan(0);
  expect(gauges.seconds).toBeLessThan(10);
  // The same facts as B's journal_claimed line.
  expect(logLines(b).find((l) => l.event === "journal_claimed")).toMatchObject({ replayed: gauges.replayed, rolledBackReservations: rolledBack });
  await b.crash();
}, 60_000);
