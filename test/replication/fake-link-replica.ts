/**
 * A JournalReplica on a fake NATS link (stream J, prefix j, two shards, leaderWaitMs 1): the
 * caller's JetStream manager and client fakes answer its requests, its snapshot store its reads.
 */
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { buildState } from "../../src/app/build-sidecar.js";
import { ManualClock } from "../../src/engine/index.js";
import { JournalReplica } from "../../src/replication/journal-replica.js";
import type { JournalLink } from "../../src/replication/journal-stream.js";
import type { ObjectSnapshotStore } from "../../src/replication/object-snapshots.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { testConfig } from "../server/harness.js";

export function replicaOnFakeLink(
  jsm: JetStreamManager,
  js: JetStreamClient,
  readSnapshot: () => Promise<undefined>,
  options: { readonly firstSnapshotPollMs?: number } = {},
): JournalReplica {
  const link: JournalLink = {
    nc: { isClosed: () => false } as unknown as NatsConnection,
    js,
    jsm,
    settings: { servers: ["nats://x"], stream: "J", subjectPrefix: "j", replicas: 3, leaderWaitMs: 1 },
  };
  const snapshots = { objectName: "J.state", read: readSnapshot } as unknown as ObjectSnapshotStore;
  const state = buildState(parseSidecarConfig(testConfig()), new ManualClock(1000));
  return new JournalReplica(state, {
    link,
    snapshots,
    subjects: { prefix: "j", shardCount: 2 },
    instanceId: "t",
    snapshotEveryRecords: 0,
    snapshotEverySeconds: 0,
    ...options,
  });
}
