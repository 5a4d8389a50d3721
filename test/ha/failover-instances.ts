/**
 * Failover sidecars in the test's own process (startSidecar: the real server on a loopback
 * port) on the 3-node test cluster, each with a configuration of its own (a file's own
 * accounts, say), their structured log captured; and a stand-in holder of a deployment's
 * leases, which keeps every instance a standby until it lets go.
 */
import { create } from "@bufbuild/protobuf";
import { ReplicationRole, StepDownRequestSchema } from "../../gen/openpit/sidecar/v1/replication_pb.js";
import { callUnary, connect, type SidecarClients } from "../../src/client/index.js";
import { startSidecar, type StartedSidecar } from "../../src/app/start-sidecar.js";
import { claimJournal } from "../../src/replication/claim.js";
import { JournalTail } from "../../src/replication/journal-tail.js";
import { connectJournal } from "../../src/replication/journal-stream.js";
import { KvLeaseStore } from "../../src/replication/kv-lease-store.js";
import { realLeaseTimers } from "../../src/replication/lease-timers.js";
import { ObjectSnapshotStore } from "../../src/replication/object-snapshots.js";
import { ShardLeases } from "../../src/replication/shard-leases.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { createLogger } from "../../src/server/log/sidecar-log.js";
import { systemClock } from "../../src/engine/clock.js";
import { AccountId } from "../../src/param/index.js";
import type { NatsCluster } from "./nats-cluster.js";
import { replicatedSetup } from "./replicated-sidecar.js";
import { freePort, LEASE_TTL_MS, replicationStatus } from "./replicated-sidecars.js";

export interface FailoverInstance {
  readonly id: string;
  readonly clients: SidecarClients;
  readonly started: StartedSidecar;
  /** Its structured log, one parsed line each. */
  readonly log: readonly Record<string, unknown>[];
  /** Why it stopped serving for good (the process would exit), once it did. */
  fenced: string | undefined;
  /** Stops it as a crash would (fail closed, gRPC server and NATS connection cut). */
  stop(): Promise<void>;
}

/** Instance `id` of `deployment` (stream J_<deployment>, lease bucket leases_<deployment>); `extra`: more top-level sections. */
/**
 * `leaseTtlMs`: a test whose hand-overs delete the leases (a StepDown, a holder's release) and
 * never wait for one to lapse can take a long TTL, so that a loaded machine does not fence its
 * active between two steps (a renewal late by more than LEASE_TTL_MS).
 */
export async function failoverConfig(
  cluster: NatsCluster,
  deployment: string,
  id: string,
  extra: Record<string, unknown> = {},
  leaseTtlMs: number = LEASE_TTL_MS,
): Promise<Record<string, unknown>> {
  const port = await freePort();
  return replicatedSetup(cluster, `J_${deployment}`, { instanceId: id }, { snapshotEveryRecords: 40 }, {
    listen: `127.0.0.1:${port}`,
    ownership: { advertisedAddress: `127.0.0.1:${port}`, leaseTtlMs, leaseBucket: `leases_${deployment}` },
    limits: { shutdownDrainMs: 0 },
    ...extra,
  }).config;
}

export async function startFailoverInstance(id: string, config: Record<string, unknown>): Promise<FailoverInstance> {
  const log: Record<string, unknown>[] = [];
  const logger = createLogger("info", { write: (line: string) => void log.push(JSON.parse(line) as Record<string, unknown>) });
  let inst!: FailoverInstance;
  const started = await startSidecar(parseSidecarConfig(config), systemClock(), () => undefined, logger, {
    onFenced: (reason) => (inst.fenced = reason),
    onTailError: () => undefined,
  });
  const clients = connect(`127.0.0.1:${started.port}`);
  inst = {
    id,
    clients,
    started,
    log,
    fenced: undefined,
    async stop() {
      started.server.failClosed();
      (started.server as unknown as { server: { forceShutdown(): void } }).server.forceShutdown();
      clients.close();
      await started.failover?.close().catch(() => undefined);
    },
  };
  return inst;
}

