/**
 * Shard leases in a NATS KV bucket (@nats-io/kv): key `shard.<n>`, history 1, the bucket's
 * TTL = the lease TTL, so a lease nobody renews is expired by the servers themselves. On
 * nats-server 2.9 an expiry writes no marker: a waiting standby learns of it by polling
 * (its create succeeds once the entry is gone).
 *
 * The revisions this store hands out are the bucket's own plus the bucket's epoch base: a
 * claim's revision is the new owner's journal epoch, and epochs must keep growing over the
 * journal's whole life. The bucket's revisions start at 1 again when it is deleted and
 * created anew (a TTL or replica change, by hand), far below the epochs the journal already
 * holds (a day of renewals puts them in the millions), and every takeover's claim would be
 * refused as stale: no instance could serve. So the instance that creates the bucket writes
 * a base into its description: the creation time in microseconds, above every epoch an older
 * bucket gave (its revisions grew a few per second, not a million), and below 2^53 (exact as
 * a number) until the year 2255; and in any case above the highest epoch the journal holds
 * (`epochFloor`, read from the stream before the bucket is created): the creating host's
 * clock may be behind the clock of the host that made the old bucket (skew, a clock set
 * back), and a base below the journal's epochs would make every takeover stale until it
 * caught up. The description is the bucket's configuration, the same on
 * every server; its stream's `created` is not (each server records its own, measured 7 ms
 * apart). A bucket made before there was a base, or by hand, has base 0: its revisions are
 * the epochs, as they always were, so an upgrade changes no epoch.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { KvWatchInclude, Kvm, type KV } from "@nats-io/kv";
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import { decodeSignedLeaseValue, encodeSignedLeaseValue, LeaseConflictError, LeaseSignatureError, type LeaseRecord, type LeaseStore, type LeaseValue } from "./lease-store.js";
import type { RecordSigner } from "./record-signing.js";
import { settledStatus } from "./settled-bucket-status.js";
import { retryTransient } from "./transient-retry.js";

export interface KvLeaseStoreOptions {
  readonly bucket: string;
  readonly ttlMs: number;
  /** 3 on a 3-node cluster, so the leases survive one server. */
  readonly replicas: number;
  /** The wall clock (ms) a bucket created here takes its epoch base from; Date.now by default. */
  readonly nowMs?: () => number;
  /**
   * The highest epoch the journal holds (journal-stream.ts highestJournalEpoch): a bucket
   * created here takes a base above it whatever the clock says. Read only when the bucket
   * does not exist yet.
   */
  readonly epochFloor?: () => Promise<bigint>;
  /**
   * How long opening waits for the bucket's stream to have a leader (replication.leaderWaitMs;
   * transient-retry.ts' default when absent): a bucket another instance has just created (two
   * instances of a new deployment started together) answers nothing until its R3 stream has
   * elected one.
   */
  readonly leaderWaitMs?: number;
  /** replication.signing: values written are signed with their key, values read checked (lease-store.ts). */
  readonly signer?: RecordSigner;
}

/** The pause before a broken watch is opened again. */
const WATCH_RETRY_MS = 250;

/** The bucket's description: who made it, and the epoch base its revisions are offset by. */
const DESCRIPTION = /^openpit-sidecar shard leases; epoch base (\d+)$/;
const describeBase = (base: number): string => `openpit-sidecar shard leases; epoch base ${base}`;

/** JetStream's "wrong last sequence" (10071): the compare-and-set lost. */
function isConflict(e: unknown): boolean {
  const err = e as { api_error?: { err_code?: number }; message?: string } | undefined;
  return err?.api_error?.err_code === 10071 || /wrong last sequence/.test(err?.message ?? "");
}

/** JetStream's "stream name already in use" (another configuration under the name). */
const STREAM_NAME_IN_USE = 10058;

