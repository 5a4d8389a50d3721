/**
 * Found by review.
 * docs/observability.md, "State (read at each scrape)": `openpit_channels` = "Account channels
 * open (a channel stream that has sent a command)", `openpit_open_reservations` = "Reservations
 * open on all channels". A failover standby follows the active's journal into its own state
 * (SidecarState.follow), so it reports the active's channels, pins and reservations as its own
 * although no channel stream is open on it: summed over a deployment (the usual PromQL sum),
 * every figure is doubled, and an alert on open reservations fires on the standby too.
 *
 * The standby is simulated without NATS: the active's journal records (captured from a real
 * server) are fed to a second server's state through follow(), as journal-replica.ts does.
 */
import { afterEach, describe, expect, it } from "vitest";
import { buildSidecar } from "../../src/app/build-sidecar.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { MemoryJournal } from "../../src/state/journal/memory-journal.js";
import { order, seed, startHarness, testConfig, type Harness } from "../server/harness.js";
import { sample } from "./observed-sidecar.js";

/** Keeps every record (a durable mode, so the door appends). */
class CapturingJournal extends MemoryJournal {
  override readonly mode = "sync" as never;
  readonly records: Uint8Array[] = [];
  override append(payload: Uint8Array): bigint {
    this.records.push(payload);
    return super.append(payload);
  }
}

describe("a standby's state gauges", () => {
  let active: Harness | undefined;
  afterEach(async () => {
    await active?.close();
  });

  it("a standby with no channel stream does not report the active's channels and reservations as its own", async () => {
    active = await startHarness();
    const journal = new CapturingJournal();
    active.server.state.attachJournal(journal);
    const ch = active.channel();
    await ch.send(seed("USD", "10000"));
    await ch.one({ case: "executePreTrade", value: { order: order({ qty: "1", price: "100" }) } });
    expect(sample(await active.server.metrics.registry.metrics(), "openpit_open_reservations")).toBe(1);

    const standby = buildSidecar(parseSidecarConfig(testConfig()));
    // What start-failover.ts attaches: the gate refuses everything while this instance owns no shard.
    standby.attachReplication({ refuseUnowned: () => new Error("NOT_OWNER") } as never, { status: () => ({ role: "standby", shards: [], appliedSequence: 0n }) } as never);
    for (const r of journal.records) standby.state.follow(r);
    const text = await standby.metrics.registry.metrics();
    // No channel stream was ever opened on the standby.
    expect(sample(text, "openpit_channels")).toBe(0);
    expect(sample(text, "openpit_open_reservations")).toBe(0);
  });
});
