/**
 * Back-pressure from the journal (journal-backpressure.ts): while more than
 * limits.maxRecordsAwaitingDurability records wait for their fdatasync, a channel or a feed
 * runs nothing new; what arrives waits in the stream's bounded inbox (then HTTP/2 flow
 * control), and runs once the journal has caught up. Before, a stalled disk let every new
 * message run and change the state, with its record and answer held in memory without bound.
 */
import { create } from "@bufbuild/protobuf";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OpenRequestSchema } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { PublishRequestSchema } from "../../gen/openpit/sidecar/v1/feed_pb.js";
import type { AccountId } from "../../src/param/index.js";
import type { SpotFundsPolicy } from "../../src/policies/index.js";
import { accountChannelService, COMMANDS_PER_SLICE, type ChannelQueueLimits } from "../../src/server/services/account-channel-service.js";
import { feedService, REPORTS_PER_SLICE } from "../../src/server/services/feed-service.js";
import { adminService } from "../../src/server/services/admin-service.js";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { LiveStreams } from "../../src/server/services/live-streams.js";
import { FileJournal } from "../../src/state/journal/file-journal.js";
import type { SidecarState } from "../../src/state/sidecar-state.js";
import type { CommandInit } from "../../src/client/index.js";
import { nextTurn, releaseUntilDurable, useTempDirs, type HeldFsync } from "../state/journal/journal-test-helpers.js";
import { ACCOUNT, order, seed } from "./harness.js";
import { as, errorOf, feeReport } from "./results.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { stateOnHeldJournal } from "../state/held-journal-state.js";
import { FakeChannelCall, FakeFeedCall, FakeServerCall } from "./fake-server-call.js";


const buy = (): CommandInit => ({ case: "executePreTrade", value: { order: order({ qty: "1", price: "100" }) } });

