/** The CLI's connection settings against a sidecar with a `security` section: TLS, tokens, certificates. */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCaptured } from "./run-captured.js";
import { REPLAY_RULES } from "../../src/state/journal-writer.js";
import { Credentials, startSecureHarness, type SecureHarness } from "../security/secure-harness.js";

describe("openpit CLI with security", () => {
  const creds = new Credentials();
  let h: SecureHarness;
  beforeAll(async () => {
    h = await startSecureHarness(creds.security());
  });
  afterAll(async () => {
    await h.close();
    creds.remove();
  });

  const cli = (argv: string[], env: Record<string, string> = {}) => runCaptured([...argv, "--target", h.address], env);
  const version = (out: string) => out.split("\n")[0];

  it("connects over TLS with a token (flag, file or OPENPIT_TOKEN) or a client certificate", async () => {
    const ca = ["--ca", creds.ca.certFile];
    expect(version((await cli(["status", ...ca, "--token", creds.tokens.get("monitor")!])).out)).toBe(`version:           0.1.0 (replay rules ${REPLAY_RULES})`);
    const tokenFile = creds.pki.path("monitor.token");
    writeFileSync(tokenFile, `${creds.tokens.get("monitor")}\n`);
    expect(version((await cli(["status", ...ca, "--token-file", tokenFile])).out)).toBe(`version:           0.1.0 (replay rules ${REPLAY_RULES})`);
    expect(version((await cli(["status", ...ca], { OPENPIT_TOKEN: creds.tokens.get("monitor")! })).out)).toBe(`version:           0.1.0 (replay rules ${REPLAY_RULES})`);
    const operator = creds.clients.get("operator")!;
    const blocked = await cli(["block", "77", "--reason", "compliance hold", ...ca, "--cert", operator.certFile, "--key", operator.keyFile]);
    expect(blocked).toEqual({ code: 0, out: "account 77: blocked (Engine): compliance hold\n", err: "" });
  });

  it("as the package bin over TLS to an IP address, prints only its answer: no Node notice about the server name (found by review: DEP0123 on every run)", async () => {
    const run = await new Promise<{ code: number; out: string; err: string }>((resolve) => {
      const argv = ["status", "--target", h.address, "--ca", creds.ca.certFile, "--token", creds.tokens.get("monitor")!];
      const child = spawn(process.execPath, ["bin/openpit.js", ...argv], { env: { ...process.env, OPENPIT_TARGET: "", NODE_OPTIONS: "" } });
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      child.on("close", (code) => resolve({ code: code ?? -1, out, err }));
    });
    expect(h.address).toMatch(/^127\.0\.0\.1:/);
    expect([run.code, run.err, version(run.out)]).toEqual([0, "", `version:           0.1.0 (replay rules ${REPLAY_RULES})`]);
  }, 30_000);

  it("says what to present when credentials are missing or lack the role", async () => {
    const ca = ["--ca", creds.ca.certFile];
    expect(await cli(["status", ...ca])).toEqual({
      code: 1,
      out: "",
      err: "openpit status: no credentials: present a client certificate or the metadata 'authorization: Bearer <token>': pass --token TOKEN, --token-file FILE (or OPENPIT_TOKEN), or a client certificate with --ca, --cert and --key\n",
    });
    expect(await cli(["unblock", "77", ...ca, "--token", creds.tokens.get("monitor")!])).toEqual({
      code: 1,
      out: "",
      err: "openpit unblock: principal 'monitor' may not call /openpit.sidecar.v1.AdminService/UnblockAccount: it needs the role operator: use the credentials of a principal with that role\n",
    });
    expect((await cli(["status", "--cert", "x.pem", "--key", "y.pem"])).err.split("\n")[0]).toBe("openpit status: --cert needs --ca (a client certificate is only sent over TLS)");
  });
});
