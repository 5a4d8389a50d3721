/**
 * Messages deleted from the middle of the replicated journal (found by review). A cold start
 * from a snapshot checked only the stream's first sequence against where it must read from.
 * With a per-subject limit on the stream, a busy shard's old messages went while the epoch
 * markers on quiet subjects kept the first sequence low: the check passed, the reader
 * delivered nothing past the hole, and the claim continued right after the snapshot. The new
 * writer then reused the sequences of records the old writer had acknowledged and answered.
 * Now the stream's settings that delete on their own are refused, and a reader that meets a
 * hole in the stream sequences stops (the claim with it).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DiscardPolicy, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import type { Command } from "../../src/state/commands.js";
import type { AccountId } from "../../src/param/ids.js";
import { claimJournal } from "../../src/replication/claim.js";
import { connectJournal, type JournalLink } from "../../src/replication/journal-stream.js";
import { JournalTail } from "../../src/replication/journal-tail.js";
import { NATS_READY, startNatsCluster, type NatsCluster } from "./nats-cluster.js";

const SHARDS = 4;
const feed = (accountId: bigint): Command => ({ kind: "feed", ts: 1, reports: [{ operation: { accountId: accountId as AccountId } }] });
const bytes = (text: string) => new TextEncoder().encode(text);

describe.runIf(NATS_READY)("replicated journal: messages deleted from the middle", () => {
  let cluster: NatsCluster;
  const links: JournalLink[] = [];
  const link = async (stream: string, prefix: string) => {
    const l = await connectJournal({ servers: cluster.urls, stream, subjectPrefix: prefix, replicas: 3 });
    links.push(l);
    return l;
  };
  beforeAll(async () => {
    cluster = await startNatsCluster();
  }, 20_000);
  afterAll(async () => {
    for (const l of links) await l.nc.close().catch(() => undefined);
    await cluster?.stop();
  });

  it("an existing stream whose settings delete messages by themselves is refused", async () => {
    const boot = await link("BOOT", "boot");
    const base = { num_replicas: 3, storage: StorageType.File, retention: RetentionPolicy.Limits, discard: DiscardPolicy.Old, duplicate_window: 120_000_000_000 };
    await boot.jsm.streams.add({ ...base, name: "PERSUBJECT", subjects: ["persubject.>"], max_msgs_per_subject: 2, max_age: 3_600_000_000_000 });
    await expect(link("PERSUBJECT", "persubject")).rejects.toThrow(
      'stream PERSUBJECT exists with max_msgs_per_subject 2, max_age 3600000000000 ns: the stream would delete journal records by itself, records no snapshot may cover yet, and acknowledged ones would be lost; remove these settings (space is reclaimed by purging up to a snapshot, docs/high-availability.md)',
    );
    await boot.jsm.streams.add({ ...base, name: "CAPPED", subjects: ["capped.>"], max_msgs: 1000 });
    await expect(link("CAPPED", "capped")).rejects.toThrow('stream CAPPED exists with max_msgs 1000 with discard "old": ');
    // A cap that refuses new messages when full loses nothing: the journal fails instead.
    await boot.jsm.streams.add({ ...base, name: "FULL", subjects: ["full.>"], max_msgs: 1000, discard: DiscardPolicy.New });
    await expect(link("FULL", "full")).resolves.toBeDefined();
  }, 60_000);

  it("a cold start after a snapshot refuses to read past messages deleted after it", async () => {
    const stream = "HOLE";
    const subjects = { prefix: "hole", shardCount: SHARDS };
    const a = await link(stream, "hole");
    const tailA = new JournalTail({ js: a.js, jsm: a.jsm, stream, fromStreamSequence: 1, nextSequence: 1n, epoch: 0n, onRecord: () => undefined });
    await tailA.start();
    const journalA = await claimJournal({ connection: a.nc, js: a.js, jsm: a.jsm, stream, subjects, tail: tailA, instanceId: "a" });
    journalA.append(bytes("r1"), feed(1n));
    await journalA.flush();
    const point = journalA.snapshotPoint();
    // Records 2..6, each acknowledged (each would have been answered).
    for (let i = 2; i <= 6; i++) {
      journalA.append(bytes(`r${i}`), feed(1n));
      await journalA.flush();
    }
    // The message holding record 3 is removed by hand (`nats stream rmm`).
    const record3 = point.resumeStreamSequence + 1;
    await a.jsm.streams.deleteMessage(stream, record3);

    const b = await link(stream, "hole");
    const replayed: bigint[] = [];
    const tailB = new JournalTail({
      js: b.js,
      jsm: b.jsm,
      stream,
      fromStreamSequence: point.resumeStreamSequence,
      nextSequence: point.sequence + 1n,
      epoch: point.epoch,
      onRecord: (r) => replayed.push(r.seq),
    });
    await tailB.start();
    await expect(claimJournal({ connection: b.nc, js: b.js, jsm: b.jsm, stream, subjects, tail: tailB, instanceId: "b", catchUpTimeoutMs: 5_000 })).rejects.toThrow(
      `stream HOLE: messages ${record3}..${record3} are gone (deleted from the middle of the journal); the records in them may have been acknowledged, refusing to read past them`,
    );
    expect(replayed).toEqual([2n]);
  }, 60_000);
});
