/**
 * A channel's notices keep their place before the answer of the message that caused them, and
 * a client that half-closes still gets them, in every durability mode (found by review of the
 * async channel-opening gate, session 45: its first form re-queued notices behind the answers
 * in sync mode too, so they came after the answer, or never, when the stream ended first).
 */
import { describe, expect, it, afterEach } from "vitest";
import { buildSidecar } from "../../src/app/build-sidecar.js";
import { ManualClock } from "../../src/engine/index.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { FileJournal } from "../../src/state/journal/file-journal.js";
import { LiveStreams } from "../../src/server/services/live-streams.js";
import { accountChannelService } from "../../src/server/services/account-channel-service.js";
import type { ChannelNotice } from "../../src/state/results.js";
import { heldFsync, releaseUntilDurable, useTempDirs, nextTurn } from "../state/journal/journal-test-helpers.js";
import { FakeChannelCall } from "../server/fake-server-call.js";
import { order, seed } from "../server/harness.js";
import { controlsConfig } from "../server/controls-world.js";

const THROTTLE = { type: "TwoTierThrottlePolicy", settings: { default: { softMaxOrders: 2, hardMaxOrders: 3, windowMs: 1000 } } };
const ORDER = { case: "executePreTrade" as const, value: { order: order(), commitOnAccept: true } };
const LIMITS = { maxQueuedMessages: 64, maxRecordsAwaitingDurability: 1_000 };

function world(mode: "sync" | "async" | "ephemeral", dir: string) {
  const state = buildSidecar(parseSidecarConfig(controlsConfig([THROTTLE])), new ManualClock(0)).state;
  const fsync = heldFsync();
  let journal: FileJournal | undefined;
  if (mode !== "ephemeral") {
    journal = FileJournal.open({ dataDir: dir, mode, io: fsync.io, segmentBytes: 1 << 20 });
    state.attachJournal(journal);
  }
  const channelWriters = new Map<bigint, (n: ChannelNotice) => void>();
  state.onNotice = (id, n) => channelWriters.get(id)?.(n);
  const service = accountChannelService({ state, streams: new LiveStreams(), phase: () => "serving", channelWriters }, LIMITS);
  const call = new FakeChannelCall();
  (service.open as (c: unknown) => void)(call);
  const arrivals = () => call.written.map((m) => (m.notice ? `notice ${m.notice.notice.case}` : `answer ${m.correlationId}`));
  return { state, fsync, journal, call, arrivals };
}

describe("notice order vs. answer, per durability mode", () => {
  const tmp = useTempDirs();
  const open: FileJournal[] = [];
  afterEach(async () => {
    for (const j of open.splice(0)) await j.close().catch(() => {});
  });

  for (const mode of ["ephemeral", "sync", "async"] as const) {
    it(`${mode}: the ChannelClosing notice of a channel's first message precedes its answer`, async () => {
      const w = world(mode, tmp());
      if (w.journal) open.push(w.journal);
      w.call.send(1n, seed("USD", "1000000"), ORDER, ORDER, ORDER, ORDER);
      await nextTurn();
      if (w.journal) await releaseUntilDurable(w.journal, w.fsync);
      await nextTurn();
      expect(w.arrivals()).toEqual(["notice cancelWorkingOrders", "notice channelClosing", "answer 1"]);
    });
  }

  it("sync, long after the channel opened: a stream with a message in flight: the notices still precede the answer of the message causing them", async () => {
    const w = world("sync", tmp());
    open.push(w.journal!);
    w.call.send(1n, seed("USD", "1000000"));
    await nextTurn();
    for (let k = 2n; k <= 6n; k++) {
      // One order per message, the next sent while the last is still being synced.
      w.call.send(k, { case: "executePreTrade", value: { order: order({ accountId: BigInt(1000) + k }), commitOnAccept: true } });
      await nextTurn();
      if (w.fsync.count() > 0) await w.fsync.releaseNext();
      await nextTurn();
    }
    // Now the throttle closes the channel in message 7 (its fourth order of ACCOUNT).
    w.call.send(7n, ORDER, ORDER, ORDER, ORDER);
    await nextTurn();
    expect(w.arrivals()).toContain("answer 5");
    await releaseUntilDurable(w.journal!, w.fsync);
    const a = w.arrivals();
    expect(a.slice(a.indexOf("answer 6") + 1)).toEqual(["notice cancelWorkingOrders", "notice channelClosing", "answer 7"]);
  });

  for (const mode of ["ephemeral", "sync", "async"] as const) {
    it(`${mode}: a client that half-closes right after the message the policy closed its channel on still gets the notices before the stream ends`, async () => {
      const w = world(mode, tmp());
      if (w.journal) open.push(w.journal);
      w.call.send(1n, seed("USD", "1000000"), ORDER, ORDER, ORDER, ORDER);
      w.call.emit("end");
      await nextTurn();
      if (w.journal) await releaseUntilDurable(w.journal, w.fsync);
      await nextTurn();
      expect({ arrivals: [...w.arrivals()].sort(), ended: w.call.ended }).toEqual({ arrivals: ["answer 1", "notice cancelWorkingOrders", "notice channelClosing"], ended: true });
    });
  }
});
