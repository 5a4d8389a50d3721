/**
 * The condition a snapshot put relies on (object-snapshots.ts write), on the real object store
 * of the system's nats-server (2.9.10): @nats-io/obj's previousRevision makes the meta entry's
 * publish carry Nats-Expected-Last-Subject-Sequence, 0 for an object never written, and the
 * entry keeps the point in its metadata. A put held until another writer's newer snapshot is
 * in is refused, and the newer one stays. (stale-snapshot-put.test.ts: the same with a fake.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Objm, type ObjectStore } from "@nats-io/obj";
import { ObjectSnapshotStore, snapshotObjectName, type SnapshotObjects } from "../../src/replication/object-snapshots.js";
import type { SnapshotPoint } from "../../src/replication/jetstream-journal.js";
import { NATS_READY, startNatsCluster, type NatsCluster } from "../ha/nats-cluster.js";

const OLD: SnapshotPoint = { sequence: 10n, epoch: 1n, resumeStreamSequence: 11 };
const NEW: SnapshotPoint = { sequence: 14n, epoch: 2n, resumeStreamSequence: 21 };
const bytes = (s: string, n = 0) => new Uint8Array([...new TextEncoder().encode(s), ...new Uint8Array(n)]);

describe.runIf(NATS_READY)("snapshot puts on nats-server's object store", () => {
  let cluster: NatsCluster;
  let nc: NatsConnection;
  let raw: ObjectStore;
  const name = snapshotObjectName("J");

  beforeAll(async () => {
    cluster = await startNatsCluster();
    nc = await connect({ servers: [...cluster.urls] });
    raw = await new Objm(nc).create("SNAPS", { replicas: 3 });
  }, 60_000);

  afterAll(async () => {
    await nc?.close();
    await cluster?.stop();
  });

  it("a deposed writer's put that finishes after the new writer's is refused; the newer snapshot stays", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let held = false;
    const holding: SnapshotObjects = {
      info: (n) => raw.info(n),
      get: (n) => raw.get(n),
      putBlob: async (meta, data, opts) => {
        held = true;
        await gate;
        return raw.putBlob(meta, data, opts);
      },
    };
    const deposed = ObjectSnapshotStore.over(holding, name);
    const active = await ObjectSnapshotStore.open(nc, "SNAPS", "J", 3);
    // Several chunks (128 KiB each), as a real state would have.
    const stale = deposed.write(OLD, bytes("old state", 300_000)).then(
      () => "written",
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
    while (!held) await new Promise((r) => setTimeout(r, 5));
    await active.write(NEW, bytes("new state", 300_000)); // the object did not exist: previousRevision 0
    release();
    expect(await stale).toMatch(/newer snapshot \(record 14, epoch 2\)/);
    const stored = await active.read();
    expect(stored?.point).toEqual(NEW);
    expect(new TextDecoder().decode(stored?.data.subarray(0, 9))).toBe("new state");
    expect((await raw.info(name))?.metadata).toMatchObject({ "openpit-point": "14/2" });
    // A later snapshot of the active still goes in over its own.
    const later: SnapshotPoint = { sequence: 30n, epoch: 2n, resumeStreamSequence: 40 };
    await active.write(later, bytes("later state"));
    expect((await active.read())?.point).toEqual(later);
  }, 60_000);

  it("an object written before entries carried the point is compared by its header", async () => {
    const legacyName = snapshotObjectName("L");
    const legacy = Buffer.alloc(40 + 5);
    legacy.writeUInt32LE(0x5352504f, 0);
    legacy.writeUInt32LE(1, 4);
    legacy.writeBigUInt64LE(20n, 8);
    legacy.writeBigUInt64LE(1n, 16);
    legacy.writeBigUInt64LE(30n, 24);
    legacy.writeBigUInt64LE(5n, 32);
    legacy.write("state", 40);
    await raw.putBlob({ name: legacyName }, legacy);
    const store = await ObjectSnapshotStore.open(nc, "SNAPS", "L", 3);
    await expect(store.write(NEW, bytes("new state"))).rejects.toThrow(/newer snapshot \(record 20, epoch 1\)/);
    const later: SnapshotPoint = { sequence: 25n, epoch: 2n, resumeStreamSequence: 35 };
    await store.write(later, bytes("later"));
    expect((await store.read())?.point).toEqual(later);
  }, 60_000);
});
