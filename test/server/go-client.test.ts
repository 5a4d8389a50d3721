import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holdingsOf, order, seed, startHarness, type Harness } from "./harness.js";
import { missingPaths, toolchainReady } from "./client-toolchain.js";
import { holdLikeFirstOrder, outcome, silentOnChannel, oneCommandPerMessage, unreachableAddress } from "./example-client-faults.js";

const run = promisify(execFile);
const USAGE =
  "usage: sidecar-client HOST:PORT ACCOUNT_ID\n" +
  "       OPENPIT_DEADLINE_MS=N: the whole run's deadline in milliseconds, 1..2000000000 (default 20000)\n";

/** Debian's Go toolchain, protoc plugins and grpc-go sources (installed by .ci/run); a developer machine may lack them. */
const NEEDED = [
  "/usr/bin/go",
  "/usr/bin/protoc",
  "/usr/bin/protoc-gen-go",
  "/usr/bin/protoc-gen-go-grpc",
  "/usr/share/gocode/src/google.golang.org/grpc/health/grpc_health_v1",
  "/usr/share/gocode/src/google.golang.org/protobuf/proto",
];
const ready = toolchainReady("Go", missingPaths(NEEDED), "golang-go protoc-gen-go protoc-gen-go-grpc golang-google-grpc-dev golang-google-protobuf-dev golang-github-golang-protobuf-1-5-dev");

