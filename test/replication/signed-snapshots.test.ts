/**
 * replication.signing on snapshot objects (object-snapshots.ts version 2): what a signing
 * store writes it reads back; an object written without the key (unsigned, another key, a
 * changed byte, another journal's snapshot copied under this name) is refused by read() as a
 * damaged one is, naming the object (the replica makes it a DurableStateError: no start from it).
 */
import { describe, expect, it } from "vitest";
import type { ObjectInfo, ObjectResult, ObjectStoreMeta } from "@nats-io/obj";
import { ObjectSnapshotStore, snapshotObjectName, type SnapshotObjects } from "../../src/replication/object-snapshots.js";
import type { SnapshotPoint } from "../../src/replication/jetstream-journal.js";
import { RecordSigner } from "../../src/replication/record-signing.js";

/** An object store of whole objects: put replaces, get streams the bytes in one chunk. */
class Objects implements SnapshotObjects {
  readonly bytes = new Map<string, Uint8Array>();
  private revision = 0;
  info(name: string): Promise<ObjectInfo | null> {
    return Promise.resolve(this.bytes.has(name) ? ({ name, revision: this.revision, deleted: false, metadata: {} } as unknown as ObjectInfo) : null);
  }
  get(name: string): Promise<ObjectResult | null> {
    const b = this.bytes.get(name);
    if (b === undefined) return Promise.resolve(null);
    const data = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(b);
        c.close();
      },
    });
    return Promise.resolve({ info: {} as ObjectInfo, data, error: Promise.resolve(null) } as ObjectResult);
  }
  putBlob(meta: ObjectStoreMeta, data: Uint8Array | null): Promise<ObjectInfo> {
    this.bytes.set(meta.name, Uint8Array.from(data ?? []));
    return Promise.resolve({ name: meta.name, revision: ++this.revision } as unknown as ObjectInfo);
  }
}

const KEY = Buffer.alloc(32, 9);
const signer = new RecordSigner(KEY);
const upgrading = new RecordSigner(KEY, true);
const stranger = new RecordSigner(Buffer.alloc(32, 8));
const NAME = snapshotObjectName("J");
const POINT: SnapshotPoint = { sequence: 14n, epoch: 2n, resumeStreamSequence: 21 };
const STATE = new TextEncoder().encode("balances and limits");
const where = `snapshot object ${NAME}`;

describe("signed snapshots", () => {
  it("are written as version 2 with the key id and MAC after the data, and read back", async () => {
    const objects = new Objects();
    const store = ObjectSnapshotStore.over(objects, NAME, {}, undefined, signer);
    await store.write(POINT, STATE);
    const raw = Buffer.from(objects.bytes.get(NAME)!);
    expect(raw.readUInt32LE(4)).toBe(2);
    expect(raw.length).toBe(40 + STATE.length + 36);
    expect(raw.subarray(40 + STATE.length, 44 + STATE.length).toString("hex")).toBe(signer.keyId);
    const read = await store.read();
    expect(read?.point).toEqual(POINT);
    expect(Buffer.from(read!.data).toString()).toBe("balances and limits");
    // An instance without the key cannot check it: refused, as a signed journal message is.
    await expect(ObjectSnapshotStore.over(objects, NAME).read()).rejects.toThrow(`${where}: signed snapshot (version 2), but replication.signing is not configured on this instance`);
  });

  it("an unsigned snapshot is refused, unless acceptUnsigned (the upgrade)", async () => {
    const objects = new Objects();
    await ObjectSnapshotStore.over(objects, NAME).write(POINT, STATE);
    await expect(ObjectSnapshotStore.over(objects, NAME, {}, undefined, signer).read()).rejects.toThrow(
      `${where}: unsigned snapshot refused: replication.signing is on and acceptUnsigned is not (forged, or written by an instance without the key)`,
    );
    expect((await ObjectSnapshotStore.over(objects, NAME, {}, undefined, upgrading).read())?.point).toEqual(POINT);
  });

  it("another key, a changed byte, another journal's snapshot copied here: refused", async () => {
    const objects = new Objects();
    await ObjectSnapshotStore.over(objects, NAME, {}, undefined, stranger).write(POINT, STATE);
    const reader = ObjectSnapshotStore.over(objects, NAME, {}, undefined, signer);
    await expect(reader.read()).rejects.toThrow(`${where}: signature refused: it is signed with key ${stranger.keyId}, this instance's key is ${signer.keyId}`);

    await ObjectSnapshotStore.over(objects, NAME, {}, undefined, signer).write(POINT, STATE);
    const changed = objects.bytes.get(NAME)!;
    changed[40 + 3]! ^= 1;
    await expect(reader.read()).rejects.toThrow(`${where}: signature refused: its MAC does not match (forged, altered, or moved here from another object)`);

    const group = snapshotObjectName("J", "0-1");
    await ObjectSnapshotStore.over(objects, group, {}, undefined, signer).write(POINT, STATE);
    objects.bytes.set(NAME, objects.bytes.get(group)!);
    await expect(reader.read()).rejects.toThrow(`${where}: signature refused: its MAC does not match`);
    // The header's point is signed too: a raised resume point is refused.
    await ObjectSnapshotStore.over(objects, NAME, {}, undefined, signer).write(POINT, STATE);
    Buffer.from(objects.bytes.get(NAME)!.buffer).writeBigUInt64LE(99n, 24);
    await expect(reader.read()).rejects.toThrow("its MAC does not match");
  });
});
