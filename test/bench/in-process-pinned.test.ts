/**
 * The bench's in-process section runs in a child process of its own, pinned to one CPU
 * when `taskset` exists (bench/in-process.ts `runInProcessOnOneCore`, bench/one-core.ts):
 * the same cases and rounds come back, measured in another process, and a child that
 * fails rejects instead of hanging. No timing is asserted.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runInProcessOnOneCore } from "../../bench/in-process.js";
import { onOneCore } from "../../bench/one-core.js";

describe("the in-process section on one core", () => {
  it("runs in a pinned child and returns every case and the metrics cost", async () => {
    const r = await runInProcessOnOneCore({ warmupCalls: 100, calls: 200, maxMeasureMs: 200 });
    expect(r.cases.map((m) => m.name)).toEqual(["client encode", "sidecar decode+handle+encode, metrics off", "sidecar decode+handle+encode, metrics on", "client decode"]);
    for (const m of r.cases) expect(m.calls).toBe(200);
    expect(r.metricsCost.rounds).toBe(5);
    expect(r.pinnedCpu).toBe(existsSync("/usr/bin/taskset") ? onOneCore([]).cpu : null);
  }, 60_000);

  it("rejects when the child fails", async () => {
    await expect(runInProcessOnOneCore(null as never)).rejects.toThrow(/^in-process section failed \(exit code 2, signal null\): in-process section: TypeError: Cannot read properties of null/);
  }, 60_000);

  it("pins with taskset to the highest allowed CPU, and says so in the child's environment", () => {
    const p = onOneCore(["x.js"]);
    if (!existsSync("/usr/bin/taskset")) return expect(p.cpu).toBeUndefined();
    expect(p.command).toBe("/usr/bin/taskset");
    expect(p.args).toEqual(["-c", String(p.cpu), process.execPath, "x.js"]);
    expect(p.env.OPENPIT_BENCH_PINNED_CPU).toBe(String(p.cpu));
  });
});