export async function roleOf(i: FailoverInstance): Promise<ReplicationRole | undefined> {
  try {
    return (await replicationStatus(i.clients)).role;
  } catch {
    return undefined;
  }
}

/** Polls `check` (every 25 ms) until it holds; throws `what` after `ms`. */
export async function until(what: string, ms: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const t0 = performance.now();
  while (!(await check())) {
    if (performance.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function waitRole(i: FailoverInstance, role: ReplicationRole, ms: number): Promise<void> {
  return until(`${i.id} ${ReplicationRole[role]}`, ms, async () => (await roleOf(i)) === role);
}

export function stepDown(i: FailoverInstance): Promise<unknown> {
  return callUnary(i.clients.admin, "stepDown", create(StepDownRequestSchema, {}));
}

/** The group the instance's engine puts the account in (read directly: a standby refuses reads). */
export function engineGroupOf(i: FailoverInstance, accountId: bigint): number | undefined {
  const g = i.started.server.state.engine.accounts().groupOf(AccountId.fromU64(accountId));
  return g === undefined ? undefined : Number(g);
}

/** A gauge's value in the instance's registry (undefined: not registered). */
export async function gauge(i: FailoverInstance, name: string): Promise<number | undefined> {
  const metric = (await i.started.server.metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return metric?.values[0]?.value;
}

/**
 * Creates `config`'s deployment as a first start would (stream, snapshot bucket, lease bucket;
 * nothing written in the snapshot object) and holds every lease of it, renewed, as an
 * instance `holder` of the default group would: the instances started meanwhile stay
 * standbys. `claim`: it also claims the journal (its epoch markers on every subject), as a
 * first writer that dies before its snapshot 0 leaves the stream. `release()` deletes the
 * leases (as a StepDown does) and closes the connection.
 */
export async function holdLeases(config: Record<string, unknown>, how: { holder?: string; claim?: boolean } = {}): Promise<{ release(): Promise<void> }> {
  const holder = how.holder ?? "placeholder";
  const c = parseSidecarConfig(config);
  const r = c.replication!;
  const o = c.ownership!;
  const link = await connectJournal({ servers: r.servers, stream: r.stream, subjectPrefix: r.subjectPrefix, replicas: r.replicas, leaderWaitMs: r.leaderWaitMs });
  await ObjectSnapshotStore.open(link.nc, r.snapshotBucket, r.stream, r.replicas, undefined, { leaderWaitMs: r.leaderWaitMs });
  const store = await KvLeaseStore.open(link.nc, { bucket: o.leaseBucket, ttlMs: o.leaseTtlMs, replicas: r.replicas, leaderWaitMs: r.leaderWaitMs });
  const leases = new ShardLeases({ store, timers: realLeaseTimers, self: { owner: holder, address: "127.0.0.1:1" }, ttlMs: o.leaseTtlMs, onLost: () => undefined });
  let epoch = 0;
  for (let s = 0; s < r.shardCount; s++) {
    const claimed = await leases.claim(s);
    if (claimed === undefined) throw new Error(`shard ${s}'s lease is held already`);
    epoch = Math.max(epoch, claimed);
  }
  if (how.claim) {
    const tail = new JournalTail({ js: link.js, jsm: link.jsm, stream: r.stream, fromStreamSequence: 1, nextSequence: 1n, epoch: 0n, onRecord: () => undefined });
    await tail.start();
    const subjects = { prefix: r.subjectPrefix, shardCount: r.shardCount };
    await claimJournal({ connection: link.nc, js: link.js, jsm: link.jsm, stream: r.stream, subjects, tail, instanceId: holder, epoch: BigInt(epoch) });
  }
  return {
    async release() {
      for (const s of leases.heldShards()) await leases.release(s);
      leases.stop();
      await link.nc.close();
    },
  };
}
