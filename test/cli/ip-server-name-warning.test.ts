/** The CLI drops Node's DEP0123 notice (an IP address as TLS server name) and only that one. */
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";

function stderrOf(script: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { env: { ...process.env, NODE_OPTIONS: "" } });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", () => resolve(err.replace(/\(node:\d+\)/g, "(node)")));
  });
}

describe("dropIpServerNameWarning", () => {
  it("drops DEP0123 in either call form and prints every other warning as Node does", async () => {
    const err = await stderrOf(
      [
        `import { dropIpServerNameWarning } from "./src/cli/ip-server-name-warning.ts";`,
        `dropIpServerNameWarning();`,
        `process.emitWarning("ip as server name", "DeprecationWarning", "DEP0123");`,
        `process.emitWarning("ip as server name", { type: "DeprecationWarning", code: "DEP0123" });`,
        `process.emitWarning("another deprecation", { type: "DeprecationWarning", code: "DEP0999" });`,
        `process.emitWarning("a plain warning", "Warning", "X1");`,
      ].join("\n"),
    );
    expect(err.split("\n").filter((l) => l.startsWith("(node)"))).toEqual([
      "(node) [DEP0999] DeprecationWarning: another deprecation",
      "(node) [X1] Warning: a plain warning",
    ]);
  }, 30_000);
});
