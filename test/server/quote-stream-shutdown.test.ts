/**
 * StreamQuotes at a graceful shutdown (docs/security.md, "Process and shutdown", step 2). A
 * market-data publisher streams without end and never half-closes; its stream was in no list
 * of the server's live streams, so shutdown's close never reached it: the publisher got
 * CANCELLED after the whole shutdownGraceMs, without its summary, and every shutdown with a
 * publisher attached waited out the grace (found by review). The close now answers it with
 * its summary, after applying the ticks that waited behind the journal under the drain's rules.
 */
import { create } from "@bufbuild/protobuf";
import type { ClientWritableStream, ServiceError } from "@grpc/grpc-js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { adminService } from "../../src/server/services/admin-service.js";
import { LiveStreams } from "../../src/server/services/live-streams.js";
import type { ServingPhase } from "../../src/server/services/service-context.js";
import type { FileJournal } from "../../src/state/journal/file-journal.js";
import type { SidecarState } from "../../src/state/sidecar-state.js";
import { stateOnHeldJournal } from "../state/held-journal-state.js";
import { releaseUntilDurable, useTempDirs, type HeldFsync } from "../state/journal/journal-test-helpers.js";
import { startHarness, testConfig } from "./harness.js";
import { FakeServerCall } from "./fake-server-call.js";

const tick = (mark: string) => create(ad.StreamQuotesRequestSchema, { push: { target: { case: "instrumentId", value: 1n }, quote: { mark } } });

describe("StreamQuotes at a graceful shutdown", () => {
  it("the publisher gets its summary at the close, and the shutdown does not wait out the grace", async () => {
    // A grace far past the test's timeout: a shutdown that waited it out would fail the test.
    const h = await startHarness(testConfig({ limits: { shutdownGraceMs: 60_000 } }));
    // Resolves once the server has applied both ticks (no sleeping for them).
    const state = h.server.state;
    const admin = state.admin.bind(state);
    let ticks = 0;
    let bothApplied!: () => void;
    const applied = new Promise<void>((resolve) => (bothApplied = resolve));
    state.admin = (command, actor) => {
      const result = admin(command, actor);
      if (command.kind === "pushQuote" && ++ticks === 2) bothApplied();
      return result;
    };
    type StreamQuotes = (cb: (e: ServiceError | null, r?: ad.StreamQuotesResponse) => void) => ClientWritableStream<ad.StreamQuotesRequest>;
    const events: string[] = [];
    const outcome = new Promise<{ error: ServiceError | null; summary?: ad.StreamQuotesResponse }>((resolve) => {
      const stream = (h.clients.admin.streamQuotes as StreamQuotes)((error, summary) => {
        events.push("publisher answered");
        resolve({ error, summary });
      });
      // Written and never half-closed: a publisher streams for as long as the sidecar runs.
      stream.write(tick("101"));
      stream.write(tick("102"));
    });
    await applied;
    expect(events).toEqual([]);
    const down = h.server.shutdown().then(() => events.push("shutdown done"));
    const { error, summary } = await outcome;
    await down;
    h.clients.close();
    expect(error).toBeNull();
    expect({ accepted: summary!.accepted, failed: summary!.failed, firstError: summary!.firstError }).toEqual({ accepted: 2n, failed: 0n, firstError: "" });
    // Answered by the close, before the server finished stopping (not cut by the grace).
    expect(events).toEqual(["publisher answered", "shutdown done"]);
  });
});


describe("StreamQuotes at shutdown's close, on a journal that is behind (no sockets)", () => {
  const tempDir = useTempDirs();
  let state: SidecarState;
  let fsync: HeldFsync;
  let journal: FileJournal;
  let phase: ServingPhase;
  let streams: LiveStreams;
  const LIMITS = { maxQueuedMessages: 8, maxRecordsAwaitingDurability: 2 };

  beforeEach(() => {
    ({ state, fsync, journal } = stateOnHeldJournal(tempDir(), "sync"));
    phase = "serving";
    streams = new LiveStreams();
  });
  afterEach(async () => {
    await releaseUntilDurable(journal, fsync);
    await journal.close();
  });

  const ctx = () => ({ state, streams, phase: () => phase, channelWriters: new Map() });

  function openQuotes() {
    const call = new FakeServerCall<never>();
    let summary: ad.StreamQuotesResponse | undefined;
    let answers = 0;
    (adminService(ctx(), LIMITS).streamQuotes as (c: unknown, cb: (e: unknown, r: ad.StreamQuotesResponse) => void) => void)(call, (_e, r) => {
      answers++;
      summary = r;
    });
    return { call, tick: (mark: string) => call.emit("data", tick(mark)), summary: () => summary, answers: () => answers };
  }

  /** A publisher that sends 3 ticks (past LIMITS' bound of 2: streams stop reading until they are durable) and half-closes. */
  function stallPastBound(): void {
    const staller = openQuotes();
    for (const mark of ["1", "2", "3"]) staller.tick(mark);
    staller.call.emit("end");
  }

  it("applies the ticks that waited behind the journal under the drain's rules, then answers with the summary", async () => {
    stallPastBound();
    const quotes = openQuotes();
    const before = journal.lastSequence;
    quotes.tick("101");
    quotes.tick("oops"); // received before the close: counted, as any tick
    quotes.tick("103");
    expect(quotes.call.paused).toBe(true);
    expect(journal.lastSequence).toBe(before); // nothing applied yet: they wait behind the journal
    // SidecarServer.shutdown: the phase turns "stopping", then every stream is drained and closed.
    phase = "stopping";
    streams.drainAll();
    expect(journal.lastSequence).toBe(before + 2n); // the two valid ticks, journaled at the close
    quotes.tick("104"); // after the close: not read
    expect(quotes.summary()).toBeUndefined(); // the summary waits for the ticks to be durable
    await releaseUntilDurable(journal, fsync);
    expect(quotes.answers()).toBe(1);
    const s = quotes.summary()!;
    expect({ accepted: s.accepted, failed: s.failed }).toEqual({ accepted: 2n, failed: 1n });
    expect(s.firstError).toContain("push.quote.mark");
    expect(journal.lastSequence).toBe(before + 2n);
    // The stream has left the server's list.
    expect(streams.size).toBe(0);
  });

  it("a stream that ended or was cancelled before the close leaves the server's list", async () => {
    const ended = openQuotes();
    const cancelled = openQuotes();
    expect(streams.size).toBe(2);
    ended.tick("101");
    ended.call.emit("end");
    cancelled.call.emit("cancelled");
    expect(streams.size).toBe(0);
    phase = "stopping";
    streams.drainAll();
    await releaseUntilDurable(journal, fsync);
    expect([ended.answers(), cancelled.answers()]).toEqual([1, 0]);
    expect({ accepted: ended.summary()!.accepted, failed: ended.summary()!.failed }).toEqual({ accepted: 1n, failed: 0n });
  });
});
