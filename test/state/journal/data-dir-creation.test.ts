/**
 * A first start creates its data directory durably: the entry naming it is fsynced in its
 * parent (and so on up to the first directory that existed). recoverState used to create it
 * with a plain mkdir, after which every ensureDirDurable found it existing and synced
 * nothing: a power loss soon after a first start could lose the whole directory, and the
 * next start would begin empty (found by review). The fsyncs are observed through a wrapper
 * of node:fs that records which path each synced descriptor was opened on.
 */
import { mkdtempSync, rmSync } from "node:fs";
import * as fsReal from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterEach, expect, it, vi } from "vitest";

const synced = new Set<string>();
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const paths = new Map<number, string>();
  const openSync = ((p: fsReal.PathLike, ...rest: unknown[]) => {
    const fd = (fs.openSync as (...a: unknown[]) => number)(p, ...rest);
    paths.set(fd, resolve(String(p)));
    return fd;
  }) as typeof fs.openSync;
  const fsyncSync = (fd: number) => {
    const p = paths.get(fd);
    if (p !== undefined) synced.add(p);
    return fs.fsyncSync(fd);
  };
  const open = ((p: fsReal.PathLike, flags: fsReal.OpenMode, cb: (e: NodeJS.ErrnoException | null, fd: number) => void) =>
    fs.open(p, flags, (e, fd) => {
      if (!e) paths.set(fd, resolve(String(p)));
      cb(e, fd);
    })) as typeof fs.open;
  const fsync = ((fd: number, cb: (e: NodeJS.ErrnoException | null) => void) => {
    const p = paths.get(fd);
    if (p !== undefined) synced.add(p);
    fs.fsync(fd, cb);
  }) as typeof fs.fsync;
  const patched = { ...fs, openSync, fsyncSync, open, fsync };
  return { ...patched, default: patched };
});

const { buildState } = await import("../../../src/app/build-sidecar.js");
const { ManualClock } = await import("../../../src/engine/index.js");
const { parseSidecarConfig } = await import("../../../src/server/config/sidecar-config.js");
const { recoverState } = await import("../../../src/state/recovery.js");
const { testConfig } = await import("../../server/harness.js");
const { ensureDirDurable } = await import("../../../src/state/journal/journal-files.js");

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

it("control: ensureDirDurable on a new directory fsyncs its parent (the fsyncs are seen)", () => {
  const root = mkdtempSync(join(tmpdir(), "review-dur-"));
  dirs.push(root);
  ensureDirDurable(join(root, "fresh"));
  expect(synced.has(resolve(root))).toBe(true);
});

it("the first start fsyncs the parent of the data directory it creates, and the nested ones it creates on the way", async () => {
  const root = mkdtempSync(join(tmpdir(), "review-dur-"));
  dirs.push(root);
  const dataDir = join(root, "var", "openpit-data");
  const config = parseSidecarConfig(
    testConfig({ durability: { mode: "sync", dataDir, snapshotEveryRecords: 0, snapshotEverySeconds: 0, segmentBytes: 65536 } }),
  );
  const state = buildState(config, new ManualClock(1_000));
  await recoverState(state, config.durability);
  await state.journal.close();
  // The data directory itself is fsynced (its segment and snapshot entries)...
  expect(synced.has(resolve(dataDir))).toBe(true);
  // ...and so must be the entry that names it, in its parent (the directory was just created).
  expect(synced.has(dirname(resolve(dataDir)))).toBe(true);
  expect(synced.has(resolve(root))).toBe(true);
});

it("a start that finds the data directory made but never synced (a first start that crashed) fsyncs its parent too", async () => {
  const root = mkdtempSync(join(tmpdir(), "review-dur-"));
  dirs.push(root);
  const dataDir = join(root, "openpit-data");
  fsReal.mkdirSync(dataDir);
  synced.clear();
  const config = parseSidecarConfig(
    testConfig({ durability: { mode: "sync", dataDir, snapshotEveryRecords: 0, snapshotEverySeconds: 0, segmentBytes: 65536 } }),
  );
  const state = buildState(config, new ManualClock(1_000));
  await recoverState(state, config.durability);
  await state.journal.close();
  expect(synced.has(resolve(root))).toBe(true);
});
