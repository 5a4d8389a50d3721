/**
 * The replicated journal's connection and stream: one NATS connection (reconnecting through
 * every configured server), the JetStream clients, and the stream itself, created on first
 * use (file storage, `replicas` copies, every subject under the prefix) or checked when it
 * exists (a stream configured otherwise is refused, never silently changed).
 */
import { connect, type NatsConnection, type NodeConnectionOptions } from "@nats-io/transport-node";
import {
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type StreamConfig,
} from "@nats-io/jetstream";
import { decodeJournalMessage } from "./journal-message.js";
import type { RecordSigner } from "./record-signing.js";
import { retryTransient } from "./transient-retry.js";

export interface JournalStreamSettings {
  readonly servers: readonly string[];
  readonly stream: string;
  readonly subjectPrefix: string;
  readonly replicas: number;
  /** Name this client reports to the servers (monitoring). */
  readonly name?: string;
  /** How long a start or takeover waits for the cluster to elect leaders (transient-retry.ts; default 20 s). */
  readonly leaderWaitMs?: number;
  /**
   * TLS and the credential (app/nats-access.ts, read from the configured files). With `tls`
   * the connection is TLS verified against its CA, on every server it reaches: one that does
   * not offer TLS is refused (the client's own check), never used in plaintext.
   */
  readonly access?: Pick<NodeConnectionOptions, "tls" | "authenticator">;
}

export interface JournalLink {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly settings: JournalStreamSettings;
}

/** The stream exists with another configuration, or cannot be created. */
export class JournalStreamError extends Error {
  override name = "JournalStreamError";
}

export async function connectJournal(settings: JournalStreamSettings): Promise<JournalLink> {
  const nc = await connect({
    servers: [...settings.servers],
    name: settings.name ?? "openpit-sidecar",
    ...(settings.access?.tls ? { tls: settings.access.tls } : {}),
    ...(settings.access?.authenticator ? { authenticator: settings.access.authenticator } : {}),
    // Keep trying for as long as the process lives; the journal's append timeout decides
    // when an unacknowledged append fails it.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 100,
    reconnectJitter: 50,
    // With TLS the client's jitter is this one (1 s by default): the same as without.
    reconnectJitterTLS: 50,
    pingInterval: 2_000,
    maxPingOut: 2,
  });
  try {
    const jsm = await retryTransient("opening JetStream", () => jetstreamManager(nc), settings);
    await ensureJournalStream(jsm, settings);
    return { nc, js: jetstream(nc), jsm, settings };
  } catch (e) {
    await nc.close().catch(() => undefined);
    throw e;
  }
}

export async function ensureJournalStream(jsm: JetStreamManager, s: JournalStreamSettings): Promise<void> {
  const subject = `${s.subjectPrefix}.>`;
  let info = await retryTransient(`reading stream ${s.stream}`, () =>
    jsm.streams.info(s.stream).catch((e: unknown) => {
      if (e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamNotFound) return undefined;
      throw e;
    }),
    s,
  );
  if (info === undefined) {
    try {
      await jsm.streams.add({
        name: s.stream,
        subjects: [subject],
        num_replicas: s.replicas,
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        discard: DiscardPolicy.Old,
        // Retries of an unacknowledged append reuse their message id inside this window.
        duplicate_window: 120_000_000_000,
      });
      return;
    } catch (e) {
      // Another instance may have created it at the same moment: check what is there.
      info = await jsm.streams.info(s.stream).catch(() => {
        throw new JournalStreamError(`cannot create stream ${s.stream}: ${e instanceof Error ? e.message : String(e)}`);
      });
    }
  }
  const c = info.config;
  if (!(c.subjects ?? []).includes(subject)) {
    throw new JournalStreamError(`stream ${s.stream} exists with subjects ${JSON.stringify(c.subjects)}, not ${subject}`);
  }
  if (c.num_replicas !== s.replicas) {
    throw new JournalStreamError(`stream ${s.stream} exists with ${c.num_replicas} replicas, the configuration says ${s.replicas}`);
  }
  const deleting = selfDeletingSettings(c);
  if (deleting.length > 0) {
    throw new JournalStreamError(
      `stream ${s.stream} exists with ${deleting.join(", ")}: the stream would delete journal records by itself, records no snapshot may cover yet, and acknowledged ones would be lost; remove these settings (space is reclaimed by purging up to a snapshot, docs/high-availability.md)`,
    );
  }
  streamMessageCap(s.stream, c);
}

