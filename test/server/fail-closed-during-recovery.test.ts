/**
 * Found by review (session 34): an uncaught error while the durable state was recovered did
 * not fail closed. The process learnt of its server only once the start returned, so the
 * fail-closed handler found none: recovery went on, the server turned SERVING, printed its
 * listening line and ran commands (journaled) until the exit timer fired. The start now hands
 * the server over as soon as it is built; failed closed during recovery, it never serves, no
 * "serving" is logged and no snapshot is scheduled.
 */
import { create } from "@bufbuild/protobuf";
import { status, type Server as GrpcServer, type ServiceError } from "@grpc/grpc-js";
import { expect, it } from "vitest";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { startSidecar } from "../../src/app/start-sidecar.js";
import { callUnary, connect } from "../../src/client/index.js";
import { ManualClock } from "../../src/engine/index.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { createLogger } from "../../src/server/log/sidecar-log.js";
import type { SidecarServer } from "../../src/server/server.js";
import { useTempDirs } from "../state/journal/journal-test-helpers.js";
import { testConfig } from "./harness.js";

const tempDir = useTempDirs();

it("failed closed while recovering: the start returns a failed server that refuses commands and logged no 'serving'", async () => {
  const lines: string[] = [];
  const log = createLogger("info", { write: (l: string) => void lines.push(l) });
  const durability = { mode: "sync", dataDir: tempDir(), snapshotEveryRecords: 0, snapshotEverySeconds: 1 };
  let built: SidecarServer | undefined;
  const started = await startSidecar(parseSidecarConfig(testConfig({ durability })), new ManualClock(1_000), () => {}, log, undefined, (server) => {
    built = server;
    // What the process's fail-closed handler does on an uncaught error during the replay.
    server.failClosed();
  });
  expect(started.server).toBe(built);
  expect(started.server.phase).toBe("failed");
  const events = lines.map((l) => (JSON.parse(l) as { event: string }).event);
  expect(events).toContain("recovered");
  expect(events).not.toContain("serving");
  // No snapshot of a state that may be damaged is scheduled.
  expect((started.server.state.snapshots as unknown as { stopped: boolean }).stopped).toBe(true);
  const clients = connect(`127.0.0.1:${started.port}`);
  const refused = await callUnary(clients.admin, "blockAccount", create(ad.BlockAccountRequestSchema, { accountId: 7n, reason: "after failing closed" })).then(
    () => undefined,
    (e: ServiceError) => [e.code, e.details],
  );
  clients.close();
  expect(refused).toEqual([status.UNAVAILABLE, "the sidecar is shutting down"]);
  // A failed server never shuts down gracefully (the process exits): released by hand.
  (started.server as unknown as { server: GrpcServer }).server.forceShutdown();
  await started.server.http.close(0);
  await started.server.state.journal.close();
});
