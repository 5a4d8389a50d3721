/** The process itself: --help, --version, --print-default-config=FILE, LOG_LEVEL, and its JSON log on stderr across a crash. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "vitest";
import { DEFAULT_CONFIG } from "../../src/server/config/default-config.js";
import { VERSION } from "../../src/version.js";
import { REPLAY_RULES } from "../../src/state/journal-writer.js";
import { AccountChannel } from "../../src/client/index.js";
import { nodeEntry, npmStart, withoutLog } from "../process/sidecar-process.js";
import { killAllSidecars, startSidecarProcess } from "../durability/sidecar-process.js";
import { order, seed, testConfig } from "../server/harness.js";
import { as } from "../server/results.js";

function temp(): string {
  return mkdtempSync(join(tmpdir(), "openpit-process-log-"));
}

// Each start of the process costs seconds of CPU (tsx compiles the sources); generous timeouts.
const SLOW = { timeout: 180_000 };

describe.concurrent("the process's command line", SLOW, () => {
  it("--help prints the usage and exits 0; --version prints package.json's version and the replay rules", async ({ expect }) => {
    const help = nodeEntry("src/main.ts", ["--help"]);
    const version = nodeEntry("src/main.ts", ["--version"]);
    expect(await help.exited).toEqual({ code: 0, signal: null });
    expect(help.stdout()).toMatch(/^usage: openpit-sidecar \[--config FILE\.json\] \[--listen HOST:PORT\] \[--metrics-listen HOST:PORT\|off\]\n/);
    expect(help.stdout()).toContain("--print-default-config[=FILE]");
    expect(help.stdout()).toContain("LOG_LEVEL");
    expect(await version.exited).toEqual({ code: 0, signal: null });
    expect(version.stdout()).toBe(`openpit-sidecar ${VERSION} (replay rules ${REPLAY_RULES})\n`);
    expect(VERSION).toBe(JSON.parse(readFileSync("package.json", "utf8")).version);
  });

  it("npm start -- --print-default-config=FILE writes exactly the default configuration, no npm banner", async ({ expect }) => {
    const dir = temp();
    try {
      const file = join(dir, "sidecar.json");
      const p = npmStart([`--print-default-config=${file}`]);
      expect(await p.exited).toEqual({ code: 0, signal: null });
      const text = readFileSync(file, "utf8");
      expect(JSON.parse(text)).toEqual(DEFAULT_CONFIG);
      expect(text.startsWith("{\n")).toBe(true);
      expect(p.stdout()).toContain(`openpit-sidecar: the default configuration was written to ${file}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("an unknown option, a stray argument or a bad LOG_LEVEL is a configuration error (exit 2)", async ({ expect }) => {
    const unknown = nodeEntry("src/main.ts", ["--ephemeral", "--verbose"]);
    const stray = nodeEntry("src/main.ts", ["--ephemeral", "extra"]);
    expect(await unknown.exited).toEqual({ code: 2, signal: null });
    expect(unknown.stderr()).toMatch(/^configuration error: unknown option --verbose\nusage: openpit-sidecar /);
    expect(await stray.exited).toEqual({ code: 2, signal: null });
    expect(stray.stderr()).toMatch(/^configuration error: unexpected argument extra\n/);
    const dir = temp();
    try {
      const config = join(dir, "c.json");
      writeFileSync(config, JSON.stringify(testConfig()));
      const { spawn } = await import("node:child_process");
      const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "--config", config], { env: { ...process.env, LOG_LEVEL: "loud" } });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise((resolve) => child.on("exit", resolve));
      expect(code).toBe(2);
      expect(stderr).toBe("configuration error: LOG_LEVEL: 'loud' is not a level; expected one of fatal, error, warn, info, debug, trace, silent\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the JSON log on stderr across a crash", SLOW, () => {
  it("start with the configuration summary, then after SIGKILL: recovery with the rollbacks it made", async ({ expect }) => {
    const dir = temp();
    try {
      const configFile = join(dir, "config.json");
      writeFileSync(configFile, JSON.stringify(testConfig({ durability: { mode: "sync", snapshotEveryRecords: 0, snapshotEverySeconds: 0, segmentBytes: 65536 } })));
      const first = await startSidecarProcess(configFile, join(dir, "data"));
      const ch = new AccountChannel(first.clients.channel);
      await ch.send(seed("USD", "10000"));
      as(await ch.one({ case: "executePreTrade", value: { order: order() } }), "execute");
      await first.crash();
      const logOf = (stderr: string) => {
        expect(withoutLog(stderr)).toBe("");
        return stderr.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      };
      const before = logOf(first.stderr());
      expect(before[0]).toMatchObject({ event: "start", level: "info", config: { durability: { mode: "sync" }, metricsListen: "127.0.0.1:0" } });
      expect(before.filter((l) => l.event === "connect")).toHaveLength(1);

      const second = await startSidecarProcess(configFile, join(dir, "data"));
      await second.crash();
      const after = logOf(second.stderr());
      expect(after.find((l) => l.event === "recovered")).toMatchObject({ level: "info", replayed: 4, rolledBackReservations: 1 });
      expect(after.find((l) => l.event === "recovery_rollback")).toMatchObject({ level: "info", accountId: "99224416", rolledBack: 1 });
    } finally {
      await killAllSidecars();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
