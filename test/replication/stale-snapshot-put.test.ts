/**
 * Open item: "an object-store snapshot put under way when the instance is fenced still
 * completes". The snapshot object is one name per journal (object-snapshots.ts) and a reader
 * takes whatever entry is live, so without a condition the last put to finish wins, not the
 * newest snapshot: a deposed active's put that started before the takeover and finishes after
 * the new active's first snapshot (a big object's chunks, a meta publish held in the client's
 * buffer across a reconnect) puts the object back to the old writer's record. Its state is
 * not wrong (a put waits for every record it covers to be acknowledged, and the new writer
 * continues after all of them), but it is older than what the new active wrote and believes
 * is stored: a cold start replays more, a head purge made by the newer header's resume point
 * makes every cold start refuse the stream, and a graceful stop (whose snapshot is skipped
 * when nothing was journaled since the last one) leaves records to replay with the next
 * version's code.
 *
 * The fake below behaves like @nats-io/obj 3.x's put: it reads the entry it replaces when it
 * starts, stores the chunks, then publishes the meta entry last (with
 * Nats-Expected-Last-Subject-Sequence when a previousRevision is given); a put can be held
 * between the two to play "under way when fenced".
 */
import { describe, expect, it } from "vitest";
import { JetStreamApiCodes, JetStreamApiError, type JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { ObjectInfo, ObjectResult, ObjectStoreMeta, ObjectStorePutOpts } from "@nats-io/obj";
import { ObjectSnapshotStore, snapshotObjectName, type SnapshotObjects } from "../../src/replication/object-snapshots.js";
import { JetStreamJournal, type SnapshotPoint } from "../../src/replication/jetstream-journal.js";
import { objectStoreSink } from "../../src/replication/journal-replica.js";
import type { SidecarState } from "../../src/state/sidecar-state.js";
import { SnapshotSchedule } from "../../src/state/snapshot-schedule.js";

interface Entry {
  readonly revision: number;
  readonly meta: ObjectStoreMeta;
  readonly data: Uint8Array;
}

class FakeObjects implements SnapshotObjects {
  private seq = 0;
  private readonly entries = new Map<string, Entry>();
  /** Set: the next put stops before its meta publish until `release` is called. */
  holdNext = false;
  release: (() => void) | undefined;
  puts = 0;

  info(name: string): Promise<ObjectInfo | null> {
    const e = this.entries.get(name);
    if (e === undefined) return Promise.resolve(null);
    return Promise.resolve({ name, revision: e.revision, deleted: false, metadata: e.meta.metadata, size: e.data.length } as unknown as ObjectInfo);
  }

  get(name: string): Promise<ObjectResult | null> {
    const e = this.entries.get(name);
    if (e === undefined) return Promise.resolve(null);
    const data = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(e.data);
        c.close();
      },
    });
    return Promise.resolve({ info: {} as ObjectInfo, data, error: Promise.resolve(null) } as ObjectResult);
  }

  async putBlob(meta: ObjectStoreMeta, data: Uint8Array | null, opts?: ObjectStorePutOpts): Promise<ObjectInfo> {
    this.puts++;
    const stored = data ?? new Uint8Array(0);
    if (this.holdNext) {
      this.holdNext = false;
      await new Promise<void>((resolve) => (this.release = resolve));
    }
    // The meta entry, published last (a rollup on its subject).
    const previous = opts?.previousRevision;
    const last = this.entries.get(meta.name)?.revision ?? 0;
    if (typeof previous === "number" && previous !== last) {
      throw new JetStreamApiError({ code: 400, err_code: JetStreamApiCodes.StreamWrongLastSequence, description: `wrong last sequence: ${last}` });
    }
    const revision = ++this.seq;
    this.entries.set(meta.name, { revision, meta, data: stored });
    return { name: meta.name, revision } as unknown as ObjectInfo;
  }
}

const NAME = snapshotObjectName("J");
const bytes = (s: string) => new TextEncoder().encode(s);
/** The deposed active (epoch 1): its state at record 10, every record up to it acknowledged. */
const OLD: SnapshotPoint = { sequence: 10n, epoch: 1n, resumeStreamSequence: 11 };
/** The new active (epoch 2, first record 13): its snapshot at record 14. */
const NEW: SnapshotPoint = { sequence: 14n, epoch: 2n, resumeStreamSequence: 21 };

