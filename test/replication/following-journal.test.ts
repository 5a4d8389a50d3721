/**
 * Found by review: a replicated state kept build-sidecar.ts's in-memory placeholder journal
 * until its takeover, so a failover standby's GetJournalStatus said EPHEMERAL at record 0 and
 * its /metrics had no openpit_journal_* series, though the diagnostics answer on every
 * instance and the journal series exist in every durable mode (docs/high-availability.md,
 * docs/observability.md). A JournalReplica now gives the state a FollowingJournal: the
 * replicated journal as far as it is applied, refusing appends. Without NATS: the replica is
 * only built here (test/ha/standby-journal-status.test.ts follows a real stream).
 */
import { create } from "@bufbuild/protobuf";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { DurabilityMode, GetJournalStatusRequestSchema, type GetJournalStatusResponse } from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { buildSidecar } from "../../src/app/build-sidecar.js";
import { NotTheWriterError } from "../../src/replication/following-journal.js";
import { JournalReplica } from "../../src/replication/journal-replica.js";
import type { ObjectSnapshotStore } from "../../src/replication/object-snapshots.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { callUnaryInProcess } from "../../src/server/console/in-process-call.js";
import { sample } from "../observability/observed-sidecar.js";
import { testConfig } from "../server/harness.js";

function followingServer() {
  const server = buildSidecar(parseSidecarConfig(testConfig()));
  new JournalReplica(server.state, {
    link: {
      nc: { isClosed: () => false } as unknown as NatsConnection,
      js: {} as JetStreamClient,
      jsm: {} as JetStreamManager,
      settings: { servers: ["nats://x"], stream: "J", subjectPrefix: "j", replicas: 3, leaderWaitMs: 1 },
    },
    snapshots: { objectName: "J.state", read: () => Promise.resolve(undefined) } as unknown as ObjectSnapshotStore,
    subjects: { prefix: "j", shardCount: 2 },
    instanceId: "t",
    snapshotEveryRecords: 0,
    snapshotEverySeconds: 0,
  });
  return server;
}

describe("a replicated state before its takeover", () => {
  it("reports the replicated journal in GetJournalStatus and the journal series, not an ephemeral one", async () => {
    const server = followingServer();
    const answer = await callUnaryInProcess(server.guardedServices.admin, "getJournalStatus", "/openpit.sidecar.v1.AdminService/GetJournalStatus", create(GetJournalStatusRequestSchema), {
      authorization: undefined,
      peer: "test",
    });
    const s = (answer as { response: GetJournalStatusResponse }).response;
    expect({ mode: DurabilityMode[s.mode], last: s.lastSequence, durable: s.durableSequence, dataDir: s.dataDir }).toEqual({ mode: "REPLICATED", last: 0n, durable: 0n, dataDir: "" });
    const text = await server.metrics.registry.metrics();
    expect({ last: sample(text, "openpit_journal_last_sequence"), durable: sample(text, "openpit_journal_durable_sequence"), failed: sample(text, "openpit_journal_failed") }).toEqual({
      last: 0,
      durable: 0,
      failed: 0,
    });
  });

  it("appends nothing: a command that reached the door is refused before it changes anything", () => {
    const server = followingServer();
    expect(() => server.state.openChannel()).toThrow(NotTheWriterError);
    expect(server.state.channels.size).toBe(0);
  });
});
