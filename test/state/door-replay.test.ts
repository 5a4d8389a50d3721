/**
 * The door's promise: a journal replayed into a freshly built state gives the same state
 * and the same decisions as the live run, bit for bit; so does a snapshot taken mid-run
 * (open reservations and requests included) plus a replay of the records after it.
 */
import { afterAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/engine/index.js";
import { decodePlain, encodePlain } from "../../src/state/plain-data.js";
import type { StateSnapshot } from "../../src/state/sidecar-state.js";
import { RecordingJournal } from "./recording-journal.js";
import { doorOn, runWorkload, stable } from "./door-workload.js";

/** The state as bytes; `sequence` names the journal position, which a replaying copy does not append to. */
const snapshotBytes = (s: { snapshot(): StateSnapshot }) => Buffer.from(encodePlain({ ...s.snapshot(), sequence: 0n })).toString();

describe("the door: replay and snapshots", () => {
  let cutsWithOpenHandles = 0;
  afterAll(() => {
    // The mid-run snapshots must have carried open reservations for the test to mean anything.
    expect(cutsWithOpenHandles).toBeGreaterThan(0);
  });
  for (const seed of [1, 3, 4, 5, 6, 8]) {
    it(`seed ${seed}: replaying the journal reproduces every decision and the final state`, () => {
      const journal = new RecordingJournal();
      const live = doorOn(journal);
      const liveAnswers: string[] = [];
      live.state.onCommand = (outcome) => liveAnswers.push(stable(outcome));
      const answers = runWorkload(live.state, live.clock, seed, 400);
      expect(journal.records.length).toBeGreaterThan(300);
      // The workload exercised what it claims to.
      const text = answers.join("\n");
      for (const needle of ["executeAccepted", "executeRejected", "finalized", "postTrade", "compliance hold", "sweep", "AccountBlocked", "duplicateExecutionId"]) {
        if (!text.includes(needle)) throw new Error(`seed ${seed}: the workload never produced '${needle}'`);
      }

      const replayed = doorOn(new RecordingJournal(), new ManualClock(0));
      const again = journal.records.map((payload) => stable(replayed.state.replay(payload)));
      expect(liveAnswers).toHaveLength(journal.records.length);
      expect(again).toEqual(liveAnswers);
      expect(snapshotBytes(replayed.state)).toBe(snapshotBytes(live.state));
      // The process-wide tally of open handles agrees with the channels' own counts.
      for (const s of [live.state, replayed.state]) {
        expect(s.openHandleCount()).toBe([...s.channels.values()].reduce((n, c) => n + c.openHandles, 0));
      }

      // A snapshot in the middle, restored into a fresh state, then the tail replayed.
      const cut = Math.floor(journal.records.length / 2);
      const first = doorOn(new RecordingJournal(), new ManualClock(0));
      const firstAnswers = journal.records.slice(0, cut).map((p) => stable(first.state.replay(p)));
      const middle = encodePlain(first.state.snapshot());
      const openAtCut = first.state.snapshot().channels.reduce((n, c) => n + c.handles.length, 0);
      const resumed = doorOn(new RecordingJournal(), new ManualClock(0));
      resumed.state.restore(decodePlain(middle) as StateSnapshot);
      const tailAnswers = journal.records.slice(cut).map((p) => stable(resumed.state.replay(p)));
      expect([...firstAnswers, ...tailAnswers]).toEqual(again);
      expect(snapshotBytes(resumed.state)).toBe(snapshotBytes(live.state));
      cutsWithOpenHandles += openAtCut > 0 ? 1 : 0;
    });
  }
});
