import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";

const run = promisify(execFile);
const PYTHON = "/usr/bin/python3";

/** Debian's grpcio, protoc and the gRPC Python plugin (installed by .ci/run); a developer machine may lack them. */
async function pythonGrpcAvailable(): Promise<boolean> {
  if (!existsSync(PYTHON) || !existsSync("/usr/bin/protoc") || !existsSync("/usr/bin/grpc_python_plugin")) return false;
  try {
    await run(PYTHON, ["-c", "import grpc"]);
    return true;
  } catch {
    return false;
  }
}

const available = await pythonGrpcAvailable();
if (!available && process.env.CI) {
  throw new Error("CI must have python3-grpcio and python3-grpc-tools (.ci/run installs them)");
}

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
