import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";
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

  it("seeds funds, orders, commits, applies a fill from the feed and checks holdings", async () => {
    const { stdout } = await run(PYTHON, ["examples/python/sidecar_client.py", h.address, "4242"], { timeout: 30_000 });
    expect(stdout).toContain("ok - reject details: asset USD: available 8000, requested 20000");
    expect(stdout).toContain("ok - USD available 8010");
    expect(stdout).toContain("python client: all checks passed");
  });
});