describe("a snapshot put under way when its writer is fenced", () => {
  it("does not replace the new active's newer snapshot when it finishes after it", async () => {
    const objects = new FakeObjects();
    const deposed = ObjectSnapshotStore.over(objects, NAME);
    const active = ObjectSnapshotStore.over(objects, NAME);
    objects.holdNext = true;
    const stale = deposed.write(OLD, bytes("old state")).then(
      () => "written",
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
    // The old put has started (it read the entry it replaces) and is held before its meta.
    while (objects.release === undefined) await new Promise((r) => setImmediate(r));
    await active.write(NEW, bytes("new state"));
    objects.release();
    const outcome = await stale;
    const stored = await active.read();
    expect(stored?.point).toEqual(NEW);
    expect(new TextDecoder().decode(stored?.data)).toBe("new state");
    expect(outcome).toMatch(/newer snapshot/);
  });

  it("is not written at all when the object already holds a newer snapshot", async () => {
    const objects = new FakeObjects();
    await ObjectSnapshotStore.over(objects, NAME).write(NEW, bytes("new state"));
    await expect(ObjectSnapshotStore.over(objects, NAME).write(OLD, bytes("old state"))).rejects.toThrow(/newer snapshot/);
    expect(objects.puts).toBe(1);
    expect((await ObjectSnapshotStore.over(objects, NAME).read())?.point).toEqual(NEW);
  });

  it("still replaces an older snapshot, and a later one of the same writer", async () => {
    const objects = new FakeObjects();
    const store = ObjectSnapshotStore.over(objects, NAME);
    await store.write(OLD, bytes("old state"));
    await store.write(NEW, bytes("new state"));
    const later: SnapshotPoint = { sequence: 30n, epoch: 2n, resumeStreamSequence: 40 };
    await store.write(later, bytes("later state"));
    expect((await store.read())?.point).toEqual(later);
    // A new writer's snapshot at the same record (nothing journaled since) goes in too.
    const same: SnapshotPoint = { sequence: 30n, epoch: 3n, resumeStreamSequence: 42 };
    await store.write(same, bytes("same record, epoch 3"));
    expect((await store.read())?.point).toEqual(same);
  });
});

/**
 * Why a deposed active's snapshot is never ahead of the stream (the property the fix above
 * leans on: every snapshot any writer completes is a prefix of the journal every later writer
 * continues): the state is read with records still in flight, but the put waits for the
 * journal's flush, i.e. for the stream's acknowledgement of every record it covers; a fence's
 * refusal of one of them fails the journal, the flush rejects, and nothing is put.
 */
describe("a replicated snapshot covers only acknowledged records", () => {
  function rig() {
    const publishes: { resolve: (seq: number) => void; reject: (e: Error) => void }[] = [];
    let streamSeq = 10;
    const js = {
      publish: () => new Promise((resolve, reject) => publishes.push({ resolve: (seq) => resolve({ seq }), reject })),
    } as unknown as JetStreamClient;
    const journal = new JetStreamJournal({
      connection: { isClosed: () => false } as unknown as NatsConnection,
      js,
      subjects: { prefix: "z", shardCount: 1 },
      epoch: 1n,
      nextSequence: 1n,
      lastSubjectSequences: [0, 10],
      lastStreamSequence: 10,
    });
    const objects = new FakeObjects();
    const putAt: { sequence: bigint; durable: bigint }[] = [];
    const put = objects.putBlob.bind(objects);
    objects.putBlob = (meta, data, opts) => (putAt.push({ sequence: BigInt(meta.metadata!["openpit-point"]!.split("/")[0]!), durable: journal.durableSequence }), put(meta, data, opts));
    const state = { snapshot: () => ({ sequence: journal.lastSequence }), onCommand: undefined } as unknown as SidecarState;
    const schedule = new SnapshotSchedule(state, journal, {
      dataDir: "",
      snapshotEveryRecords: 0,
      snapshotEverySeconds: 0,
      sink: objectStoreSink(ObjectSnapshotStore.over(objects, NAME), journal),
    });
    const ackAll = () => {
      for (const p of publishes.splice(0)) p.resolve(++streamSeq);
    };
    const turn = () => new Promise((r) => setImmediate(r));
    return { journal, objects, putAt, schedule, publishes, ackAll, turn };
  }

  it("is put only once the stream has acknowledged every record it covers", async () => {
    const { journal, objects, putAt, schedule, publishes, ackAll, turn } = rig();
    for (let i = 0; i < 3; i++) journal.append(bytes(`r${i}`));
    const taken = schedule.take(); // state read at record 3, none of them acknowledged yet
    await turn();
    expect(publishes.length).toBe(1);
    expect(objects.puts).toBe(0);
    ackAll();
    expect(await taken).toBe(3n);
    expect(putAt).toEqual([{ sequence: 3n, durable: 3n }]);
    expect((await ObjectSnapshotStore.over(objects, NAME).read())?.point).toEqual({ sequence: 3n, epoch: 1n, resumeStreamSequence: 11 });
  });

  it("is not put when the fence refuses a record it covers", async () => {
    const { journal, objects, schedule, publishes, ackAll, turn } = rig();
    journal.append(bytes("r1"));
    const first = journal.flush();
    await turn();
    ackAll();
    await first;
    journal.append(bytes("r2")); // applied locally; its append will be refused
    const taken = schedule.take(); // state read at record 2
    await turn();
    expect(publishes.length).toBe(1);
    publishes.shift()!.reject(new JetStreamApiError({ code: 400, err_code: JetStreamApiCodes.StreamWrongLastSequence, description: "wrong last sequence: 12" }));
    await taken;
    expect(journal.failed?.message).toMatch(/fenced/);
    expect(schedule.lastError).toMatch(/fenced/);
    expect(objects.puts).toBe(0);
    expect(await ObjectSnapshotStore.over(objects, NAME).read()).toBeUndefined();
  });
});
