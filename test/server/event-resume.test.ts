/**
 * Subscribe's `after_sequence` over the wire: a monitor whose stream was cut (it fell behind,
 * the sidecar restarted) resumes after the last number it holds and gets exactly the events it
 * missed, then live ones, the same as a monitor that never left; after a crash (journal
 * replay) and a graceful stop (snapshot) too. When the sidecar cannot hand over every event
 * after it, the resume is refused with a status that says why, never served with a hole.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { SidecarClients } from "../../src/client/index.js";
import { monitorEvents } from "../helpers/event-monitor.js";
import { startDurable, type DurableSidecar } from "./controls-world.js";
import { ACCOUNT, OTHER_ACCOUNT, startHarness, testConfig, type Harness } from "./harness.js";

type Admin = Harness["admin"];

/** Three changes, seven events: block (accountBlocked, cancelWorkingOrdersSent, auditRecorded), re-word, unblock (each an event and its audit record). */
async function changes(admin: Admin, accountId: bigint) {
  await admin("blockAccount", { accountId, reason: "hold" });
  await admin("replaceAccountBlockReason", { accountId, reason: "still held" });
  await admin("unblockAccount", { accountId });
}

const subscribed = (state: { events: { subscriberCount: number } }, n: number) => vi.waitFor(() => expect(state.events.subscriberCount).toBe(n));

