/**
 * A seeded workload over the fuzz world (all 14 built-ins), with extra
 * steps for late / duplicate reports naming client order ids, and checks that a restart from
 * snapshot + journal tail, or from the journal alone, cut at any record boundary, gives the
 * uninterrupted run's bytes and answers, and decides the next commands identically.
 */
import { ManualClock } from "../../../src/engine/index.js";
import { Pnl, Fee, type Instrument, type AccountId } from "../../../src/param/index.js";
import { decodePlain, encodePlain } from "../../../src/state/plain-data.js";
import type { SidecarState, StateSnapshot } from "../../../src/state/sidecar-state.js";
import { seededRandom } from "../../../bench/workload.js";
import { cancelReport, fillReport } from "../../helpers/spot-funds.js";
import { Generator, newDoor, runStep, stable, type Step } from "./fuzz-world.js";
import { RecordingJournal } from "../recording-journal.js";

export const bytes = (s: SidecarState) => Buffer.from(encodePlain({ ...s.snapshot(), sequence: 0n })).toString();

export function firstDiff(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `at ${i}: want …${a.slice(Math.max(0, i - 250), i + 250)}…\n got …${b.slice(Math.max(0, i - 250), i + 250)}…`;
}

interface Known { account: AccountId; inst: Instrument; side: "BUY" | "SELL"; price: string; coid: string; qty: number }

/** The fuzz world's generator plus late, duplicate and early reports naming ids of orders seen. */
export class MoreGen {
  readonly base: Generator;
  private readonly rnd: () => number;
  private readonly known: Known[] = [];
  constructor(seed: number, skipWarmup = false) {
    this.base = new Generator(seed);
    this.rnd = seededRandom(seed * 31 + 7);
    if (skipWarmup) (this.base as unknown as { warm: unknown[] }).warm = [];
  }
  next(s: SidecarState): Step & { meta?: unknown } {
    const step = this.base.next(s);
    const m = step.meta as { kind: string; o?: { account: AccountId; inst: Instrument; side: "BUY" | "SELL"; price: string; coid?: string; qty: number } } | undefined;
    if (m?.kind === "execute" && m.o?.coid !== undefined) {
      this.known.push({ account: m.o.account, inst: m.o.inst, side: m.o.side, price: m.o.price, coid: m.o.coid, qty: m.o.qty });
      if (this.known.length > 40) this.known.shift();
    }
    if (this.known.length > 0 && this.rnd() < 0.12) {
      const k = this.known[Math.floor(this.rnd() * this.known.length)]!;
      const v = this.rnd();
      const extra = { account: k.account, instrument: k.inst };
      const fill = 1 + Math.floor(this.rnd() * k.qty);
      const final = this.rnd() < 0.5;
      const rep = v < 0.3 ? cancelReport(k.side, `${k.qty}`, k.price, extra) : fillReport(k.side, `${fill}`, `${95 + Math.floor(this.rnd() * 10)}`, { ...extra, lockPrice: k.price, leaves: final ? "0" : `${Math.max(0, k.qty - fill)}`, final });
      const r = { ...rep, clientOrderId: k.coid, financialImpact: { pnl: Pnl.fromString(`${Math.floor(this.rnd() * 40) - 20}`), fee: Fee.fromString("0") } };
      const onChannel = this.rnd() < 0.3 ? this.base.channels[0] : undefined;
      const extraStep: Step = onChannel !== undefined
        ? { text: `late-report-ch ${k.coid}`, advance: step.advance, run: (d) => d.runChannel(onChannel, [{ kind: "report", report: r }]) }
        : { text: `late-report ${k.coid}`, advance: step.advance, run: (d) => d.applyReports([r]) };
      // Run the extra step first, then the base step (kept by wrapping both in one step would hide boundaries).
      this.pending = step;
      return extraStep;
    }
    return step;
  }
  private pending: (Step & { meta?: unknown }) | undefined;
  take(s: SidecarState): Step & { meta?: unknown } {
    if (this.pending) {
      const p = this.pending;
      this.pending = undefined;
      return p;
    }
    return this.next(s);
  }
  learn(step: Step & { meta?: unknown }, answer: unknown, s: SidecarState) {
    this.base.learn(step, answer, s);
  }
}

