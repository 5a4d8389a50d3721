/**
 * Work that runs outside any one client's command — timers, close handlers, event fan-out —
 * must not let one failure reach the process (an uncaught throw there ends every channel).
 * `guarded` runs it, reports a throw in one line and carries on.
 */

/** Where a guarded failure is told: one line, stderr by default (the composition root may redirect it). */
export type FailureReporter = (line: string) => void;

let reporter: FailureReporter = (line) => console.error(line);

export function setFailureReporter(report: FailureReporter): FailureReporter {
  const previous = reporter;
  reporter = report;
  return previous;
}

/** Runs `work`; a throw is reported as `openpit-sidecar: <what> failed: <message>` and swallowed. */
export function guarded(what: string, work: () => void): void {
  try {
    work();
  } catch (e) {
    reportFailure(what, e);
  }
}

export function reportFailure(what: string, e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  try {
    reporter(`openpit-sidecar: ${what} failed: ${message.replace(/\s+/g, " ")}`);
  } catch {
    // A reporter that throws must not undo the guard.
  }
}
