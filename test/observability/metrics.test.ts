import { describe, expect, it } from "vitest";
import { closeObservedAfterEach, removeDir, sample, startObserved, type Observed } from "./observed-sidecar.js";
import { runWorkload } from "./workload.js";
import { REPLAY_RULES } from "../../src/state/journal-writer.js";
import { VERSION } from "../../src/version.js";
import { order, seed } from "../server/harness.js";

/** Every sample of `metric` (any labels) as `series value` lines, for exact comparison. */
function series(text: string, metric: string): string[] {
  return text.split("\n").filter((l) => l.startsWith(`${metric}{`) || l.startsWith(`${metric} `));
}

describe("metrics after a scripted workload through the wire", () => {
  closeObservedAfterEach();
  let o: Observed;

  it("counters are exact; histograms are present and consistent; gauges read the state", async () => {
    o = await startObserved();
    await runWorkload(o);
    const text = await o.scrape();

    expect(series(text, "openpit_commands_total")).toEqual([
      'openpit_commands_total{kind="bind",outcome="ok"} 1',
      'openpit_commands_total{kind="start",outcome="accepted"} 1',
      'openpit_commands_total{kind="executeRequest",outcome="accepted"} 1',
      'openpit_commands_total{kind="execute",outcome="accepted"} 2',
      'openpit_commands_total{kind="execute",outcome="rejected"} 2',
      'openpit_commands_total{kind="executeDryRun",outcome="accepted"} 1',
      'openpit_commands_total{kind="commit",outcome="ok"} 1',
      'openpit_commands_total{kind="rollback",outcome="error"} 1',
      'openpit_commands_total{kind="adjust",outcome="ok"} 2',
      'openpit_commands_total{kind="feedReport",outcome="ok"} 1',
    ]);
    expect(series(text, "openpit_rejects_total")).toEqual([
      'openpit_rejects_total{policy="SpotFundsPolicy",code="InsufficientFunds"} 1',
      'openpit_rejects_total{policy="Engine",code="AccountBlocked"} 1',
    ]);
    expect(series(text, "openpit_command_errors_total")).toEqual(['openpit_command_errors_total{kind="rollback",code="HANDLE_CONSUMED"} 1']);
    expect(series(text, "openpit_fences_total")).toEqual(["openpit_fences_total 1"]);
    expect(series(text, "openpit_channels_closed_total")).toEqual(['openpit_channels_closed_total{reason="ended"} 1']);
    expect(series(text, "openpit_reservations_rolled_back_total")).toEqual([
      'openpit_reservations_rolled_back_total{reason="fenced"} 1',
      'openpit_reservations_rolled_back_total{reason="ended"} 1',
    ]);
    expect(series(text, "openpit_events_published_total")).toEqual([
      'openpit_events_published_total{kind="accountBlocked"} 1',
      // The kill switch's notice to monitors (docs/controls.md), then the rest in order.
      'openpit_events_published_total{kind="cancelWorkingOrdersSent"} 1',
      'openpit_events_published_total{kind="auditRecorded"} 3',
      'openpit_events_published_total{kind="accountUnblocked"} 1',
      'openpit_events_published_total{kind="policyConfigured"} 1',
      // The fence's rollback (a took the account over), and cancel on disconnect: b ended
      // its stream with a reservation open. One each, as the rollback counter says above.
      'openpit_events_published_total{kind="reservationsRolledBack"} 2',
    ]);
    expect(series(text, "openpit_events_dropped_total")).toEqual(["openpit_events_dropped_total 0"]);

    // Gauges are read from the state at the scrape: channel a is still open (fenced, nothing pinned).
    expect(sample(text, "openpit_channels")).toBe(1);
    expect(sample(text, "openpit_pinned_accounts")).toBe(0);
    expect(sample(text, "openpit_open_reservations")).toBe(0);
    expect(sample(text, "openpit_open_requests")).toBe(0);
    expect(sample(text, 'openpit_serving_phase{phase="serving"}')).toBe(1);
    expect(sample(text, 'openpit_serving_phase{phase="recovering"}')).toBe(0);
    // The replay rules beside the version: two builds of one version may not replay each other's journal.
    expect(text).toContain(`\nopenpit_build_info{version="${VERSION}",replay_rules="${REPLAY_RULES}"} 1\n`);

    // One engine-time and one sidecar-time observation per command, by kind.
    for (const [kind, n] of [["execute", 4], ["adjust", 2], ["feedReport", 1], ["rollback", 1], ["bind", 1]] as const) {
      for (const h of ["openpit_command_engine_seconds", "openpit_command_sidecar_seconds"]) {
        expect(sample(text, `${h}_count{kind="${kind}"}`)).toBe(n);
        expect(sample(text, `${h}_bucket{kind="${kind}",le="+Inf"}`)).toBe(n);
        expect(sample(text, `${h}_sum{kind="${kind}"}`)).toBeGreaterThan(0);
      }
    }
    expect(text).toContain("# TYPE openpit_command_engine_seconds histogram");
    expect(text).toMatch(/\nopenpit_command_engine_seconds_bucket\{kind="execute",le="0\.000005"\} \d+\n/);
    // The engine's time is part of the sidecar's.
    expect(sample(text, 'openpit_command_sidecar_seconds_sum{kind="execute"}')!).toBeGreaterThan(sample(text, 'openpit_command_engine_seconds_sum{kind="execute"}')!);

    // The journal: every record appended was timed; every fdatasync too.
    const last = sample(text, "openpit_journal_last_sequence")!;
    expect(last).toBe(20);
    expect(sample(text, "openpit_journal_append_seconds_count")).toBe(last);
    expect(sample(text, "openpit_journal_durable_sequence")).toBe(last);
    expect(sample(text, "openpit_journal_fsync_seconds_count")).toBe(sample(text, "openpit_journal_fsyncs_total"));
    expect(sample(text, "openpit_journal_fsyncs_total")).toBeGreaterThan(0);
    expect(sample(text, "openpit_journal_segments")).toBe(1);
    expect(sample(text, "openpit_journal_size_bytes")).toBe(1 << 20);
    expect(sample(text, "openpit_journal_failed")).toBe(0);
    expect(sample(text, "openpit_recovery_replayed_records")).toBe(0);

    // prom-client's process metrics, event-loop lag and GC included.
    for (const name of ["process_cpu_seconds_total", "nodejs_eventloop_lag_seconds", "nodejs_eventloop_lag_p99_seconds", "nodejs_gc_duration_seconds", "nodejs_heap_size_used_bytes"]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    // No account id is a label anywhere.
    expect(text).not.toMatch(/99224416|\b77\b.*\}/);
  });

  it("metrics.latencySampleEvery: the histograms time one message in N, the counters count every command", async () => {
    o = await startObserved({ config: { durability: { mode: "ephemeral" }, metrics: { listen: "127.0.0.1:0", latencySampleEvery: 4 } } });
    const ch = o.channel();
    await ch.send(seed("USD", "100000"));
    for (let i = 0; i < 8; i++) await ch.one({ case: "executePreTrade", value: { order: order({ qty: "1", price: "100" }), commitOnAccept: true } });
    const text = await o.scrape();
    expect(sample(text, 'openpit_commands_total{kind="execute",outcome="accepted"}')).toBe(8);
    // Messages 0 (the seed), 4 and 8 were timed, in the door and from arrival to answer alike.
    for (const h of ["openpit_command_engine_seconds", "openpit_command_sidecar_seconds"]) {
      expect(sample(text, `${h}_count{kind="adjust"}`)).toBe(1);
      expect(sample(text, `${h}_count{kind="execute"}`)).toBe(2);
    }
  });

  it("a drop copy that could not be booked counts as rejected, with its rejects; a booked one as ok", async () => {
    o = await startObserved({ config: { durability: { mode: "ephemeral" } } });
    const ch = o.channel();
    await ch.send(seed("USD", "100000"));
    await ch.one({ case: "executePreTradeDropCopy", value: { order: order({ qty: "1", price: "100" }), commitOnAccept: true } });
    // A market order cannot be valued: an evaluation failure, nothing booked.
    const failed = await ch.one({ case: "executePreTradeDropCopy", value: { order: order({ qty: "1", price: undefined }) } });
    expect(failed.result.case === "dropCopy" && failed.result.value.failed).toBe(true);
    const text = await o.scrape();
    expect(series(text, "openpit_commands_total").filter((l) => l.includes('kind="dropCopy"'))).toEqual([
      'openpit_commands_total{kind="dropCopy",outcome="rejected"} 1',
      'openpit_commands_total{kind="dropCopy",outcome="ok"} 1',
    ]);
    expect(series(text, "openpit_rejects_total")).toEqual(['openpit_rejects_total{policy="OrderSizeLimitPolicy",code="OrderValueCalculationFailed"} 1']);
  });

  it("a restart reports its recovery; ephemeral mode has no journal series", async () => {
    o = await startObserved();
    await runWorkload(o);
    const dataDir = o.dataDir;
    await o.close();
    o = await startObserved({ dataDir });
    const text = await o.scrape();
    // Shutdown took a last snapshot after its close of channel a (record 21): nothing to replay.
    expect(sample(text, "openpit_recovery_snapshot_sequence")).toBe(21);
    expect(sample(text, "openpit_recovery_replayed_records")).toBe(0);
    expect(sample(text, "openpit_recovery_duration_seconds")).toBeGreaterThan(0);
    // Replayed commands are not counted again.
    expect(series(text, "openpit_commands_total")).toEqual([]);
    await o.close();
    removeDir(dataDir);

    o = await startObserved({ config: { durability: { mode: "ephemeral" } } });
    const ephemeral = await o.scrape();
    expect(ephemeral).not.toContain("\nopenpit_journal_last_sequence ");
    expect(ephemeral).not.toContain("\nopenpit_recovery_replayed_records ");
    expect(ephemeral).toContain("# TYPE openpit_journal_fsync_seconds histogram");
  });
});
