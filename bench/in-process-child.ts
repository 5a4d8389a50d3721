/**
 * The in-process section's own process (bench/in-process.ts, `runInProcessOnOneCore`):
 * started pinned to one CPU, it runs the section with the plan it is given in argv and
 * sends the result back on its IPC channel, then exits.
 */
import { runInProcess } from "./in-process.js";

if (!process.send) throw new Error("in-process-child.ts is started by bench/in-process.ts (it needs an IPC channel)");
const plan = JSON.parse(process.argv[2] ?? "null");
const result = runInProcess(plan);
process.send(result, () => process.exit(0));