/**
 * The smallest `max_msg_size` a journal stream may have. A record travels in one message,
 * after 544 bytes of fixed overhead (room for the publish's headers, the message's and the
 * record's headers); a feed slice of 32 full reports encodes to about 16 KiB, so a cap of
 * 64 KiB leaves room for four of them (longer ids, user data). Under it, ordinary records
 * would be refused as too large to journal (feed reports lost to the state), so the stream
 * is refused instead. The snapshot bucket's stream has the same floor (object-snapshots.ts
 * snapshotChunkBytes: its snapshots are written in chunks under its cap).
 */
export const MIN_STREAM_MAX_MSG_SIZE = 64 * 1024;

/**
 * The stream's `max_msg_size` when it has one (> 0; -1 or 0 is no cap), which the journal
 * builds no message over (the stream refuses a larger publish, and the journal would fail);
 * a cap under MIN_STREAM_MAX_MSG_SIZE is refused (JournalStreamError).
 */
export function streamMessageCap(stream: string, c: Pick<StreamConfig, "max_msg_size"> | undefined): number | undefined {
  const cap = c?.max_msg_size ?? 0;
  if (cap <= 0) return undefined;
  if (cap < MIN_STREAM_MAX_MSG_SIZE) {
    throw new JournalStreamError(
      `stream ${stream} exists with max_msg_size ${cap}: a journal message (one record at least, with 544 bytes of headers) must fit, and under ${MIN_STREAM_MAX_MSG_SIZE} bytes ordinary records would be refused as too large to journal; remove the setting or raise it to ${MIN_STREAM_MAX_MSG_SIZE} or more (docs/high-availability.md)`,
    );
  }
  return cap;
}

/**
 * Stream settings under which JetStream deletes messages on its own. Any of them can take
 * records no snapshot covers yet: the oldest ones (age, count, bytes) or, worse, records in
 * the middle of the journal (a per-subject cap trims a busy shard while quiet subjects keep
 * the stream's first sequence low, which no check at the head would notice). The snapshot
 * bucket's stream is refused for the same settings (object-snapshots.ts): a snapshot it
 * deleted leaves a cold start nothing to recover from once the journal's head was purged.
 */
export function selfDeletingSettings(c: StreamConfig): string[] {
  const out: string[] = [];
  if (c.retention !== RetentionPolicy.Limits) out.push(`retention "${c.retention}"`);
  if ((c.max_msgs_per_subject ?? 0) > 0) out.push(`max_msgs_per_subject ${c.max_msgs_per_subject}`);
  if ((c.max_age ?? 0) > 0) out.push(`max_age ${c.max_age} ns`);
  // With discard "new" a full stream refuses appends instead: the journal fails, nothing is lost.
  if (c.discard !== DiscardPolicy.New) {
    if ((c.max_msgs ?? 0) > 0) out.push(`max_msgs ${c.max_msgs} with discard "old"`);
    if ((c.max_bytes ?? 0) > 0) out.push(`max_bytes ${c.max_bytes} with discard "old"`);
  }
  return out;
}

/**
 * The highest writer epoch the stream's journals hold (0 when none): the largest epoch of the
 * last message on each subject under the prefix (every group's). A subject's epochs never go
 * down (each append names the subject's last sequence, and a takeover's marker moves past
 * the old writer's), so its last message carries its highest. Messages that do not decode
 * are skipped (a reader refuses them where it meets them), and with `signer` so are those whose
 * signature it refuses (a forged epoch near 2^64 would otherwise push the base out of range).
 * A new lease bucket's epoch base is put above this (kv-lease-store.ts), so no host's clock
 * decides whether a takeover is stale.
 */
export async function highestJournalEpoch(
  jsm: JetStreamManager,
  stream: string,
  subjectPrefix: string,
  retry: { readonly leaderWaitMs?: number } = {},
  signer?: RecordSigner,
): Promise<bigint> {
  const info = await retryTransient(`listing the subjects of stream ${stream}`, () => jsm.streams.info(stream, { subjects_filter: `${subjectPrefix}.>` }), retry);
  let highest = 0n;
  for (const subject of Object.keys(info.state.subjects ?? {})) {
    const last = await retryTransient(`reading the last message on ${subject}`, () => jsm.streams.getMessage(stream, { last_by_subj: subject }), retry);
    if (last === null) continue;
    let epoch: bigint;
    try {
      epoch = decodeJournalMessage(last.data, { signer, subject }).epoch;
    } catch {
      continue;
    }
    if (epoch > highest) highest = epoch;
  }
  return highest;
}
