/** The lock-step runner (see lockstep.test.ts). */
import { ManualClock } from "../../../src/engine/index.js";
import { decodePlain, encodePlain } from "../../../src/state/plain-data.js";
import type { SidecarState, StateSnapshot } from "../../../src/state/sidecar-state.js";
import { Generator, newDoor, runStep, stable } from "./fuzz-world.js";
import type { RecordingJournal } from "../recording-journal.js";
import { seededRandom } from "../../../bench/workload.js";

export const bytes = (s: SidecarState) => Buffer.from(encodePlain({ ...s.snapshot(), sequence: 0n })).toString();

export function firstDiff(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `at ${i}: want …${a.slice(Math.max(0, i - 300), i + 300)}…\n got …${b.slice(Math.max(0, i - 300), i + 300)}…`;
}

export interface Copy {
  state: SidecarState;
  clock: ManualClock;
  journal: RecordingJournal;
  from: number;
  fromRecord: number;
}

/** A restart of `s` from its own snapshot, as recovery does it (no records to replay). */
export function restart(s: SidecarState, clock: ManualClock, journal: RecordingJournal, onCommand?: (o: unknown) => void): SidecarState {
  const snap = encodePlain(s.snapshot());
  const fresh = newDoor(clock, journal).state;
  fresh.restore(decodePlain(snap) as StateSnapshot);
  fresh.onCommand = onCommand;
  fresh.resumeAfterReplay();
  fresh.closeRecoveredChannels();
  fresh.markServing();
  return fresh;
}

export function fuzz(seed: number, steps: number, opts: { snapEvery?: number; restartEvery?: number } = {}) {
  const snapEvery = opts.snapEvery ?? 0.02;
  const restartEvery = opts.restartEvery ?? 0;
  const clock = new ManualClock(1_000);
  let { state, journal } = newDoor(clock);
  const outcomes: string[] = [];
  const onCommand = (o: unknown) => outcomes.push(stable(o) ?? "undefined");
  state.onCommand = onCommand;
  const gen = new Generator(seed);
  const r = seededRandom(seed * 7919 + 1);
  const copies: Copy[] = [];
  const problems: string[] = [];
  const log: string[] = [];
  for (let i = 0; i < steps && problems.length === 0; i++) {
    if (r() < snapEvery) {
      const snap = encodePlain(state.snapshot());
      const c = new ManualClock(clock.nowMs());
      const fresh = newDoor(c);
      fresh.state.restore(decodePlain(snap) as StateSnapshot);
      const a = bytes(state);
      const b = bytes(fresh.state);
      if (a !== b) problems.push(`step ${i}: snapshot→restore→snapshot differs ${firstDiff(a, b)}`);
      if (copies.length >= Number(process.env.MAX_COPIES ?? 4)) copies.shift();
      copies.push({ state: fresh.state, clock: c, journal: fresh.journal, from: i, fromRecord: journal.records.length });
    }
    if (i > 40 && r() < restartEvery) {
      log.push(`${i} RESTART`);
      state = restart(state, clock, journal, onCommand);
      for (const c of copies) c.state = restart(c.state, c.clock, c.journal);
      gen.learn({ text: "restart", advance: 0, run: () => undefined }, undefined, state);
    }
    const step = gen.next(state);
    const main = runStep(state, clock, step);
    log.push(`${i} ${step.text} -> ${main.text.slice(0, 400)}`);
    if (main.unexpected) problems.push(`step ${i} ${step.text}: unexpected error ${String((main.unexpected as Error).stack)}`);
    for (const c of copies) {
      const got = runStep(c.state, c.clock, step);
      if (got.text !== main.text) problems.push(`step ${i} ${step.text}: copy restored at step ${c.from} answered differently ${firstDiff(main.text, got.text)}`);
    }
    gen.learn(step, main.value, state);
  }
  return { state, journal, outcomes, copies, problems, log };
}
