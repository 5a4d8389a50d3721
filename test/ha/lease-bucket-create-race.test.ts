/**
 * Two instances of a new deployment start together (found by review of b4331ed, which made a
 * start retry the lease bucket's creation). B reads the bucket (not there yet), A creates it,
 * B's create is refused (the bucket exists with A's description, another epoch base), and B
 * takes the bucket that is there. Right after its creation the bucket's R3 stream has no
 * leader for a moment, and a read of it times out (lease-bucket-leader-wait.test.ts). B's
 * check of the bucket after the refused create was one read, not waited for, whose failure
 * rethrew the refusal, an API error never retried: B's start died. The refusal (stream name in
 * use) now opens the bucket, and open()'s status read waits for the leader.
 */
import { afterAll, describe, expect, it } from "vitest";
import { connect, errors, type NatsConnection } from "@nats-io/transport-node";
import { KvLeaseStore } from "../../src/replication/kv-lease-store.js";
import { NATS_READY } from "./nats-cluster.js";
import { useNatsCluster } from "./replicated-sidecars.js";

const TTL_MS = 120_000;
const clusterOf = useNatsCluster();

describe.runIf(NATS_READY).sequential("lease bucket: a create refused because another instance just made it", () => {
  const connections: NatsConnection[] = [];
  afterAll(async () => {
    for (const nc of connections) await nc.close().catch(() => undefined);
  });

  it("B's start waits for the new bucket's leader, as it does when it finds the bucket there", async () => {
    const BUCKET = "RACE_LEASES";
    const a = await connect({ servers: [...clusterOf().urls] });
    const realB = await connect({ servers: [...clusterOf().urls] });
    connections.push(a, realB);
    let created = false;
    let infoAfterCreate = 0;
    const b = new Proxy(realB, {
      get(target, key) {
        const value = Reflect.get(target, key, target) as unknown;
        if (typeof value !== "function") return value;
        if (key !== "request") return value.bind(target);
        return async (subject: string, ...rest: unknown[]) => {
          if (subject === `$JS.API.STREAM.CREATE.KV_${BUCKET}` && !created) {
            // A, started at the same moment, creates the bucket first (its own epoch base).
            created = true;
            await KvLeaseStore.open(a, { bucket: BUCKET, ttlMs: TTL_MS, replicas: 3, nowMs: () => 1_000 });
          } else if (subject === `$JS.API.STREAM.INFO.KV_${BUCKET}` && created && infoAfterCreate++ === 0) {
            // The new R3 stream has no leader for a moment: the read times out.
            throw new errors.TimeoutError();
          }
          return (value as (...a: unknown[]) => Promise<unknown>).call(target, subject, ...rest);
        };
      },
    });
    const [r] = await Promise.allSettled([KvLeaseStore.open(b, { bucket: BUCKET, ttlMs: TTL_MS, replicas: 3, leaderWaitMs: 30_000 })]);
    expect({ created, outcome: r!.status === "rejected" ? String(r!.reason) : "opened" }).toEqual({ created: true, outcome: "opened" });
  }, 90_000);
});
