import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seed, startHarness, type Harness } from "./harness.js";
import { missingPaths, toolchainReady } from "./client-toolchain.js";

const run = promisify(execFile);

/** g++, pkg-config, protoc, the gRPC C++ plugin and the grpc++/protobuf headers (installed by .ci/run). */
async function cppGrpcMissing(): Promise<string | undefined> {
  const missing = missingPaths(["/usr/bin/g++", "/usr/bin/pkg-config", "/usr/bin/protoc", "/usr/bin/grpc_cpp_plugin"]);
  if (missing) return missing;
  try {
    await run("pkg-config", ["--exists", "grpc++", "protobuf"]);
    return undefined;
  } catch {
    return "pkg-config finds no grpc++/protobuf";
  }
}

const ready = toolchainReady("C++", await cppGrpcMissing(), "g++ pkg-config protobuf-compiler protobuf-compiler-grpc libgrpc++-dev libprotobuf-dev");

describe.skipIf(!ready)("C++ client generated from proto/", () => {
  let h: Harness;
  let binary: string;
  beforeAll(async () => {
    // The compile takes from ~30 s to a few minutes on a busy machine; build.sh caches the
    // binary in a temp dir keyed by its inputs, so later runs take a second.
    const { stdout } = await run("examples/cpp/build.sh", [], { timeout: 400_000 });
    binary = stdout.trim().split("\n").at(-1)!;
    h = await startHarness();
  }, 420_000);
  afterAll(async () => {
    await h?.close();
  });

  it("checks health, binds, seeds, orders, commits, applies a fill from the feed and reads the account state", async () => {
    const { stdout } = await run(binary, [h.address, "4343"], { timeout: 30_000 });
    expect(stdout).toContain("ok - sidecar is SERVING");
    expect(stdout).toContain("ok - account bound to the channel");
    expect(stdout).toContain("# reject: code REJECT_CODE_INSUFFICIENT_FUNDS");
    expect(stdout).toContain("ok - reject details: asset USD: available 8000, requested 20000");
    expect(stdout).toContain("ok - USD available 8010");
    expect(stdout).toContain("ok - AAPL available 10 (+10)");
    expect(stdout).toContain("c++ client: all checks passed");
  });

  it("runs again on the same account: the fill carried its P&L and fee, so the account is not blocked, and holds 10 more AAPL", async () => {
    const { stdout } = await run(binary, [h.address, "43435"], { timeout: 30_000 });
    expect(stdout).toContain("c++ client: all checks passed");
    const again = await run(binary, [h.address, "43435"], { timeout: 30_000 });
    expect(again.stdout).toContain("ok - order 10@200 accepted and committed");
    expect(again.stdout).toContain("ok - USD available 8010");
    expect(again.stdout).toContain("ok - AAPL available 20 (+10)");
    expect(again.stdout).toContain("c++ client: all checks passed");
  });

  it("reads holdings as decimals (found by review: std::stoll cut -0.5 to 0, so a short fractional position failed the +10 check)", async () => {
    const c = h.channel();
    expect((await c.one(seed("AAPL", "-0.5", 43436n))).result.case).toBe("adjustment");
    await c.end();
    const { stdout } = await run(binary, [h.address, "43436"], { timeout: 30_000 });
    expect(stdout).toContain("ok - AAPL available 9.5 (+10)");
    expect(stdout).toContain("c++ client: all checks passed");
  });

  it("reads holdings past a long long's 18 digits (found by review, session 29: std::stoll threw and the client aborted)", async () => {
    const c = h.channel();
    expect((await c.one(seed("AAPL", "0.000000000000000000000000001", 43437n))).result.case).toBe("adjustment");
    await c.end();
    const { stdout } = await run(binary, [h.address, "43437"], { timeout: 30_000 });
    expect(stdout).toContain("ok - AAPL available 10.000000000000000000000000001 (+10)");
    expect(stdout).toContain("c++ client: all checks passed");
    // Only the checks print: parsing a decimal printed an "ok" line per character.
    expect(stdout).not.toContain("ok - decimal");
  });

  for (const bad of ["-1", "42abc"]) {
    it(`refuses the account id ${JSON.stringify(bad)} (found by review: std::stoull read it as another account and traded on it)`, async () => {
      const r = await run(binary, [h.address, bad], { timeout: 30_000 }).then(
        (ok) => ({ code: 0, stdout: ok.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
      );
      expect(r.code).toBe(2);
      expect(r.stdout).not.toContain("c++ client: all checks passed");
    });
  }
});
