/**
 * A server that failed closed writes no snapshot, not even one the last command had scheduled
 * (found by review, session 44): the write waited behind setImmediate and `stop()` did not
 * cancel it, so the state the uncaught error left (changes never journaled) was put on disk
 * and trusted by the next recovery.
 */
import * as fs from "node:fs";
import { expect, it } from "vitest";
import type { Server as GrpcServer } from "@grpc/grpc-js";
import { buildSidecar } from "../../src/app/build-sidecar.js";
import { startSidecar } from "../../src/app/start-sidecar.js";
import { ManualClock } from "../../src/engine/index.js";
import { AccountId } from "../../src/param/index.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { createLogger } from "../../src/server/log/sidecar-log.js";
import { recoverState } from "../../src/state/recovery.js";
import { useTempDirs } from "./journal/journal-test-helpers.js";
import { testConfig } from "../server/harness.js";

const tempDir = useTempDirs();
const snapshotFiles = (dir: string) => fs.readdirSync(dir).filter((n) => n.endsWith(".snap")).sort();

it("an uncaught error's half-made change is not snapshotted: the restart recovers what was journaled only", async () => {
  const dataDir = tempDir();
  const config = parseSidecarConfig(testConfig({ durability: { mode: "sync", dataDir, snapshotEveryRecords: 3, snapshotEverySeconds: 0, segmentBytes: 4096 } }));
  const server = buildSidecar(config, new ManualClock(1_000));
  await recoverState(server.state, config.durability);
  const before = snapshotFiles(dataDir);
  // The third journaled command crosses snapshotEveryRecords: a snapshot is scheduled for the next turn.
  for (let i = 0; i < 3; i++) server.state.admin({ kind: "blockAccount", accountId: AccountId.fromU64(1000 + i), reason: `hold ${i}` });
  // In the same turn, the error's damage (a change in the engine with no journal record), and the failure.
  server.state.engine.accounts().block(AccountId.fromU64(4242), "half-applied, never journaled");
  server.failClosed();
  // Waits for the scheduled write, then asks for one more: neither is written.
  expect(await server.state.snapshots!.take()).toBeUndefined();
  expect(snapshotFiles(dataDir)).toEqual(before);
  await server.state.journal.close();
  fs.rmSync(`${dataDir}/LOCK`, { force: true }); // the process exited
  const next = buildSidecar(config, new ManualClock(2_000));
  await recoverState(next.state, config.durability);
  expect(next.state.engine.accounts().blockOf(AccountId.fromU64(1002))?.reason).toBe("hold 2");
  expect(next.state.engine.accounts().blockOf(AccountId.fromU64(4242))).toBeUndefined();
  await next.state.journal.close();
});

it("failed closed while recovering: no snapshot is written, recovery's own first one included (found by review of the fix)", async () => {
  const dataDir = tempDir();
  const durability = { mode: "sync", dataDir, snapshotEveryRecords: 0, snapshotEverySeconds: 1 };
  const log = createLogger("info", { write: () => {} });
  const started = await startSidecar(parseSidecarConfig(testConfig({ durability })), new ManualClock(1_000), () => {}, log, undefined, (server) => {
    // the uncaught error's damage (never journaled), then the handler fails closed
    server.state.engine.accounts().block(AccountId.fromU64(4242), "half-applied, never journaled");
    server.failClosed();
  });
  expect(started.server.phase).toBe("failed");
  const written = snapshotFiles(dataDir);
  (started.server as unknown as { server: GrpcServer }).server.forceShutdown();
  await started.server.http.close(0);
  await started.server.state.journal.close();
  fs.rmSync(`${dataDir}/LOCK`, { force: true }); // the process exited (70)
  const config = parseSidecarConfig(testConfig({ durability }));
  const next = buildSidecar(config, new ManualClock(2_000));
  await recoverState(next.state, config.durability);
  const damage = next.state.engine.accounts().blockOf(AccountId.fromU64(4242));
  await next.state.journal.close();
  expect({ written, damage }).toEqual({ written: [], damage: undefined });
});
