/**
 * Replicated mode's start-up (docs/high-availability.md): the state follows the replicated
 * journal (newest snapshot from the object store, then the stream, applied through the
 * door's replay) while the server answers as a standby (health NOT_SERVING, commands
 * refused NOT_OWNER naming the owner); the instance takes over when it holds every lease.
 */
import type { Clock } from "../engine/index.js";
import type { SidecarConfig } from "../server/config/sidecar-config.js";
import type { OwnershipConfig } from "../server/config/ownership-config.js";
import type { SidecarServer } from "../server/server.js";
import { JournalReplica } from "../replication/journal-replica.js";
import { connectJournal } from "../replication/journal-stream.js";
import { ObjectSnapshotStore } from "../replication/object-snapshots.js";
import type { FailoverCoordinator } from "../replication/failover-coordinator.js";
import { wallClock } from "../state/wall-clock.js";
import { buildSidecar } from "./build-sidecar.js";
import { startFailover } from "./start-failover.js";

export interface StartedReplicated {
  readonly server: SidecarServer;
  readonly port: number;
  readonly coordinator: FailoverCoordinator;
  /** Stops following and closes the NATS connection (after the server has shut down). */
  close(): Promise<void>;
}

export interface ReplicatedHooks {
  /** This instance stops serving for good: the caller exits (EXIT_CODES.fenced). */
  readonly onFenced: (reason: string) => void;
  /** Following the journal stopped on a record that does not decode or replay. */
  readonly onTailError: (error: Error) => void;
  readonly log: (line: string) => void;
}

export async function startReplicated(config: SidecarConfig & { ownership: OwnershipConfig }, hooks: ReplicatedHooks, timeSource: Clock = wallClock()): Promise<StartedReplicated> {
  const o = config.ownership;
  // Built "recovering": nothing is served until the gate is attached.
  const server = buildSidecar({ ...config, durability: { ...config.durability, mode: "sync" } }, timeSource);
  const link = await connectJournal({
    servers: o.natsServers,
    stream: o.stream,
    subjectPrefix: o.subjectPrefix,
    replicas: o.journalReplicas,
    name: `openpit-sidecar ${o.instanceId}`,
  });
  let coordinator: FailoverCoordinator | undefined;
  try {
    const snapshots = await ObjectSnapshotStore.open(link.nc, o.snapshotBucket, o.stream, o.journalReplicas);
    const replica = new JournalReplica(server.state, {
      link,
      snapshots,
      subjects: { prefix: o.subjectPrefix, shardCount: o.shardCount },
      instanceId: o.instanceId,
      snapshotEveryRecords: config.durability.snapshotEveryRecords,
      snapshotEverySeconds: config.durability.snapshotEverySeconds,
      onJournalFailure: (e) => coordinator?.journalFailed(e),
      onTailError: hooks.onTailError,
    });
    const followed = await replica.follow();
    hooks.log(
      `following stream ${o.stream} from ${followed.snapshotSequence === undefined ? "the beginning" : `the snapshot of record ${followed.snapshotSequence}`} (stream sequence ${followed.fromStreamSequence}) as a standby`,
    );
    const port = await server.listen(config.listen);
    coordinator = await startFailover({
      server,
      nc: link.nc,
      config: o,
      source: {
        appliedSequence: () => replica.appliedSequence,
        takeOver: async (epoch) => {
          const r = await replica.takeOver({ epoch });
          hooks.log(`journal claimed at epoch ${r.epoch} after record ${r.appliedSequence}: ${r.replayed} records replayed, ${r.rolledBackReservations} open reservations rolled back, ${r.ms.toFixed(0)} ms`);
        },
      },
      onFenced: hooks.onFenced,
      log: hooks.log,
    });
    // Commands now meet the gate: NOT_OWNER until this instance takes over.
    server.startServing();
    const running = coordinator;
    return {
      server,
      port,
      coordinator: running,
      async close() {
        running.stop();
        await replica.stop().catch(() => {});
        await link.nc.drain().catch(() => {});
      },
    };
  } catch (e) {
    await server.shutdown().catch(() => {});
    await link.nc.close().catch(() => {});
    throw e;
  }
}
