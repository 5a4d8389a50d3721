/**
 * Found by review (session 32): the signal handlers were installed after the listening line
 * (and the lines after it) were written, so a supervisor that sent SIGTERM as soon as it read
 * the line could hit the process while SIGTERM still had its default action: death by signal,
 * no drain, no last snapshot (docs/security.md: once it listens, SIGTERM is a graceful
 * shutdown, exit 0). The child and this process share one CPU and the child is niced, so the
 * reader runs as soon as the line is written: that only widens the window, which is the same
 * on any host (before the fix, four runs of four died by the signal).
 */
import { execSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it, onTestFinished } from "vitest";
import { testConfig } from "../server/harness.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));

function startAndTermOnListening(root: string): Promise<string> {
  const config = join(root, "sidecar.json");
  writeFileSync(config, JSON.stringify(testConfig({ listen: "127.0.0.1:0", metrics: { listen: "off" }, limits: { shutdownDrainMs: 0 }, durability: { mode: "sync" } })));
  const args = ["--config", config, "--data-dir", join(root, "data")];
  const child = spawn("taskset", ["-c", "0", "nice", "-n", "10", process.execPath, "--import", "tsx", "src/main.ts", ...args], { cwd: REPO, stdio: ["ignore", "pipe", "ignore"] });
  let out = "";
  let sent = false;
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
    if (!sent && /openpit-sidecar listening on \S+ \(.*pid \d+\)\n/.test(out)) {
      sent = true;
      child.kill("SIGTERM");
    }
  });
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve(code === 0 ? "exit 0" : `code ${code} signal ${signal}`)));
}

it("SIGTERM sent as soon as the listening line is read is a graceful shutdown (exit 0), never a death by signal", { timeout: 180_000 }, async () => {
  execSync(`taskset -cp 0 ${process.pid}`);
  const results: string[] = [];
  for (let i = 0; i < 4; i++) {
    const root = mkdtempSync(join(tmpdir(), "openpit-sigterm-"));
    onTestFinished(() => rmSync(root, { recursive: true, force: true }));
    results.push(await startAndTermOnListening(root));
  }
  expect(results).toEqual(["exit 0", "exit 0", "exit 0", "exit 0"]);
});
