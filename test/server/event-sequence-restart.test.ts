/**
 * Found by review: AccountEvent.sequence was an in-memory counter (src/state/event-hub.ts,
 * `private sequence = 0n`), never persisted nor restored, so every start of a durable
 * sidecar numbered its events from 1 again. A monitor that "reconciles by sequence"
 * (docs/configuration.md maxQueuedEventsPerSubscriber, events-service.ts fellBehind) after
 * its stream was cut by a restart sees numbers it already has: the new events collide with
 * (and a dedup-by-sequence monitor discards them as) old ones.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startDurable, type DurableSidecar } from "./controls-world.js";
import { monitorEvents, type EventMonitor } from "../helpers/event-monitor.js";
import { ACCOUNT, OTHER_ACCOUNT, testConfig } from "./harness.js";

/** Each event's number and kind. */
const seen = (m: EventMonitor) => m.messages.map((e) => ({ sequence: e.sequence, kind: e.event.case }));

describe("event sequence numbers across a restart", () => {
  const dirs: string[] = [];
  const started: DurableSidecar[] = [];
  afterEach(async () => {
    for (const d of started.splice(0)) await d.stop();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("a restarted sidecar goes on numbering events after the last one a monitor saw", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "openpit-review-seq-"));
    dirs.push(dataDir);

    const first = await startDurable(testConfig({ listen: "127.0.0.1:0" }), dataDir, 1_000);
    started.push(first);
    const m1 = monitorEvents(first.clients);
    await vi.waitFor(() => expect(first.sidecar.server.state.events.subscriberCount).toBe(1));
    await first.admin("blockAccount", { accountId: ACCOUNT, reason: "hold" });
    await vi.waitFor(() => expect(seen(m1).some((e) => e.kind === "auditRecorded")).toBe(true));
    const lastSeen = seen(m1).at(-1)!.sequence;
    const seenBefore = new Set(seen(m1).map((e) => e.sequence));
    m1.cancel();
    await first.stop();
    started.splice(0);

    const second = await startDurable(testConfig({ listen: "127.0.0.1:0" }), dataDir, 2_000);
    started.push(second);
    const m2 = monitorEvents(second.clients);
    await vi.waitFor(() => expect(second.sidecar.server.state.events.subscriberCount).toBe(1));
    await second.admin("blockAccount", { accountId: OTHER_ACCOUNT, reason: "another hold" });
    await vi.waitFor(() => expect(seen(m2).some((e) => e.kind === "auditRecorded")).toBe(true));

    // The new life's events are new: none may reuse a number the monitor already holds.
    expect(seen(m2).filter((e) => seenBefore.has(e.sequence))).toEqual([]);
    expect(seen(m2)[0]!.sequence).toBeGreaterThan(lastSeen);
  });
});
