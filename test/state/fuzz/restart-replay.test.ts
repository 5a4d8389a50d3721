/**
 * Restart determinism over seeded workloads (replay-world.ts; the loose world of
 * loose-world.ts accepts orders, so reports name them before their commit, rollbacks commit
 * instead, ids are reused and accounts retired): the whole journal replayed into an empty
 * state, every snapshot taken live restored and reached from the journal and from every
 * earlier snapshot, and three crash cuts at random record boundaries restarted three ways
 * and run on in lock step, must all give the live answers and bytes. One seed each here;
 * more with SEEDS=1,2,… STEPS=n, MODES=fullSync,noSync (extra loose-world runs); the fuzz
 * world reads FUZZ_COIDS, FUZZ_GLOBAL, FUZZ_SYNC, FUZZ_NO_COID. Written by the session-33
 * replay review (200+ seeds found no divergence).
 */
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../../bench/workload.js";
import { bytes, firstDiff, liveRun, lockstep, recover as recover0, serve, FUZZ_WORLD, type World } from "./replay-world.js";
import { looseWorld, type Variant } from "./loose-world.js";

const SEEDS = (process.env.SEEDS ?? "1").split(",").map(Number);
const STEPS = Number(process.env.STEPS ?? 400);

function check(seed: number, steps: number, world: World = FUZZ_WORLD): string[] {
  const recover = (r: readonly Uint8Array[], f: number, t: number, snap?: Uint8Array) => recover0(r, f, t, snap, world);
  const live = liveRun(seed, steps, 0.03, world);
  const probs = [...live.problems];
  const recs = live.journal.records;
  // Journal only, whole.
  const all = recover(recs, 0, recs.length);
  for (let i = 0; i < recs.length && probs.length === 0; i++)
    if (all.answers[i] !== live.outcomes[i]) probs.push(`journal-only replay: record ${i} answered differently ${firstDiff(live.outcomes[i]!, all.answers[i]!)}`);
  const b = bytes(all.state);
  if (b !== live.cuts.at(-1)!.text) probs.push(`journal-only replay: final state differs ${firstDiff(live.cuts.at(-1)!.text, b)}`);
  // Every cut (a snapshot taken live at a record boundary): restore round trip, journal to it, earlier snapshot + tail to it.
  for (let c = 0; c < live.cuts.length && probs.length === 0; c++) {
    const cut = live.cuts[c]!;
    const rt = recover(recs, cut.record, cut.record, cut.snap);
    if (bytes(rt.state) !== cut.text) probs.push(`cut ${c} @${cut.record}: restore round trip differs ${firstDiff(cut.text, bytes(rt.state))}`);
    const jo = recover(recs, 0, cut.record);
    if (cut.record > 0 && bytes(jo.state) !== cut.text) probs.push(`cut ${c} @${cut.record}: journal-only to it differs ${firstDiff(cut.text, bytes(jo.state))}`);
    for (let e = 0; e < c && probs.length === 0; e++) {
      const early = live.cuts[e]!;
      const t = recover(recs, early.record, cut.record, early.snap);
      for (let i = 0; i < t.answers.length && probs.length === 0; i++)
        if (t.answers[i] !== live.outcomes[early.record + i]) probs.push(`snapshot @${early.record} + tail: record ${early.record + i} answered differently ${firstDiff(live.outcomes[early.record + i]!, t.answers[i]!)}`);
      if (probs.length === 0 && bytes(t.state) !== cut.text) probs.push(`snapshot @${early.record} + tail to @${cut.record}: state differs ${firstDiff(cut.text, bytes(t.state))}`);
    }
  }
  if (probs.length > 0) return [...probs, live.log.slice(-12).join("\n")];
  // Crash cuts at random record boundaries (a torn tail drops the records after it): restart three ways, decide the next commands.
  const r = seededRandom(seed * 13 + 5);
  for (let n = 0; n < 3 && probs.length === 0; n++) {
    const k = n === 0 ? recs.length : Math.floor(r() * recs.length);
    const at = live.clock.nowMs() + 1;
    const earlier = live.cuts.filter((c) => c.record <= k);
    const snap = earlier.at(-1);
    const doors = [
      { name: "journal-only", ...recover(recs, 0, k) },
      ...(snap ? [{ name: `snapshot@${snap.record}+tail`, ...recover(recs, snap.record, k, snap.snap) }] : []),
      ...(earlier.length > 1 ? [{ name: `snapshot@${earlier[0]!.record}+tail`, ...recover(recs, earlier[0]!.record, k, earlier[0]!.snap) }] : []),
    ];
    for (const d of doors) serve(d, at);
    probs.push(...lockstep(doors, seed * 100 + n, 250, world).map((p) => `crash cut @${k}: ${p}`));
  }
  return probs;
}

describe("replay fuzz: snapshot + tail, journal only, crash cuts", () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}`, () => {
      const probs = check(seed, STEPS);
      expect(probs.slice(0, 3)).toEqual([]);
    }, 300_000);
  }
});

const VARIANTS: [string, Variant][] = [["coid retention 0", {}], ["coid retention 1000", { coidRetentionMs: 1000 }], ["no ClientOrderIdPolicy", { noCoidPolicy: true }]];
for (const [name, v] of VARIANTS) {
  describe(`replay fuzz, loose world (${name})`, () => {
    for (const seed of SEEDS) {
      it(`seed ${seed}`, () => {
        const probs = check(seed, STEPS, looseWorld(v));
        expect(probs.slice(0, 3)).toEqual([]);
      }, 300_000);
    }
  });
}

const MODES = (process.env.MODES ?? "").split(",").filter(Boolean);
for (const mode of MODES) {
  describe(`replay fuzz, loose world, syncMode ${mode}, ids without a policy`, () => {
    for (const seed of SEEDS) {
      it(`seed ${seed}`, () => {
        const probs = check(seed, STEPS, looseWorld({ sync: mode, noCoidPolicy: seed % 2 === 0, coidRetentionMs: 500 }));
        expect(probs.slice(0, 3)).toEqual([]);
      }, 300_000);
    }
  });
}
