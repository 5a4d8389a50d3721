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
import { exitOf } from "./replicated-sidecar.js";
import { logLines, replicatedSidecar, useNatsCluster, waitForRole } from "./replicated-sidecars.js";

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
