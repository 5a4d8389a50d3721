/**
 * Fail closed: an error nothing caught means the state may be half-changed, so the process
 * must not go on answering as if all were well. One line goes to stderr, health turns
 * NOT_SERVING, no further command is run, and the process exits EX_SOFTWARE (70). Nothing
 * is rolled back or snapshotted: every acknowledged command is already in the journal, and
 * the next start recovers from it (open reservations rolled back as after any crash).
 */
import type { SidecarServer } from "../server/server.js";
import { EXIT_CODES } from "./exit-codes.js";

/** Long enough for NOT_SERVING to reach health watchers over the wire, short enough not to matter. */
const LINGER_MS = 200;

/** `Name: message at first frame`, on one line whatever the error holds. */
export function oneLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error).replace(/\s*\n\s*/g, " ");
  const where = error.stack?.split("\n").find((l) => l.trimStart().startsWith("at "))?.trim();
  return `${error.name}: ${error.message}${where ? ` (${where})` : ""}`.replace(/\s*\n\s*/g, " ");
}

/** Installs the handlers; `server()` is the server once it exists (undefined while starting). */
export function installFailClosed(server: () => SidecarServer | undefined, exit: (code: number) => void = (c) => process.exit(c)): void {
  let failing = false;
  const fail = (what: string, error: unknown): void => {
    // The first failure is the one worth reading; later ones are usually its consequences.
    if (failing) return;
    failing = true;
    try {
      server()?.log.fatal({ event: "failed_closed", what, error: oneLine(error) }, `${what}, failing closed`);
    } catch {
      // The plain line below still tells it.
    }
    process.stderr.write(`openpit-sidecar: ${what}, failing closed (exit ${EXIT_CODES.software}): ${oneLine(error)}\n`);
    try {
      server()?.failClosed();
    } finally {
      setTimeout(() => exit(EXIT_CODES.software), LINGER_MS);
    }
  };
  process.on("uncaughtException", (e) => fail("uncaught exception", e));
  process.on("unhandledRejection", (e) => fail("unhandled rejection", e));
}
