/**
 * Replicated sidecars as child processes for the HA suites: configuration files naming the
 * cluster, the instance and its advertised address (a free port picked here, so the address
 * is known before the process starts), and waits for a role through AdminService.
 */
import { createServer } from "node:net";
import { create } from "@bufbuild/protobuf";
import { callUnary, type SidecarClients } from "../../src/client/index.js";
import {
  GetReplicationStatusRequestSchema,
  ReplicationRole,
  type GetReplicationStatusResponse,
} from "../../gen/openpit/sidecar/v1/replication_pb.js";
import { afterAll, beforeAll } from "vitest";
import { killAllSidecars, type SidecarProcess } from "../durability/sidecar-process.js";
import { startNatsCluster, type NatsCluster } from "./nats-cluster.js";
import { removeReplicatedSetups, replicatedSetup } from "./replicated-sidecar.js";

export const LEASE_TTL_MS = 1500;

/** One 3-node cluster for a test file (each test its own deployment on it); sidecars and nodes killed after, their directories removed. */
export function useNatsCluster(): () => NatsCluster {
  let cluster: NatsCluster | undefined;
  beforeAll(async () => {
    cluster = await startNatsCluster();
  }, 30_000);
  afterAll(async () => {
    await killAllSidecars();
    await cluster?.stop();
    removeReplicatedSetups();
  });
  return () => cluster!;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const a = server.address();
      server.close(() => (a && typeof a === "object" ? resolve(a.port) : reject(new Error("no port"))));
    });
  });
}

export interface ReplicatedSidecar {
  readonly config: Record<string, unknown>;
  start(): Promise<SidecarProcess>;
}

/**
 * Instance `id` of deployment `deployment` (its own stream and buckets: tests share one
 * cluster), with failover: the crash suite's configuration, a snapshot every 40 records,
 * a short lease and an advertised address on a free port picked here; `ownership`: more keys
 * of that section (e.g. `shards` for one of several active owners).
 */
export async function replicatedSidecar(cluster: NatsCluster, deployment: string, id: string, ownership: Record<string, unknown> = {}): Promise<ReplicatedSidecar> {
  const port = await freePort();
  return replicatedSetup(cluster, `J_${deployment}`, { instanceId: id }, { snapshotEveryRecords: 40 }, {
    listen: `127.0.0.1:${port}`,
    ownership: { advertisedAddress: `127.0.0.1:${port}`, leaseTtlMs: LEASE_TTL_MS, leaseBucket: `leases_${deployment}`, ...ownership },
    limits: { shutdownDrainMs: 0 },
  });
}

export function replicationStatus(clients: SidecarClients): Promise<GetReplicationStatusResponse> {
  return callUnary<GetReplicationStatusResponse>(clients.admin, "getReplicationStatus", create(GetReplicationStatusRequestSchema, {}));
}

/** Polls (a real timer is the subject here) until the process reports `role`; the time it took. */
export async function waitForRole(proc: SidecarProcess, role: ReplicationRole, deadlineMs: number): Promise<number> {
  const started = performance.now();
  let last = "no answer";
  for (;;) {
    try {
      const s = await replicationStatus(proc.clients);
      if (s.role === role) return performance.now() - started;
      last = ReplicationRole[s.role];
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    if (performance.now() - started > deadlineMs) {
      throw new Error(`${proc.address} did not become ${ReplicationRole[role]} within ${deadlineMs} ms (last: ${last})\nstdout:\n${proc.stdout()}\nstderr:\n${proc.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

export type LogLine = Record<string, unknown> & { event?: string; level?: string; msg?: string };

/** The structured log: the process's stderr lines that open a JSON object, each parsed (one that does not parse fails the test). */
export function logLines(proc: SidecarProcess): LogLine[] {
  return proc
    .stderr()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as LogLine);
}

/** The process's /metrics exposition (its address is in the process's stdout); fails on any status but 200. */
export async function scrapeMetrics(proc: SidecarProcess): Promise<string> {
  const url = /openpit-sidecar: metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(proc.stdout())?.[1];
  if (url === undefined) throw new Error(`no metrics line in:\n${proc.stdout()}`);
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}
