/**
 * A start's reads of the lease bucket wait for its stream to have a leader, up to
 * replication.leaderWaitMs, as every other JetStream request of a start does. Found by review:
 * the two instances of a new deployment started together; the second read the bucket the
 * first had just created before its R3 stream had a leader, the read timed out (a bare NATS
 * TimeoutError) and the start died. Here the bucket's stream is kept leaderless by stopping
 * two of the three servers (every request to it times out, as it does right after its
 * creation); they are started again once the start has seen a request fail, and the start
 * must then go on: opening the bucket (KvLeaseStore.open's reads of its status) and the
 * check of the other groups' leases (checkGroupsDisjoint's reads of every lease).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, errors, type NatsConnection } from "@nats-io/transport-node";
import { checkGroupsDisjoint, UnsupportedTopologyError } from "../../src/app/start-failover.js";
import { KvLeaseStore } from "../../src/replication/kv-lease-store.js";
import { NATS_READY, startNatsCluster, type NatsCluster } from "./nats-cluster.js";

const BUCKET = "LEADER_WAIT_LEASES";
/** Long: the lease written below must outlive the servers' restarts. */
const TTL_MS = 120_000;

/**
 * `nc` with its requests watched: `failed()` resolves once a request to the lease bucket's
 * stream (the JetStream API names it KV_<bucket>) has failed (timed out).
 */
function watched(nc: NatsConnection): { nc: NatsConnection; failed(): Promise<void> } {
  let failures = 0;
  let waiter: (() => void) | undefined;
  const proxy = new Proxy(nc, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown;
      if (typeof value !== "function") return value;
      if (key !== "request") return value.bind(target);
      return (subject: string, ...rest: unknown[]) =>
        (value as (...a: unknown[]) => Promise<unknown>).call(target, subject, ...rest).catch((e: unknown) => {
          if (subject.includes(`KV_${BUCKET}`)) {
            failures++;
            waiter?.();
          }
          throw e;
        });
    },
  });
  return {
    nc: proxy,
    failed: () => {
      const seen = failures;
      return new Promise<void>((resolve) => {
        if (failures > seen) return resolve();
        waiter = resolve;
      });
    },
  };
}

describe.runIf(NATS_READY).sequential("lease bucket: a start waits for its leader", () => {
  let cluster: NatsCluster;
  const connections: NatsConnection[] = [];
  beforeAll(async () => {
    cluster = await startNatsCluster();
    const nc = await connect({ servers: [...cluster.urls] });
    connections.push(nc);
    // The bucket of a running deployment: shard 0 held by an instance of group "0".
    const store = await KvLeaseStore.open(nc, { bucket: BUCKET, ttlMs: TTL_MS, replicas: 3 });
    await store.create(0, { owner: "other", address: "other:1", group: "0" });
  }, 30_000);
  afterAll(async () => {
    for (const nc of connections) await nc.close().catch(() => undefined);
    await cluster?.stop();
  });

  /**
   * A connection (watched) to a server that will stay up and is not the bucket's stream leader:
   * with the two others stopped it cannot become one (no quorum), so every request to the
   * stream fails until they are back. `leaderless` stops them, runs `start`, and once a
   * request of it has failed (or it has ended: a start that does not wait ends there) starts
   * them again and returns how `start` ended.
   */
  async function follower() {
    const leader = await cluster.leaderOf(`KV_${BUCKET}`);
    const survivor = [0, 1, 2].find((n) => n !== leader)!;
    const others = [0, 1, 2].filter((n) => n !== survivor);
    const nc = await connect({ servers: [cluster.urls[survivor]!] });
    connections.push(nc);
    const w = watched(nc);
    return {
      nc: w.nc,
      async leaderless<T>(start: () => Promise<T>): Promise<PromiseSettledResult<T>> {
        for (const n of others) await cluster.kill(n);
        const failed = w.failed();
        const outcome = Promise.allSettled([start()]).then(([r]) => r!);
        await Promise.race([failed, outcome]);
        await Promise.all(others.map((n) => cluster.restart(n)));
        return outcome;
      },
    };
  }

  it("opening the bucket waits for a leader (its status read again until one answers)", async () => {
    const f = await follower();
    const r = await f.leaderless(() => KvLeaseStore.open(f.nc, { bucket: BUCKET, ttlMs: TTL_MS, replicas: 3, leaderWaitMs: 60_000 }));
    expect(r.status === "rejected" ? String(r.reason) : "opened").toBe("opened");
  }, 90_000);

  it("the check of the other groups' leases waits for a leader, then reads them (and refuses the overlap)", async () => {
    const f = await follower();
    const store = await KvLeaseStore.open(f.nc, { bucket: BUCKET, ttlMs: TTL_MS, replicas: 3, leaderWaitMs: 60_000 });
    const r = await f.leaderless(() => checkGroupsDisjoint(store, 2, [0, 1], undefined, { leaderWaitMs: 60_000 }));
    expect(r.status === "rejected" ? r.reason : "checked").toBeInstanceOf(UnsupportedTopologyError);
  }, 90_000);
});

