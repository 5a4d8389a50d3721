/**
 * Found by review (session 30): a start that failed while "recovering" (e.g. a replicated
 * stream purged past its snapshot) shut the server down as if it had served: every channel
 * restored from the snapshot was closed, and channel_closed / reservations_rolled_back
 * events went out (and to the log) at journal sequences nothing had journaled, and a last
 * snapshot was taken of a half-recovered state. A server that never served closes nothing
 * and snapshots nothing: the next start that recovers rolls those channels back, journaled.
 * (test/ha/purged-stream-start.test.ts checks the same on the real process.)
 */
import { describe, expect, it } from "vitest";
import { buildSidecar } from "../../src/app/build-sidecar.js";
import { ManualClock } from "../../src/engine/index.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { MemoryJournal } from "../../src/state/journal/memory-journal.js";
import { testConfig } from "../server/harness.js";

function recoveringServer() {
  const config = parseSidecarConfig(testConfig({ durability: { mode: "sync", dataDir: "/nonexistent/openpit-unused" } }));
  const server = buildSidecar(config, new ManualClock(1000));
  const journal = new MemoryJournal();
  server.state.attachJournal(journal);
  // What recovery restored before it failed: a channel of the durable state.
  const channel = server.state.openChannel();
  const restoredUpTo = journal.lastSequence;
  const events: string[] = [];
  const tap = server.state.events.tap;
  server.state.events.tap = (e) => {
    events.push(e.event.kind);
    tap?.(e);
  };
  let snapshots = 0;
  (server.state as { snapshots?: unknown }).snapshots = { stop: () => undefined, take: async () => void snapshots++, fence: () => undefined };
  return { server, channel, events, snapshots: () => snapshots, journaled: () => journal.lastSequence - restoredUpTo };
}

describe("shutdown of a server that never served", () => {
  it("closes no channel of the recovered state and takes no snapshot", async () => {
    const { server, channel, events, snapshots, journaled } = recoveringServer();
    expect(server.phase).toBe("recovering");
    await server.shutdown();
    expect(server.state.channels.has(channel.channelId)).toBe(true);
    expect(journaled()).toBe(0n);
    expect(events).toEqual([]);
    expect(snapshots()).toBe(0);
  });

  // The reservations' rollbacks and events of a served shutdown are the drain suites' (test/server/drain.test.ts).
  it("a server that served still closes its channels and takes a last snapshot", async () => {
    const { server, channel, snapshots } = recoveringServer();
    server.startServing();
    await server.shutdown();
    expect(server.state.channels.has(channel.channelId)).toBe(false);
    expect(snapshots()).toBe(1);
  });
});
