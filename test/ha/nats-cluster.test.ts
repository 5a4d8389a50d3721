/**
 * The 3-node harness itself: the cluster comes up with JetStream, an R3 stream takes
 * acknowledged publishes, and losing its leader leaves a quorum that elects a new one and
 * keeps every acknowledged message.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { NATS_READY, startNatsCluster, type NatsCluster } from "./nats-cluster.js";

describe.runIf(NATS_READY)("3-node nats-server cluster harness", () => {
  let cluster: NatsCluster;
  let nc: NatsConnection;
  beforeAll(async () => {
    cluster = await startNatsCluster();
    nc = await connect({ servers: [...cluster.urls] });
  }, 20_000);
  afterAll(async () => {
    await nc?.close();
    await cluster?.stop();
  });

  it("serves an R3 stream whose acknowledged messages survive the loss of its leader", async () => {
    expect(cluster.urls).toHaveLength(3);
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.add({ name: "HARNESS", subjects: ["harness.>"], num_replicas: 3 });
    expect(info.config.num_replicas).toBe(3);
    const js = jetstream(nc);
    for (let i = 1; i <= 5; i++) {
      const ack = await js.publish(`harness.${i % 2}`, `m${i}`);
      expect(ack.seq).toBe(i);
    }
    const leader = await cluster.leaderOf("HARNESS");
    expect(leader).toBeGreaterThanOrEqual(0);
    expect(leader).toBeLessThan(3);
    expect((await jsm.streams.info("HARNESS")).cluster?.replicas).toHaveLength(2);

    await cluster.kill(leader!, "SIGKILL");
    expect(cluster.isRunning(leader!)).toBe(false);
    // The two survivors elect a new leader; a publish through them is acknowledged as seq 6.
    const deadline = Date.now() + 15_000;
    let seq: number | undefined;
    while (seq === undefined) {
      try {
        seq = (await js.publish("harness.0", "after", { timeout: 1000 })).seq;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
    }
    expect(seq).toBe(6);
    const newLeader = await cluster.leaderOf("HARNESS");
    expect(newLeader).not.toBe(leader);
    expect((await jsm.streams.info("HARNESS")).state.messages).toBe(6);

    await cluster.restart(leader!);
    expect(cluster.isRunning(leader!)).toBe(true);
  });
});
