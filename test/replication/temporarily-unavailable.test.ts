/**
 * Found by review: nats-server 2.9.10 answers a direct get (getMessage last_by_subj, used by the claim)
 * with API error 10008 "JetStream system temporarily unavailable" while an R3 stream has no
 * quorum (measured: 3-node cluster, two servers killed: streams.info answered, getMessage
 * refused in 2 ms with 10008). retryTransient treats every API error as a refusal and gives up
 * at once, so a takeover's claim fails (the coordinator releases its leases and fences itself)
 * instead of waiting leaderWaitMs for the servers to come back.
 */
import { describe, expect, it } from "vitest";
import { JetStreamApiError } from "@nats-io/jetstream";
import { retryTransient, type RetryClock } from "../../src/replication/transient-retry.js";

function fakeClock(): RetryClock & { readonly pauses: number[] } {
  let t = 1_000;
  const pauses: number[] = [];
  return { pauses, now: () => t, sleep: async (ms) => void (pauses.push(ms), (t += ms)) };
}

describe("review: retryTransient and 'temporarily unavailable'", () => {
  it("retries 10008 (JetStream system temporarily unavailable) within the leader wait", async () => {
    const clock = fakeClock();
    let calls = 0;
    const fn = async () => {
      calls++;
      if (calls <= 3) throw new JetStreamApiError({ code: 503, err_code: 10008, description: "JetStream system temporarily unavailable" });
      return "answer";
    };
    await expect(retryTransient("reading the last message on j.0", fn, { clock })).resolves.toBe("answer");
    expect(calls).toBe(4);
  });
});
