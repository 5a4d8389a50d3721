/**
 * The bench's profiles of bundled processes are broken down by source file: a frame of a bundle
 * is put back where its code was written, through the map scripts/bundle.mjs writes beside it
 * (found by review, session 46: from the bundle every frame named one file, and the replay's
 * split and the allocation areas came out empty).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { sourceFrame } from "../../bench/bundle-frames.js";

const dir = mkdtempSync(join(tmpdir(), "openpit-bundle-frames-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a profile frame of a bundle", () => {
  it("is put back in the file and line it was written at; other frames stay as they are", () => {
    writeFileSync(join(dir, "helper.ts"), "// a comment line\nexport function markedHelper(n: number): number {\n  return n * 2;\n}\n");
    writeFileSync(join(dir, "main.ts"), 'import { markedHelper } from "./helper.js";\nconsole.log(markedHelper(21));\n');
    const bundle = join(dir, "out", "main.mjs");
    execFileSync(process.execPath, ["scripts/bundle.mjs", join(dir, "main.ts"), bundle]);
    const lines = readFileSync(bundle, "utf8").split("\n");
    const line = lines.findIndex((l) => l.includes("function markedHelper("));
    const column = lines[line]!.indexOf("function markedHelper(");
    expect(line).toBeGreaterThan(0);

    const frame = sourceFrame({ functionName: "markedHelper", url: pathToFileURL(bundle).href, lineNumber: line, columnNumber: column });
    expect(frame).toEqual({ functionName: "markedHelper", url: pathToFileURL(join(dir, "helper.ts")).href, lineNumber: 1, columnNumber: column });

    const other = { functionName: "f", url: "file:///somewhere/else.ts", lineNumber: 4, columnNumber: 2 };
    expect(sourceFrame({ ...other })).toEqual(other);
    const native = { functionName: "(garbage collector)", url: "", lineNumber: -1, columnNumber: -1 };
    expect(sourceFrame({ ...native })).toEqual(native);
  });
});
