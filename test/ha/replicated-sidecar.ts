/**
 * The real sidecar in replicated mode (`src/main.ts`, durability.mode "replicated") on the
 * 3-node test cluster, as child processes: the configuration file, the process start, and
 * the oracle's view (test/durability: Reference, Workload).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSidecarProcess, type SidecarProcess } from "../durability/sidecar-process.js";
import { crashConfig } from "../durability/workload.js";
import type { NatsCluster } from "./nats-cluster.js";
import { startSidecar, type StartedSidecar } from "../../src/app/start-sidecar.js";
import { connect, type SidecarClients } from "../../src/client/index.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { systemClock } from "../../src/engine/clock.js";
import type { Answer, WireOp } from "../durability/reference.js";
import type { Life, ReachableSidecar } from "../durability/wire-life.js";
import type { Workload } from "../durability/workload.js";
import { sample } from "../observability/observed-sidecar.js";

export interface ReplicatedSetup {
  readonly config: Record<string, unknown>;
  readonly configFile: string;
  start(): Promise<SidecarProcess>;
  cleanup(): void;
}

/** The crash test's configuration (every built-in policy), replicated on `stream` of the cluster; `extra`: other top-level sections. */
export function replicatedSetup(
  cluster: NatsCluster,
  stream: string,
  replication: Record<string, unknown> = {},
  durability: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): ReplicatedSetup {
  const root = mkdtempSync(join(tmpdir(), "openpit-ha-"));
  setupRoots.add(root);
  const config = {
    ...crashConfig(),
    durability: { mode: "replicated", snapshotEveryRecords: 0, snapshotEverySeconds: 0, ...durability },
    replication: {
      servers: [...cluster.urls],
      stream,
      subjectPrefix: stream.toLowerCase(),
      shardCount: 4,
      snapshotBucket: `${stream}_snapshots`,
      ...replication,
    },
    ...extra,
  };
  const configFile = join(root, "sidecar.json");
  writeFileSync(configFile, JSON.stringify(config));
  return {
    config,
    configFile,
    // The data directory is not used in replicated mode (nothing is written there).
    start: () => startSidecarProcess(configFile, join(root, "unused")),
    cleanup: () => {
      rmSync(root, { recursive: true, force: true });
      setupRoots.delete(root);
    },
  };
}

/** Every set-up's directory not yet cleaned up: the failover suites keep only the configuration. */
const setupRoots = new Set<string>();

/** Removes the directories of every set-up not cleaned up yet (after the file's sidecars stopped). */
export function removeReplicatedSetups(): void {
  for (const root of setupRoots) rmSync(root, { recursive: true, force: true });
  setupRoots.clear();
}

/**
 * Resolves with the exit code once the process has exited and all it wrote has been read:
 * `stdout()` and `stderr()` are then complete. 'exit' alone may come before the last lines
 * are read (Node: the child's stdio streams may still be open then); their 'close' comes after.
 */
export async function exitOf(proc: SidecarProcess): Promise<number | null> {
  const { child } = proc;
  const exited = child.exitCode !== null || child.signalCode !== null;
  await Promise.all([exited ? undefined : once(child, "exit"), ...[child.stdout, child.stderr].filter((s) => s && !s.closed).map((s) => once(s!, "close"))]);
  return child.exitCode;
}

/** A replicated sidecar in the test's own process (startSidecar, the real server on a loopback port). */
export interface InProcessSidecar {
  readonly clients: SidecarClients;
  readonly started: StartedSidecar;
  /** Journal failures reported (the process would exit on the first). */
  readonly failures: readonly Error[];
  /** Resolves with the first journal failure. */
  readonly failed: Promise<Error>;
  /**
   * Stops it as a crash would, from the cluster's point of view: nothing more is run or
   * written (fail closed, no snapshot, no channel closed), the gRPC server and the NATS
   * connection are cut.
   */
  crash(): Promise<void>;
}

export async function startInProcess(setup: ReplicatedSetup): Promise<InProcessSidecar> {
  const failures: Error[] = [];
  let report!: (e: Error) => void;
  const failed = new Promise<Error>((resolve) => (report = resolve));
  const started = await startSidecar(parseSidecarConfig(setup.config), systemClock(), (e) => {
    failures.push(e);
    report(e);
  });
  const clients = connect(`127.0.0.1:${started.port}`);
  return {
    clients,
    started,
    failures,
    failed,
    async crash() {
      started.server.failClosed();
      // grpc-js's server, behind SidecarServer (which only offers graceful shutdown).
      (started.server as unknown as { server: { forceShutdown(): void } }).server.forceShutdown();
      clients.close();
      await started.replicated?.link.nc.close();
    },
  };
}

/**
 * Runs the workload's first operations (bind every account, fund them on the first life) and
 * at least `more` random ones, each answered before the next is sent; logs each operation
 * and, when `answers` is given, its answer.
 */
export async function runOps<P extends ReachableSidecar>(
  life: Life<P>,
  work: Workload,
  log: WireOp[],
  more: number,
  first = true,
  answers?: Answer[],
): Promise<void> {
  const planned = [...work.lifeStart(first)];
  for (let i = 0; i < more || planned.length > 0; i++) {
    const p = planned.shift() ?? work.next();
    const answer = await life.run(p.op);
    p.update?.(answer);
    log.push(p.op);
    answers?.push(answer);
  }
}

/** The recovery gauges of a /metrics exposition (each undefined when not reported). */
export function recoveryGauges(exposition: string) {
  return {
    replayed: sample(exposition, "openpit_recovery_replayed_records"),
    snapshotSequence: sample(exposition, "openpit_recovery_snapshot_sequence"),
    seconds: sample(exposition, "openpit_recovery_duration_seconds"),
    rolledBack: sample(exposition, "openpit_recovery_rolled_back_reservations"),
  };
}

/** The recovery gauges an in-process sidecar's HTTP listener serves. */
export async function scrapeRecovery(s: InProcessSidecar): Promise<ReturnType<typeof recoveryGauges>> {
  const res = await fetch(`http://127.0.0.1:${s.started.httpPort}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return recoveryGauges(await res.text());
}