describe.skipIf(!ready)("Go client generated from proto/", () => {
  let h: Harness;
  // The binary goes to a temp dir, never into the repo.
  const dir = mkdtempSync(join(tmpdir(), "openpit-go-bin-"));
  const binary = join(dir, "sidecar-client");
  beforeAll(async () => {
    // Built before the server starts: a cold build (grpc-go from source) takes up to a minute or more.
    await run("examples/go/build.sh", [binary], { timeout: 240_000 });
    h = await startHarness();
  }, 300_000);
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("checks health, binds, seeds funds, orders, commits, applies a fill from the feed and reads the account state", async () => {
    const { stdout } = await run(binary, [h.address, "4243"], { timeout: 30_000 });
    expect(stdout).toContain("ok - health is SERVING");
    expect(stdout).toContain("reject: code REJECT_CODE_INSUFFICIENT_FUNDS (15)");
    expect(stdout).toContain("ok - reject details: asset USD: available 8000, requested 20000");
    expect(stdout).toContain("ok - USD available 8010");
    expect(stdout).toContain("ok - AAPL available 10 (+10)");
    expect(stdout).toContain("go client: all checks passed");
  });

  it("runs again on the same account: the fill carried its P&L and fee, so the account is not blocked, and holds 10 more AAPL", async () => {
    const { stdout } = await run(binary, [h.address, "42435"], { timeout: 30_000 });
    expect(stdout).toContain("go client: all checks passed");
    const again = await run(binary, [h.address, "42435"], { timeout: 30_000 });
    expect(again.stdout).toContain("ok - order 10@200 accepted and committed");
    expect(again.stdout).toContain("ok - USD available 8010");
    expect(again.stdout).toContain("ok - AAPL available 20 (+10)");
    expect(again.stdout).toContain("go client: all checks passed");
  });

  it("passes on an account where another session's order holds USD (the README's TypeScript example first, found by review)", async () => {
    await holdLikeFirstOrder(h, 42459n);
    const { stdout } = await run(binary, [h.address, "42459"], { timeout: 30_000 });
    expect(stdout).toContain("ok - USD available 8010 (8010), held 1850 (1850 before the run)");
    expect(stdout).toContain("go client: all checks passed");
  });

  // Found by review: the held amount before the run was printed with big.Rat's RatString, a
  // fraction ("1/2") beside the decimal the sidecar sent, in the ok line and the not-ok one.
  it("prints the USD held before the run as the decimal the sidecar sent (0.5), not as a fraction", async () => {
    const account = 42442n;
    const c = h.channel();
    expect((await c.one(seed("USD", "10000", account))).result.case).toBe("adjustment");
    const decided = await c.one({ case: "executePreTrade", value: { order: order({ accountId: account, qty: "1", price: "0.5" }), commitOnAccept: true } });
    expect(decided.result.case === "execute" && decided.result.value.committed).toBe(true);
    await c.end();
    expect((await holdingsOf(h, account))["USD"]!.held).toBe("0.5");
    const { stdout } = await run(binary, [h.address, String(account)], { timeout: 30_000 });
    expect(stdout).toContain("ok - USD available 8010 (8010), held 0.5 (0.5 before the run)");
    expect(stdout).toContain("go client: all checks passed");
  });

  it("reads holdings as decimals (found by review: strconv.ParseInt refused a fractional holding and the run stopped)", async () => {
    const c = h.channel();
    expect((await c.one(seed("AAPL", "0.5", 42436n))).result.case).toBe("adjustment");
    await c.end();
    const { stdout } = await run(binary, [h.address, "42436"], { timeout: 30_000 });
    expect(stdout).toContain("ok - AAPL available 10.5 (+10)");
    expect(stdout).toContain("go client: all checks passed");
  });

  // Found by review (session 30): the Python and C++ examples waited forever on a silent
  // network; Go's run deadline (now OPENPIT_DEADLINE_MS, default 20 s) already ended it.
  it("fails at its deadline (OPENPIT_DEADLINE_MS) when the network goes silent mid-stream", async () => {
    const proxy = await silentOnChannel(h, 42437n);
    try {
      const r = await outcome(binary, [proxy.address, "42437"], { OPENPIT_DEADLINE_MS: "3000" }, 20_000);
      expect(proxy.frozen).toBe(true);
      expect(r).toMatchObject({ code: 1, killed: false });
      // One line with the gRPC status, as the Python and C++ examples (found by review, session
      // 34: it was "receive: rpc error: code = DeadlineExceeded desc = …", no "not ok - ").
      expect(r.stderr).toBe("not ok - receive: DEADLINE_EXCEEDED: context deadline exceeded\n");
    } finally {
      proxy.close();
    }
  });

  // Known since session 30, fixed in 32: the Go example had no keepalive, so with a far
  // deadline a silent network held it until then.
  it("fails within ~15 s through keepalive (grpc-go's 10 s ping, 5 s timeout) when its deadline is far", async () => {
    const proxy = await silentOnChannel(h, 42439n);
    try {
      const r = await outcome(binary, [proxy.address, "42439"], { OPENPIT_DEADLINE_MS: "120000" }, 40_000);
      expect(proxy.frozen).toBe(true);
      expect(r).toMatchObject({ code: 1, killed: false });
      expect(r.stderr).toMatch(/^not ok - receive: UNAVAILABLE: [^\n]+\n$/);
    } finally {
      proxy.close();
    }
  }, 60_000);

  // Found by review (session 34): a blocking dial that gave up returned the context's error,
  // printed "dial: context deadline exceeded", with no "not ok - " and no gRPC status.
  it("prints one 'not ok - dial: DEADLINE_EXCEEDED: …' line naming the last error when the sidecar cannot be reached, exit 1", async () => {
    const address = await unreachableAddress();
    const r = await outcome(binary, [address, "42441"], { OPENPIT_DEADLINE_MS: "2000" }, 20_000);
    expect(r).toMatchObject({ code: 1, killed: false, stdout: "" });
    expect(r.stderr).toMatch(new RegExp(`^not ok - dial: DEADLINE_EXCEEDED: no connection to ${address} within the deadline; last error: .*connection refused[^\n]*\n$`));
  });

  // Found by review (session 30): a non-numeric account id exited 1 without the usage, and 0
  // ("missing" on the wire) was taken and failed at the sidecar.
  it.each(["0", "x", "-1", "18446744073709551616"])("refuses the account id %s with the usage and exit 2", async (account) => {
    const r = await outcome(binary, [h.address, account]);
    expect(r).toMatchObject({ code: 2, stdout: "", stderr: USAGE });
  });

  // 2000000001 and up found by review (session 34): documented as taken up to 4294967295, but the
  // sidecar's grpc-js reads grpc-timeout into a 32-bit int, so from 2^31 ms a call ended
  // DEADLINE_EXCEEDED at once (racing the sidecar's answers).
  it.each(["0", "x", "-1", "2000000001", "2147483648", "4294967295", "4294967296"])("refuses OPENPIT_DEADLINE_MS=%s with the usage and exit 2", async (deadline) => {
    const r = await outcome(binary, [h.address, "42438"], { OPENPIT_DEADLINE_MS: deadline });
    expect(r).toMatchObject({ code: 2, stdout: "", stderr: USAGE });
  });

  it("runs to completion under OPENPIT_DEADLINE_MS=2000000000, the longest it takes", async () => {
    const r = await outcome(binary, [h.address, "42440"], { OPENPIT_DEADLINE_MS: "2000000000" });
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toContain("go client: all checks passed");
  });

  // Found by review: build.sh ran protoc, protoc-gen-go and protoc-gen-go-grpc from PATH, so
  // another one first there (a release zip's, a `go install`ed plugin) made the build fail.
  // Stand-ins that refuse everything; a warm build takes a few seconds.
  it("builds with Debian's protoc and plugins, whatever comes first on PATH", async () => {
    const bin = join(dir, "bin");
    mkdirSync(bin);
    for (const tool of ["protoc", "protoc-gen-go", "protoc-gen-go-grpc"]) {
      writeFileSync(join(bin, tool), `#!/bin/sh\necho '${tool}: stand-in, not Debian\'s' >&2\nexit 1\n`);
      chmodSync(join(bin, tool), 0o755);
    }
    const r = await outcome("examples/go/build.sh", [join(dir, "client-built-beside-stand-ins")], { PATH: `${bin}:${process.env.PATH}` }, 240_000);
    expect(r).toMatchObject({ code: 0, stderr: "" });
  }, 250_000);

  describe("against a sidecar that takes one command per message", () => {
    const one = oneCommandPerMessage();

    // Found by review (session 30): OpenResponse.error was never read, so the refusal showed
    // as "not ok - two results for the two orders", its reason lost.
    it("reports a message refused whole (OpenResponse.error) with its code and message, exit 1", async () => {
      const r = await outcome(binary, [one().address, "42439"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^not ok - message 3 refused whole: ERROR_CODE_BATCH_TOO_LARGE: .*at most 1/m);
    });
  });
});
