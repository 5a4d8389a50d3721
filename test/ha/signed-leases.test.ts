/**
 * replication.signing on the lease bucket's values (lease-store.ts), on a real 3-node
 * cluster: a value names the holder and the address gateways send orders to, so a value
 * written without the key (unsigned, another key, an address changed, a value copied to
 * another shard's key) is refused by read() naming bucket, key and revision, and skipped by
 * the watches; what a signing store writes, it reads back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Kvm, type KV } from "@nats-io/kv";
import { KvLeaseStore } from "../../src/replication/kv-lease-store.js";
import { encodeLeaseValue, encodeSignedLeaseValue, LeaseSignatureError, type LeaseValue } from "../../src/replication/lease-store.js";
import { RecordSigner } from "../../src/replication/record-signing.js";
import { NATS_READY, startNatsCluster, type NatsCluster } from "./nats-cluster.js";

const KEY = Buffer.from("the lease key the instances share, 32+ bytes long", "utf8");
const signer = new RecordSigner(KEY);
const upgrading = new RecordSigner(KEY, true);
const stranger = new RecordSigner(Buffer.from("someone else's key, also long enough to be used", "utf8"));
const BUCKET = "SLEASES";
const self: LeaseValue = { owner: "a", address: "10.0.0.1:50051" };
const mallory: LeaseValue = { owner: "a", address: "evil.example:50051" };

describe.runIf(NATS_READY)("signed lease values", () => {
  let cluster: NatsCluster;
  let nc: NatsConnection;
  let store: KvLeaseStore;
  let kv: KV;
  beforeAll(async () => {
    cluster = await startNatsCluster();
    nc = await connect({ servers: [...cluster.urls] });
    // R1: a read right after a write comes from the one server.
    store = await KvLeaseStore.open(nc, { bucket: BUCKET, ttlMs: 60_000, replicas: 1, signer });
    kv = await new Kvm(nc).open(BUCKET);
  }, 30_000);
  afterAll(async () => {
    await nc?.close();
    await cluster?.stop();
  });

  const refusal = async (shard: number, reader: KvLeaseStore = store): Promise<string> => {
    const e = await reader.read(shard).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(e).toBeInstanceOf(LeaseSignatureError);
    return (e as Error).message;
  };

  it("a signing store's values carry the key id and MAC, never the key, and read back", async () => {
    const revision = await store.create(0, self);
    expect(await store.read(0)).toEqual({ value: self, revision });
    const raw = JSON.parse((await kv.get("shard.0"))!.string()) as { sig: string };
    expect(raw).toEqual({ ...self, sig: expect.stringMatching(new RegExp(`^${signer.keyId}[0-9a-f]{64}$`)) });
    expect(JSON.stringify(raw)).not.toContain(KEY.toString("hex").slice(0, 16));
    // A store without signing reads it as it always read values (the field is ignored).
    const plain = await KvLeaseStore.open(nc, { bucket: BUCKET, ttlMs: 60_000, replicas: 1 });
    expect((await plain.read(0))?.value).toEqual(self);
  });

  it("an unsigned value is refused, unless acceptUnsigned", async () => {
    const seq = await kv.put("shard.1", encodeLeaseValue(mallory));
    expect(await refusal(1)).toBe(
      `lease shard.1 in bucket ${BUCKET} (revision ${store.epochBase + seq}): unsigned value refused: replication.signing is on and acceptUnsigned is not (forged, or written by an instance without the key)`,
    );
    const accepting = await KvLeaseStore.open(nc, { bucket: BUCKET, ttlMs: 60_000, replicas: 1, signer: upgrading });
    expect((await accepting.read(1))?.value).toEqual(mallory);
  });

  it("another key, a changed address, a value copied to another shard's key: refused", async () => {
    await kv.put("shard.2", encodeSignedLeaseValue(mallory, stranger, `${BUCKET}/shard.2`));
    expect(await refusal(2)).toContain(`signature refused: it is signed with key ${stranger.keyId}, this instance's key is ${signer.keyId}`);
    const honest = JSON.parse(encodeSignedLeaseValue(self, signer, `${BUCKET}/shard.3`)) as Record<string, string>;
    await kv.put("shard.3", JSON.stringify({ ...honest, address: mallory.address }));
    expect(await refusal(3)).toContain("signature refused: its MAC does not match (forged, altered, or moved here from another key)");
    await kv.put("shard.4", (await kv.get("shard.0"))!.string());
    expect(await refusal(4)).toContain("lease shard.4 in bucket SLEASES");
    expect(await refusal(4)).toContain("its MAC does not match");
  });

  it("the holders' watch skips a refused value and reports a signed one", async () => {
    const seen: string[] = [];
    const stop = store.watchHolders((shard, holder) => seen.push(`${shard}:${holder?.address ?? "-"}`));
    try {
      await kv.put("shard.5", encodeLeaseValue(mallory));
      await store.create(6, self);
      const deadline = Date.now() + 10_000;
      while (!seen.includes(`6:${self.address}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(seen).toContain(`6:${self.address}`);
      expect(seen).toContain(`0:${self.address}`);
      // Shards 1-5 hold values written without the key: none is reported.
      expect(seen.filter((s) => s.includes("evil"))).toEqual([]);
    } finally {
      stop();
    }
  });
});
