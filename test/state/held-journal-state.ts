/** The test configuration's state on a file journal whose fdatasync the test holds and releases (what waits on durability becomes observable). */
import { buildSidecar } from "../../src/app/build-sidecar.js";
import { ManualClock } from "../../src/engine/index.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { FileJournal } from "../../src/state/journal/file-journal.js";
import type { SidecarState } from "../../src/state/sidecar-state.js";
import { afterEach, beforeEach } from "vitest";
import { testConfig } from "../server/harness.js";
import { heldFsync, releaseUntilDurable, useTempDirs, type HeldFsync } from "./journal/journal-test-helpers.js";

export function stateOnHeldJournal(dataDir: string, mode: "sync" | "async"): { state: SidecarState; fsync: HeldFsync; journal: FileJournal } {
  const state = buildSidecar(parseSidecarConfig(testConfig()), new ManualClock(0)).state;
  const fsync = heldFsync();
  const journal = FileJournal.open({ dataDir, mode, io: fsync.io, segmentBytes: 1 << 20 });
  state.attachJournal(journal);
  return { state, fsync, journal };
}

/**
 * A fresh `stateOnHeldJournal` in `mode` for each test of the calling describe block, its held
 * fdatasyncs released and its journal closed after each; read it inside the tests.
 */
export function useStateOnHeldJournal(mode: "sync" | "async"): () => { state: SidecarState; fsync: HeldFsync; journal: FileJournal } {
  const tempDir = useTempDirs();
  let current: ReturnType<typeof stateOnHeldJournal> | undefined;
  beforeEach(() => {
    current = stateOnHeldJournal(tempDir(), mode);
  });
  afterEach(async () => {
    await releaseUntilDurable(current!.journal, current!.fsync);
    await current!.journal.close();
  });
  return () => current!;
}
