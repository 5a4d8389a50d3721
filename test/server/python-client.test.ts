import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seed, startHarness, type Harness } from "./harness.js";
import { missingPaths, toolchainReady } from "./client-toolchain.js";

const run = promisify(execFile);
const PYTHON = "/usr/bin/python3";

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
    const stubDirs = () => new Set(readdirSync(tmpdir()).filter((n) => n.startsWith("openpit-py-")));
    const before = stubDirs();
    const { stdout } = await run(PYTHON, ["examples/python/sidecar_client.py", h.address, "4246"], { timeout: 30_000 });
    expect(stdout).toContain("python client: all checks passed");
    expect([...stubDirs()].filter((n) => !before.has(n))).toEqual([]);
  });
});

describe.skipIf(missingPaths([PYTHON]) !== undefined)("the Python example's command line", () => {
  const USAGE = "usage: python3 examples/python/sidecar_client.py [HOST:PORT] [ACCOUNT_ID]  (defaults: 127.0.0.1:50051 42)\n";

  it("--help prints the usage (no grpcio needed); bad arguments print it on stderr and exit 2", async () => {
    expect((await run(PYTHON, ["examples/python/sidecar_client.py", "--help"])).stdout).toBe(USAGE);
    // "²" passes str.isdigit() and 2^64 is past uint64: both ended in a traceback (found by review, session 29).
    for (const account of ["x", "²", "18446744073709551616"]) {
      const bad = await run(PYTHON, ["examples/python/sidecar_client.py", "localhost:1", account]).catch((e: { code: number; stderr: string }) => e);
      expect(bad).toMatchObject({ code: 2, stderr: USAGE });
    }
  });
});
