/**
 * The lease bucket on a real 3-node cluster. Epochs are lease revisions, and must keep
 * growing over the journal's whole life; a deleted and recreated bucket starts its own
 * revisions at 1 again, so its revisions are offset by an epoch base: the creating instance's
 * clock in µs, written into the bucket's description (its configuration, the same on every
 * server). Before, after a recreation (which the TTL
 * mismatch error advised) every takeover was refused as stale and no instance could serve.
 * A bucket left with another replica count is refused, as the journal stream is; so is a
 * snapshot bucket, and one whose stream deletes snapshots by itself (a TTL). A snapshot
 * bucket whose stream caps its messages (max_msg_size) is written in chunks under the cap,
 * and one under 64 KiB is refused, as the journal stream is. A release the revision check
 * refuses says so. Found by review.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { Objm } from "@nats-io/obj";
import { DiscardPolicy, jetstreamManager } from "@nats-io/jetstream";
import type { Command } from "../../src/state/commands.js";
import type { AccountId } from "../../src/param/ids.js";
import { claimJournal } from "../../src/replication/claim.js";
import { connectJournal, highestJournalEpoch, type JournalLink } from "../../src/replication/journal-stream.js";
import { JournalTail } from "../../src/replication/journal-tail.js";
import { KvLeaseStore } from "../../src/replication/kv-lease-store.js";
import { encodeLeaseValue, LeaseConflictError, type LeaseValue } from "../../src/replication/lease-store.js";
import { ObjectSnapshotStore } from "../../src/replication/object-snapshots.js";
import { ShardLeases } from "../../src/replication/shard-leases.js";
import { realLeaseTimers } from "../../src/replication/lease-timers.js";
import { NATS_READY, startNatsCluster, type NatsCluster } from "./nats-cluster.js";

const SHARDS = 4;
const feed = (accountId: bigint): Command => ({ kind: "feed", ts: 1, reports: [{ operation: { accountId: accountId as AccountId } }] });

describe.runIf(NATS_READY)("lease bucket", () => {
  let cluster: NatsCluster;
  let link: JournalLink;
  let nc: NatsConnection;
  beforeAll(async () => {
    cluster = await startNatsCluster();
    nc = await connect({ servers: [...cluster.urls] });
  }, 30_000);
  afterAll(async () => {
    await link?.nc.close();
    await nc?.close();
    await cluster?.stop();
  });

  async function claimAll(store: KvLeaseStore, id: string) {
    const leases = new ShardLeases({ store, timers: realLeaseTimers, self: { owner: id, address: `${id}:1` }, ttlMs: 2000, onLost: () => {} });
    let epoch = 0;
    for (let s = 0; s < SHARDS; s++) epoch = Math.max(epoch, (await leases.claim(s))!);
    return { leases, epoch: BigInt(epoch) };
  }

  it("deleted and created anew (as a TTL change needs), still gives epochs above the journal's: a standby takes over", async () => {
    const stream = "LBREC";
    const subjects = { prefix: "lbrec", shardCount: SHARDS };
    link = await connectJournal({ servers: cluster.urls, stream, subjectPrefix: "lbrec", replicas: 3 });
    let store = await KvLeaseStore.open(link.nc, { bucket: "LBREC_LEASES", ttlMs: 2000, replicas: 3, nowMs: () => 5_000 });
    const firstBase = BigInt(store.epochBase);
    expect(firstBase).toBe(5_000_000n);
    // Some history: the old bucket's revisions are past where the new one's start.
    // A create right after a release can be refused (nats.js reads the deleted key back with a
    // direct get, which a lagging replica may answer with the old value: seen once in CI
    // under load). A refused create stores nothing, so trying again keeps the count below.
    const createAgain = async (): Promise<number> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await store.create(0, { owner: "x", address: "x:1" });
        } catch (e) {
          if (!(e instanceof LeaseConflictError) || attempt === 10) throw e;
        }
      }
    };
    for (let i = 0; i < 60; i++) await store.release(0, await createAgain());

    const a = await claimAll(store, "a");
    expect(a.epoch).toBe(firstBase + 124n); // 60 creates and 60 deletes, then four claims
    const tailA = new JournalTail({ js: link.js, jsm: link.jsm, stream, fromStreamSequence: 1, nextSequence: 1n, epoch: 0n, onRecord: () => undefined });
    await tailA.start();
    const journalA = await claimJournal({ connection: link.nc, js: link.js, jsm: link.jsm, stream, subjects, tail: tailA, instanceId: "a", epoch: a.epoch });
    journalA.append(new Uint8Array(8), feed(1n));
    await journalA.flush();
    a.leases.stop();

    // A new TTL: refused with the remedy, which is now safe to follow.
    await expect(KvLeaseStore.open(link.nc, { bucket: "LBREC_LEASES", ttlMs: 3000, replicas: 3 })).rejects.toThrow(
      "lease bucket 'LBREC_LEASES' has a TTL of 2000 ms, the configuration says 3000 ms (stop every instance and delete the bucket (the next start creates it, its epochs above the journal's), or configure every instance alike)",
    );
    await (await new Kvm(link.nc).open("LBREC_LEASES")).destroy();
    store = await KvLeaseStore.open(link.nc, { bucket: "LBREC_LEASES", ttlMs: 3000, replicas: 3, nowMs: () => 9_000 });
    expect(store.epochBase).toBe(9_000_000);

    const b = await claimAll(store, "b");
    expect(b.epoch).toBe(BigInt(store.epochBase) + 4n);
    const tailB = new JournalTail({ js: link.js, jsm: link.jsm, stream, fromStreamSequence: 1, nextSequence: 1n, epoch: 0n, onRecord: () => undefined });
    await tailB.start();
    const journalB = await claimJournal({ connection: link.nc, js: link.js, jsm: link.jsm, stream, subjects, tail: tailB, instanceId: "b", epoch: b.epoch });
    expect(journalB.epoch).toBe(b.epoch);
    journalB.append(new Uint8Array(8), feed(1n));
    await journalB.flush();
    // The renewals and releases name the offset revisions: they still compare-and-set right.
    b.leases.stop();
    await journalB.close();
  }, 60_000);

  // Found by review (session 30): the new bucket's base was the creating host's clock alone.
  // Made again by a host whose clock is behind the first creator's (skew, a clock set back),
  // its epochs were below the journal's, and every takeover was refused as stale until the
  // slower clock passed the faster one's: no instance could serve.
  it("created anew by a host whose clock is behind the old bucket's creator still gives epochs above the journal's", async () => {
    const stream = "LBSKEW";
    const prefix = "lbskew";
    const subjects = { prefix, shardCount: SHARDS };
    const skewLink = await connectJournal({ servers: cluster.urls, stream, subjectPrefix: prefix, replicas: 3 });
    try {
      const floor = () => highestJournalEpoch(skewLink.jsm, stream, prefix);
      expect(await floor()).toBe(0n); // a new stream
      const t0 = Date.now();
      // Host X, its clock 10 minutes ahead, creates the bucket and takes the journal.
      let store = await KvLeaseStore.open(skewLink.nc, { bucket: "LBSKEW_LEASES", ttlMs: 2000, replicas: 3, nowMs: () => t0 + 600_000, epochFloor: floor });
      expect(store.epochBase).toBe((t0 + 600_000) * 1000);
      const x = await claimAll(store, "x");
      const tailX = new JournalTail({ js: skewLink.js, jsm: skewLink.jsm, stream, fromStreamSequence: 1, nextSequence: 1n, epoch: 0n, onRecord: () => undefined });
      await tailX.start();
      const journalX = await claimJournal({ connection: skewLink.nc, js: skewLink.js, jsm: skewLink.jsm, stream, subjects, tail: tailX, instanceId: "x", epoch: x.epoch });
      journalX.append(new Uint8Array(8), feed(1n));
      await journalX.flush();
      x.leases.stop();
      await journalX.close();
      expect(await floor()).toBe(x.epoch);
      // The bucket is deleted (to change its TTL) and made again by host Y, whose clock is right.
      await (await new Kvm(skewLink.nc).open("LBSKEW_LEASES")).destroy();
      store = await KvLeaseStore.open(skewLink.nc, { bucket: "LBSKEW_LEASES", ttlMs: 3000, replicas: 3, nowMs: () => t0 + 60_000, epochFloor: floor });
      expect(store.epochBase).toBe(Number(x.epoch) + 1);
      const y = await claimAll(store, "y");
      expect(y.epoch).toBeGreaterThan(x.epoch);
      const tailY = new JournalTail({ js: skewLink.js, jsm: skewLink.jsm, stream, fromStreamSequence: 1, nextSequence: 1n, epoch: 0n, onRecord: () => undefined });
      await tailY.start();
      const journalY = await claimJournal({ connection: skewLink.nc, js: skewLink.js, jsm: skewLink.jsm, stream, subjects, tail: tailY, instanceId: "y", epoch: y.epoch });
      expect(journalY.epoch).toBe(y.epoch);
      journalY.append(new Uint8Array(8), feed(2n));
      await journalY.flush();
      y.leases.stop();
      await journalY.close();
      // The existing bucket is opened as it is: its base is not read again from the journal.
      const again = await KvLeaseStore.open(skewLink.nc, {
        bucket: "LBSKEW_LEASES",
        ttlMs: 3000,
        replicas: 3,
        epochFloor: () => Promise.reject(new Error("not read for an existing bucket")),
      });
      expect(again.epochBase).toBe(store.epochBase);
    } finally {
      await skewLink.nc.close();
    }
  }, 60_000);

  it("made before there was a base (or by hand) keeps its revisions as the epochs", async () => {
    await new Kvm(nc).create("LBOLD", { ttl: 2000, history: 1, replicas: 3 });
    const store = await KvLeaseStore.open(nc, { bucket: "LBOLD", ttlMs: 2000, replicas: 3 });
    expect(store.epochBase).toBe(0);
    expect(await store.create(1, { owner: "o", address: "o:1" })).toBe(1);
  });

  it("opened by two instances at once: both open the one bucket, with one base", async () => {
    const [x, y] = await Promise.all([
      KvLeaseStore.open(nc, { bucket: "LBRACE", ttlMs: 2000, replicas: 3, nowMs: () => 1_000 }),
      KvLeaseStore.open(nc, { bucket: "LBRACE", ttlMs: 2000, replicas: 3, nowMs: () => 2_000 }),
    ]);
    expect([1_000_000, 2_000_000]).toContain(x.epochBase);
    expect(y.epochBase).toBe(x.epochBase);
    // One bucket: y cannot create what x holds, and x's revision is y's too (the same base):
    // y's compare-and-set on it lands. (Writes, not a read: a direct get may be served by a
    // replica that has not applied x's write yet.)
    const revision = await x.create(0, { owner: "x", address: "x:1" });
    await expect(y.create(0, { owner: "y", address: "y:1" })).rejects.toThrow("shard 0 is leased by someone else");
    expect(await y.update(0, { owner: "y", address: "y:1" }, revision)).toBe(revision + 1);
  }, 30_000);

  it("left with another replica count is refused, and so is a snapshot bucket", async () => {
    await KvLeaseStore.open(nc, { bucket: "LBREP", ttlMs: 2000, replicas: 1 });
    await expect(KvLeaseStore.open(nc, { bucket: "LBREP", ttlMs: 2000, replicas: 3 })).rejects.toThrow(
      "lease bucket 'LBREP' has 1 replicas, the configuration says 3 (stop every instance and delete the bucket",
    );
    await ObjectSnapshotStore.open(nc, "LBREPOBJ", "J", 1);
    await expect(ObjectSnapshotStore.open(nc, "LBREPOBJ", "J", 3)).rejects.toThrow(
      "snapshot bucket 'LBREPOBJ' has 1 replicas, the configuration says 3 (raise its stream OBJ_LBREPOBJ to 3 replicas in place, or configure replication.replicas = 1)",
    );
  });

  it("a release refused by the revision check says so; StepDown's release deletes the lease a lost-answer renewal moved on (it names this instance), not another's", async () => {
    // R1: a read right after a write comes from the one server (an R3 direct get may be
    // answered by a replica that has not applied the write yet).
    const store = await KvLeaseStore.open(nc, { bucket: "LBREL", ttlMs: 60_000, replicas: 1 });
    const kv = await new Kvm(nc).open("LBREL");
    const self = { owner: "a", address: "a:1" };
    const renewBehindItsBack = (shard: number, value: LeaseValue, revision: number) => kv.update(`shard.${shard}`, encodeLeaseValue(value), revision - store.epochBase);
    // The store: a delete naming a revision the key moved past deletes nothing, and says so
    // (it was swallowed: StepDown counted the shard released).
    const revision = await store.create(0, self);
    await renewBehindItsBack(0, self, revision); // a renewal that landed, its answer lost
    expect(await store.release(0, revision)).toBe(false);
    expect((await store.read(0))?.value.owner).toBe("a");
    expect(await store.release(0, revision + 1)).toBe(true);
    expect(await store.read(0)).toBeUndefined();
    // ShardLeases (what StepDown calls): the key still naming this instance at a later
    // revision is deleted at that revision; another instance's is left, and reported so.
    const leases = new ShardLeases({ store, timers: realLeaseTimers, self, ttlMs: 60_000, onLost: () => {} });
    await renewBehindItsBack(1, self, (await leases.claim(1))!);
    await renewBehindItsBack(2, { owner: "b", address: "b:1" }, (await leases.claim(2))!);
    expect(await leases.release(1)).toBe(true);
    expect(await store.read(1)).toBeUndefined();
    expect(await leases.release(2)).toBe(false);
    expect((await store.read(2))?.value.owner).toBe("b");
    expect(leases.heldShards()).toEqual([]);
    leases.stop();
  });

  it("a snapshot bucket whose stream deletes by itself is refused at open, as the journal stream is; a cap with discard new is taken", async () => {
    // Made with a TTL (`nats obj add --ttl`): max_age on its stream. Before, it was taken and
    // the snapshot written into it disappeared after the TTL, silently.
    await new Objm(nc).create("LBTTL", { replicas: 3, ttl: 3_600_000_000_000 });
    await expect(ObjectSnapshotStore.open(nc, "LBTTL", "J", 3)).rejects.toThrow(
      "snapshot bucket 'LBTTL' (stream OBJ_LBTTL) exists with max_age 3600000000000 ns: the stream would delete snapshots by itself, and the journal's records they cover may already be purged; remove these settings (a bucket keeps one snapshot object per journal, docs/high-availability.md)",
    );
    // A size cap: with discard new a full bucket refuses the put (the snapshot fails, the one
    // before stays); switched to discard old it would delete the oldest chunks.
    await new Objm(nc).create("LBCAP", { replicas: 3, max_bytes: 64 * 1024 * 1024 });
    await ObjectSnapshotStore.open(nc, "LBCAP", "J", 3);
    const jsm = await jetstreamManager(nc);
    const config = (await jsm.streams.info("OBJ_LBCAP")).config;
    await jsm.streams.update("OBJ_LBCAP", { ...config, discard: DiscardPolicy.Old, max_msgs_per_subject: 1 });
    await expect(ObjectSnapshotStore.open(nc, "LBCAP", "J", 3)).rejects.toThrow(
      "snapshot bucket 'LBCAP' (stream OBJ_LBCAP) exists with max_msgs_per_subject 1, max_bytes 67108864 with discard \"old\": the stream would delete snapshots by itself",
    );
  });

  it("a snapshot bucket whose stream caps its messages is written in chunks under the cap; a cap under 64 KiB is refused at open, as the journal stream's", async () => {
    const jsm = await jetstreamManager(nc);
    const capAt = async (bucket: string, cap: number) => {
      await new Objm(nc).create(bucket, { replicas: 3 });
      const config = (await jsm.streams.info(`OBJ_${bucket}`)).config;
      await jsm.streams.update(`OBJ_${bucket}`, { ...config, max_msg_size: cap });
    };
    // 64 KiB, the journal stream's floor. Before, it was taken, and every snapshot over it was
    // refused by the stream ("message size exceeds maximum allowed"): the object store's
    // chunks are 128 KiB, lowered only to the server's max_payload.
    await capAt("LBMSG", 64 * 1024);
    const store = await ObjectSnapshotStore.open(nc, "LBMSG", "J", 3);
    const data = new Uint8Array(300_000).map((_, i) => i % 251);
    await store.write({ sequence: 5n, epoch: 1n, resumeStreamSequence: 6 }, data);
    const read = await store.read();
    expect(read?.point).toEqual({ sequence: 5n, epoch: 1n, resumeStreamSequence: 6 });
    expect(Buffer.from(read!.data).equals(Buffer.from(data))).toBe(true);
    await capAt("LBMSGLOW", 64 * 1024 - 1);
    await expect(ObjectSnapshotStore.open(nc, "LBMSGLOW", "J", 3)).rejects.toThrow(
      "snapshot bucket 'LBMSGLOW' (stream OBJ_LBMSGLOW) exists with max_msg_size 65535: a snapshot is written in chunks under it (512 bytes left for headers), and under 65536 bytes, as for the journal stream, a large state would take too many; remove the setting or raise it to 65536 or more (docs/high-availability.md)",
    );
  });
});
