import { execFile } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seed, startHarness, type Harness } from "./harness.js";
import { missingPaths, toolchainReady } from "./client-toolchain.js";
import { holdLikeFirstOrder, idleThenSilent, outcome, silentOnChannel, oneCommandPerMessage } from "./example-client-faults.js";

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

  // Found by review: the cache was ${TMPDIR:-/tmp}/openpit-cpp-KEY, KEY the same for everyone.
  it("caches the binary in a per-user directory, ${TMPDIR:-/tmp}/openpit-cpp-UID, mode 700", () => {
    const cache = join(process.env.TMPDIR || "/tmp", `openpit-cpp-${process.getuid!()}`);
    expect(binary.startsWith(`${cache}/`)).toBe(true);
    const st = statSync(cache);
    expect({ uid: st.uid, mode: st.mode & 0o777 }).toEqual({ uid: process.getuid!(), mode: 0o700 });
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

  it("passes on an account where another session's order holds USD (the README's TypeScript example first, found by review)", async () => {
    await holdLikeFirstOrder(h, 43459n);
    const { stdout } = await run(binary, [h.address, "43459"], { timeout: 30_000 });
    expect(stdout).toContain("ok - USD available 8010 (8010), held 1850 (as before the run)");
    expect(stdout).toContain("c++ client: all checks passed");
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

  // Found by review (session 30): no call but the health check had a deadline and the channel
  // had no keepalive, so the run waited forever once the network went silent mid-stream.
  it.concurrent("fails at its deadline (OPENPIT_DEADLINE_MS) when the network goes silent mid-stream", async () => {
    const proxy = await silentOnChannel(h, 43438n);
    try {
      const r = await outcome(binary, [proxy.address, "43438"], { OPENPIT_DEADLINE_MS: "3000" }, 20_000);
      expect(proxy.frozen).toBe(true);
      expect(r).toMatchObject({ code: 1, killed: false });
      expect(r.stderr).toBe("not ok - account channel: gRPC status 4 (deadline exceeded): Deadline Exceeded\n");
    } finally {
      proxy.close();
    }
  });

  it.concurrent("fails within ~10 s through keepalive (5 s ping, 5 s timeout) when its deadline is far", async () => {
    const proxy = await silentOnChannel(h, 43439n);
    try {
      const r = await outcome(binary, [proxy.address, "43439"], { OPENPIT_DEADLINE_MS: "120000" }, 20_000);
      expect(proxy.frozen).toBe(true);
      expect(r).toMatchObject({ code: 1, killed: false });
      expect(r.stderr).toMatch(/^not ok - account channel: gRPC status 14 \(unavailable\): /);
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
      const r = await outcome(binary, [silent.address, "42"], { OPENPIT_DEADLINE_MS: "90000" }, 60_000);
      expect(r).toMatchObject({ code: 1, killed: false });
      expect(r.stderr).toMatch(/^not ok - GetAccountState: gRPC status 14 \(unavailable\): /);
    } finally {
      silent.close();
    }
  }, 70_000);

  describe("against a sidecar that takes one command per message", () => {
    const one = oneCommandPerMessage();

    // Found by review (session 30): OpenResponse.error was never read, so the refusal showed
    // as "not ok - bind + seed answered with two results", its reason lost.
    it("reports a message refused whole (OpenResponse.error) with its code and message, exit 1", async () => {
      const r = await outcome(binary, [one().address, "43440"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^not ok - message 1 refused whole: ERROR_CODE_BATCH_TOO_LARGE: .*at most 1/m);
    });
  });

  // Found by review (session 34): the sidecar's grpc-js cuts a call whose deadline is 2^31 ms or
  // more at once. Nine digits stay under it: the longest deadline taken runs to completion.
  it("runs to completion under OPENPIT_DEADLINE_MS=999999999, the longest it takes", async () => {
    const r = await outcome(binary, [h.address, "43442"], { OPENPIT_DEADLINE_MS: "999999999" });
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toContain("c++ client: all checks passed");
  });

  it("refuses OPENPIT_DEADLINE_MS that is not a positive number of milliseconds, exit 2", async () => {
    for (const deadline of ["0", "x", "-1", "1000000000", "2147483648", "9999999999"]) {
      const r = await outcome(binary, [h.address, "43441"], { OPENPIT_DEADLINE_MS: deadline });
      expect(r).toMatchObject({ code: 2, stdout: "" });
      expect(r.stderr).toMatch(/^usage: /);
    }
  });

  // "0" found by review (session 30): 0 is "missing" on the wire; it was taken and failed at the sidecar.
  for (const bad of ["-1", "42abc", "0"]) {
    it(`refuses the account id ${JSON.stringify(bad)} (found by review: std::stoull read it as another account and traded on it)`, async () => {
      const r = await run(binary, [h.address, bad], { timeout: 30_000 }).then(
        (ok) => ({ code: 0, stdout: ok.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
      );
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
    });
  }
});

// Found by review: build.sh cached the binary at ${TMPDIR:-/tmp}/openpit-cpp-KEY, KEY the same
// for everyone on a revision, and printed any executable it found there: on a shared machine
// another user could plant the binary that the suite and docs/clients.md then run. The cache is
// now ${TMPDIR:-/tmp}/openpit-cpp-UID, and build.sh refuses one that is not ours alone, at once
// (none of these needs the C++ toolchain: the refusal comes before any of it runs).
describe("examples/cpp/build.sh's cache directory", () => {
  const tmp = mkdtempSync(join(tmpdir(), "openpit-cpp-cache-test-"));
  const cache = join(tmp, `openpit-cpp-${process.getuid?.()}`);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  async function refused(setUp: () => void): Promise<void> {
    rmSync(cache, { recursive: true, force: true });
    setUp();
    const before = readdirSync(cache).sort();
    // A refusal is immediate; a build would take tens of seconds.
    const r = await outcome("examples/cpp/build.sh", [], { TMPDIR: tmp }, 10_000);
    expect(r).toMatchObject({ code: 1, killed: false, stdout: "" });
    expect(r.stderr).toBe(
      `not ok - examples/cpp/build.sh: ${cache} is not a private directory of uid ${process.getuid!()} (a symlink, not a directory, another user's, or group/world writable); remove it, or set TMPDIR to a directory of your own\n`,
    );
    // Nothing was built into it, not even a lock file.
    expect(readdirSync(cache).sort()).toEqual(before);
  }

  /** A binary where a cache entry would be, as another user would plant it. */
  function plant(dir: string): void {
    mkdirSync(join(dir, "planted"));
    writeFileSync(join(dir, "planted", "sidecar_client"), "#!/bin/sh\necho planted\n", { mode: 0o755 });
  }

  it.skipIf(process.getuid?.() !== 0)("refuses a cache directory another user owns (uid 65534 here), without building", async () => {
    await refused(() => {
      mkdirSync(cache, { mode: 0o755 });
      plant(cache);
      chownSync(join(cache, "planted", "sidecar_client"), 65534, 65534);
      chownSync(join(cache, "planted"), 65534, 65534);
      chownSync(cache, 65534, 65534);
    });
  });

  it("refuses a cache directory that is group or world writable", async () => {
    await refused(() => {
      mkdirSync(cache);
      chmodSync(cache, 0o777);
      plant(cache);
    });
  });

  it("refuses a symlink in place of the cache directory, even to a private directory of ours", async () => {
    const target = join(tmp, "elsewhere");
    rmSync(target, { recursive: true, force: true });
    await refused(() => {
      mkdirSync(target, { mode: 0o700 });
      plant(target);
      symlinkSync(target, cache);
    });
  });
});
