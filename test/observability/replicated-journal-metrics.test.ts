/**
 * Found by review.
 * docs/observability.md, "The journal (durable modes only; absent with --ephemeral)": the
 * journal series must be there in every durable mode, replicated included (configuration.md
 * lists `replicated` as a durability mode; security.md names a stalled replicated stream as
 * what `limits.maxRecordsAwaitingDurability` and `last - durable` are watched for).
 *
 * The replicated journal (src/replication/jetstream-journal.ts) reports `dataDir: undefined`
 * in its status, and sidecar-metrics.ts drops every journal series when dataDir is undefined.
 * A stand-in journal with the JetStream journal's status shape shows it without NATS.
 */
import { describe, expect, it } from "vitest";
import { buildSidecar } from "../../src/app/build-sidecar.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { MemoryJournal } from "../../src/state/journal/memory-journal.js";
import type { JournalStatus } from "../../src/state/journal/journal.js";
import { testConfig } from "../server/harness.js";
import { sample } from "./observed-sidecar.js";

/** The status a JetStream journal reports (jetstream-journal.ts status()): no data directory. */
class ReplicatedLikeJournal extends MemoryJournal {
  override readonly mode = "replicated" as never;
  override status(): JournalStatus {
    return { ...super.status(), mode: "replicated", dataDir: undefined, lastSequence: 42n, durableSequence: 40n, pendingBatches: 1, fsyncCount: 7, failure: "append refused" };
  }
}

describe("journal metrics in replicated mode", () => {
  it("openpit_journal_* are exported for the replicated journal (a durable mode), not only for files", async () => {
    const server = buildSidecar(parseSidecarConfig(testConfig()));
    server.state.attachJournal(new ReplicatedLikeJournal());
    const text = await server.metrics.registry.metrics();
    expect(sample(text, "openpit_journal_last_sequence")).toBe(42);
    expect(sample(text, "openpit_journal_durable_sequence")).toBe(40);
    expect(sample(text, "openpit_journal_pending_batches")).toBe(1);
    expect(sample(text, "openpit_journal_failed")).toBe(1);
  });

  it("still absent in ephemeral mode", async () => {
    const server = buildSidecar(parseSidecarConfig(testConfig()));
    const text = await server.metrics.registry.metrics();
    expect(text).not.toContain("\nopenpit_journal_last_sequence ");
  });
});