describe("resuming the event stream after a number", () => {
  let h: Harness | undefined;
  const dirs: string[] = [];
  const started: DurableSidecar[] = [];
  afterEach(async () => {
    await h?.close();
    h = undefined;
    for (const d of started.splice(0)) await d.stop();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("gets exactly what it missed, then live events, as a monitor that never left", async () => {
    h = await startHarness();
    const always = monitorEvents(h.clients);
    const cut = monitorEvents(h.clients);
    await subscribed(h.server.state, 2);
    await changes(h.admin, ACCOUNT);
    await always.received(7);
    await cut.received(7);
    cut.cancel();
    await subscribed(h.server.state, 1);
    await changes(h.admin, OTHER_ACCOUNT);
    await always.received(14);

    const resumed = monitorEvents(h.clients, 7n);
    await resumed.received(7);
    await subscribed(h.server.state, 2);
    await h.admin("blockAccount", { accountId: ACCOUNT, reason: "again" });
    await always.received(17);
    await resumed.received(10);
    expect(resumed.sequences()).toEqual([8n, 9n, 10n, 11n, 12n, 13n, 14n, 15n, 16n, 17n]);
    expect([...cut.events, ...resumed.events]).toEqual(always.events);
    // Resuming after the last number: live events only.
    const upToDate = monitorEvents(h.clients, 17n);
    await subscribed(h.server.state, 3);
    await h.admin("unblockAccount", { accountId: ACCOUNT });
    await upToDate.received(2);
    expect(upToDate.sequences()).toEqual([18n, 19n]);
  });

  it("refused OUT_OF_RANGE when events after it are no longer kept, FAILED_PRECONDITION past the last number", async () => {
    h = await startHarness(testConfig({ limits: { eventsKeptForResume: 4 } }));
    await changes(h.admin, ACCOUNT);
    const gone = await monitorEvents(h.clients, 1n).ended;
    expect([gone.code, gone.details, gone.metadata.get("openpit-error-kind")]).toEqual([
      status.OUT_OF_RANGE,
      "events after 1 are no longer all kept (the oldest kept is 4; this sidecar keeps the last 4 it saw since it started, limits.eventsKeptForResume): reconcile through QueryAudit and the state reads, then subscribe without after_sequence",
      ["NOT_KEPT"],
    ]);
    const ahead = await monitorEvents(h.clients, 8n).ended;
    expect([ahead.code, ahead.details, ahead.metadata.get("openpit-error-kind")]).toEqual([
      status.FAILED_PRECONDITION,
      "after_sequence 8 is past the last event this sidecar has numbered (7): it is behind the one that event came from (a standby, or state restored from an older point); subscribe where the accounts are served",
      ["AHEAD"],
    ]);
    expect(h.server.state.events.subscriberCount).toBe(0);
    // The oldest kept resume works.
    const kept = monitorEvents(h.clients, 3n);
    await kept.received(4);
    expect(kept.sequences()).toEqual([4n, 5n, 6n, 7n]);
  });

  it("a resume naming another ownership group is refused FAILED_PRECONDITION (kind OTHER_GROUP); without failover the group is \"all\" and no header names it", async () => {
    h = await startHarness();
    await changes(h.admin, ACCOUNT);
    const other = await monitorEvents(h.clients, 2n, "0-1").ended;
    expect([other.code, other.details, other.metadata.get("openpit-error-kind")]).toEqual([
      status.FAILED_PRECONDITION,
      "after_sequence 2 was numbered by the journal of ownership group '0-1', and this instance's events by that of group all: each group numbers its own events, so resume at an instance of group '0-1' (its owner or a standby), or subscribe here without after_sequence",
      ["OTHER_GROUP"],
    ]);
    expect(h.server.state.events.subscriberCount).toBe(0);
    // Its own group, or none named (an older client): resumed as before; without after_sequence the group is not checked.
    for (const group of ["all", undefined]) {
      const resumed = monitorEvents(h.clients, 5n, group);
      await resumed.received(2);
      expect(resumed.sequences()).toEqual([6n, 7n]);
      expect(await resumed.ownershipGroup).toBeUndefined();
      resumed.cancel();
    }
    const live = monitorEvents(h.clients, undefined, "0-1");
    await live.subscribed;
    live.cancel();
  });

  async function durableHistory(dataDir: string): Promise<{ first: DurableSidecar; seen: ReturnType<typeof monitorEvents> }> {
    const first = await startDurable(testConfig({ listen: "127.0.0.1:0" }), dataDir, 1_000);
    started.push(first);
    const seen = monitorEvents(first.clients);
    await subscribed(first.sidecar.server.state, 1);
    await changes(first.admin, ACCOUNT);
    await seen.received(7);
    return { first, seen };
  }

  async function resumeAfterRestart(clients: SidecarClients, state: { events: { subscriberCount: number } }, admin: Admin, before: unknown[]) {
    // The monitor held events 1 and 2 when the sidecar went away.
    const resumed = monitorEvents(clients, 2n);
    await resumed.received(5);
    expect(resumed.events).toEqual(before.slice(2));
    await subscribed(state, 1);
    await admin("blockAccount", { accountId: OTHER_ACCOUNT, reason: "after the restart" });
    await resumed.received(8);
    expect(resumed.sequences()).toEqual([3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n]);
  }

  it("after a crash: the events come back from the journal's replay, as they were live", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "openpit-resume-"));
    dirs.push(dataDir);
    const { first, seen } = await durableHistory(dataDir);
    seen.cancel();
    await first.crash();

    const second = await startDurable(testConfig({ listen: "127.0.0.1:0" }), dataDir, 2_000);
    started.push(second);
    expect(second.sidecar.recovery).toMatchObject({ snapshotSequence: 0n });
    await resumeAfterRestart(second.clients, second.sidecar.server.state, second.admin, seen.events);
  });

  it("after a graceful stop: the events come back from the last snapshot", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "openpit-resume-"));
    dirs.push(dataDir);
    const { first, seen } = await durableHistory(dataDir);
    seen.cancel();
    await first.stop();

    const second = await startDurable(testConfig({ listen: "127.0.0.1:0" }), dataDir, 2_000);
    started.push(second);
    expect(second.sidecar.recovery).toMatchObject({ replayed: 0 });
    await resumeAfterRestart(second.clients, second.sidecar.server.state, second.admin, seen.events);
  });
});
