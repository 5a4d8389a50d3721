/**
 * The real recovery (recoverState on a file journal) after a crash cut at
 * a random record boundary, the record there torn (a random prefix of it left, zeros after):
 * restored from the newest snapshot + the journal's tail, or from the journal alone, it must
 * give the same bytes as the in-memory replay of the records before the cut followed by what
 * recovery does, and the next commands must be decided identically. Written by the session-33
 * replay review.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildState } from "../../../src/app/build-sidecar.js";
import { ManualClock } from "../../../src/engine/index.js";
import { recoverState } from "../../../src/state/recovery.js";
import { readJournal } from "../../../src/state/journal/journal-reader.js";
import { seededRandom } from "../../../bench/workload.js";
import { runStep } from "./fuzz-world.js";
import { LooseGen, looseConfig, type Variant } from "./loose-world.js";
import { bytes, firstDiff } from "./replay-world.js";
import type { SidecarState } from "../../../src/state/sidecar-state.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "rf2-"));
  dirs.push(d);
  return d;
};
const dur = (dataDir: string) => ({ mode: "sync", dataDir, snapshotEveryRecords: 0, snapshotEverySeconds: 0, segmentBytes: Number(process.env.SEG ?? 1 << 20) });
const copyDir = (from: string, to: string, keep: (f: string) => boolean) => {
  for (const f of fs.readdirSync(from)) if (f !== "LOCK" && keep(f)) fs.copyFileSync(path.join(from, f), path.join(to, f));
};

async function start(dataDir: string, v: Variant, clockMs: number) {
  const clock = new ManualClock(clockMs);
  const config = looseConfig({ ...v, durability: dur(dataDir) });
  const state = buildState(config, clock);
  const report = await recoverState(state, config.durability);
  return { state, clock, report };
}

async function scenario(seed: number, v: Variant, steps: number): Promise<string[]> {
  const probs: string[] = [];
  const r = seededRandom(seed * 17 + 1);
  const D = tmp();
  const live = await start(D, v, 1_000);
  const gen = new LooseGen(seed);
  for (let i = 0; i < steps; i++) {
    const step = gen.next(live.state);
    const res = runStep(live.state, live.clock, step);
    if (res.unexpected) probs.push(`live step ${i}: ${String(res.unexpected)}`);
    gen.learn(step, res.value, live.state);
    if (r() < 0.05) await live.state.journal.flush();
    if (r() < 0.01) await live.state.snapshots!.take();
  }
  await live.state.journal.flush();
  // Where every record is (the newest segment only: 1 MiB holds the run).
  const snaps = fs.readdirSync(D).filter((f) => f.endsWith(".snap")).map((f) => BigInt(f.slice(9, 29))).sort((a, b) => (a < b ? -1 : 1));
  const offsets: { seq: bigint; offset: number; file: string; payload: Uint8Array }[] = [];
  readJournal(D, { fromSequence: snaps[0]! + 1n, onRecord: (rec, file, offset) => offsets.push({ seq: rec.seq, offset, file, payload: rec.payload }) });
  const newest = snaps.at(-1)!;
  const lastLiveTs = live.state.nowMs();
  await live.state.journal.close();
  const files = [...new Set(offsets.map((o) => o.file))].sort();
  const newestSeg = files.at(-1)!;
  const pruned = !fs.existsSync(path.join(D, "journal-00000000000000000001.seg"));
  for (let n = 0; n < 3 && probs.length === 0; n++) {
    // A cut past the newest snapshot that covers it (snapshots after the cut were never written).
    const candidates = offsets.filter((o) => o.seq > (snaps[0] ?? 0n) && o.file === newestSeg);
    const cut = candidates[Math.floor(r() * candidates.length)]!;
    const covered = snaps.filter((s) => s < cut.seq);
    const A = tmp();
    copyDir(D, A, (f) => !f.endsWith(".snap") || covered.includes(BigInt(f.slice(9, 29))));
    const seg = path.join(A, cut.file);
    const buf = fs.readFileSync(seg);
    const frame = 16 + cut.payload.length;
    const keep = Math.floor(r() * frame);
    buf.fill(0, cut.offset + keep);
    fs.writeFileSync(seg, buf);
    const B = tmp();
    copyDir(A, B, (f) => !f.endsWith(".snap") || f === "snapshot-00000000000000000000.snap");
    const a = await start(A, v, lastLiveTs + 5);
    const b = pruned ? a : await start(B, v, lastLiveTs + 5);
    const what = `seed ${seed} cut before record ${cut.seq} (kept ${keep}/${frame} bytes of it; newest snapshot ${newest}, restored ${a.report.snapshotSequence})`;
    if (a.report.replayed + Number(a.report.snapshotSequence ?? 0n) !== Number(cut.seq) - 1) probs.push(`${what}: A recovered ${a.report.snapshotSequence}+${a.report.replayed} records`);
    if (bytes(a.state) !== bytes(b.state)) probs.push(`${what}: snapshot+tail vs journal-only differ ${firstDiff(bytes(b.state), bytes(a.state))}`);
    if (probs.length === 0 && !pruned) {
      const gen2 = new LooseGen(seed * 1000 + n, true);
      const doors: { name: string; state: SidecarState; clock: ManualClock }[] = [
        { name: "snapshot+tail", state: a.state, clock: a.clock },
        { name: "journal-only", state: b.state, clock: b.clock },
      ];
      for (let i = 0; i < 200 && probs.length === 0; i++) {
        const step = gen2.next(doors[0]!.state);
        const res = doors.map((d) => runStep(d.state, d.clock, step));
        if (res[0]!.text !== res[1]!.text) probs.push(`${what}: next step ${i} ${step.text} differs ${firstDiff(res[0]!.text, res[1]!.text)}`);
        gen2.learn(step, res[0]!.value, doors[0]!.state);
      }
      if (probs.length === 0 && bytes(a.state) !== bytes(b.state)) probs.push(`${what}: after the next steps, states differ ${firstDiff(bytes(b.state), bytes(a.state))}`);
    }
    await a.state.journal.flush();
    await a.state.journal.close();
    if (!pruned) {
      await b.state.journal.flush();
      await b.state.journal.close();
    }
  }
  return probs;
}

const SEEDS = (process.env.SEEDS ?? "1,2").split(",").map(Number);
describe("file journal: crash cut with a torn record, real recovery", () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}`, async () => {
      const probs = await scenario(seed, { coidRetentionMs: seed % 2 === 0 ? 1000 : 0, ...(process.env.RF_SYNC ? { sync: process.env.RF_SYNC } : {}), ...(seed % 3 === 0 ? { noCoidPolicy: true } : {}) }, Number(process.env.STEPS ?? 500));
      expect(probs.slice(0, 2)).toEqual([]);
    }, 120_000);
  }
});
