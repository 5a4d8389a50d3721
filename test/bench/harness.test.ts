/**
 * The load harness, end to end in quick mode: real sidecar and echo processes, every
 * section. It asserts correctness — the oracle agreed with every decision, fill and
 * adjustment, and every section produced samples — never speed: figures from a quick run
 * on a shared machine mean nothing, and timing assertions would only make the suite flaky.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runBench } from "../../bench/harness.js";
import { onOneCore } from "../../bench/one-core.js";
import { silentProgress } from "../../bench/progress.js";
import { buildReport } from "../../bench/report.js";

describe("npm run bench -- --quick", () => {
  it(
    "runs every section with the oracle finding no mismatch",
    async () => {
      const report = buildReport(await runBench({ quick: true, json: true }, silentProgress));

      expect(report.oracle.samples).toEqual([]);
      expect(report.oracle.mismatches).toBe(0);
      expect(report.ok).toBe(true);
      // The designed rejects were exercised and predicted, and fills and top-ups were checked.
      expect(report.oracle.rejectedByCode.ORDER_NOTIONAL_EXCEEDS_LIMIT).toBeGreaterThan(0);
      expect(report.oracle.rejectedByCode.INSUFFICIENT_FUNDS).toBeGreaterThan(0);
      expect(report.oracle.fillsChecked).toBeGreaterThan(0);
      expect(report.oracle.adjustmentsChecked).toBeGreaterThan(0);

      expect(report.sizes.map((s) => s.orders)).toEqual([1, 32]);
      expect(report.closedLoop.orderSamples).toBeGreaterThan(0);
      expect(report.closedLoop.echoSamples).toBe(report.closedLoop.orderSamples);
      expect(report.closedLoop.bytesEchoSamples).toBe(report.closedLoop.orderSamples);
      for (const m of report.inProcess) expect(m.calls).toBeGreaterThan(0);
      expect(report.inProcess.map((m) => m.name)).toEqual([
        "client encode",
        "sidecar decode+handle+encode, metrics off",
        "sidecar decode+handle+encode, metrics on",
        "client decode",
      ]);
      expect(report.metricsCost.rounds).toBe(5);
      // Measured in a child of its own, pinned to one CPU where taskset exists (bench/one-core.ts).
      expect(report.inProcessCpu).toBe(existsSync("/usr/bin/taskset") ? onOneCore([]).cpu : null);
      expect(report.metricsCost.onNs - report.metricsCost.offNs).toBeCloseTo(report.metricsCost.costNs, 6);
      expect(report.throughput).toHaveLength(4);
      for (const t of report.throughput) {
        expect(t.orderMessages).toBeGreaterThan(0);
        expect(t.echoMessages).toBeGreaterThan(0);
      }
      expect(report.mixCapacity.decided).toBeGreaterThan(0);
      expect(report.openLoop.map((o) => o.fraction)).toEqual([0.25, 0.5, 0.8]);
      for (const o of report.openLoop) {
        expect(o.offeredPerSec).toBeCloseTo(o.fraction * report.mixCapacity.decidedPerSec, 6);
        expect(o.echo.offeredPerSec).toBe(o.offeredPerSec);
        expect(o.echo.steadySamples).toBeGreaterThan(0);
      }
      // The report-heavy mix published more reports than orders (partial fills, each one
      // checked by the oracle); the bursty one offered the same mean rate in bursts.
      expect(report.mixes.map((m) => m.mix.name)).toEqual(["report-heavy", "bursty"]);
      const [reportHeavy, bursty] = report.mixes;
      expect(reportHeavy!.fills).toBeGreaterThan(reportHeavy!.orders);
      expect(bursty!.offeredPerSec).toBeCloseTo(bursty!.fraction * report.mixCapacity.decidedPerSec, 6);
      // Allocation: both paths measured in the sidecar, with where the bytes come from.
      for (const p of [report.allocation.orderPath, report.allocation.feedPath]) {
        expect(p.units).toBeGreaterThan(0);
        expect(p.bytesPerUnit).toBeGreaterThan(0);
        expect(p.profile?.topFunctions.length).toBeGreaterThan(0);
      }
      expect(report.allocation.echo.bytesPerUnit).toBeGreaterThan(0);
      for (const o of [...report.openLoop, ...report.mixes, report.soak.run]) {
        expect(o.steadySamples).toBeGreaterThan(0);
        expect(o.windows).toBeGreaterThan(1);
      }
      expect(report.soak.start.rss).toBeGreaterThan(0);
      expect(report.soak.end.rss).toBeGreaterThan(0);
      // Durability: a sidecar per mode, each answered the closed loop and the pipelined
      // cases (the oracle checked every answer above); the durable ones journaled and synced.
      const d = report.durability;
      expect(d.closedLoop.rows.map((row) => row.mode)).toEqual(["ephemeral", "sync", "async", "replicated"]);
      for (const row of d.closedLoop.rows) expect(row.samples).toBe(d.plan.closedLoop.rounds * d.plan.closedLoop.perRound);
      expect(d.throughput.map((c) => c.ordersPerMessage)).toEqual([1, 32]);
      for (const c of d.throughput) for (const row of c.rows) expect(row.messages).toBeGreaterThan(0);
      expect(d.journals.map((j) => j.mode)).toEqual(["sync", "async", "replicated"]);
      for (const j of d.journals) {
        expect(j.end.fsyncCount).toBeGreaterThan(0);
        // Every sync answer waited for its fdatasync, every replicated one for the stream's ack
        // (async ones may still be on their way).
        if (j.mode !== "async") expect(j.end.durableSequence).toBe(j.end.lastSequence);
        expect(j.phases.length).toBe(1 + d.throughput.length);
        for (const p of j.phases) expect(p.records).toBeGreaterThan(0);
      }
      // Replay: the journal was written, recovered in full, and reproduced the written state.
      expect(d.replay.build.records).toBeGreaterThanOrEqual(d.plan.replay.records * 0.99);
      expect(d.replay.recovery.replayed).toBe(d.replay.build.records);
      expect(d.replay.digestMatches).toBe(true);
      expect(d.replay.build.rejected).toBe(0);
      expect(d.replay.stages.records).toBe(d.replay.build.records);
      expect(d.replay.bytesPerRecord).toBeGreaterThan(0);
      // Every target is evaluated (met or missed is the report's business, not the test's).
      // 19 with issue 13's metrics cost.
      expect(report.targets.length).toBe(19);
      // The 80 % row says how busy the sidecar was and what an order cost it against the capacity run.
      const at80 = report.targets.find((t) => t.name === "open loop at 80 % p50 ≤ 2× the p50 at 25 %");
      expect(at80?.value).toMatch(/ \(sidecar \d\.\d\d busy; CPU per decided order \d+\.\d\d× the capacity run's\)$/);
      // `--json` prints this very object.
      expect(JSON.parse(JSON.stringify(report)).ok).toBe(true);
    },
    // A hang guard, not a speed assertion: the quick run takes about 40 s (the durability
    // section writes and replays a 100 000-record journal).
    180_000,
  );
});
