/**
 * Runs the engine bench on one core, as issue 12's target is stated ("≥ 200 000 checks/s on
 * one core"): the process re-runs itself under `taskset -c <cpu>`, so the engine's thread
 * and V8's helper threads (concurrent GC, the optimising compiler) share that core and
 * their time counts against the engine, never against a second core.
 *
 * Why it matters on this 2-vCPU VM: unpinned, about one run in four settled in a slow mode
 * (p50 5.4–5.7 µs instead of 3.3–3.6 µs for the same code; the base commit does the same),
 * while pinned runs never did in a dozen tries on either CPU. The likeliest cause, not
 * proven, is the scheduler moving the thread between the two vCPUs, which costs it its
 * caches. Without `taskset` (or with `--no-pin`)
 * the bench runs unpinned and says so.
 *
 * `npm run bench`'s in-process section (bench/in-process.ts) had the same slow mode and
 * runs the same way: in a child started with `onOneCore`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

const PINNED_ENV = "OPENPIT_BENCH_PINNED_CPU";
const TASKSET = "/usr/bin/taskset";

/** Where this process runs: the CPU it was pinned to, or undefined when unpinned. */
export function pinnedCpu(): number | undefined {
  const cpu = process.env[PINNED_ENV];
  return cpu === undefined ? undefined : Number(cpu);
}

/**
 * Re-runs this script pinned to the last CPU (same Node flags, same arguments) and returns
 * its exit code; returns undefined when this process should run the bench itself (already
 * pinned, `pin` false, or no `taskset` on this machine).
 */
export function rerunOnOneCore(pin: boolean): number | undefined {
  if (!pin || pinnedCpu() !== undefined) return undefined;
  const pinned = onOneCore([...process.execArgv, ...process.argv.slice(1)]);
  if (pinned.cpu === undefined) return undefined;
  const child = spawnSync(pinned.command, pinned.args, { stdio: "inherit", env: pinned.env });
  if (child.error) throw child.error;
  return child.status ?? 1;
}

/** A Node command line, pinned to one CPU when this machine has `taskset`. */
export interface PinnedCommand {
  readonly command: string;
  readonly args: readonly string[];
  /** This process's environment, plus the CPU for `pinnedCpu()` in the child. */
  readonly env: NodeJS.ProcessEnv;
  /** The CPU it is pinned to; undefined when `taskset` is missing (then it runs unpinned). */
  readonly cpu: number | undefined;
}

/** `node <nodeArgs…>` under `taskset -c <cpu>`, by default the highest allowed CPU (unpinned, and says so, without taskset). */
export function onOneCore(nodeArgs: readonly string[], cpu = lastAllowedCpu()): PinnedCommand {
  if (!existsSync(TASKSET)) return { command: process.execPath, args: nodeArgs, env: process.env, cpu: undefined };
  return { command: TASKSET, args: ["-c", String(cpu), process.execPath, ...nodeArgs], env: { ...process.env, [PINNED_ENV]: String(cpu) }, cpu };
}

/** The highest CPU this process may run on (its affinity list), not merely the count of them. */
function lastAllowedCpu(): number {
  const ids = allowedCpus();
  return ids.length > 0 ? Math.max(...ids) : availableParallelism() - 1;
}

/** The CPUs this process may run on (its affinity list, e.g. "0-1,4" → [0, 1, 4]); empty if unreadable. */
export function allowedCpus(): number[] {
  const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
  const ids: number[] = [];
  for (const range of list?.split(",") ?? []) {
    const [from, to = from] = range.split("-").map(Number);
    if (!Number.isInteger(from) || !Number.isInteger(to)) return [];
    for (let cpu = from!; cpu <= to!; cpu++) ids.push(cpu);
  }
  return ids;
}

/** `taskset`, when this machine has it. */
export const tasksetPath = (): string | undefined => (existsSync(TASKSET) ? TASKSET : undefined);
