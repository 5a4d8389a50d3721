/**
 * What the sidecar writes in its data directory (segments, snapshots, the directory itself and
 * a cut's directory) holds every account's balances, positions, blocks and the audit trail: it
 * is created for the sidecar's user only, whatever the umask lets through (found by review:
 * under the usual umask 022 it was all world-readable). A directory that exists keeps its mode.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cutJournal } from "../../src/state/journal/journal-cut.js";
import { listSegments } from "../../src/state/journal/journal-files.js";
import { snapshotFileName } from "../../src/state/journal/segment-format.js";
import { durableConfig, holdAccounts, startState } from "../state/durable-state.js";
import { useTempDirs } from "../state/journal/journal-test-helpers.js";

const tempDir = useTempDirs();
let umask = 0;
beforeEach(() => {
  umask = process.umask(0o022);
});
afterEach(() => {
  process.umask(umask);
});

const modeOf = (file: string) => (fs.statSync(file).mode & 0o777).toString(8);

/** Every directory and segment or snapshot file under `dir`, with its mode. */
function modes(dir: string): Record<string, string> {
  const out: Record<string, string> = { ".": modeOf(dir) };
  for (const name of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const full = path.join(dir, name);
    if (fs.statSync(full).isDirectory() || /\.(seg|snap)$/.test(name)) out[name] = modeOf(full);
  }
  return out;
}

describe("the data directory's modes", () => {
  it("a new directory, its segments (the first and those prepared ahead) and snapshots are owner-only", async () => {
    const dataDir = path.join(tempDir(), "new", "openpit-data");
    const { state } = await startState(durableConfig(dataDir));
    holdAccounts(state, 0, 80); // several 4 KiB segments: the later ones prepared in the background
    await state.journal.flush();
    await state.snapshots!.take();
    await state.journal.close();
    const seen = modes(dataDir);
    expect(listSegments(dataDir).length).toBeGreaterThan(2);
    expect(Object.keys(seen).filter((n) => n.endsWith(".snap")).length).toBeGreaterThan(0);
    expect(Object.entries(seen).filter(([name, mode]) => mode !== (name === "." ? "700" : "600"))).toEqual([]);
    expect(modeOf(path.dirname(dataDir))).toBe("700"); // made by the same mkdir -p
  });

  it("a snapshot written over a temporary an older process left (0644) is owner-only too (found by review of 07a4fce)", async () => {
    const dataDir = tempDir();
    fs.chmodSync(dataDir, 0o755); // made by an older version, which died writing its first start's snapshot 0
    fs.writeFileSync(path.join(dataDir, `${snapshotFileName(0n)}.tmp`), "partial", { mode: 0o644 });
    const { state } = await startState(durableConfig(dataDir));
    await state.journal.close();
    const snaps = fs.readdirSync(dataDir).filter((n) => n.endsWith(".snap"));
    expect(snaps.length).toBeGreaterThan(0);
    expect(snaps.map((n) => [n, modeOf(path.join(dataDir, n))])).toEqual(snaps.map((n) => [n, "600"]));
  });

  it("an existing directory keeps the mode its operator gave it", async () => {
    const dataDir = tempDir();
    fs.chmodSync(dataDir, 0o750);
    const { state } = await startState(durableConfig(dataDir));
    await state.journal.close();
    expect(modeOf(dataDir)).toBe("750");
  });

  it("journal cut's directory and what it moves there are owner-only", async () => {
    const dataDir = tempDir();
    const { state } = await startState(durableConfig(dataDir));
    holdAccounts(state, 0, 30);
    await state.journal.close();
    fs.rmSync(path.join(dataDir, "LOCK"), { force: true });
    // Damage in the middle of the first segment: a flipped byte in a record's payload.
    const first = path.join(dataDir, listSegments(dataDir)[0]!.file);
    const buf = fs.readFileSync(first);
    buf[600] = buf[600]! ^ 0xff;
    fs.writeFileSync(first, buf);
    let keep = 0n;
    try {
      cutJournal(dataDir, 0n, new Date(0));
    } catch (e) {
      keep = BigInt(/keeps records up to (\d+)/.exec((e as Error).message)![1]!);
    }
    const report = cutJournal(dataDir, keep, new Date(0));
    const cutDir = path.join(dataDir, path.basename(report.cutDir));
    expect(modeOf(cutDir)).toBe("700");
    const moved = fs.readdirSync(cutDir).map((n) => [n, modeOf(path.join(cutDir, n))]);
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.filter(([, mode]) => mode !== "600")).toEqual([]);
  });
});
