/**
 * Found by review (session 28): a snapshot read under way while the active puts a newer
 * snapshot could wait for ever. @nats-io/obj's get reads the entry, then the chunks it names;
 * a put deletes the replaced object's chunks right after its own entry is in, so a read
 * between the two waits for chunks that will never come (the consumer's heartbeats keep it
 * alive, nothing ends it). A standby starting then stayed NOT_SERVING for good: no standby.
 * read() now gives up on a get whose chunks stop coming and reads the entry again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { ObjectInfo, ObjectResult } from "@nats-io/obj";
import { ObjectSnapshotStore, snapshotObjectName, type SnapshotObjects } from "../../src/replication/object-snapshots.js";
import type { SnapshotPoint } from "../../src/replication/jetstream-journal.js";
import { NATS_READY, startNatsCluster, type NatsCluster } from "../ha/nats-cluster.js";

const POINT: SnapshotPoint = { sequence: 7n, epoch: 2n, resumeStreamSequence: 9 };

/** The object's bytes as ObjectSnapshotStore writes them, captured from a write. */
async function storedBytes(): Promise<Uint8Array> {
  let bytes: Uint8Array | undefined;
  const capture: SnapshotObjects = {
    info: () => Promise.resolve(null),
    get: () => Promise.resolve(null),
    putBlob: (_meta, data) => {
      bytes = data ?? undefined;
      return Promise.resolve({} as ObjectInfo);
    },
  };
  await ObjectSnapshotStore.over(capture, "J.state").write(POINT, new TextEncoder().encode("the state"));
  return bytes!;
}

/** A get whose chunks never come (deleted under it), or one whose digest fails, then good ones. */
function replacedUnderTheFirstGets(good: Uint8Array, first: ("stall" | "corrupt")[]) {
  const cancelled: number[] = [];
  let gets = 0;
  const store: SnapshotObjects = {
    info: () => Promise.resolve(null),
    putBlob: () => Promise.reject(new Error("not used")),
    get: () => {
      const n = gets++;
      const how = first[n];
      const data = new ReadableStream<Uint8Array>({
        start(c) {
          if (how === undefined) {
            c.enqueue(good.subarray(0, 10)); // in two chunks, as a real object of several
            c.enqueue(good.subarray(10));
            c.close();
          } else if (how === "corrupt") {
            c.enqueue(good.subarray(0, 10));
            c.error(new Error("received a corrupt object, digests do not match"));
          }
        },
        cancel: () => void cancelled.push(n),
      });
      return Promise.resolve({ info: {} as ObjectInfo, data, error: Promise.resolve(null) } as ObjectResult);
    },
  };
  return { store, cancelled, gets: () => gets };
}

describe("a snapshot read whose object is replaced under it", () => {
  it("gives up on a get whose chunks stop coming, reads the entry again, and returns the snapshot whole", async () => {
    const good = await storedBytes();
    const fake = replacedUnderTheFirstGets(good, ["stall", "corrupt"]);
    const read = await ObjectSnapshotStore.over(fake.store, snapshotObjectName("J"), {}, 20).read();
    expect({ point: read?.point, data: new TextDecoder().decode(read?.data), gets: fake.gets(), cancelled: fake.cancelled }).toEqual({
      point: POINT,
      data: "the state",
      gets: 3,
      cancelled: [0], // the stalled get's consumer is stopped, not left waiting
    });
  });

  it("gives up when no chunk comes before the leader wait ends, naming the object", async () => {
    const fake = replacedUnderTheFirstGets(await storedBytes(), Array<"stall">(100).fill("stall"));
    let now = 0;
    const clock = { now: () => (now += 1_000), sleep: () => Promise.resolve() }; // each look at the clock: 1 s later
    await expect(ObjectSnapshotStore.over(fake.store, "J.state", { leaderWaitMs: 2_500, clock }, 5).read()).rejects.toThrow(
      "reading J.state: no part of the object arrived for 5 ms (replaced while being read): reading it again",
    );
  });
});

describe.runIf(NATS_READY)("a snapshot read while the active puts a newer one (3-node cluster)", () => {
  let cluster: NatsCluster;
  let writerNc: NatsConnection;
  let readerNc: NatsConnection;
  beforeAll(async () => {
    cluster = await startNatsCluster();
    writerNc = await connect({ servers: [...cluster.urls] });
    readerNc = await connect({ servers: [...cluster.urls] });
  }, 60_000);
  afterAll(async () => {
    await writerNc?.close();
    await readerNc?.close();
    await cluster?.stop();
  });

  it("returns the older or the newer snapshot whole, every time", async () => {
    const writer = await ObjectSnapshotStore.open(writerNc, "SNAPR", "J", 3);
    // A short idle limit: a read that lost its chunks tries again soon (the default is 5 s).
    const reader = await ObjectSnapshotStore.open(readerNc, "SNAPR", "J", 3, undefined, {}, 200);
    const big = new Uint8Array(4_000_000).fill(7); // 31 chunks of 128 KiB
    const small = new Uint8Array(1_000).fill(8);
    let sequence = 1n;
    const point = () => ({ sequence, epoch: 1n, resumeStreamSequence: Number(sequence) });
    const outcomes: string[] = [];
    for (let i = 0; i < 10; i++) {
      sequence++;
      await writer.write(point(), big);
      const read = reader.read().then(
        (s) => (s?.data.length === big.length || s?.data.length === small.length ? "whole" : `torn ${s?.data.length}`),
        (e: unknown) => `error: ${e instanceof Error ? e.message : String(e)}`,
      );
      sequence++;
      await writer.write(point(), small); // put while the read is under way: the big one's chunks go
      outcomes.push(await read);
    }
    expect(outcomes).toEqual(Array<string>(10).fill("whole"));
  }, 120_000);
});
