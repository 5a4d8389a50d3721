/**
 * Replicated durability (durability.mode "replicated") for a single active sidecar: the
 * state is restored from the newest snapshot in the object store and the journal's stream
 * after it, then this instance claims the journal at once (fencing any previous writer) and
 * serves, its answers waiting for the stream's acknowledgement. A supervisor restarting it
 * (anywhere) gets the same state back. Warm standbys and failover by leases build on
 * `openReplica` (follow, then take over when the leases say so). See docs/high-availability.md.
 *
 * The journal is the instance's ownership group's (`ownership.shards`, journal-subjects.ts):
 * every shard without the section or with "all", else the listed shards, whose subjects,
 * sequence, fence and snapshot are their own.
 */
import { hostname } from "node:os";
import type { SidecarConfig } from "../server/config/sidecar-config.js";
import { printableServer, type ReplicationConfig } from "../server/config/replication-config.js";
import { ConfigError } from "../server/config/load-config.js";
import { errors } from "@nats-io/transport-node";
import type { SidecarState } from "../state/sidecar-state.js";
import type { JournalFailedError } from "../state/journal/journal.js";
import { connectJournal, type JournalLink } from "../replication/journal-stream.js";
import { JournalReplica, type FollowReport, type JournalReplicaOptions, type TakeoverReport } from "../replication/journal-replica.js";
import { ObjectSnapshotStore } from "../replication/object-snapshots.js";
import { groupName, type JournalSubjects } from "../replication/journal-subjects.js";
import { readNatsAccess } from "./nats-access.js";
import { readSigningKey } from "./signing-key.js";
import type { RecordSigner } from "../replication/record-signing.js";

export interface ReplicatedStart {
  readonly link: JournalLink;
  readonly replica: JournalReplica;
  readonly follow: FollowReport;
  /** This start's recovery; its `ms` counts the follow() (the snapshot's restore) and the takeover. */
  readonly takeover: TakeoverReport;
  /** replication.signing's key ids (8 hex digits of their SHA-256) and acceptUnsigned, for the log; undefined without signing. */
  readonly signing: ReturnType<RecordSigner["toJSON"]> | undefined;
}

/** The instance id a configuration gives, or this host's name and process id. */
export function instanceIdOf(c: ReplicationConfig): string {
  return c.instanceId ?? `${hostname()}-${process.pid}`;
}

/** The journal layout of a configuration: its ownership group's shards (all of them by default). */
export function journalSubjectsOf(config: SidecarConfig, r: ReplicationConfig): JournalSubjects {
  const shards = config.ownership?.shards;
  return { prefix: r.subjectPrefix, shardCount: r.shardCount, ...(shards !== undefined && shards !== "all" ? { shards } : {}) };
}

/**
 * Connects, opens the stream and the snapshot bucket, and builds the replica of `state`
 * (not following yet). The failover coordinator keeps it following as a standby and takes
 * over when it holds the leases; a single sidecar takes over at once (startReplicated).
 */
export async function openReplica(
  state: SidecarState,
  config: SidecarConfig,
  extra: Partial<JournalReplicaOptions> = {},
): Promise<{ link: JournalLink; replica: JournalReplica; signer: RecordSigner | undefined }> {
  const r = config.replication;
  if (r === undefined) throw new Error('durability.mode "replicated" needs the replication section');
  const instanceId = instanceIdOf(r);
  // Before connecting: a key file that cannot be used is a configuration error, found at once.
  const signer = readSigningKey(r);
  // The one NATS connection of this instance: the journal, the snapshots, the leases and the
  // standby's tail all use it, so all of them use the configured TLS and credential.
  const link = await connectJournal({
    servers: r.servers,
    stream: r.stream,
    subjectPrefix: r.subjectPrefix,
    replicas: r.replicas,
    name: `openpit-sidecar ${instanceId}`,
    leaderWaitMs: r.leaderWaitMs,
    access: readNatsAccess(r),
  }).catch((e: unknown) => {
    throw tlsNotOffered(e, r) ?? e;
  });
  try {
    const subjects = journalSubjectsOf(config, r);
    const snapshots = await ObjectSnapshotStore.open(link.nc, r.snapshotBucket, r.stream, r.replicas, groupName(subjects), { leaderWaitMs: r.leaderWaitMs }, undefined, signer);
    const replica = new JournalReplica(state, {
      link,
      snapshots,
      subjects,
      instanceId,
      snapshotEveryRecords: config.durability.snapshotEveryRecords,
      snapshotEverySeconds: config.durability.snapshotEverySeconds,
      appendTimeoutMs: r.appendTimeoutMs,
      ...(signer !== undefined ? { signer } : {}),
      ...extra,
    });
    return { link, replica, signer };
  } catch (e) {
    await link.nc.close().catch(() => undefined);
    throw e;
  }
}

/**
 * The client refuses a server that offers no TLS when TLS is configured (nats-core's
 * checkOptions): said as the configuration error it is, not as the client's terse
 * "server does not support 'tls'".
 */
function tlsNotOffered(e: unknown, r: ReplicationConfig): ConfigError | undefined {
  if (r.tls === undefined || !(e instanceof errors.ConnectionError) || !e.message.includes("does not support 'tls'")) return undefined;
  return new ConfigError(
    `replication.tls is set, but the NATS server does not offer TLS (${r.servers.map(printableServer).join(", ")}): the sidecar does not connect to NATS in plaintext; enable TLS on the servers' client port, or remove replication.tls`,
  );
}

/** A single replicated sidecar: restore, read to the end, claim, serve. */
export async function startReplicated(
  state: SidecarState,
  config: SidecarConfig,
  onJournalFailure: (error: JournalFailedError) => void,
): Promise<ReplicatedStart> {
  const { link, replica, signer } = await openReplica(state, config, { onJournalFailure, ownsConnection: true });
  try {
    const started = performance.now();
    const follow = await replica.follow();
    const takeover = await replica.takeOver();
    return { link, replica, follow, takeover: { ...takeover, ms: performance.now() - started }, signing: signer?.toJSON() };
  } catch (e) {
    await replica.stop().catch(() => undefined);
    await link.nc.close().catch(() => undefined);
    throw e;
  }
}
