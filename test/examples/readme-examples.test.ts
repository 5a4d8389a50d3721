/**
 * Every example the README shows is a file under examples/, shown verbatim, and runs to
 * completion against a live sidecar here (the TypeScript one through tsc as well).
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../server/harness.js";

const run = promisify(execFile);
const README = readFileSync("README.md", "utf8");
const SLOW = { timeout: 180_000 };

/** The fenced blocks of the README with their language. */
function blocks(): { lang: string; body: string }[] {
  return [...README.matchAll(/^```(\w*)\n([^]*?)^```$/gm)].map((m) => ({ lang: m[1]!, body: m[2]! }));
}

describe("the README's examples", SLOW, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it("each TypeScript block and the buf curl block is an examples/ file, verbatim", () => {
    const ts = blocks().filter((b) => b.lang === "ts");
    expect(ts.map((b) => b.body)).toEqual([readFileSync("examples/typescript/first-order.ts", "utf8")]);
    const curl = blocks().filter((b) => b.body.includes("buf curl"));
    expect(curl.map((b) => b.body)).toEqual([readFileSync("examples/first-call.sh", "utf8")]);
  });

  it("the TypeScript example type-checks on its own with tsc (strict, as a user's project would)", async () => {
    const args = ["--ignoreConfig", "--noEmit", "--strict", "--noUncheckedIndexedAccess", "--module", "nodenext", "--moduleResolution", "nodenext"];
    const { stdout } = await run("node_modules/.bin/tsc", [...args, "--target", "es2022", "--types", "node", "--skipLibCheck", "examples/typescript/first-order.ts"]);
    expect(stdout).toBe("");
  });

  it("the TypeScript example runs to completion and exits, twice", async () => {
    for (let i = 0; i < 2; i++) {
      const { stdout } = await run(process.execPath, ["--import", "tsx", "examples/typescript/first-order.ts", h.address], { timeout: 60_000 });
      expect(stdout).toBe("accepted and committed; lock 185\n");
    }
  });

  // Found by review (session 37): it read only `execute` answers, so a command the sidecar
  // refused (the account pinned to another gateway's channel, say) printed nothing and exited 0.
  it("the TypeScript example says a refused command and exits 1 (account 42 pinned to another channel)", async () => {
    const other = h.channel();
    expect((await other.one({ case: "bindAccounts", value: { accountIds: [42n] } })).result.case).toBe("bind");
    const outcome = await run(process.execPath, ["--import", "tsx", "examples/typescript/first-order.ts", h.address], { timeout: 60_000 }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
    await other.end();
    expect(outcome).toEqual({
      code: 1,
      stdout: "",
      stderr: "seed refused: commands[0].apply_account_adjustment.account_id: account is pinned to another channel; bind it with takeover to move it here\n",
    });
  });

  it("the buf curl example runs to completion: the order is accepted, then rolled back with the stream", async () => {
    const { stdout } = await run("sh", ["examples/first-call.sh", h.address], { timeout: 120_000 });
    const [open, state] = stdout.split(/\n(?=\{)/).map((t) => JSON.parse(t) as Record<string, any>);
    expect(open!.results[1].execute).toMatchObject({ accepted: true, lock: { prices: [{ price: "185" }] } });
    expect(state!.holdings).toEqual(expect.arrayContaining([expect.objectContaining({ asset: "USD", available: expect.any(String) })]));
  });
});
