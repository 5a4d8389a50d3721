/**
 * A standby that finds no snapshot waits for the first writer's instead of following the
 * stream on its own file's state (test/ha/concurrent-first-start.test.ts has the cluster
 * case). Here, on a fake link: while it waits it reads nothing of the stream; a takeover ends
 * the wait, reads the snapshot object once more and, still finding none, tails the stream
 * from its first record before claiming it (the claim fails here, at the fake's leaderless
 * last-message read: the path up to it is what is checked).
 */
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { describe, expect, it } from "vitest";
import { replicaOnFakeLink } from "./fake-link-replica.js";

function waitingStandby() {
  const calls = { info: 0, reads: 0, consumers: 0 };
  const jsm = {
    streams: {
      info: () => (calls.info++, Promise.resolve({ state: { first_seq: 0, last_seq: 0 } })),
      getMessage: () => Promise.reject(new Error("TIMEOUT")),
    },
  } as unknown as JetStreamManager;
  const js = { consumers: { get: async () => (calls.consumers++, { consume: async () => ({ close: async () => undefined }) }) } } as unknown as JetStreamClient;
  // Longer than the test: no poll of the wait runs.
  const replica = replicaOnFakeLink(jsm, js, async () => (calls.reads++, undefined), { firstSnapshotPollMs: 3_600_000 });
  return { replica, calls };
}

describe("a standby with no snapshot stored yet", () => {
  it("waits without reading the stream (nothing applied), and says so", async () => {
    const { replica, calls } = waitingStandby();
    expect(await replica.follow()).toEqual({ snapshotSequence: undefined, fromStreamSequence: undefined, waitingForSnapshot: true });
    expect(replica.waitingForSnapshot).toBe(true);
    expect(replica.tail).toBeUndefined();
    expect(replica.appliedSequence).toBe(0n);
    expect(calls).toEqual({ info: 0, reads: 1, consumers: 0 });
    await replica.stop();
    expect(replica.waitingForSnapshot).toBe(false);
  });

  it("taking over, reads the snapshot object once more and, with none, tails from the stream's first record, then claims", async () => {
    const { replica, calls } = waitingStandby();
    await replica.follow();
    await expect(replica.takeOver()).rejects.toThrow("reading the last message on j.0: TIMEOUT");
    expect(calls.reads).toBe(2);
    expect(calls.consumers).toBe(1);
    expect(replica.tail).toBeDefined();
    expect(replica.waitingForSnapshot).toBe(false);
    await replica.stop();
  });
});
