/**
 * replication.signing on the journal's messages (journal-message.ts version 3), on a real
 * 3-node JetStream cluster: what the active writes is signed with its subject and read back;
 * a message published by someone without the key (unsigned, another key, a changed byte, a
 * signed message moved to another shard's subject, a signed message of an old writer replayed
 * after the new writer's marker, a signed message of the current writer published again where
 * its writer did not store it) stops the reader, naming the stream sequence and subject,
 * and none of its records is applied. Unsigned messages are read with acceptUnsigned (the
 * upgrade), and an instance without the key refuses signed ones.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Command } from "../../src/state/commands.js";
import type { AccountId } from "../../src/param/ids.js";
import { claimJournal } from "../../src/replication/claim.js";
import { connectJournal, highestJournalEpoch, type JournalLink } from "../../src/replication/journal-stream.js";
import { JournalTail } from "../../src/replication/journal-tail.js";
import { decodeJournalMessage, encodeRecordsMessage, frameRecord, PLACED_MESSAGE_VERSION } from "../../src/replication/journal-message.js";
import { RecordSigner } from "../../src/replication/record-signing.js";
import { shardOf } from "../../src/replication/shard-of.js";
import { NATS_READY, startNatsCluster, type NatsCluster } from "./nats-cluster.js";

const SHARDS = 2;
const feed = (accountId: bigint): Command => ({ kind: "feed", ts: 1, reports: [{ operation: { accountId: accountId as AccountId } }] });
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const KEY = Buffer.from("the journal key the instances share, 48 bytes..", "utf8");
const signer = new RecordSigner(KEY);
const upgrading = new RecordSigner(KEY, true);
const stranger = new RecordSigner(Buffer.from("someone else's key, also long enough to be used", "utf8"));

describe.runIf(NATS_READY)("signed journal messages", () => {
  let cluster: NatsCluster;
  const links: JournalLink[] = [];
  beforeAll(async () => {
    cluster = await startNatsCluster();
  }, 30_000);
  afterAll(async () => {
    for (const l of links) await l.nc.close();
    await cluster?.stop();
  });

  async function open(stream: string) {
    const prefix = stream.toLowerCase();
    const link = await connectJournal({ servers: cluster.urls, stream, subjectPrefix: prefix, replicas: 3 });
    links.push(link);
    return { l: link, subjects: { prefix, shardCount: SHARDS }, shard: (account: bigint) => `${prefix}.${shardOf(account, SHARDS)}` };
  }

  /** Reads the whole stream as a standby would, with `key`; its records, or the error it stopped on. */
  async function readAll(l: JournalLink, stream: string, key: RecordSigner | undefined) {
    const records: string[] = [];
    const tail = new JournalTail({
      js: l.js,
      jsm: l.jsm,
      stream,
      fromStreamSequence: 1,
      nextSequence: 1n,
      epoch: 0n,
      onRecord: (r, e) => records.push(`${r.seq}@${e}:${text(r.payload)}`),
      ...(key ? { signer: key } : {}),
    });
    await tail.start();
    const error = await tail.catchUp(10_000).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    await tail.stop();
    return { records, error: error?.message };
  }

  async function writer(l: JournalLink, stream: string, subjects: { prefix: string; shardCount: number }, instanceId: string, key: RecordSigner | undefined) {
    const tail = new JournalTail({ js: l.js, jsm: l.jsm, stream, fromStreamSequence: 1, nextSequence: 1n, epoch: 0n, onRecord: () => undefined, ...(key ? { signer: key } : {}) });
    await tail.start();
    return claimJournal({ connection: l.nc, js: l.js, jsm: l.jsm, stream, subjects, tail, instanceId, ...(key ? { signer: key } : {}) });
  }

  it("the active signs every message (version 3) with its subject; a reader with the key reads them, one without refuses them", async () => {
    const { l, subjects, shard } = await open("SJA");
    const journal = await writer(l, "SJA", subjects, "a", signer);
    journal.append(bytes("a1"), feed(1n));
    journal.append(bytes("a2"), feed(2n));
    await journal.flush();
    const last = (await l.jsm.streams.getMessage("SJA", { last_by_subj: shard(1n) }))!;
    expect(Buffer.from(last.data).readUInt16LE(4)).toBe(PLACED_MESSAGE_VERSION);
    expect(await readAll(l, "SJA", signer)).toEqual({ records: ["1@1:a1", "2@1:a2"], error: undefined });
    // The first message is the first marker: an instance without signing cannot check it.
    const unkeyed = await readAll(l, "SJA", undefined);
    expect(unkeyed.records).toEqual([]);
    expect(unkeyed.error).toBe(
      "stream SJA sequence 1 (sja.0): signed message (version 3), but replication.signing is not configured on this instance: it cannot check it (configure the key every instance shares)",
    );
    // Another key: refused as such.
    expect((await readAll(l, "SJA", stranger)).error).toBe(
      `stream SJA sequence 1 (sja.0): signature refused: it is signed with key ${signer.keyId}, this instance's key is ${stranger.keyId} (the instances must share one key)`,
    );
    await journal.close();
  });

  it.each([
    ["unsigned", "unsigned message refused: replication.signing is on and acceptUnsigned is not (forged, or written by an instance without the key)"],
    ["another key", `signature refused: it is signed with key ${stranger.keyId}, this instance's key is ${signer.keyId} (the instances must share one key)`],
    ["a changed byte", "signature refused: its MAC does not match (forged, altered, or moved here from another subject)"],
    ["moved to another subject", "signature refused: its MAC does not match (forged, altered, or moved here from another subject)"],
  ])("a forged records message (%s) stops the reader at its position; its record is not applied", async (how, reason) => {
    const stream = `SJF${["unsigned", "another key", "a changed byte", "moved to another subject"].indexOf(how)}`;
    const { l, subjects, shard } = await open(stream);
    const journal = await writer(l, stream, subjects, "a", signer);
    journal.append(bytes("a1"), feed(1n));
    await journal.flush();
    // Record 2, crediting account 1: what a publisher without the key would like applied.
    const frame = frameRecord(2n, bytes("forged credit"));
    const subject = shard(1n);
    let forged: Buffer;
    let on = subject;
    if (how === "unsigned") forged = encodeRecordsMessage(journal.epoch, [frame], frame.length);
    else if (how === "another key") forged = encodeRecordsMessage(journal.epoch, [frame], frame.length, { signer: stranger, subject });
    else if (how === "a changed byte") {
      // The active's own message for record 2, one payload byte changed on its way.
      forged = encodeRecordsMessage(journal.epoch, [frameRecord(2n, bytes("honest credit"))], frame.length, { signer, subject });
      forged[32] = forged[32]! ^ 0x20;
    } else {
      // Signed for account 1's shard, published on the other shard's subject.
      forged = encodeRecordsMessage(journal.epoch, [frame], frame.length, { signer, subject });
      on = shard(2n) === subject ? shard(3n) : shard(2n);
    }
    expect(on.startsWith(`${subjects.prefix}.`)).toBe(true);
    const ack = await l.js.publish(on, forged);
    const read = await readAll(l, stream, signer);
    expect(read.records).toEqual(["1@1:a1"]);
    expect(read.error).toBe(`stream ${stream} sequence ${ack.seq} (${on}): ${reason}`);
    await journal.close();
  });

  it("unsigned messages (a deployment before signing) are read with acceptUnsigned, and so is what a signing writer appends after them", async () => {
    const { l, subjects } = await open("SJU");
    const old = await writer(l, "SJU", subjects, "old", undefined);
    old.append(bytes("u1"), feed(1n));
    await old.flush();
    expect((await readAll(l, "SJU", signer)).error).toBe(
      "stream SJU sequence 1 (sju.0): unsigned message refused: replication.signing is on and acceptUnsigned is not (forged, or written by an instance without the key)",
    );
    // The first instance configured with the key (and acceptUnsigned) takes over and signs.
    const next = await writer(l, "SJU", subjects, "next", upgrading);
    expect(next.lastSequence).toBe(1n);
    next.append(bytes("s2"), feed(2n));
    await next.flush();
    expect(await readAll(l, "SJU", upgrading)).toEqual({ records: ["1@1:u1", "2@2:s2"], error: undefined });
    await next.close();
  });

  // Found by review (session 43): a signed message published again at the current writer's
  // epoch passed (its records dropped if applied, applied if its append had been refused).
  it("the current writer's signed message published again where its writer did not store it is refused, and the append it made the stream refuse is never applied", async () => {
    const { l, subjects, shard } = await open("SJD");
    const fatal: string[] = [];
    const tail = new JournalTail({ js: l.js, jsm: l.jsm, stream: "SJD", fromStreamSequence: 1, nextSequence: 1n, epoch: 0n, signer, onRecord: () => undefined });
    await tail.start();
    const a = await claimJournal({ connection: l.nc, js: l.js, jsm: l.jsm, stream: "SJD", subjects, tail, instanceId: "a", signer, onFatal: (e) => fatal.push(e.message) });
    a.append(bytes("a1"), feed(1n));
    await a.flush();
    const subject = shard(1n);
    const wire: Uint8Array[] = [];
    const sub = l.nc.subscribe(subject, { callback: (_e, m) => void wire.push(m.data) });
    await l.nc.flush();
    // Someone without the key publishes A's message of record 1 again: the subject moves, so
    // the stream refuses A's next append there, whose signed bytes a subscriber sees.
    const first = (await l.jsm.streams.getMessage("SJD", { last_by_subj: subject }))!;
    const again = await l.js.publish(subject, first.data);
    a.append(bytes("a2, refused by the stream"), feed(1n));
    await a.flush().catch(() => undefined);
    expect(fatal.join("\n")).toContain("fenced");
    await l.nc.flush();
    sub.unsubscribe();
    const refused = wire.find((d) => text(d).includes("a2, refused"));
    expect(refused).toBeDefined();
    await l.js.publish(subject, refused!);
    // Readers stop at the first message out of its place; record 2 is never applied.
    expect(await readAll(l, "SJD", signer)).toEqual({
      records: ["1@1:a1"],
      error: `stream SJD sequence ${again.seq} (${subject}): a message signed to follow stream sequence ${decodeJournalMessage(first.data, { signer, subject }).follows} on its subject, found after ${first.seq}: a signed message published again (its writer's publish did not store it there), not applied`,
    });
  });

  it("an old writer's signed message published again after the new writer's marker is refused, not applied in place of the new writer's record", async () => {
    const { l, subjects, shard } = await open("SJR");
    const a = await writer(l, "SJR", subjects, "a", signer);
    a.append(bytes("a1"), feed(1n));
    await a.flush();
    const subject = shard(1n);
    // A's append of record 2, refused by the stream once B fenced it (or never sent): a
    // subscriber of the subject saw it on the wire, signed.
    const frame = frameRecord(2n, bytes("a2, never acknowledged"));
    const seen = encodeRecordsMessage(a.epoch, [frame], frame.length, { signer, subject });
    const b = await writer(l, "SJR", subjects, "b", signer);
    expect(b.epoch).toBe(2n);
    const replayed = await l.js.publish(subject, seen);
    const read = await readAll(l, "SJR", signer);
    // Without the check it was delivered as record 2 (epoch 1): the new writer's record 2 would then be dropped.
    expect(read.records).toEqual(["1@1:a1"]);
    expect(read.error).toBe(
      `stream SJR sequence ${replayed.seq} (${subject}): a message of epoch 1 after one of epoch 2 on the same subject: a replayed message (a subject's epochs never go down), not applied`,
    );
    await b.close();
  });

  it("a key rotation: instances accepting the next key read the old one's messages and the new one's; one without it refuses", async () => {
    const { l, subjects } = await open("SJK");
    const NEXT = Buffer.from("the next key of the deployment, 32 bytes or more", "utf8");
    const old = await writer(l, "SJK", subjects, "a", signer);
    old.append(bytes("k1"), feed(1n));
    await old.flush();
    // Step 1: every instance accepts the next key (still signing with the current one).
    const accepting = new RecordSigner(KEY, false, [NEXT]);
    expect((await readAll(l, "SJK", accepting)).records).toEqual(["1@1:k1"]);
    // Step 2: every instance signs with the next key, accepting the current one.
    const rotated = new RecordSigner(NEXT, false, [KEY]);
    const next = await writer(l, "SJK", subjects, "b", rotated);
    next.append(bytes("k2"), feed(2n));
    await next.flush();
    for (const reader of [accepting, rotated]) expect(await readAll(l, "SJK", reader)).toEqual({ records: ["1@1:k1", "2@2:k2"], error: undefined });
    // An instance left on the old key alone refuses the first message signed with the next one.
    const left = await readAll(l, "SJK", signer);
    expect(left.records).toEqual(["1@1:k1"]);
    expect(left.error).toContain(`signature refused: it is signed with key ${rotated.keyId}, this instance's key is ${signer.keyId}`);
    await next.close();
  });

  it("the epoch floor of a new lease bucket ignores an epoch forged without the key", async () => {
    const { l, subjects, shard } = await open("SJE");
    const journal = await writer(l, "SJE", subjects, "a", signer);
    journal.append(bytes("a1"), feed(1n));
    await journal.flush();
    const frame = frameRecord(9n, bytes("x"));
    await l.js.publish(shard(1n), encodeRecordsMessage(1n << 62n, [frame], frame.length));
    expect(await highestJournalEpoch(l.jsm, "SJE", subjects.prefix, {}, signer)).toBe(1n);
    expect(await highestJournalEpoch(l.jsm, "SJE", subjects.prefix, {})).toBe(1n << 62n);
    await journal.close();
  });
});
