/**
 * Found by review (session 41): the stream's duplicate window is stream-wide and message ids
 * travel in the clear, and the writer's ids were predictable (`<idPrefix>.<epoch>.<firstSeq>`).
 * A message published beforehand on another subject of the stream under the id of the writer's
 * next append made nats-server answer that append as a duplicate (PubAck duplicate: true, the
 * other message's sequence; the expected-last-subject-sequence check passes, the writer's
 * subject did not move), and the writer took it as its acknowledgement: the active answered a
 * record in no message of the stream, lost at the next failover. The same for an epoch marker
 * left its subject unfenced. A duplicate answer now counts only when the subject's last message
 * is this very publish (its sequence, id and bytes); otherwise the journal fails closed, or the
 * claim fails.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { headers } from "@nats-io/transport-node";
import type { Command } from "../../src/state/commands.js";
import type { AccountId } from "../../src/param/ids.js";
import { claimJournal } from "../../src/replication/claim.js";
import { connectJournal, type JournalLink } from "../../src/replication/journal-stream.js";
import { JournalTail } from "../../src/replication/journal-tail.js";
import { decodeJournalMessage } from "../../src/replication/journal-message.js";
import { RecordSigner } from "../../src/replication/record-signing.js";
import { shardOf } from "../../src/replication/shard-of.js";
import { NATS_READY, startNatsCluster, type NatsCluster } from "../ha/nats-cluster.js";

const SHARDS = 4;
const feed = (accountId: bigint): Command => ({ kind: "feed", ts: 1, reports: [{ operation: { accountId: accountId as AccountId } }] });
const bytes = (t: string) => new TextEncoder().encode(t);
const KEY = Buffer.from("the journal key the instances share, 48 bytes..", "utf8");
const signer = new RecordSigner(KEY);

describe.runIf(NATS_READY)("a duplicate acknowledgement for a message id copied onto another subject", () => {
  let cluster: NatsCluster;
  const links: JournalLink[] = [];
  beforeAll(async () => {
    cluster = await startNatsCluster();
  }, 30_000);
  afterAll(async () => {
    for (const l of links) await l.nc.close().catch(() => undefined);
    await cluster?.stop();
  });

  it.each([["signed", signer], ["unsigned", undefined]] as const)("(%s) an append answered as a duplicate of another subject's message is not taken as landed", async (_how, key) => {
    const stream = key ? "RSDUPS" : "RSDUPU";
    const prefix = stream.toLowerCase();
    const subjects = { prefix, shardCount: SHARDS };
    const l = await connectJournal({ servers: cluster.urls, stream, subjectPrefix: prefix, replicas: 3 });
    links.push(l);
    const tail = new JournalTail({ js: l.js, jsm: l.jsm, stream, fromStreamSequence: 1, nextSequence: 1n, epoch: 0n, onRecord: () => undefined, ...(key ? { signer: key } : {}) });
    await tail.start();
    const journal = await claimJournal({ connection: l.nc, js: l.js, jsm: l.jsm, stream, subjects, tail, instanceId: "a", ...(key ? { signer: key } : {}) });
    const mine = `${prefix}.${shardOf(1n, SHARDS)}`;
    journal.append(bytes("r1"), feed(1n));
    await journal.flush();
    // What anyone reading the stream sees: the writer's id of record 1.
    const seen = (await l.jsm.streams.getMessage(stream, { last_by_subj: mine }))!;
    const id1 = seen.header!.get("Nats-Msg-Id");
    expect(id1).toMatch(/\.1$/);
    const id2 = id1.replace(/\.1$/, ".2");
    // Published beforehand, without the key, on another subject of the stream under the id of record 2.
    // A subject under the stream's `<prefix>.>` that no journal reader decodes (a group's reader skips it unread).
    const other = `${prefix}.zz`;
    const h = headers();
    h.set("Nats-Msg-Id", id2);
    const planted = await l.js.publish(other, bytes("not a journal message"), { headers: h });
    // The writer appends record 2 on its own subject.
    journal.append(bytes("r2: an order the client is told was accepted"), feed(1n));
    const answered = await journal.flush().then(() => "answered", (e: unknown) => (e instanceof Error ? e.message : String(e)));
    // Is record 2 in the stream?
    const info = await l.jsm.streams.info(stream);
    let inStream = false;
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const m = await l.jsm.streams.getMessage(stream, { seq }).catch(() => null);
      if (!m || m.subject !== mine) continue;
      try {
        const d = decodeJournalMessage(m.data, { signer: key, subject: m.subject });
        if (d.kind === "records" && d.records.some((r) => r.seq === 2n)) inStream = true;
      } catch {
        /* not ours */
      }
    }
    expect({ planted: planted.seq > 0, inStream }).toEqual({ planted: true, inStream: false });
    // The active does not answer record 2 (it is not in the stream): its journal fails closed.
    expect(answered).toMatch(
      new RegExp(`the stream answered an append to ${mine.replace(/\./g, "\\.")} as a duplicate of stream sequence ${planted.seq}, which is not this append on this subject: nothing was stored`),
    );
    await journal.close().catch(() => undefined);
  }, 60_000);

  it("an epoch marker answered as a duplicate of another subject's message fails the claim; nothing is taken as fenced", async () => {
    const stream = "RSDUPC";
    const prefix = stream.toLowerCase();
    const subjects = { prefix, shardCount: SHARDS };
    const l = await connectJournal({ servers: cluster.urls, stream, subjectPrefix: prefix, replicas: 3 });
    links.push(l);
    const tail = new JournalTail({ js: l.js, jsm: l.jsm, stream, fromStreamSequence: 1, nextSequence: 1n, epoch: 0n, onRecord: () => undefined });
    await tail.start();
    // An attacker who knows the id of the marker on shard 2's subject (claim ids are random
    // per attempt, so here the test hands it over) publishes it first on another subject.
    const target = `${prefix}.2`;
    const js = new Proxy(l.js, {
      get(t, p, r) {
        if (p !== "publish") return Reflect.get(t, p, r) as unknown;
        return async (subject: string, data: Uint8Array, opts: { msgID?: string }) => {
          if (subject === target && opts.msgID !== undefined) {
            const h = headers();
            h.set("Nats-Msg-Id", opts.msgID);
            await t.publish(`${prefix}.zz`, bytes("planted"), { headers: h });
          }
          return t.publish(subject, data, opts as never);
        };
      },
    });
    const claimed = await claimJournal({ connection: l.nc, js, jsm: l.jsm, stream, subjects, tail, instanceId: "a" }).then(
      () => "claimed",
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
    expect(claimed).toMatch(new RegExp(`^the stream answered the epoch marker on ${prefix}\\.2 as a duplicate of stream sequence \\d+, which is not this marker: another publisher used its message id$`));
  }, 60_000);
});

