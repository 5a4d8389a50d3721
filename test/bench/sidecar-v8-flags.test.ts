/**
 * The sidecar's V8 flags are written once, in `npm start`; the bench's own scripts and
 * every process it forks run with the same ones (bench/sidecar-v8-flags.ts).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sidecarV8Flags, v8FlagsOf } from "../../bench/sidecar-v8-flags.js";

const scripts = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { scripts: Record<string, string> }).scripts;

describe("the sidecar's V8 flags", () => {
  it("are npm start's: a fixed 32 MiB young generation, an old generation grown 4× between collections", () => {
    expect(sidecarV8Flags()).toEqual(["--min-semi-space-size=32", "--max-semi-space-size=32", "--heap-growing-percent=300"]);
  });

  it("are the same in the bench's scripts", () => {
    expect(v8FlagsOf(scripts.bench!)).toEqual(sidecarV8Flags());
    expect(v8FlagsOf(scripts["bench:engine"]!)).toEqual(sidecarV8Flags());
  });

  it("are read up to the first option that is not V8's", () => {
    expect(v8FlagsOf("exec node --a=1 --b --import tsx src/main.ts --c")).toEqual(["--a=1", "--b"]);
    expect(v8FlagsOf("node src/main.ts --x")).toEqual([]);
    // npm start bundles, then runs the bundle: the flags are the second node's.
    expect(v8FlagsOf("node --x=1 scripts/bundle.mjs a b && exec node --a dist/main.mjs --c")).toEqual(["--a"]);
    for (const loader of ["--import=tsx", "-r", "--require=x", "--loader", "--experimental-loader=y"]) {
      expect(v8FlagsOf(`node --a ${loader} main.js`)).toEqual(["--a"]);
    }
    expect(() => v8FlagsOf("tsx src/main.ts")).toThrow("not a node command: tsx src/main.ts");
  });

  it("give a forked process a 32 MiB new space (V8 clamps a minimum above its 16 MiB default maximum)", async () => {
    const { spawnSync } = await import("node:child_process");
    const probe = `console.log(require("v8").getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size)`;
    const run = spawnSync(process.execPath, [...sidecarV8Flags(), "-e", probe], { encoding: "utf8" });
    expect(Number(run.stdout.trim())).toBe(32 * 1024 * 1024);
  });
});
