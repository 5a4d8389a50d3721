/**
 * Files share their worker's module cache unless test/suite-projects.ts isolates them: a file
 * that mocks a module, fakes timers or spies on something shared would change the files that
 * run after it in the same worker. This keeps the ISOLATED list complete as files are added.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CHANGES_THE_PROCESS, ISOLATED } from "./suite-projects.js";

const root = path.resolve(import.meta.dirname, "..");

function testFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return e.name.startsWith("review-") ? [] : testFiles(rel);
    return e.name.endsWith(".test.ts") ? [rel] : [];
  });
}

describe("which test files run in a fork of their own", () => {
  // This file names the changes as text, and changes nothing.
  const files = testFiles("test").filter((f) => f !== "test/suite-isolation.test.ts");

  it("isolates every file that changes the process it runs in", () => {
    const changing = files.filter((f) => CHANGES_THE_PROCESS.test(readFileSync(path.join(root, f), "utf8")));
    expect(changing.filter((f) => !ISOLATED.includes(f))).toEqual([]);
    // The pattern still finds what it is for (this list is not empty by accident).
    expect(changing.length).toBeGreaterThan(10);
  });

  it("names only files that exist and still need it", () => {
    const changing = new Set(files.filter((f) => CHANGES_THE_PROCESS.test(readFileSync(path.join(root, f), "utf8"))));
    expect(ISOLATED.filter((f) => !changing.has(f))).toEqual([]);
  });

  it("recognises each kind of change", () => {
    for (const text of [
      'vi.mock("node:fs", () => ({}))',
      "vi.spyOn(Date, \"now\")",
      "vi.useFakeTimers()",
      'vi.stubEnv("A", "1")',
      "process.env.NO_PROXY = ''",
      'process.env["A"] = "1"',
      "delete process.env.no_proxy",
      'process.on("uncaughtException", f)',
      'process.once("SIGTERM", f)',
      "process.umask(0o022)",
      "globalThis.fetch = f",
      "ServerDuplexStreamImpl.prototype.emit = function (e) {}",
      "setLogger(logger)",
      "quietGrpcBindLog(createLogger())",
    ]) {
      expect(CHANGES_THE_PROCESS.test(text), text).toBe(true);
    }
    for (const text of ["if (process.env.CI === 'true')", "const x = process.env.HOME", "child.on('exit', f)", "vi.fn()"]) {
      expect(CHANGES_THE_PROCESS.test(text), text).toBe(false);
    }
  });
});
