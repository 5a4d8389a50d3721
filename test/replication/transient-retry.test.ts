/** Retrying JetStream requests while the cluster elects leaders: the budget, the pauses, what is never retried. */
import { describe, expect, it } from "vitest";
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import { DEFAULT_LEADER_WAIT_MS, retryTransient, type RetryClock } from "../../src/replication/transient-retry.js";

/** A clock that moves only when the retry pauses: deterministic, no real waiting. */
function fakeClock(): RetryClock & { readonly pauses: number[] } {
  let t = 1_000;
  const pauses: number[] = [];
  return {
    pauses,
    now: () => t,
    sleep: async (ms) => {
      pauses.push(ms);
      t += ms;
    },
  };
}

/** Fails `failures` times with a timeout (what a request sees without a leader), then answers. */
function flaky(failures: number) {
  let calls = 0;
  const fn = async () => {
    calls++;
    if (calls <= failures) throw new Error("TIMEOUT");
    return "answer";
  };
  return { fn, calls: () => calls };
}

describe("retryTransient", () => {
  it("retries until an answer, pausing 100 ms doubling up to 1 s", async () => {
    const clock = fakeClock();
    const f = flaky(6);
    await expect(retryTransient("reading stream J", f.fn, { clock })).resolves.toBe("answer");
    expect(f.calls()).toBe(7);
    expect(clock.pauses).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it("gives up when the next attempt would start past leaderWaitMs, naming what it was doing", async () => {
    const clock = fakeClock();
    const f = flaky(Infinity);
    // 100 + 200 + 400 + 800 = 1500 ms of pauses fit in 2 000; the next (1 000 ms) would end at 2 500.
    await expect(retryTransient("reading stream J", f.fn, { leaderWaitMs: 2_000, clock })).rejects.toThrow("reading stream J: TIMEOUT");
    expect(clock.pauses).toEqual([100, 200, 400, 800]);
    expect(f.calls()).toBe(5);
  });

  it("a longer budget rides out a longer election", async () => {
    const failures = 30; // ~26 s of pauses: past the default budget, within 45 s
    const short = flaky(failures);
    await expect(retryTransient("opening JetStream", short.fn, { clock: fakeClock() })).rejects.toThrow("opening JetStream: TIMEOUT");
    const long = flaky(failures);
    const clock = fakeClock();
    await expect(retryTransient("opening JetStream", long.fn, { leaderWaitMs: 45_000, clock })).resolves.toBe("answer");
    expect(clock.pauses.reduce((a, b) => a + b, 0)).toBe(100 + 200 + 400 + 800 + 26 * 1000);
  });

  it("the default budget is 20 s of pauses at most", async () => {
    const clock = fakeClock();
    await expect(retryTransient("x", flaky(Infinity).fn, { clock })).rejects.toThrow("x: TIMEOUT");
    const waited = clock.pauses.reduce((a, b) => a + b, 0);
    expect(DEFAULT_LEADER_WAIT_MS).toBe(20_000);
    expect(waited).toBe(19_500);
  });

  it("never retries the API's own refusals", async () => {
    const clock = fakeClock();
    let calls = 0;
    const refuse = async () => {
      calls++;
      throw new JetStreamApiError({ code: 404, err_code: JetStreamApiCodes.StreamNotFound, description: "stream not found" });
    };
    await expect(retryTransient("reading stream J", refuse, { clock })).rejects.toThrow("reading stream J: stream not found");
    expect(calls).toBe(1);
    expect(clock.pauses).toEqual([]);
  });
});
