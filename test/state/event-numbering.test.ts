/**
 * Event numbers are part of the state: a replay of the journal (a crash, no snapshot) or a
 * snapshot numbers on from where the live run stopped, so a monitor never gets a number it
 * already holds (found by review: every start numbered from 1 again).
 */
import { describe, expect, it } from "vitest";
import { buildState } from "../../src/app/build-sidecar.js";
import { ManualClock } from "../../src/engine/index.js";
import { AccountId } from "../../src/param/index.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import type { SequencedEvent } from "../../src/state/event-hub.js";
import { decodePlain, encodePlain } from "../../src/state/plain-data.js";
import type { StateSnapshot } from "../../src/state/sidecar-state.js";
import { testConfig } from "../server/harness.js";
import { RecordingJournal } from "./recording-journal.js";

function door() {
  const state = buildState(parseSidecarConfig(testConfig()), new ManualClock(1_000));
  const journal = new RecordingJournal();
  state.attachJournal(journal);
  return { state, journal };
}

describe("event numbering", () => {
  it("a replayed journal and a restored snapshot number on after the live run's last event", () => {
    const live = door();
    const seen: SequencedEvent[] = [];
    live.state.events.subscribe((e) => seen.push(e));
    live.state.admin({ kind: "blockAccount", accountId: AccountId.fromU64(42), reason: "hold" }, "alice");
    live.state.recordDenial({ actor: "mallory", action: "blockAccount", detail: "x", reason: "no role" });
    live.state.admin({ kind: "unblockAccount", accountId: AccountId.fromU64(42) }, "alice");
    expect(seen.map((e) => e.sequence)).toEqual(seen.map((_, i) => BigInt(i + 1)));
    const last = seen.at(-1)!.sequence;

    // A crash: the journal replayed into a fresh state, nothing delivered, every event numbered.
    const replayed = door();
    const heard: SequencedEvent[] = [];
    replayed.state.events.subscribe((e) => heard.push(e));
    for (const payload of live.journal.records) replayed.state.replay(payload);
    expect(heard).toEqual([]);
    expect(replayed.state.events.lastSequence).toBe(last);
    replayed.state.admin({ kind: "blockAccount", accountId: AccountId.fromU64(43), reason: "next" }, "alice");
    expect(heard[0]!.sequence).toBe(last + 1n);

    // A snapshot carries the number.
    const restored = door();
    restored.state.restore(decodePlain(encodePlain(live.state.snapshot())) as StateSnapshot);
    expect(restored.state.events.lastSequence).toBe(last);
  });
});
