/**
 * replication.leaderWaitMs reaches every JetStream request a start or a takeover retries: a
 * budget of 1 ms gives up after the first attempt (the first pause is 100 ms), where the
 * default would keep trying for 20 s and outlast the test.
 */
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { describe, expect, it } from "vitest";
import { replicaOnFakeLink } from "./fake-link-replica.js";

/** A cluster without leaders for some requests: each of them times out, and is counted. */
function leaderless(failing: { info?: boolean; lastMessage?: boolean }) {
  const calls = { info: 0, lastMessage: 0 };
  const timeout = () => Promise.reject(new Error("TIMEOUT"));
  const jsm = {
    streams: {
      info: () => {
        calls.info++;
        return failing.info ? timeout() : Promise.resolve({ state: { first_seq: 0, last_seq: 0 } });
      },
      getMessage: () => {
        calls.lastMessage++;
        return failing.lastMessage ? timeout() : Promise.resolve(null);
      },
    },
  } as unknown as JetStreamManager;
  const js = { consumers: { get: async () => ({ consume: async () => ({ close: async () => undefined }) }) } } as unknown as JetStreamClient;
  const replica = replicaOnFakeLink(jsm, js, async () => undefined);
  return { replica, calls };
}

describe("replication.leaderWaitMs", () => {
  it("bounds the follower's start (reading the stream)", async () => {
    const { replica, calls } = leaderless({ info: true });
    await expect(replica.follow()).rejects.toThrow("reading stream J: TIMEOUT");
    expect(calls.info).toBe(1);
  });

  it("bounds the takeover's claim (reading a subject's last message)", async () => {
    const { replica, calls } = leaderless({ lastMessage: true });
    await replica.follow();
    await expect(replica.takeOver()).rejects.toThrow("reading the last message on j.0: TIMEOUT");
    expect(calls.lastMessage).toBe(1);
    await replica.tail!.stop();
  });
});
