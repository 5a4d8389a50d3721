/**
 * Several instances of a new deployment create the lease bucket at once. On nats-server 2.9 a
 * losing create can be applied on some node for a few milliseconds, and a status read answered
 * then returns its configuration: another instance's epoch base, no leader, its own creation
 * time. An instance that kept that base issued epochs the others never do, and a takeover's
 * epoch was refused as stale by every later one (found by review, session 42: 10 of 11 runs of
 * four instances creating buckets together). The base is now read once the bucket settled
 * (settled-bucket-status.ts). Here the race's answer is replayed deterministically: the
 * bucket's first status reads answer such a "ghost".
 */
import { afterAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { KvLeaseStore } from "../../src/replication/kv-lease-store.js";
import { NATS_READY } from "./nats-cluster.js";
import { useNatsCluster } from "./replicated-sidecars.js";

const TTL_MS = 120_000;
const clusterOf = useNatsCluster();

/** `nc` whose first `ghosts` stream-info answers for `stream` are a losing create's: base `ghostBase`, no leader, another creation time. */
function withGhostAnswers(nc: NatsConnection, stream: string, ghosts: number, ghostBase: number): { nc: NatsConnection; served: () => number } {
  let served = 0;
  const proxied = new Proxy(nc, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown;
      if (typeof value !== "function") return value;
      if (key !== "request") return value.bind(target);
      return async (subject: string, ...rest: unknown[]) => {
        const answer = (await (value as (...a: unknown[]) => Promise<{ data: Uint8Array }>).call(target, subject, ...rest)) as { data: Uint8Array };
        if (subject !== `$JS.API.STREAM.INFO.${stream}` || served >= ghosts) return answer;
        served++;
        const info = JSON.parse(new TextDecoder().decode(answer.data)) as { config: { description: string }; created: string; cluster?: { leader?: string } };
        info.config.description = `openpit-sidecar shard leases; epoch base ${ghostBase}`;
        info.created = "2026-12-07T00:00:00.000000001Z";
        if (info.cluster) delete info.cluster.leader;
        return { ...answer, data: new TextEncoder().encode(JSON.stringify(info)) };
      };
    },
  });
  return { nc: proxied, served: () => served };
}

describe.runIf(NATS_READY).sequential("lease bucket: the epoch base is read once the bucket settled", () => {
  const connections: NatsConnection[] = [];
  afterAll(async () => {
    for (const nc of connections) await nc.close().catch(() => undefined);
  });

  it("an instance whose first reads answer a losing create's configuration keeps the base the cluster holds", async () => {
    const BUCKET = "GHOST_LEASES";
    const a = await connect({ servers: [...clusterOf().urls] });
    const b = await connect({ servers: [...clusterOf().urls] });
    connections.push(a, b);
    const winner = await KvLeaseStore.open(a, { bucket: BUCKET, ttlMs: TTL_MS, replicas: 3, nowMs: () => 5_000 });
    expect(winner.epochBase).toBe(5_000_000);
    const ghostly = withGhostAnswers(b, `KV_${BUCKET}`, 2, 9_000_000);
    const late = await KvLeaseStore.open(ghostly.nc, { bucket: BUCKET, ttlMs: TTL_MS, replicas: 3, leaderWaitMs: 30_000, nowMs: () => 9_000 });
    expect({ ghostsServed: ghostly.served(), epochBase: late.epochBase }).toEqual({ ghostsServed: 2, epochBase: 5_000_000 });
    // Epochs keep growing whoever claims: A, then the late instance.
    const first = await winner.create(0, { owner: "a", address: "a:1" });
    await winner.release(0, first);
    const second = await late.create(0, { owner: "b", address: "b:1" });
    expect(second).toBeGreaterThan(first);
  }, 90_000);
});
