/**
 * The bench's CPU placement (bench/cpu-placement.ts): a forked server child runs on the
 * CPU it was given, every thread of a process can be pinned and let loose again, and the
 * placement puts the generator and the servers on different CPUs. Read back from
 * /proc/PID/status, so each test fails if the pinning is not applied.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { choosePlacement, pinProcess } from "../../bench/cpu-placement.js";
import { ChildHandle } from "../../bench/ipc.js";
import { allowedCpus, tasksetPath } from "../../bench/one-core.js";

const cpusOf = (pid: number): string => /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]!;

describe("the bench's CPU placement", () => {
  const cpus = allowedCpus();

  it("reads this process's CPUs", () => {
    expect(cpus.length).toBeGreaterThan(0);
    for (const cpu of cpus) expect(Number.isInteger(cpu) && cpu >= 0).toBe(true);
    expect([...cpus].sort((a, b) => a - b)).toEqual(cpus);
    expect(cpusOf(process.pid).split(",").length).toBeLessThanOrEqual(cpus.length);
  });

  it("puts the generator and the servers on different CPUs when there are two or more", () => {
    const p = choosePlacement();
    if (tasksetPath() === undefined || cpus.length < 2) return expect(p).toBeUndefined();
    expect(p).toEqual({ generatorCpu: cpus[0], serverCpu: cpus[cpus.length - 1], allCpus: cpus.join(",") });
  });

  it("forks a server child pinned to the given CPU, and it still answers", async () => {
    if (tasksetPath() === undefined) return;
    const cpu = cpus[cpus.length - 1]!;
    const echo = ChildHandle.fork("echo", "bench/echo-process.ts", { cpu });
    try {
      const { port } = await echo.call<{ port: number }>("start");
      expect(port).toBeGreaterThan(0);
      expect(cpusOf(echo.pid!)).toBe(String(cpu));
    } finally {
      await echo.stop();
    }
  }, 60_000);

  it("pins every thread of a process and lets it loose again", async () => {
    if (tasksetPath() === undefined) return;
    const child = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      pinProcess(child.pid!, String(cpus[0]));
      expect(cpusOf(child.pid!)).toBe(String(cpus[0]));
      pinProcess(child.pid!, cpus.join(","));
      expect(cpusOf(child.pid!).split(/[,-]/).map(Number)).toEqual(expect.arrayContaining([cpus[0], cpus[cpus.length - 1]]));
      expect(() => pinProcess(child.pid!, "9999")).toThrow(/^taskset -a -cp 9999 \d+ failed/);
    } finally {
      child.kill();
    }
  });
});
