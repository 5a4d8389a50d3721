/**
 * replication.signing end to end (startSidecar, in process, on the 3-node cluster): instances
 * sharing a key follow and take over from each other, everything they write to the cluster
 * signed (journal messages version 3, lease values with a signature, snapshot objects version
 * 2), their log naming the key's id and never the key; a record published on a journal subject
 * without the key stops a standby's tail before it applies it.
 */
import { afterAll, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { Objm } from "@nats-io/obj";
import { ReplicationRole } from "../../gen/openpit/sidecar/v1/replication_pb.js";
import { encodeRecordsMessage, frameRecord } from "../../src/replication/journal-message.js";
import { signingKeyId } from "../../src/replication/record-signing.js";
import { NATS_READY } from "./nats-cluster.js";
import { failoverConfig, startFailoverInstance, until, waitRole, type FailoverInstance } from "./failover-instances.js";
import { LEASE_TTL_MS, replicationStatus, useNatsCluster } from "./replicated-sidecars.js";

const clusterOf = useNatsCluster();
const dir = mkdtempSync(join(tmpdir(), "openpit-signed-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const KEY = "a-shared-journal-key-of-the-deployment-0123456789";
const keyFile = join(dir, "journal.key");
writeFileSync(keyFile, `${KEY}\n`, { mode: 0o600 });

async function signedConfig(id: string): Promise<Record<string, unknown>> {
  const config = await failoverConfig(clusterOf(), "signed", id);
  (config.replication as Record<string, unknown>).signing = { keyFile };
  return config;
}

it.runIf(NATS_READY)("instances sharing a key take over from each other; what they write is signed; a forged record stops a standby before it is applied", async () => {
  const started: FailoverInstance[] = [];
  const nc = await connect({ servers: [...clusterOf().urls] });
  try {
    const a = await startFailoverInstance("a", await signedConfig("a"));
    started.push(a);
    await waitRole(a, ReplicationRole.ACTIVE, 15_000);
    const b = await startFailoverInstance("b", await signedConfig("b"));
    started.push(b);
    await waitRole(b, ReplicationRole.STANDBY, 15_000);
    const keyId = signingKeyId(Buffer.from(KEY));
    expect(b.log.find((l) => l.event === "standby")).toMatchObject({ signing: { keyId, acceptedKeyIds: [], acceptUnsigned: false } });
    expect(b.log.find((l) => l.event === "start")).toMatchObject({ config: { replication: { signing: { acceptUnsigned: false } } } });
    for (const i of [a, b]) expect(JSON.stringify(i.log)).not.toContain(KEY);

    // What the active wrote is signed: the journal's messages, its leases, its snapshot 0.
    const jsm = await jetstreamManager(nc);
    const first = await jsm.streams.getMessage("J_signed", { seq: 1 });
    expect(Buffer.from(first!.data).readUInt16LE(4)).toBe(3);
    const lease = JSON.parse((await (await new Kvm(nc).open("leases_signed")).get("shard.0"))!.string()) as Record<string, unknown>;
    expect(lease).toMatchObject({ owner: "a", sig: expect.stringMatching(new RegExp(`^${keyId}`)) });
    const snapshot = await (await new Objm(nc).open("J_signed_snapshots")).getBlob("J_signed.state");
    expect(Buffer.from(snapshot!).readUInt32LE(4)).toBe(2);

    // The standby follows the signed journal, and takes over when the active is gone.
    const active = await replicationStatus(a.clients);
    await until("b applied a's records", 10_000, async () => (await replicationStatus(b.clients)).appliedSequence === active.appliedSequence);
    await a.stop();
    await waitRole(b, ReplicationRole.ACTIVE, LEASE_TTL_MS + 10_000);

    // A new standby restores the signed snapshot and follows; then a record forged without the key.
    const c = await startFailoverInstance("c", await signedConfig("c"));
    started.push(c);
    await waitRole(c, ReplicationRole.STANDBY, 15_000);
    const before = (await replicationStatus(c.clients)).appliedSequence;
    const next = (await replicationStatus(b.clients)).appliedSequence + 1n;
    const frame = frameRecord(next, new TextEncoder().encode("not a record of b's"));
    const forged = await jetstream(nc).publish("j_signed.ctl", encodeRecordsMessage(1n << 40n, [frame], frame.length));
    await until("c's tail failed", 10_000, () => c.log.some((l) => l.event === "tail_failed"));
    const failed = c.log.find((l) => l.event === "tail_failed")!;
    expect(String(failed.msg)).toContain(`stream J_signed sequence ${forged.seq} (j_signed.ctl): unsigned message refused`);
    expect((await replicationStatus(c.clients)).appliedSequence).toBe(before);
  } finally {
    for (const i of started.reverse()) await i.stop();
    await nc.close();
  }
}, 90_000);
