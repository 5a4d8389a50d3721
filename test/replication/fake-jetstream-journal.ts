/** A replicated journal on a fake NATS connection and JetStream client, for tests of its publish logic. */
import type { NatsConnection } from "@nats-io/transport-node";
import type { JetStreamClient } from "@nats-io/jetstream";
import { JetStreamJournal, type JetStreamJournalOptions } from "../../src/replication/jetstream-journal.js";
import type { JournalFailedError } from "../../src/state/journal/journal.js";
import type { Command } from "../../src/state/commands.js";
import type { AccountId } from "../../src/param/ids.js";

export const SHARDS = 2;
export const feed = (accountId: bigint): Command => ({ kind: "feed", ts: 1, reports: [{ operation: { accountId: accountId as AccountId } }] });

export interface FakeJournalOptions {
  /** The server's max_payload, as the connection reports it (default 1 MiB). */
  readonly maxPayload?: number;
  readonly appendTimeoutMs?: number;
  readonly onFatal?: (err: JournalFailedError) => void;
  readonly lastMessageOf?: JetStreamJournalOptions["lastMessageOf"];
  readonly signer?: JetStreamJournalOptions["signer"];
}

/** A journal whose `publish` answers each publish; its fatal failures are collected in `failures`. */
export function journalOn(publish: (subject: string, data: Uint8Array, opts?: { msgID?: string }) => Promise<{ seq: number }>, o: FakeJournalOptions = {}) {
  const failures: JournalFailedError[] = [];
  const connection = { info: { max_payload: o.maxPayload ?? 1 << 20 }, isClosed: () => false } as unknown as NatsConnection;
  const js = { publish: (subject: string, data: Uint8Array, opts?: { msgID?: string }) => publish(subject, data, opts) } as unknown as JetStreamClient;
  const journal = new JetStreamJournal({
    connection,
    js,
    subjects: { prefix: "j", shardCount: SHARDS },
    epoch: 1n,
    nextSequence: 1n,
    lastSubjectSequences: new Array(SHARDS + 1).fill(0),
    lastStreamSequence: 0,
    appendTimeoutMs: o.appendTimeoutMs ?? 60_000,
    onFatal: (e) => {
      failures.push(e);
      o.onFatal?.(e);
    },
    ...(o.lastMessageOf ? { lastMessageOf: o.lastMessageOf } : {}),
    ...(o.signer ? { signer: o.signer } : {}),
  });
  return { journal, failures };
}