describe("journal back-pressure (no sockets)", () => {
  const tempDir = useTempDirs();
  let state: SidecarState;
  let fsync: HeldFsync;
  let journal: FileJournal;

  beforeEach(() => {
    ({ state, fsync, journal } = stateOnHeldJournal(tempDir(), "sync"));
  });
  afterEach(async () => {
    await catchUp();
    await journal.close();
  });

  const catchUp = () => releaseUntilDurable(journal, fsync);

  const usd = () => {
    const h = (state.engine.policy("SpotFundsPolicy") as SpotFundsPolicy).holdings(ACCOUNT as AccountId).get("USD")!;
    return { available: h.available.toString(), held: h.held.toString() };
  };

  /** A channel stream on the state, with the given bounds; `send` delivers one command as a message. */
  function openChannel(limits: ChannelQueueLimits) {
    const service = accountChannelService({ state, streams: new LiveStreams(), phase: () => "serving", channelWriters: new Map() }, limits);
    const call = new FakeChannelCall();
    (service.open as (c: unknown) => void)(call);
    const send = (correlationId: bigint, command: CommandInit) =>
      call.emit("data", create(OpenRequestSchema, { correlationId, commands: [{ command }] }));
    return { call, send };
  }

  const LIMITS = { maxQueuedMessages: 8, maxRecordsAwaitingDurability: 2 };

  /** Puts the journal past LIMITS' bound with one channel (its opening, an adjustment, an order: 3 records wait); the last sequence then. */
  function stallPastBound(): bigint {
    const first = openChannel(LIMITS);
    first.send(1n, seed("USD", "500"));
    first.send(2n, buy());
    return journal.lastSequence;
  }

  /** A StreamQuotes call on the state with LIMITS: `tick` sends a mark for instrument 1, `summary` is its answer once given. */
  function openQuotes() {
    const admin = adminService({ state, streams: new LiveStreams(), phase: () => "serving", channelWriters: new Map() }, LIMITS);
    const call = new FakeServerCall<never>();
    let summary: ad.StreamQuotesResponse | undefined;
    (admin.streamQuotes as (c: unknown, cb: (e: unknown, r: ad.StreamQuotesResponse) => void) => void)(call, (_e, r) => (summary = r));
    const tick = (mark: string) => call.emit("data", create(ad.StreamQuotesRequestSchema, { push: { target: { case: "instrumentId", value: 1n }, quote: { mark } } }));
    return { call, tick, summary: () => summary };
  }

  it("a channel runs nothing new while the journal is behind, and runs what waited once it caught up", async () => {
    const { call, send } = openChannel({ maxQueuedMessages: 8, maxRecordsAwaitingDurability: 2 });

    send(1n, seed("USD", "500")); // the channel's opening and the adjustment: 2 records wait
    send(2n, buy()); // 3 wait: past the bound, reading stops after this one
    expect(journal.recordsAwaitingDurability).toBe(3);
    send(3n, buy());
    send(4n, buy());
    // Nothing is answered (the fdatasync is held) and orders 3 and 4 have not run.
    expect(call.written).toEqual([]);
    expect(usd()).toEqual({ available: "400", held: "100" });
    expect(journal.recordsAwaitingDurability).toBe(3);

    await catchUp();
    expect(usd()).toEqual({ available: "200", held: "300" });
    expect(call.written.map((m) => m.correlationId)).toEqual([1n, 2n, 3n, 4n]);
    expect(call.written.slice(1).map((m) => as(m.results[0], "execute").accepted)).toEqual([true, true, true]);
  });

  it("a full inbox behind a stalled journal pauses reading, and reading resumes once it caught up", async () => {
    const { call, send } = openChannel({ maxQueuedMessages: 1, maxRecordsAwaitingDurability: 1 });
    send(1n, seed("USD", "500"));
    send(2n, buy()); // waits in the inbox (the bound of one)
    expect(call.paused).toBe(false);
    send(3n, buy()); // past the inbox's bound: refused, reading paused
    expect(call.paused).toBe(true);
    await catchUp();
    expect(call.paused).toBe(false);
    // 3 was refused on arrival, so its refusal was queued before 2 ran.
    expect(call.written.map((m) => m.correlationId)).toEqual([1n, 3n, 2n]);
    expect(errorOf(call.written[1]!.results[0])).toMatchObject({ code: ErrorCode.RESOURCE_EXHAUSTED, message: "channel queue is full; read responses before sending more" });
    expect(usd()).toEqual({ available: "400", held: "100" });
  });

  it("a feed stops reading while the journal is behind, and reads again once it caught up", async () => {
    const service = feedService({ state, streams: new LiveStreams(), phase: () => "serving", channelWriters: new Map() }, { maxQueuedMessages: 8, maxRecordsAwaitingDurability: 2 });
    const call = new FakeFeedCall();
    (service.publish as (c: unknown) => void)(call);
    const publish = (correlationId: bigint) => call.emit("data", create(PublishRequestSchema, { correlationId, reports: [feeReport("1")] }));

    publish(1n);
    publish(2n);
    expect(call.paused).toBe(false);
    publish(3n); // 3 records wait: past the bound
    expect(call.paused).toBe(true);
    expect(journal.recordsAwaitingDurability).toBe(3);
    await catchUp();
    expect(call.paused).toBe(false);
    expect(call.written.map((m) => m.correlationId)).toEqual([1n, 2n, 3n]);
  });

  it("a quote stream stops reading while the journal is behind; one-off admin calls still run", async () => {
    const service = adminService({ state, streams: new LiveStreams(), phase: () => "serving", channelWriters: new Map() }, { maxRecordsAwaitingDurability: 2 });
    const call = new FakeServerCall<never>();
    let summary: ad.StreamQuotesResponse | undefined;
    (service.streamQuotes as (c: unknown, cb: (e: unknown, r: ad.StreamQuotesResponse) => void) => void)(call, (_e, r) => (summary = r));
    const tick = (mark: string) => call.emit("data", create(ad.StreamQuotesRequestSchema, { push: { target: { case: "instrumentId", value: 1n }, quote: { mark } } }));
    tick("101");
    tick("102");
    expect(call.paused).toBe(false);
    tick("103"); // 3 records wait: past the bound
    expect(call.paused).toBe(true);
    // A one-off admin change still runs during a stall (its answer waits for the disk, as always).
    const pushed = new Promise((resolve, reject) =>
      (service.pushQuote as (c: unknown, cb: (e: unknown, r: unknown) => void) => void)(
        { request: create(ad.PushQuoteRequestSchema, { target: { case: "instrumentId", value: 1n }, quote: { mark: "104" } }), metadata: { get: () => [] }, getPeer: () => "test" },
        (e, r) => (e ? reject(e) : resolve(r)),
      ),
    );
    expect(journal.recordsAwaitingDurability).toBe(4);
    await catchUp();
    await pushed;
    expect(call.paused).toBe(false);
    call.emit("end");
    await catchUp();
    expect(summary).toMatchObject({ accepted: 3n, failed: 0n });
  });

  it("a feed held by the journal applies nothing more of what it queued: not the next slice, not the messages behind it", async () => {
    const service = feedService({ state, streams: new LiveStreams(), phase: () => "serving", channelWriters: new Map() }, { maxQueuedMessages: 64, maxRecordsAwaitingDurability: 1 });
    const call = new FakeFeedCall();
    (service.publish as (c: unknown) => void)(call);
    const publish = (correlationId: bigint, reports: number) =>
      call.emit("data", create(PublishRequestSchema, { correlationId, reports: Array.from({ length: reports }, () => feeReport("1")) }));
    publish(1n, REPORTS_PER_SLICE * 3); // three slices, one record each
    for (let c = 2n; c <= 11n; c++) publish(c, REPORTS_PER_SLICE); // queued behind it (already delivered)
    for (let turn = 0; turn < 20; turn++) await nextTurn(); // the disk stays stalled
    // Two slices ran (the second found 2 records waiting, past the bound of 1); nothing since.
    expect(journal.recordsAwaitingDurability).toBe(2);
    expect(call.paused).toBe(true);
    expect(call.written).toEqual([]);
    await catchUp();
    expect(call.written.map((m) => [m.correlationId, m.results.length])).toEqual([
      [1n, REPORTS_PER_SLICE * 3],
      ...Array.from({ length: 10 }, (_, i) => [BigInt(i + 2), REPORTS_PER_SLICE]),
    ]);
    expect(call.paused).toBe(false);
  });

  it("a channel's sliced message waits between slices while the journal is behind", async () => {
    const { call, send } = openChannel({ maxQueuedMessages: 8, maxRecordsAwaitingDurability: 2 });
    send(1n, seed("USD", "100000")); // opening + adjustment: 2 records wait, at the bound
    call.emit("data", create(OpenRequestSchema, { correlationId: 2n, commands: Array.from({ length: COMMANDS_PER_SLICE * 3 }, () => ({ command: buy() })) }));
    for (let turn = 0; turn < 20; turn++) await nextTurn();
    // The first slice ran (the journal was at the bound, not past it); the second found it past.
    expect(usd()).toEqual({ available: String(100000 - 100 * COMMANDS_PER_SLICE), held: String(100 * COMMANDS_PER_SLICE) });
    await catchUp();
    expect(usd()).toEqual({ available: String(100000 - 100 * COMMANDS_PER_SLICE * 3), held: String(100 * COMMANDS_PER_SLICE * 3) });
    expect(call.written.map((m) => [m.correlationId, m.results.length])).toEqual([
      [1n, 1],
      [2n, COMMANDS_PER_SLICE * 3],
    ]);
  });

  // Found by review (session 33): the bound is over every stream, but a stream asked it only
  // after its own answers, so one opened (or reconnecting) while the journal was behind ran
  // its first message at once: records and answers grew past the bound, one per new stream.
  it("streams opened while the journal is behind (channel, feed, quotes) run nothing until it caught up", async () => {
    const behind = stallPastBound();
    const channels = [openChannel(LIMITS), openChannel(LIMITS)];
    channels.forEach((c, i) => c.send(1n, seed("EUR", String(10 + i), (ACCOUNT as bigint) + 1n + BigInt(i))));
    const feed = feedService({ state, streams: new LiveStreams(), phase: () => "serving", channelWriters: new Map() }, LIMITS);
    const feedCall = new FakeFeedCall();
    (feed.publish as (c: unknown) => void)(feedCall);
    feedCall.emit("data", create(PublishRequestSchema, { correlationId: 1n, reports: [feeReport("1")] }));
    const quotes = openQuotes();
    quotes.tick("101");
    quotes.call.emit("end");
    for (let turn = 0; turn < 20; turn++) await nextTurn(); // the disk stays stalled
    expect(journal.lastSequence).toBe(behind);
    expect([feedCall.paused, quotes.call.paused]).toEqual([true, true]);
    await catchUp();
    // 2 channel openings + 2 adjustments, 1 report, 1 tick.
    expect(journal.lastSequence).toBe(behind + 6n);
    expect(channels.map((c) => c.call.written.map((m) => m.correlationId))).toEqual([[1n], [1n]]);
    expect(feedCall.written.map((m) => m.correlationId)).toEqual([1n]);
    await catchUp();
    expect(quotes.summary()).toMatchObject({ accepted: 1n, failed: 0n });
  });

  // Found by review of the change above: ticks that waited behind the journal were applied
  // once it caught up even when the stream had ended meanwhile: cancelled by its client, or
  // revoked (the guard answers UNAUTHENTICATED and emits 'cancelled': "what the client sent
  // before it heard the status is dropped, not applied under a revoked credential").
  it("a quote stream cancelled while its ticks wait behind the journal applies none of them", async () => {
    const behind = stallPastBound();
    const quotes = openQuotes();
    quotes.tick("101");
    expect(quotes.call.paused).toBe(true);
    quotes.call.emit("cancelled");
    quotes.tick("102");
    await catchUp();
    expect(journal.lastSequence).toBe(behind);
    expect(quotes.summary()).toBeUndefined();
  });
});
