/** The test configuration's state on a file journal whose fdatasync the test holds and releases (what waits on durability becomes observable). */
import { buildSidecar } from "../../src/app/build-sidecar.js";
import { ManualClock } from "../../src/engine/index.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { FileJournal } from "../../src/state/journal/file-journal.js";
import type { SidecarState } from "../../src/state/sidecar-state.js";
import { testConfig } from "../server/harness.js";
import { heldFsync, type HeldFsync } from "./journal/journal-test-helpers.js";

export function stateOnHeldJournal(dataDir: string, mode: "sync" | "async"): { state: SidecarState; fsync: HeldFsync; journal: FileJournal } {
  const state = buildSidecar(parseSidecarConfig(testConfig()), new ManualClock(0)).state;
  const fsync = heldFsync();
  const journal = FileJournal.open({ dataDir, mode, io: fsync.io, segmentBytes: 1 << 20 });
  state.attachJournal(journal);
  return { state, fsync, journal };
}
