/**
 * The in-process section's own process (bench/in-process.ts, `runInProcessOnOneCore`):
 * started pinned to one CPU, it runs the section with the plan it is given in argv and
 * sends the result back on its IPC channel, then exits.
 */
import { runInProcess } from "./in-process.js";

if (!process.send) throw new Error("in-process-child.ts is started by bench/in-process.ts (it needs an IPC channel)");
try {
  const result = runInProcess(JSON.parse(process.argv[2] ?? "null"));
  process.send(result, () => process.exit(0));
} catch (e) {
  // One readable line first: the parent's error quotes this stderr.
  process.stderr.write(`in-process section: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(2);
}