export interface Cut { record: number; snap: Uint8Array; text: string }

export interface Gen { take(s: SidecarState): Step & { meta?: unknown }; learn(step: Step & { meta?: unknown }, answer: unknown, s: SidecarState): void }
export interface World { door(clock: ManualClock, journal?: RecordingJournal): { state: SidecarState; journal: RecordingJournal }; gen(seed: number, skipWarmup: boolean): Gen }
export const FUZZ_WORLD: World = { door: (c, j) => newDoor(c, j), gen: (seed, skip) => new MoreGen(seed, skip) };

export function liveRun(seed: number, steps: number, snapP = 0.03, world: World = FUZZ_WORLD) {
  const clock = new ManualClock(1_000);
  const { state, journal } = world.door(clock);
  const outcomes: string[] = [];
  state.onCommand = (o) => outcomes.push(stable(o) ?? "undefined");
  const gen = world.gen(seed, false);
  const r = seededRandom(seed * 7 + 3);
  const cuts: Cut[] = [];
  const log: string[] = [];
  const problems: string[] = [];
  for (let i = 0; i < steps; i++) {
    if (r() < snapP) cuts.push({ record: journal.records.length, snap: encodePlain(state.snapshot()), text: bytes(state) });
    const step = gen.take(state);
    const res = runStep(state, clock, step);
    log.push(`${i} [rec ${journal.records.length}] ${step.text} -> ${res.text.slice(0, 300)}`);
    if (res.unexpected) problems.push(`step ${i} ${step.text}: unexpected ${String((res.unexpected as Error).stack)}`);
    gen.learn(step, res.value, state);
  }
  cuts.push({ record: journal.records.length, snap: encodePlain(state.snapshot()), text: bytes(state) });
  return { state, clock, journal, outcomes, cuts, log, problems, gen };
}

/** A fresh door: restored from `snap` if given, then records [from, to) replayed. */
export function recover(records: readonly Uint8Array[], from: number, to: number, snap?: Uint8Array, world: World = FUZZ_WORLD) {
  const clock = new ManualClock(0);
  const d = world.door(clock, new RecordingJournal());
  if (snap) d.state.restore(decodePlain(snap) as StateSnapshot);
  const answers: string[] = [];
  for (let i = from; i < to; i++) answers.push(stable(d.state.replay(records[i]!)) ?? "undefined");
  return { ...d, clock, answers };
}

/** Start serving as recovery does: resume, close channels the crash left open, served. */
export function serve(d: { state: SidecarState; clock: ManualClock }, at: number) {
  d.clock.set(at);
  d.state.resumeAfterReplay();
  d.state.closeRecoveredChannels();
  d.state.markServing();
}

/** Runs `steps` fresh-generator steps on each door in lock step; returns the first divergence. */
export function lockstep(doors: { name: string; state: SidecarState; clock: ManualClock }[], seed: number, steps: number, world: World = FUZZ_WORLD): string[] {
  const gen = world.gen(seed, true);
  const probs: string[] = [];
  for (let i = 0; i < steps && probs.length === 0; i++) {
    const step = gen.take(doors[0]!.state);
    const res = doors.map((d) => runStep(d.state, d.clock, step));
    for (let k = 1; k < doors.length; k++) if (res[k]!.text !== res[0]!.text) probs.push(`next step ${i} ${step.text}: ${doors[k]!.name} answered differently from ${doors[0]!.name} ${firstDiff(res[0]!.text, res[k]!.text)}`);
    gen.learn(step, res[0]!.value, doors[0]!.state);
  }
  if (probs.length === 0) {
    const b0 = bytes(doors[0]!.state);
    for (let k = 1; k < doors.length; k++) {
      const bk = bytes(doors[k]!.state);
      if (bk !== b0) probs.push(`after ${steps} next steps: ${doors[k]!.name} state differs from ${doors[0]!.name} ${firstDiff(b0, bk)}`);
    }
  }
  return probs;
}