describe.runIf(NATS_READY).sequential("lease bucket: the first start of a deployment waits for a leader to create it", () => {
  let cluster: NatsCluster;
  const connections: NatsConnection[] = [];
  beforeAll(async () => {
    cluster = await startNatsCluster();
  }, 30_000);
  afterAll(async () => {
    for (const nc of connections) await nc.close().catch(() => undefined);
    await cluster?.stop();
  });

  it("a bucket not there yet is waited for while the cluster has no meta leader, then created", async () => {
    const nc = await connect({ servers: [cluster.urls[0]!] });
    connections.push(nc);
    await cluster.kill(1);
    await cluster.kill(2);
    const opened = Promise.allSettled([KvLeaseStore.open(nc, { bucket: "NEW_LEASES", ttlMs: TTL_MS, replicas: 3, leaderWaitMs: 60_000 })]);
    // Long enough for a request to time out (nats.js: 5 s by default), not a wait for an outcome.
    const firstAttempt = await Promise.race([opened.then(() => "ended"), new Promise((r) => setTimeout(() => r("waiting"), 6_000))]);
    await Promise.all([cluster.restart(1), cluster.restart(2)]);
    const [r] = await opened;
    expect({ firstAttempt, outcome: r!.status === "rejected" ? String(r!.reason) : "opened" }).toEqual({ firstAttempt: "waiting", outcome: "opened" });
  }, 90_000);

  /**
   * Found by review: the creation itself timing out (the meta leader lost between the read
   * that found no bucket and the create; nats-server 2.9 then does not answer) ended the
   * start, where every other request of a start is tried again up to leaderWaitMs.
   */
  it("a creation that times out is tried again", async () => {
    const real = await connect({ servers: [...cluster.urls] });
    connections.push(real);
    let timedOut = 0;
    const nc = new Proxy(real, {
      get(target, key) {
        const value = Reflect.get(target, key, target) as unknown;
        if (typeof value !== "function") return value;
        if (key !== "request") return value.bind(target);
        return (subject: string, ...rest: unknown[]) => {
          if (subject.startsWith("$JS.API.STREAM.CREATE.KV_TIMED_LEASES") && timedOut++ === 0) return Promise.reject(new errors.TimeoutError());
          return (value as (...a: unknown[]) => Promise<unknown>).call(target, subject, ...rest);
        };
      },
    });
    const store = await KvLeaseStore.open(nc, { bucket: "TIMED_LEASES", ttlMs: TTL_MS, replicas: 3, leaderWaitMs: 60_000 });
    expect({ timedOut, revision: await store.create(0, { owner: "a", address: "a:1", group: "0" }) > 0 }).toEqual({ timedOut: 2, revision: true });
  }, 90_000);
});