/** The bucket if it exists (undefined: it does not). A bucket whose stream has no leader yet is waited for (leaderWaitMs). */
async function existingBucket(nc: NatsConnection, bucket: string, retry: { readonly leaderWaitMs?: number }): Promise<KV | undefined> {
  const kv = await new Kvm(nc).open(bucket);
  try {
    // Not found is the API's refusal (not retried); a timeout is a stream between leaders.
    await retryTransient(`reading lease bucket ${bucket}`, () => kv.status(), retry);
    return kv;
  } catch (e) {
    if (e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamNotFound) return undefined;
    throw e;
  }
}

/**
 * Creates the bucket with its epoch base: the clock in µs, above the journal's highest epoch
 * whatever the clock says. A creation that times out (the cluster between meta leaders) is
 * tried again up to leaderWaitMs, as every other request of a start is.
 */
async function createBucket(nc: NatsConnection, o: KvLeaseStoreOptions, retry: { readonly leaderWaitMs?: number }): Promise<KV> {
  const clock = Math.floor((o.nowMs ?? Date.now)()) * 1000;
  const floor = o.epochFloor ? Number(await o.epochFloor()) + 1 : 0;
  const description = describeBase(Math.max(clock, floor));
  return retryTransient(
    `creating lease bucket ${o.bucket}`,
    () =>
      new Kvm(nc).create(o.bucket, { ttl: o.ttlMs, history: 1, replicas: o.replicas, description }).catch(async (e: unknown) => {
        // Another instance created it meanwhile, with its own base: this create is refused (or,
        // on nats-server 2.9, not answered). Theirs is the bucket, and its base everyone's.
        // Refused as a name in use, it is there: opened, and open()'s status read waits for it to
        // settle (a read right after its creation times out, or answers a losing create's
        // configuration; one not waited for failed the start with the create's refusal, which is
        // never retried: found by review).
        if (e instanceof JetStreamApiError && e.code === STREAM_NAME_IN_USE) return new Kvm(nc).open(o.bucket);
        // Not answered: Kvm.open alone does not say whether the bucket is there, its status
        // does (one read, not waited for: the create is tried again).
        const theirs = await existingBucket(nc, o.bucket, { leaderWaitMs: 0 }).catch(() => undefined);
        if (theirs === undefined) throw e;
        return theirs;
      }),
    retry,
  );
}

/** What an operator does about a bucket that does not match the configuration: deleting it is safe (epochs keep growing). */
const REMEDY = "stop every instance and delete the bucket (the next start creates it, its epochs above the journal's), or configure every instance alike";

export class KvLeaseStore implements LeaseStore {
  private constructor(
    private readonly kv: KV,
    /** Added to the bucket's revisions (see the file's comment). */
    readonly epochBase: number,
    private readonly bucket: string,
    private readonly signer: RecordSigner | undefined,
  ) {}

  /** Opens the bucket, creating it with the lease TTL on first use; refuses one made with another TTL or replica count. */
  static async open(nc: NatsConnection, o: KvLeaseStoreOptions): Promise<KvLeaseStore> {
    const retry = o.leaderWaitMs === undefined ? {} : { leaderWaitMs: o.leaderWaitMs };
    const kv = (await existingBucket(nc, o.bucket, retry)) ?? (await createBucket(nc, o, retry));
    // A bucket created just now (here or by another instance) has no leader for a moment, and
    // may answer a losing create's configuration meanwhile: the epoch base is read once settled.
    const status = await retryTransient(`reading lease bucket ${o.bucket}`, () => settledStatus(() => kv.status()), retry);
    if (status.ttl !== o.ttlMs) {
      throw new Error(`lease bucket '${o.bucket}' has a TTL of ${status.ttl} ms, the configuration says ${o.ttlMs} ms (${REMEDY})`);
    }
    if (status.replicas !== o.replicas) {
      throw new Error(`lease bucket '${o.bucket}' has ${status.replicas} replicas, the configuration says ${o.replicas} (${REMEDY})`);
    }
    const base = DESCRIPTION.exec(status.description);
    return new KvLeaseStore(kv, base ? Number(base[1]) : 0, o.bucket, o.signer);
  }

  private key(shard: number): string {
    return `shard.${shard}`;
  }

