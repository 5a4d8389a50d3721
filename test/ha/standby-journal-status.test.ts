/**
 * Found by review: docs/durability.md and docs/high-availability.md say the diagnostics
 * (GetJournalStatus) answer on every instance "so a stalled journal or a standby can be looked
 * at", and docs/observability.md that the journal series exist in every durable mode. A
 * failover standby's state kept build-sidecar.ts's in-memory placeholder journal until it took
 * over: GetJournalStatus called it EPHEMERAL at record 0 while GetReplicationStatus said it
 * had applied the active's records, and its /metrics had no openpit_journal_* series. It now
 * reports the replicated journal as far as it applied it, and its takeover's journal after.
 */
import { create } from "@bufbuild/protobuf";
import { expect, it } from "vitest";
import { DurabilityMode, GetJournalStatusRequestSchema, type GetJournalStatusResponse } from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { ReplicationRole } from "../../gen/openpit/sidecar/v1/replication_pb.js";
import { callUnary, type SidecarClients } from "../../src/client/index.js";
import { sample } from "../observability/observed-sidecar.js";
import { NATS_READY } from "./nats-cluster.js";
import { replicatedSidecar, replicationStatus, scrapeMetrics, useNatsCluster, waitForRole } from "./replicated-sidecars.js";

const clusterOf = useNatsCluster();

function journalStatus(clients: SidecarClients): Promise<GetJournalStatusResponse> {
  return callUnary<GetJournalStatusResponse>(clients.admin, "getJournalStatus", create(GetJournalStatusRequestSchema, {}));
}

it.runIf(NATS_READY)("a standby's GetJournalStatus and journal series give the replicated journal at the record it applied; its takeover's journal after", async () => {
  const a = await (await replicatedSidecar(clusterOf(), "standbyjournal", "a")).start();
  await waitForRole(a, ReplicationRole.ACTIVE, 10_000);
  const b = await (await replicatedSidecar(clusterOf(), "standbyjournal", "b")).start();
  await waitForRole(b, ReplicationRole.STANDBY, 10_000);
  try {
    const onActive = await journalStatus(a.clients);
    // The active is idle: the standby has applied everything once it reaches the active's last record.
    let applied = 0n;
    for (let i = 0; i < 200 && applied !== onActive.lastSequence; i++) {
      applied = (await replicationStatus(b.clients)).appliedSequence;
      if (applied !== onActive.lastSequence) await new Promise((r) => setTimeout(r, 20));
    }
    expect(applied).toBe(onActive.lastSequence);
    expect(applied).toBeGreaterThan(0n);

    const onStandby = await journalStatus(b.clients);
    expect({ mode: DurabilityMode[onStandby.mode], last: onStandby.lastSequence, durable: onStandby.durableSequence, dataDir: onStandby.dataDir, publishes: onStandby.fsyncCount }).toEqual({
      mode: "REPLICATED",
      last: applied,
      durable: applied,
      dataDir: "",
      publishes: 0n,
    });
    const text = await scrapeMetrics(b);
    expect({ last: sample(text, "openpit_journal_last_sequence"), durable: sample(text, "openpit_journal_durable_sequence"), failed: sample(text, "openpit_journal_failed") }).toEqual({
      last: Number(applied),
      durable: Number(applied),
      failed: 0,
    });

    // Its takeover attaches the journal it claimed: its own publishes from there.
    await a.crash();
    await waitForRole(b, ReplicationRole.ACTIVE, 15_000);
    const taken = await journalStatus(b.clients);
    expect(DurabilityMode[taken.mode]).toBe("REPLICATED");
    expect(taken.lastSequence).toBeGreaterThan(applied);
    expect(taken.fsyncCount).toBeGreaterThan(0n);
  } finally {
    await b.crash();
    await a.crash();
  }
}, 60_000);
