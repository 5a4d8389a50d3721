/**
 * docs/operating.md, "Connection": the CLI "takes the same settings as the server". The server
 * treats an empty OPENPIT_LISTEN or OPENPIT_CONFIG as unset (load-config.ts: a variable exported
 * empty, e.g. `OPENPIT_LISTEN=${LISTEN:-}`, serves the file's or the default address); the CLI
 * dialled "" ("Could not parse target name") or failed to read a configuration file named "".
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { parseArgs } from "../../src/cli/args.js";
import { CONNECTION_OPTIONS, DEFAULT_TARGET, targetOf } from "../../src/cli/connection.js";

const args = (argv: string[] = []) => parseArgs(argv, new Set(CONNECTION_OPTIONS), new Set());

describe("the CLI's target from the environment", () => {
  it("reads an empty OPENPIT_TARGET, OPENPIT_LISTEN or OPENPIT_CONFIG as unset, like the server", () => {
    expect(targetOf(args(), { OPENPIT_TARGET: "", OPENPIT_LISTEN: "", OPENPIT_CONFIG: "" })).toBe(DEFAULT_TARGET);
    const dir = mkdtempSync(join(tmpdir(), "openpit-cli-target-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "sidecar.json");
    writeFileSync(file, JSON.stringify({ listen: "127.0.0.1:50999", policies: [{ type: "OrderValidationPolicy" }] }));
    // An empty OPENPIT_LISTEN does not hide the file's address (the server listens there).
    expect(targetOf(args(), { OPENPIT_LISTEN: "", OPENPIT_CONFIG: file })).toBe("127.0.0.1:50999");
    expect(targetOf(args(), { OPENPIT_TARGET: "", OPENPIT_LISTEN: "127.0.0.1:50998" })).toBe("127.0.0.1:50998");
  });

  it("still takes a set variable, and --target over all of them", () => {
    expect(targetOf(args(), { OPENPIT_TARGET: "127.0.0.1:1234", OPENPIT_LISTEN: "127.0.0.1:5678" })).toBe("127.0.0.1:1234");
    expect(targetOf(args(["--target", "127.0.0.1:9"]), { OPENPIT_TARGET: "127.0.0.1:1234" })).toBe("127.0.0.1:9");
    expect(targetOf(args(), { OPENPIT_LISTEN: "0.0.0.0:5678" })).toBe("127.0.0.1:5678");
  });
});
