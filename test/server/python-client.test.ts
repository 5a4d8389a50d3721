import { execFile } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seed, startHarness, type Harness } from "./harness.js";
import { missingPaths, toolchainReady } from "./client-toolchain.js";
import { holdLikeFirstOrder, idleThenSilent, outcome, silentOnChannel, oneCommandPerMessage } from "./example-client-faults.js";

const run = promisify(execFile);
const PYTHON = "/usr/bin/python3";
const SCRIPT = "examples/python/sidecar_client.py";

/** Debian's grpcio, protoc and the gRPC Python plugin (installed by .ci/run). */
async function pythonGrpcMissing(): Promise<string | undefined> {
  const missing = missingPaths([PYTHON, "/usr/bin/protoc", "/usr/bin/grpc_python_plugin"]);
  if (missing) return missing;
  try {
    await run(PYTHON, ["-c", "import grpc"]);
    return undefined;
  } catch {
    return "python3 cannot import grpc";
  }
}

const available = toolchainReady("Python", await pythonGrpcMissing(), "protobuf-compiler protobuf-compiler-grpc python3-grpcio");

describe.skipIf(!available)("Python client generated from proto/", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it("seeds funds, orders, commits, applies a fill from the feed and checks holdings; a second run passes too", async () => {
    for (const aapl of ["10", "20"]) {
      const { stdout } = await run(PYTHON, ["examples/python/sidecar_client.py", h.address, "4242"], { timeout: 30_000 });
      expect(stdout).toContain("ok - reject details: asset USD: available 8000, requested 20000");
      expect(stdout).toContain("ok - USD available 8010");
      expect(stdout).toContain(`ok - AAPL available ${aapl} (+10)`);
      expect(stdout).toContain("ok - the account is not blocked (rerunnable)");
      expect(stdout).toContain("python client: all checks passed");
    }
  });

  it("passes on an account where another session's order holds USD (the README's TypeScript example first, found by review)", async () => {
    await holdLikeFirstOrder(h, 4259n);
    const { stdout } = await run(PYTHON, ["examples/python/sidecar_client.py", h.address, "4259"], { timeout: 30_000 });
    expect(stdout).toContain("ok - USD available 8010 (8010), held 1850 (1850 before the run)");
    expect(stdout).toContain("python client: all checks passed");
  });

  it("reads holdings as decimals (found by review: int() refused a fractional holding and the run stopped)", async () => {
    const c = h.channel();
    expect((await c.one(seed("AAPL", "0.5", 4244n))).result.case).toBe("adjustment");
    await c.end();
    const { stdout } = await run(PYTHON, ["examples/python/sidecar_client.py", h.address, "4244"], { timeout: 30_000 });
    expect(stdout).toContain("ok - AAPL available 10.5 (+10)");
    expect(stdout).toContain("python client: all checks passed");
  });

  it("adds exactly at 27 places (found by review, session 29: Python's default 28 digits rounded 10 + 1e-27)", async () => {
    const c = h.channel();
    expect((await c.one(seed("AAPL", "0.000000000000000000000000001", 4245n))).result.case).toBe("adjustment");
    await c.end();
    const { stdout } = await run(PYTHON, ["examples/python/sidecar_client.py", h.address, "4245"], { timeout: 30_000 });
    expect(stdout).toContain("ok - AAPL available 10.000000000000000000000000001 (+10)");
    expect(stdout).toContain("python client: all checks passed");
  });

  it("leaves no stubs behind in the temp dir (found by review, session 29: one directory per run)", async () => {
    // A temp dir of this run's own (TMPDIR): the shared one also holds the stubs of examples
    // other test files run at the same moment.
    const own = mkdtempSync(join(tmpdir(), "openpit-py-test-"));
    try {
      const { stdout } = await run(PYTHON, ["examples/python/sidecar_client.py", h.address, "4246"], { timeout: 30_000, env: { ...process.env, TMPDIR: own } });
      expect(stdout).toContain("python client: all checks passed");
      expect(readdirSync(own)).toEqual([]);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  // Found by review (session 30): no call had a deadline and the channel had no keepalive, so
  // the run waited forever once the network went silent mid-stream (a partition).
  it.concurrent("fails at its deadline (OPENPIT_DEADLINE_MS) when the network goes silent mid-stream", async () => {
    const proxy = await silentOnChannel(h, 4247n);
    try {
      const r = await outcome(PYTHON, [SCRIPT, proxy.address, "4247"], { OPENPIT_DEADLINE_MS: "3000" }, 20_000);
      expect(proxy.frozen).toBe(true);
      expect(r).toMatchObject({ code: 1, killed: false, stderr: "not ok - account channel: DEADLINE_EXCEEDED: Deadline Exceeded\n" });
    } finally {
      proxy.close();
    }
  });

  it.concurrent("fails within ~10 s through keepalive (5 s ping, 5 s timeout) when its deadline is far", async () => {
    const proxy = await silentOnChannel(h, 4248n);
    try {
      const r = await outcome(PYTHON, [SCRIPT, proxy.address, "4248"], { OPENPIT_DEADLINE_MS: "120000" }, 20_000);
      expect(proxy.frozen).toBe(true);
      expect(r).toMatchObject({ code: 1, killed: false });
      expect(r.stderr).toMatch(/^not ok - account channel: UNAVAILABLE: /);
    } finally {
      proxy.close();
    }
  });

  // Found by review (session 38): gRPC core sends two pings while the client sends no data,
  // then stops; a channel idle longer than that (a gateway's, between orders) met a partition
  // and waited for its deadline (90 s here). The sidecar takes 13 s to answer, then is gone.
  it.concurrent("fails through keepalive, not at its deadline, when the network goes silent after the channel sat idle past two pings", async () => {
    const silent = await idleThenSilent(13_000);
    try {
      const r = await outcome(PYTHON, [SCRIPT, silent.address, "42"], { OPENPIT_DEADLINE_MS: "90000" }, 60_000);
      expect(r).toMatchObject({ code: 1, killed: false });
      expect(r.stderr).toMatch(/^not ok - GetAccountState: UNAVAILABLE: /);
    } finally {
      silent.close();
    }
  }, 70_000);

  // Found by review (session 34): 4294967295 was documented as accepted, but the sidecar's
  // grpc-js reads grpc-timeout into a 32-bit int, so from 2^31 ms (grpcio rounds up: from about
  // 2147000000) every call ended DEADLINE_EXCEEDED at once. The cap is 2000000000.
  it("runs to completion under OPENPIT_DEADLINE_MS=2000000000, the longest it takes", async () => {
    const r = await outcome(PYTHON, [SCRIPT, h.address, "4250"], { OPENPIT_DEADLINE_MS: "2000000000" });
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toContain("python client: all checks passed");
  });

  // Found by review (session 34): the stubs had no __init__.py, so `openpit` was a namespace
  // package, and a regular package or module named `openpit` (the OpenPit Python SDK, `pip
  // install openpit`) won wherever it was on sys.path: the stubs' import failed.
  it.each([
    ["a package", (site: string) => {
      mkdirSync(join(site, "openpit"));
      writeFileSync(join(site, "openpit", "__init__.py"), '"""stand-in for the OpenPit Python SDK"""\n');
    }],
    ["a module", (site: string) => writeFileSync(join(site, "openpit.py"), '"""stand-in for the OpenPit Python SDK"""\n')],
  ] as const)("runs to completion when %s named openpit is importable (the OpenPit SDK installed)", async (_kind, install) => {
    const site = mkdtempSync(join(tmpdir(), "openpit-sdk-standin-"));
    try {
      install(site);
      const r = await outcome(PYTHON, [SCRIPT, h.address, "4251"], { PYTHONPATH: site });
      expect(r).toMatchObject({ code: 0, stderr: "" });
      expect(r.stdout).toContain("python client: all checks passed");
    } finally {
      rmSync(site, { recursive: true, force: true });
    }
  });

  // Found by review: the stubs were generated by whichever `protoc` came first on PATH, not
  // Debian's /usr/bin/protoc as it says; another one (here a stand-in that refuses proto3
  // `optional` as protoc before 3.12 does), or none on PATH, ended the run in a traceback.
  describe("generates its stubs with /usr/bin/protoc", () => {
    const dir = mkdtempSync(join(tmpdir(), "openpit-py-protoc-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("whatever protoc comes first on PATH", async () => {
      const bin = join(dir, "bin");
      mkdirSync(bin);
      writeFileSync(
        join(bin, "protoc"),
        "#!/bin/sh\necho 'openpit/sidecar/v1/types.proto: This file contains proto3 optional fields, but --experimental_allow_proto3_optional was not set.' >&2\nexit 1\n",
      );
      chmodSync(join(bin, "protoc"), 0o755);
      const r = await outcome(PYTHON, [SCRIPT, h.address, "4252"], { PATH: `${bin}:${process.env.PATH}` });
      expect(r).toMatchObject({ code: 0, stderr: "" });
      expect(r.stdout).toContain("python client: all checks passed");
    });

    it("with no protoc on PATH at all", async () => {
      const empty = join(dir, "empty");
      mkdirSync(empty);
      const r = await outcome(PYTHON, [SCRIPT, h.address, "4253"], { PATH: empty });
      expect(r).toMatchObject({ code: 0, stderr: "" });
      expect(r.stdout).toContain("python client: all checks passed");
    });

    it("and a protoc failure is one 'not ok' line naming it, exit 2, as the other setup failures", async () => {
      // The script beside a contract protoc refuses: it reads ../../proto from where it is.
      const tree = join(dir, "tree");
      mkdirSync(join(tree, "examples", "python"), { recursive: true });
      mkdirSync(join(tree, "proto", "openpit", "sidecar", "v1"), { recursive: true });
      copyFileSync(SCRIPT, join(tree, "examples", "python", "sidecar_client.py"));
      writeFileSync(join(tree, "proto", "openpit", "sidecar", "v1", "broken.proto"), 'syntax = "proto3";\nmessage {\n');
      const r = await outcome(PYTHON, [join(tree, "examples", "python", "sidecar_client.py"), h.address, "4254"]);
      expect(r).toMatchObject({ code: 2, stdout: "" });
      expect(r.stderr).toMatch(
        /^not ok - generating the stubs: \/usr\/bin\/protoc exited 1: openpit\/sidecar\/v1\/broken\.proto:2:9: [^\n]+ \(it needs Debian's protobuf-compiler and protobuf-compiler-grpc \(\/usr\/bin\/grpc_python_plugin\)\)\n$/,
      );
    });
  });

  describe("against a sidecar that takes one command per message", () => {
    const one = oneCommandPerMessage();

    // Found by review (session 30): OpenResponse.error was never read, so the refused
    // two-order message ended in "ValueError: not enough values to unpack".
    it("reports a message refused whole (OpenResponse.error) with its code and message, exit 1", async () => {
      const r = await outcome(PYTHON, [SCRIPT, one().address, "4249"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^not ok - message 2 refused whole: ERROR_CODE_BATCH_TOO_LARGE: .*at most 1/m);
      expect(r.stderr).not.toContain("Traceback");
    });
  });
});

describe.skipIf(missingPaths([PYTHON]) !== undefined)("the Python example's command line", () => {
  const USAGE =
    "usage: /usr/bin/python3 examples/python/sidecar_client.py [HOST:PORT] [ACCOUNT_ID]  (defaults: 127.0.0.1:50051 42)\n" +
    "       OPENPIT_DEADLINE_MS=N: each call's deadline in milliseconds, 1..2000000000 (default 20000)\n";

  // Found by review (session 38): the README ran it with the `python3` first on PATH, which on
  // a machine with pyenv or a virtualenv cannot import Debian's grpcio: a traceback. It now
  // says which interpreter to use (here /usr/bin/python3 without its site packages, -S).
  it("an interpreter that cannot import grpc gets one line naming it and exit 2, before any stub is generated", async () => {
    const r = await outcome(PYTHON, ["-S", SCRIPT, "127.0.0.1:1", "42"]);
    expect(r).toMatchObject({
      code: 2,
      stdout: "",
      stderr: "not ok - grpc is not importable from /usr/bin/python3: run this with /usr/bin/python3 (Debian's python3-grpcio), or install grpcio and protobuf for this interpreter\n",
    });
  });

  it("--help prints the usage (no grpcio needed); bad arguments print it on stderr and exit 2", async () => {
    expect((await run(PYTHON, ["examples/python/sidecar_client.py", "--help"])).stdout).toBe(USAGE);
    // "²" passes str.isdigit() and 2^64 is past uint64: both ended in a traceback (found by review, session 29).
    // Found by review (session 30): account 0 ("missing" on the wire) was taken, and the run
    // failed at the sidecar with a traceback.
    for (const account of ["x", "²", "18446744073709551616", "0", "00"]) {
      const bad = await run(PYTHON, [SCRIPT, "localhost:1", account]).catch((e: { code: number; stderr: string }) => e);
      expect(bad).toMatchObject({ code: 2, stderr: USAGE });
    }
  });

  // Past uint32 (found by review, session 33): grpcio failed a call at once, DEADLINE_EXCEEDED,
  // under a deadline of about 5e10 ms and more. Past 2000000000 (found by review, session 34):
  // the sidecar's grpc-js cuts a call whose deadline is 2^31 ms or more at once, and grpcio
  // rounds up, so 2147000000 already failed every call.
  it("refuses an OPENPIT_DEADLINE_MS that is not a positive number of milliseconds, or past 2000000000", async () => {
    for (const deadline of ["0", "x", "-1", "1.5", "2000000001", "2147000000", "2147483648", "4294967295", "4294967296", "99999999999"]) {
      expect(await outcome(PYTHON, [SCRIPT, "localhost:1", "42"], { OPENPIT_DEADLINE_MS: deadline })).toMatchObject({ code: 2, stderr: USAGE });
    }
  });
});
