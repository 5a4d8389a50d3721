/**
 * Found by review (session 30): can a target of the report read as met without the data behind it?
 * Two could (the soak's RSS flatness with fewer than two samples, the 80 % queue rule with fewer
 * than two steady windows): both now read "not measured" and missed. The last tests hold that an
 * oracle mismatch or a replay that differs invalidates the run. Driven through report.ts's own
 * buildReport/formatReport with hand-built results (report-fixture.ts), and soak.ts's rssTrend.
 */
import { describe, expect, it } from "vitest";
import { buildReport, formatReport } from "../../bench/report.js";
import { rssTrend } from "../../bench/soak.js";
import { planFor, parseArgs } from "../../bench/options.js";
import { cleanOracle, results } from "./report-fixture.js";

const target = (r: ReturnType<typeof buildReport>, prefix: string) => {
  const t = r.targets.find((x) => x.name.startsWith(prefix));
  if (!t) throw new Error(`no target ${prefix}`);
  return t;
};

describe("report targets need their data", () => {
  it("the fixture is a clean, all-met run (sanity)", () => {
    const r = buildReport(results());
    expect(r.ok).toBe(true);
    expect(r.targets.filter((t) => !t.met).map((t) => t.name)).toEqual([]);
  });

  it("RSS flat over the soak is not met when the soak took no RSS sample at all", () => {
    // `npm run bench -- --soak-seconds 5`: the full plan samples RSS every 10 s, so a 5 s soak has
    // no sample; runSoak then computes rssTrend([]) = 0 and the target prints "[met   ] … 0.0 %".
    const plan = planFor(parseArgs(["--soak-seconds", "5"]));
    expect(plan.soak.durationMs).toBeLessThan(plan.soak.sampleEveryMs);
    const samples: { atMs: number; rss: number; heapUsed: number; heapResident: number }[] = [];
    const r = buildReport(results({ soak: { durationMs: plan.soak.durationMs, samples, rssTrend: rssTrend(samples.map((s) => s.rss)) } }));
    const t = target(r, "RSS outside the V8 heap flat over the soak");
    expect({ met: t.met, value: t.value }).toMatchObject({ met: false });
  });

  it("RSS flat over the soak is not met on a single sample (nothing to compare)", () => {
    const samples = [{ atMs: 10_000, rss: 500 * 2 ** 20, heapUsed: 0, heapResident: 0 }];
    const r = buildReport(results({ soak: { samples, rssTrend: rssTrend(samples.map((s) => s.rss)) } }));
    expect(target(r, "RSS outside the V8 heap flat over the soak").met).toBe(false);
  });

  it("no growing queue at 80 % is not met when the run had no steady window to compare", () => {
    // One window (windowMs ≥ durationMs): pacedRun's windowP99Ns has the warm-up window only,
    // steady = [] and report.ts falls back to 0 vs 0, which passes `last <= 2 * first`.
    const r = buildReport(results({ high: { windows: 1, windowP99Ns: [80_000_000] } }));
    const t = target(r, "open loop at 80 %: no growing queue");
    expect({ met: t.met, value: t.value }).toMatchObject({ met: false });
  });

  it("held: an oracle mismatch makes the run invalid, with the mismatch text and a non-ok result", () => {
    const oracle = { ...cleanOracle, mismatches: 1, samples: ["BUY 1 AAPL for account 1: expected USD delta -18525 …"] };
    const r = buildReport(results({ oracle }));
    expect(r.ok).toBe(false);
    const text = formatReport(r);
    expect(text).toContain("  MISMATCH BUY 1 AAPL for account 1");
    expect(text).toContain("RESULT: INVALID RUN — the oracle found mismatches");
  });

  it("held: a replay whose digest differs makes the run invalid", () => {
    const base = results();
    const r = buildReport({ ...base, durability: { ...base.durability, replay: { ...base.durability.replay, digestMatches: false } } });
    expect(r.ok).toBe(false);
    expect(formatReport(r)).toContain("the replayed state differs from the written one");
  });

  it("held: NaN figures read as MISSED, not met", () => {
    const base = results();
    const r = buildReport({ ...base, closedLoop: { ...base.closedLoop, ratioP50: Number.NaN, ratioP99: Number.NaN } });
    expect(target(r, "closed-loop p50").met).toBe(false);
    expect(target(r, "closed-loop p99").met).toBe(false);
  });
});