  /** What a value's signature names: the bucket and the key (a value copied to another shard's key is refused). */
  private signedName(key: string): string {
    return `${this.bucket}/${key}`;
  }

  private encode(shard: number, value: LeaseValue): string {
    return encodeSignedLeaseValue(value, this.signer, this.signedName(this.key(shard)));
  }

  /** The value of a write, its signature checked; refused naming the bucket, key and revision. */
  private decode(key: string, text: string, revision: number): LeaseValue {
    try {
      return decodeSignedLeaseValue(text, this.signer, this.signedName(key));
    } catch (e) {
      if (!(e instanceof LeaseSignatureError)) throw e;
      throw new LeaseSignatureError(`lease ${key} in bucket ${this.bucket} (revision ${this.epochBase + revision}): ${e.message}`);
    }
  }

  async create(shard: number, value: LeaseValue): Promise<number> {
    try {
      return this.epochBase + (await this.kv.create(this.key(shard), this.encode(shard, value)));
    } catch (e) {
      if (isConflict(e)) throw new LeaseConflictError(`shard ${shard} is leased by someone else`);
      throw e;
    }
  }

  async update(shard: number, value: LeaseValue, revision: number): Promise<number> {
    try {
      return this.epochBase + (await this.kv.update(this.key(shard), this.encode(shard, value), revision - this.epochBase));
    } catch (e) {
      if (isConflict(e)) throw new LeaseConflictError(`shard ${shard}'s lease moved past revision ${revision}`);
      throw e;
    }
  }

  async read(shard: number): Promise<LeaseRecord | undefined> {
    const entry = await this.kv.get(this.key(shard));
    if (!entry || entry.operation !== "PUT") return undefined;
    // A value refused by its signature throws: the callers treat it as unreadable (a holder
    // does not adopt it as its own renewal; the start's group check fails).
    return { value: this.decode(entry.key, entry.string(), entry.revision), revision: this.epochBase + entry.revision };
  }

  watchReleases(onRelease: (shard: number) => void): () => void {
    return this.watch(KvWatchInclude.UpdatesOnly, (shard, holder) => {
      if (holder === undefined) onRelease(shard);
    });
  }

  watchHolders(onHolder: (shard: number, holder: LeaseValue | undefined) => void): () => void {
    return this.watch(KvWatchInclude.LastValue, onHolder);
  }

  /**
   * Every lease key's writes (a delete or purge: undefined); a value that does not decode, or
   * whose signature is refused, is skipped. A watch that breaks (its consumer's heartbeats missed while the process was
   * frozen, a reconnect) is opened again, so the callbacks keep coming until unsubscribed.
   */
  private watch(include: KvWatchInclude, onEntry: (shard: number, holder: LeaseValue | undefined) => void): () => void {
    let stopped = false;
    let current: { stop(): void } | undefined;
    const run = async (): Promise<void> => {
      while (!stopped) {
        try {
          const updates = await this.kv.watch({ key: "shard.*", include });
          current = updates;
          if (stopped) return updates.stop();
          for await (const e of updates) {
            const shard = Number(e.key.slice("shard.".length));
            if (e.operation !== "PUT") onEntry(shard, undefined);
            else {
              let holder: LeaseValue;
              try {
                holder = this.decode(e.key, e.string(), e.revision);
              } catch {
                continue;
              }
              onEntry(shard, holder);
            }
          }
        } catch {
          // Opened again below, after a pause (the servers may be electing a leader).
        }
        if (!stopped) await new Promise((r) => setTimeout(r, WATCH_RETRY_MS).unref());
      }
    };
    void run();
    return () => {
      stopped = true;
      current?.stop();
    };
  }

  async release(shard: number, revision: number): Promise<boolean> {
    try {
      await this.kv.delete(this.key(shard), { previousSeq: revision - this.epochBase });
      return true;
    } catch (e) {
      // Refused by the revision check: the lease is not deleted, and the caller is told so
      // (it was swallowed, and StepDown counted the shard handed over: found by review).
      if (isConflict(e)) return false;
      throw e;
    }
  }
}
