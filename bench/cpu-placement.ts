/**
 * Where the bench's processes run. On a machine with two or more CPUs the sidecar and the
 * echo floor (its yardstick) run pinned to one CPU and this process, the load generator,
 * to another: the way a latency-sensitive sidecar is deployed (its own core, the gateway
 * beside it), and the only way on this 2-vCPU VM to keep the generator's threads (main,
 * GC; unpinned, also the pacer's) from being scheduled onto the sidecar's CPU in the middle
 * of its turns. With a CPU of its own, the generator paces by spinning (pacer.ts).
 * Measured before it became the default (docs/performance.md, "Session 6: CPU placement
 * and runs G–J"): at 80 % of the mix capacity, two unpinned probes queued (p50 1.9 and
 * 50 ms) where two pinned ones answered at 0.4 and 0.9 ms; pinned, the closed loop is
 * ~30 % faster on both sides. Full runs scatter with the VM's speed either way.
 *
 * The sidecar and the echo never carry load at the same time (every section runs one,
 * then the other), so they share their CPU without meeting. The generator is pinned only
 * for the sections that drive them: before the durability section it is let loose again,
 * so that the durable sidecars, the nats-server cluster and the replay children it starts
 * there are placed by the kernel as before (children inherit their parent's CPUs).
 * `npm run bench -- --no-pin` runs everything unpinned, as before session 6.
 */
import { spawnSync } from "node:child_process";
import { allowedCpus, tasksetPath } from "./one-core.js";

export interface CpuPlacement {
  /** The CPU of this process (the generator) while it drives the sidecar and the echo. */
  readonly generatorCpu: number;
  /** The CPU of the sidecar and echo processes. */
  readonly serverCpu: number;
  /** Every CPU this process may use, to let it loose again (taskset's list form). */
  readonly allCpus: string;
}

/** The placement on this machine; undefined (run unpinned) without `taskset` or with fewer than 2 CPUs. */
export function choosePlacement(): CpuPlacement | undefined {
  const cpus = allowedCpus();
  if (tasksetPath() === undefined || cpus.length < 2) return undefined;
  return { generatorCpu: cpus[0]!, serverCpu: cpus[cpus.length - 1]!, allCpus: cpus.join(",") };
}

/** Pins every thread of process `pid` to `cpus` ("1", "0,1"); threads it starts later inherit it. */
export function pinProcess(pid: number, cpus: string): void {
  const taskset = tasksetPath();
  if (taskset === undefined) throw new Error("taskset is not installed");
  const run = spawnSync(taskset, ["-a", "-cp", cpus, String(pid)], { encoding: "utf8" });
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(`taskset -a -cp ${cpus} ${pid} failed: ${run.stderr.trim()}`);
}
