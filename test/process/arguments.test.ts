/**
 * Found by review (session 28): --help, --version and --print-default-config were answered
 * before the arguments were checked, so `--version stray` or `--print-default-config --bogus`
 * exited 0 and a provisioning script's typo went unnoticed. docs/configuration.md: "an
 * unknown option or a stray argument is a configuration error" (exit 2).
 */
import { spawn } from "node:child_process";
import { describe, it } from "vitest";
import { REPLAY_RULES } from "../../src/state/journal-writer.js";
import { nodeEntry } from "./sidecar-process.js";

// A hang guard of a minute: on a loaded 2-core machine a process start (tsx compiling the sources) passed 20 s.
describe.concurrent("arguments beside --version and --print-default-config", { timeout: 60_000 }, () => {
  const cases: [string[], string][] = [
    [["--print-default-config", "--bogus"], "unknown option --bogus"],
    [["--version", "stray"], "unexpected argument stray"],
  ];
  for (const [args, problem] of cases) {
    it(`${args.join(" ")} is a configuration error (exit 2), nothing printed`, async ({ expect }) => {
      const p = nodeEntry("src/main.ts", args);
      expect(await p.exited).toEqual({ code: 2, signal: null });
      expect(p.stderr().split("\n")[0]).toBe(`configuration error: ${problem}`);
      expect(p.stdout()).toBe("");
    });
  }
});

// Found by review (session 42): the docs named an `openpit-sidecar --version` command the
// package never installs; what they name now is npm's start script, quiet.
it("npm start -s -- --version prints the version and replay rules alone, as docs/operating.md shows", { timeout: 60_000 }, async ({ expect }) => {
  const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const child = spawn("npm", ["start", "-s", "--", "--version"], { stdio: ["ignore", "pipe", "ignore"] });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.on("close", (code) => resolve({ code, stdout }));
  });
  expect(out).toEqual({ code: 0, stdout: `openpit-sidecar 0.1.0 (replay rules ${REPLAY_RULES})\n` });
});
