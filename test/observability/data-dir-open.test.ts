/**
 * The sidecar creates its data directory owner-only, but one that existed keeps its mode: the
 * start warns when every user of the host may enter it (its files may be readable by them:
 * an older version created them by the umask).
 */
import { chmodSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { closeObservedAfterEach, startObserved, tempDataDir } from "./observed-sidecar.js";

describe("the start-up log of the data directory's mode", () => {
  closeObservedAfterEach();

  it("warns of a directory open to every user, naming it and its mode; says nothing of an owner-only or group one", async () => {
    const open = tempDataDir();
    chmodSync(open, 0o755);
    const warned = await startObserved({ dataDir: open });
    expect(warned.log.of("data_dir_open").map(({ level, dataDir, mode, msg }) => ({ level, dataDir, mode, msg }))).toEqual([
      {
        level: "warn",
        dataDir: open,
        mode: "0755",
        msg: `the data directory ${open} is open to every user of this host (mode 0755): it holds every account's state and the audit trail; chmod 700 it (files an older version wrote in it may be readable by others too)`,
      },
    ]);
    await warned.close();
    for (const mode of [0o700, 0o750]) {
      const dataDir = tempDataDir();
      chmodSync(dataDir, mode);
      const quiet = await startObserved({ dataDir });
      expect(quiet.log.of("data_dir_open")).toEqual([]);
      await quiet.close();
    }
  });
});
