/**
 * Found by review (session 34): options taken as something other than what was typed.
 * - `audit --outcome constructor` looked the name up among inherited properties, sent a
 *   function and exited 1 with a serialization failure, as if the sidecar had refused.
 * - `accounts --all --limit 1` read every page and dropped --limit without a word.
 * Both are usage errors now (exit 2), before anything is sent.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { runCaptured } from "./run-captured.js";
import { seed, startHarness, type Harness } from "../server/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.channel().send(seed("USD", "1", 1n), seed("USD", "1", 2n), seed("USD", "1", 3n));
});
afterAll(async () => {
  await h.close();
});

it("audit --outcome with a name every object inherits is a usage error", async () => {
  for (const outcome of ["constructor", "toString", "__proto__"]) {
    const r = await runCaptured(["audit", "--outcome", outcome, "--target", h.address]);
    expect({ outcome, code: r.code, err: r.err.split("\n")[0] }).toEqual({ outcome, code: 2, err: `openpit audit: --outcome is applied, failed or denied, not '${outcome}'` });
  }
  expect((await runCaptured(["audit", "--outcome", "applied", "--target", h.address])).code).toBe(0);
});

it("accounts --all with --limit is a usage error; each alone lists what it says", async () => {
  const both = await runCaptured(["accounts", "--all", "--limit", "1", "--target", h.address]);
  expect({ code: both.code, err: both.err.split("\n")[0] }).toEqual({ code: 2, err: "openpit accounts: --limit and --all exclude each other" });
  const listed = (out: string) => out.split("\n").filter((l) => /^\d/.test(l) && !/ of \d+ accounts/.test(l)).length;
  const all = await runCaptured(["accounts", "--all", "--target", h.address]);
  const one = await runCaptured(["accounts", "--limit", "1", "--target", h.address]);
  expect({ all: [all.code, listed(all.out)], one: [one.code, listed(one.out)] }).toEqual({ all: [0, 3], one: [0, 1] });
});

// Found by review (session 38): Number() read `--timeout 0x10` as 16 seconds, and `help nosuch` printed the general usage and exited 0.
it("--timeout is a decimal number of seconds: hex, binary and padded values are usage errors; an exponent is read", async () => {
  for (const timeout of ["0x10", "0b11", " 5", "Infinity"]) {
    const r = await runCaptured(["status", "--timeout", timeout, "--target", h.address]);
    expect({ timeout, code: r.code, err: r.err.split("\n")[0] }).toEqual({ timeout, code: 2, err: `openpit status: --timeout must be a positive number of seconds, not '${timeout}'` });
  }
  for (const timeout of ["5", "0.5", ".5", "5.", "1e1"]) expect([timeout, (await runCaptured(["status", "--timeout", timeout, "--target", h.address])).code]).toEqual([timeout, 0]);
});

it("help with a command it does not know is a usage error (exit 2), as the command itself is", async () => {
  const r = await runCaptured(["help", "nosuch"]);
  expect([r.code, r.out, r.err.split("\n")[0]]).toEqual([2, "", "openpit help: unknown command 'nosuch'"]);
  expect(r.err).toContain("usage: openpit COMMAND");
  for (const argv of [["help", "--help"], ["help"], ["--help"], ["help", "help"]]) {
    const usage = await runCaptured(argv);
    expect([argv, usage.code, usage.err, usage.out.split("\n")[0]]).toEqual([argv, 0, "", "usage: openpit COMMAND [ARGS] [--json] [connection options]"]);
  }
  expect((await runCaptured(["help", "--target", "127.0.0.1:1", "accounts"])).out.split("\n")[0]).toMatch(/^usage: openpit accounts /);
  const known = await runCaptured(["help", "accounts"]);
  expect([known.code, known.err, known.out.split("\n")[0]]).toEqual([0, "", "usage: openpit accounts [--blocked | --unblocked] [--group N] [--with-holdings | --without-holdings]"]);
});

// Session 40: `state 0` sent account 0 (none, on the wire) and exited 1 with the sidecar's "required", as if refused.
it("account 0 and group 0 are usage errors (exit 2) before anything is sent", async () => {
  const cases: [string[], string][] = [
    [["state", "0"], "openpit state: ACCOUNT must not be 0: on the wire 0 names no account"],
    [["block", "0", "--reason", "r"], "openpit block: ACCOUNT must not be 0: on the wire 0 names no account"],
    [["unblock", "0"], "openpit unblock: ACCOUNT must not be 0: on the wire 0 names no account"],
    [["block", "--group", "0", "--reason", "r"], "openpit block: --group must not be 0: on the wire 0 names no group"],
  ];
  for (const [argv, err] of cases) {
    const r = await runCaptured([...argv, "--target", "127.0.0.1:1"]);
    expect({ argv, code: r.code, err: r.err.split("\n")[0] }).toEqual({ argv, code: 2, err });
  }
  expect((await runCaptured(["state", "1", "--target", h.address])).code).toBe(0);
});
