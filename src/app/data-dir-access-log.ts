/**
 * A data directory other users may enter, in the structured log. The sidecar creates its
 * directory and files owner-only, but a directory that already existed (made by hand, or by a
 * version before that) keeps its mode, and the files an older version wrote in it may be
 * world-readable: every account's balances, positions, blocks and the audit trail.
 */
import { statSync } from "node:fs";
import type { SidecarLogger } from "../server/log/sidecar-log.js";

/** Warns when users other than the owner and its group may enter or read `dataDir`. */
export function logDataDirAccess(log: SidecarLogger, dataDir: string): void {
  const mode = statSync(dataDir).mode & 0o777;
  if ((mode & 0o007) === 0) return;
  const octal = `0${mode.toString(8)}`;
  log.warn(
    { event: "data_dir_open", dataDir, mode: octal },
    `the data directory ${dataDir} is open to every user of this host (mode ${octal}): it holds every account's state and the audit trail; ` +
      `chmod 700 it (files an older version wrote in it may be readable by others too)`,
  );
}
