/**
 * `npm start` runs the sidecar from a bundle of the sources it makes at every start
 * (scripts/bundle.mjs): plain `node` on one module, no TypeScript loader. What the sources
 * find from their own place must be found from the bundle's: the package's version
 * (`../package.json`) and the console's static files (`./static/`, copied beside it).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../src/server/config/default-config.js";
import { LISTENING, REPO_ROOT, npmStart, type SidecarProcess } from "./sidecar-process.js";

const METRICS = /openpit-sidecar: metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics\n/;
const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version;

let dir: string | undefined;
let sidecar: SidecarProcess | undefined;

afterEach(async () => {
  if (sidecar && sidecar.child.exitCode === null && sidecar.child.signalCode === null) {
    sidecar.child.kill("SIGTERM");
    await sidecar.exited;
  }
  sidecar = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("npm start", { timeout: 60_000 }, () => {
  it("says the package's version", async () => {
    const p = npmStart(["--version"]);
    expect(await p.exited).toEqual({ code: 0, signal: null });
    // After npm's own header lines.
    expect(p.stdout()).toMatch(new RegExp(`^openpit-sidecar ${VERSION.replaceAll(".", "\\.")} \\(replay rules \\d+\\)$`, "m"));
  });

  it("that cannot write its bundle says so in one line and exits 70, as a start that failed", () => {
    // A path under a file: no directory can be made there, whoever runs the test.
    const run = spawnSync(process.execPath, ["scripts/bundle.mjs", "src/main.ts", "package.json/openpit-sidecar.mjs"], { cwd: REPO_ROOT, encoding: "utf8", timeout: 30_000 });
    expect(run.status).toBe(70);
    expect(run.stderr).toMatch(/^openpit-sidecar: cannot start: cannot bundle src\/main\.ts into package\.json\/openpit-sidecar\.mjs: EEXIST: .*\n$/);
  });

  it("runs the bundle with plain node, and serves the console's files from beside it", async () => {
    dir = mkdtempSync(join(tmpdir(), "openpit-bundle-"));
    const config = join(dir, "config.json");
    writeFileSync(config, JSON.stringify({ ...DEFAULT_CONFIG, listen: "127.0.0.1:0", metrics: { listen: "127.0.0.1:0" } }));
    sidecar = npmStart(["--config", config, "--data-dir", join(dir, "data")]);
    const [, , , pid] = await sidecar.waitFor(LISTENING);
    const [, httpPort] = await sidecar.waitFor(METRICS);

    const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    expect(command.at(-5)).toBe("dist/openpit-sidecar.mjs");
    expect(command.join(" ")).not.toContain("tsx");

    for (const [path, file] of [["/console/", "index.html"], ["/console/app.js", "app.js"], ["/console/app.css", "app.css"]] as const) {
      const response = await fetch(`http://127.0.0.1:${httpPort}${path}`);
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer())).toEqual(readFileSync(join(REPO_ROOT, "src/server/console/static", file)));
    }
  });
});
