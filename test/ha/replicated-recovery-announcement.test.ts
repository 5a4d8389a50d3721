/**
 * The announcement guarantee of recovery's rollbacks in replicated mode, as
 * test/durability/recovery-announcement.test.ts checks it for the file journal: a start
 * that found no snapshot rolls the crashed channels back, takes a snapshot, and crashes
 * before its `served` record reaches the stream. The next start restores that snapshot,
 * has nothing after it to replay, and must still announce the rollbacks: the snapshot
 * carries them (StateSnapshot.unannounced), since the `served` that would have cleared them
 * never came. Both modes share the code (recovery.ts, resumeServing); this runs it on a
 * real stream and object store.
 *
 * The crash points are placed with the replica's snapshot store: the first life's writes
 * are dropped (so the second life finds no snapshot), and the second life's write stores
 * the object and then never returns, so its start stops between the snapshot and `served`.
 */
import { afterAll, describe, expect, it } from "vitest";
import { buildState } from "../../src/app/build-sidecar.js";
import { journalSubjectsOf, openReplica } from "../../src/app/start-replicated-journal.js";
import { ManualClock } from "../../src/engine/index.js";
import { AccountId } from "../../src/param/index.js";
import { connectJournal, type JournalLink } from "../../src/replication/journal-stream.js";
import { groupName } from "../../src/replication/journal-subjects.js";
import { ObjectSnapshotStore } from "../../src/replication/object-snapshots.js";
import { parseSidecarConfig, type SidecarConfig } from "../../src/server/config/sidecar-config.js";
import { decodePlain } from "../../src/state/plain-data.js";
import type { StateSnapshot } from "../../src/state/sidecar-state.js";
import { openReservations, recoveryRollback } from "../helpers/recovery-rollbacks.js";
import { ACCOUNT } from "../server/harness.js";
import { NATS_READY } from "./nats-cluster.js";
import { useNatsCluster } from "./replicated-sidecars.js";
import { replicatedSetup } from "./replicated-sidecar.js";

const accountId = AccountId.fromU64(ACCOUNT);
const rolledBack = (ids: readonly bigint[]) => recoveryRollback(accountId, ids);

/** A snapshot store whose writes are dropped: the life using it leaves no snapshot. */
function droppingWrites(real: ObjectSnapshotStore): ObjectSnapshotStore {
  return Object.assign(Object.create(real) as ObjectSnapshotStore, { write: () => Promise.resolve() });
}

/** A snapshot store that stores the object, reports it, and never returns: the process "dies" right after. */
function dyingAfterWrite(real: ObjectSnapshotStore, written: () => void): ObjectSnapshotStore {
  const write = async (...args: Parameters<ObjectSnapshotStore["write"]>): Promise<void> => {
    await real.write(...args);
    written();
    return new Promise<void>(() => {});
  };
  return Object.assign(Object.create(real) as ObjectSnapshotStore, { write });
}

describe.runIf(NATS_READY).sequential("replicated: recovery's rollbacks are announced by the next start when a start crashes before `served`", () => {
  const clusterOf = useNatsCluster();
  const links: JournalLink[] = [];
  afterAll(async () => {
    for (const l of links) await l.nc.close().catch(() => undefined);
  });

  /** A life in this process: its state, what it announced, its replica (following after this returns). */
  async function life(config: SidecarConfig, at: number, snapshots?: ObjectSnapshotStore) {
    const state = buildState(config, new ManualClock(at));
    const announced: unknown[] = [];
    state.events.subscribe((e) => announced.push(e.event));
    const { link, replica } = await openReplica(state, config, {
      ...(snapshots ? { snapshots } : {}),
      // A "crash" closes the connection under the journal: its failure is expected, not a test error.
      onJournalFailure: () => undefined,
    });
    links.push(link);
    const followed = await replica.follow();
    return { state, announced, link, replica, followed };
  }

  it("a snapshot-less start that took its snapshot after its rollbacks: the next start restores it and announces them", async () => {
    const setup = replicatedSetup(clusterOf(), "ANNOUNCE");
    try {
      const config = parseSidecarConfig(setup.config);
      const r = config.replication!;
      const store = await connectJournal({ servers: r.servers, stream: r.stream, subjectPrefix: r.subjectPrefix, replicas: r.replicas, name: "test snapshots" });
      links.push(store);
      const real = await ObjectSnapshotStore.open(store.nc, r.snapshotBucket, r.stream, r.replicas, groupName(journalSubjectsOf(config, r)));

      // First life, on an empty stream: its snapshot is dropped, so the object store stays
      // empty; it dies with two reservations open.
      const first = await life(config, 1_000, droppingWrites(real));
      expect(first.followed.snapshotSequence).toBeUndefined();
      await first.replica.takeOver();
      const ids = openReservations(first.state, accountId, 2);
      await first.state.journal.flush();
      await first.link.nc.close();
      expect(await real.read()).toBeUndefined();

      // Second life: no snapshot, so it replays the whole stream, rolls the two reservations
      // back (journaled, then announced), takes its snapshot and dies before `served`.
      let written!: () => void;
      const snapshotWritten = new Promise<void>((resolve) => (written = resolve));
      const second = await life(config, 2_000, dyingAfterWrite(real, () => written()));
      expect(second.followed.snapshotSequence).toBeUndefined();
      void second.replica.takeOver().catch(() => undefined);
      await snapshotWritten;
      expect(second.announced).toEqual([rolledBack(ids)]);
      const stored = (await real.read())!;
      // The snapshot covers the rollbacks and says they were not announced to a `served` yet.
      expect(stored.point.sequence).toBe(second.state.journal.lastSequence);
      expect((decodePlain(stored.data) as StateSnapshot).unannounced).toEqual([{ accountId, reservationIds: [...ids].reverse(), sequence: expect.any(BigInt) }]);
      await second.link.nc.close();

      // Third life: restored from that snapshot, nothing after it; it announces the rollbacks.
      const third = await life(config, 3_000);
      expect(third.followed.snapshotSequence).toBe(stored.point.sequence);
      expect(await third.replica.takeOver()).toMatchObject({ replayed: 0, rolledBackReservations: 0, appliedSequence: stored.point.sequence });
      expect(third.announced).toEqual([rolledBack(ids)]);
      // Its own `served` says they were: its state no longer carries them.
      expect(third.state.snapshot().unannounced).toBeUndefined();
      await third.state.journal.flush();
      await third.link.nc.close();

      // A fourth life replays that `served` after the same snapshot and announces nothing.
      const fourth = await life(config, 4_000);
      expect(fourth.followed.snapshotSequence).toBe(stored.point.sequence);
      expect(await fourth.replica.takeOver()).toMatchObject({ replayed: 1, rolledBackReservations: 0 });
      expect(fourth.announced).toEqual([]);
      await fourth.link.nc.close();
    } finally {
      setup.cleanup();
    }
  }, 60_000);
});
