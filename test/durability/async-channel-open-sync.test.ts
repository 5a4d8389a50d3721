/**
 * In async durability an answer leaves before its record is on disk. A crash that took back the
 * record opening a channel took back the move of the channel counter, and the restart gave the
 * same channel id, so the same handle ids, to the next channel: a reservation id the gateway had
 * been told of then named that channel's reservation, and a stale commit committed it (found by
 * review, session 45; docs/operating.md "Channel ids" says an id is never issued again). A
 * channel's answers now wait for the sync until its opening record is on disk, in order, and
 * then go at once again.
 */
import { describe, expect, it } from "vitest";
import { LiveStreams } from "../../src/server/services/live-streams.js";
import { accountChannelService } from "../../src/server/services/account-channel-service.js";
import type { CommandInit } from "../../src/client/index.js";
import { nextTurn, releaseUntilDurable } from "../state/journal/journal-test-helpers.js";
import { useStateOnHeldJournal } from "../state/held-journal-state.js";
import { FakeChannelCall } from "../server/fake-server-call.js";
import { order, seed } from "../server/harness.js";

const buy = (): CommandInit => ({ case: "executePreTrade", value: { order: order({ qty: "1", price: "100" }) } });
const LIMITS = { maxQueuedMessages: 64, maxRecordsAwaitingDurability: 1_000 };

describe("async durability: a channel's first answers", () => {
  const held = useStateOnHeldJournal("async");

  function openChannel() {
    const { state } = held();
    const service = accountChannelService({ state, streams: new LiveStreams(), phase: () => "serving", channelWriters: new Map() }, LIMITS);
    const call = new FakeChannelCall();
    (service.open as (c: unknown) => void)(call);
    return call;
  }

  it("wait until the record opening the channel is on disk, in order; later answers go at once, as async mode does", async () => {
    const { fsync, journal } = held();
    const call = openChannel();
    call.send(1n, seed("USD", "1000"));
    call.send(2n, buy());
    await nextTurn();
    // The opening, the seed and the order are written, their fdatasync held: nothing is answered.
    expect(fsync.count()).toBe(1);
    expect(call.correlationIds).toEqual([]);
    await releaseUntilDurable(journal, fsync);
    expect(call.correlationIds).toEqual([1n, 2n]);
    expect(call.written[1]!.results[0]!.result.case).toBe("execute");

    // The opening is on disk: the next answer leaves before its own record's sync.
    call.send(3n, buy());
    await nextTurn();
    expect(fsync.count()).toBe(1);
    expect(call.correlationIds).toEqual([1n, 2n, 3n]);
  });

  it("a stream that always has a message in flight: only the answer before the opening's sync waits (found by review: with a counter, none went at once again)", async () => {
    const { fsync } = held();
    const call = openChannel();
    call.send(1n, seed("USD", "1000000"));
    await nextTurn();
    const atOnce: bigint[] = [];
    const waited: bigint[] = [];
    for (let k = 2n; k <= 20n; k++) {
      // The next message arrives while the previous batch's fdatasync is still held.
      call.send(k, buy());
      await nextTurn();
      (call.correlationIds.includes(k) ? atOnce : waited).push(k);
      if (fsync.count() > 0) await fsync.releaseNext();
      await nextTurn();
    }
    expect(waited).toEqual([2n]);
    expect(atOnce).toHaveLength(18);
    expect(call.correlationIds).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i + 1)));
  });

  it("a half-close before the sync ends the stream only after the held answers", async () => {
    const { fsync, journal } = held();
    const call = openChannel();
    call.send(1n, seed("USD", "1000"));
    call.emit("end");
    await nextTurn();
    expect({ answered: call.correlationIds, ended: call.ended }).toEqual({ answered: [], ended: false });
    await releaseUntilDurable(journal, fsync);
    expect({ answered: call.correlationIds, ended: call.ended }).toEqual({ answered: [1n], ended: true });
  });
});
