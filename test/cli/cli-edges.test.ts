/**
 * Found by review: the CLI at its edges. A stream that never answers, a sidecar that ends the
 * stream, TLS settings that do not match, a configuration file that is not JSON, two accounts
 * where one is taken, a token about to cross the network in cleartext, and Ctrl-C during a
 * command that is not `events`, a change whose answer never came: each ends with an exit code and a message that say what
 * happened, instead of hanging, exiting 0 or acting on part of the request.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { create } from "@bufbuild/protobuf";
import { Server, ServerCredentials, type sendUnaryData, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { runCaptured } from "./run-captured.js";
import { FileJournal } from "../../src/state/journal/index.js";
import { serviceDefinition } from "../../src/transport/service-definition.js";
import { Credentials, startSecureHarness } from "../security/secure-harness.js";
import { startHarness, type Harness } from "../server/harness.js";

const run = (argv: string[], interrupted?: Promise<void>, env: Record<string, string> = {}) => runCaptured(argv, env, interrupted);

/** A TCP listener that accepts and never answers; `connected` resolves on the first connection. */
async function silentServer() {
  const sockets: Socket[] = [];
  let connected!: () => void;
  const first = new Promise<void>((r) => (connected = r));
  const server = createServer((s) => {
    sockets.push(s);
    connected();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    target: `127.0.0.1:${(server.address() as { port: number }).port}`,
    connected: first,
    close: () => {
      sockets.forEach((s) => s.destroy());
      server.close();
    },
  };
}

/**
 * An AdminService that answers reads at once and holds every change unanswered;
 * `changeArrived` resolves when the first change reaches it.
 */
async function holdingAdmin() {
  let arrived!: () => void;
  const changeArrived = new Promise<void>((r) => (arrived = r));
  const impl: UntypedServiceImplementation = {};
  for (const m of ad.AdminService.methods) {
    impl[m.localName] = (_call: unknown, callback: sendUnaryData<unknown>) => {
      if (m.name === "GetPolicySettings") return callback(null, create(ad.GetPolicySettingsResponseSchema, { settingsJson: '{"maxQuantity":"10"}' }));
      // block --group reads the audit trail's newest sequence before its change.
      if (m.name === "QueryAudit") return callback(null, create(ad.QueryAuditResponseSchema, {}));
      arrived();
    };
  }
  const server = new Server();
  server.addService(serviceDefinition(ad.AdminService), impl);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { target: `127.0.0.1:${port}`, changeArrived, close: () => server.forceShutdown() };
}

describe("the CLI at its edges", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("events against a server that accepts and never answers fails within --timeout, as every other command", async () => {
    const silent = await silentServer();
    let stop!: () => void;
    try {
      const answer = await run(["events", "--timeout", "1", "--target", silent.target], new Promise<void>((r) => (stop = r)));
      expect(answer.code).toBe(1);
    } finally {
      stop();
      silent.close();
    }
  });

  it("events exits 1 and says so when the sidecar ends the stream before --limit", async () => {
    h = await startHarness();
    const following = run(["events", "--limit", "5", "--target", h.address]);
    await vi.waitFor(() => expect(h!.server.state.events.subscriberCount).toBe(1), { timeout: 5_000 });
    await h.close();
    const address = h.address;
    h = undefined;
    expect(await following).toEqual({ code: 1, out: "", err: `openpit events: the sidecar at ${address} ended the stream (shutting down?) after 0 of 5 events\n` });
  });

  it("TLS that does not match is reported as TLS, not as a sidecar that is not running", async () => {
    const creds = new Credentials();
    const secure = await startSecureHarness(creds.security());
    try {
      const token = ["--token", creds.tokens.get("monitor")!, "--target", secure.address, "--timeout", "3"];
      const wrongCa = await run(["status", "--ca", creds.unknownCa.certFile, ...token]);
      const wrongName = await run(["status", "--ca", creds.ca.certFile, "--server-name", "other.example", ...token]);
      for (const r of [wrongCa, wrongName]) {
        expect(r.code).toBe(1);
        expect(r.err).not.toContain("is the sidecar running?");
        expect(r.err).toMatch(/^openpit status: TLS with 127\.0\.0\.1:\d+ failed: .*: check --ca .* and --server-name\n$/);
      }
    } finally {
      await secure.close();
      creds.remove();
    }
  });

  it("--config naming a file that is not JSON is a usage error naming the file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "openpit-cli-"));
    const file = join(dir, "sidecar.json");
    writeFileSync(file, "{ listen: 127.0.0.1:50051 }");
    try {
      const answer = await run(["status", "--config", file]);
      expect(answer.code).toBe(2);
      expect(answer.err.split("\n")[0]).toBe(`openpit status: configuration file ${file} is not JSON at line 1 column 3 (expected the sidecar's configuration file)`);
      // With the target given too (found by review, session 29: the file was then ignored and the call made).
      const withTarget = await run(["status", "--config", file, "--target", "127.0.0.1:1"]);
      expect(withTarget.code).toBe(2);
      expect(withTarget.err.split("\n")[0]).toMatch(/is not JSON at line 1 column 3 /);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  // Found by review: the message was V8's, which quotes the file's first characters
  // (`Unexpected token 's', "s3cr3tOper"... is not valid JSON`): a raw token when a token file
  // is named by mistake. The server's security.tokensFile says nothing of the text either.
  it("--config naming a token file by mistake does not echo the token", async () => {
    const dir = mkdtempSync(join(tmpdir(), "openpit-cli-"));
    const tokenFile = join(dir, "operator.token");
    writeFileSync(tokenFile, "s3cr3tOperatorToken0123456789abcdef\n");
    try {
      for (const target of [[], ["--target", "127.0.0.1:1"]]) {
        const answer = await run(["status", "--config", tokenFile, ...target]);
        expect(answer.code).toBe(2);
        expect(answer.err).not.toContain("s3cr3t");
        expect(answer.err.split("\n")[0]).toBe(`openpit status: configuration file ${tokenFile} is not JSON (expected the sidecar's configuration file)`);
      }
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  // Found by review (session 28): `state 42 43` showed account 42 and ignored 43, and
  // `configure A B --set …` changed A; commands without positionals ignored any given.
  it("an argument a command does not take is a usage error, before anything is sent", async () => {
    const cases: [string[], string][] = [
      [["state", "42", "43"], "43"],
      [["configure", "OrderSizeLimitPolicy", "RateLimitPolicy", "--set", "broker.maxQuantity=5"], "RateLimitPolicy"],
      [["status", "now"], "now"],
      [["events", "all"], "all"],
    ];
    for (const [argv, extra] of cases) {
      // A target nothing listens on: a usage error is answered before any connection.
      const answer = await run([...argv, "--target", "127.0.0.1:1"]);
      expect([answer.code, answer.err.split("\n")[0]]).toEqual([2, `openpit ${argv[0]}: unexpected argument '${extra}'`]);
    }
  });

  it("block and unblock take one ACCOUNT: two are refused whole, nothing changes", async () => {
    h = await startHarness();
    for (const command of [["block", "--reason", "compliance hold"], ["unblock"]]) {
      const answer = await run([command[0]!, "42", "43", ...command.slice(1), "--target", h.address]);
      expect([answer.code, answer.err.split("\n")[0]]).toEqual([2, `openpit ${command[0]}: one ACCOUNT per call, not 42 43`]);
    }
    for (const accountId of [42n, 43n]) expect((await h.admin<ad.GetAccountStateResponse>("getAccountState", { accountId })).block).toBeUndefined();
  });

  it("a bearer token is not sent in cleartext beyond loopback: without --ca it is refused before connecting", async () => {
    const answer = await run(["status", "--target", "10.255.255.1:50051", "--timeout", "30"], undefined, { OPENPIT_TOKEN: "s3cret-operator-token" });
    expect([answer.code, answer.err.split("\n")[0]]).toEqual([
      2,
      "openpit status: a bearer token is not sent in cleartext to 10.255.255.1:50051: pass --ca FILE (TLS); plaintext is for a sidecar on loopback",
    ]);
  });

  // Found by review (session 28) for events: it stays out of run-cli's Ctrl-C race (it stops
  // its stream itself), but before the stream it waited on GetServerStatus until --timeout (exit 1).
  it("Ctrl-C ends a command that is not events with 130, and events, even while it waits for its first answer, with 0", async () => {
    const ended: Record<string, unknown> = {};
    for (const command of ["status", "events"]) {
      const silent = await silentServer();
      try {
        // What main.ts hands runCli resolves on SIGINT: here once the call is under way.
        ended[command] = await run([command, "--timeout", "30", "--target", silent.target], silent.connected);
      } finally {
        silent.close();
      }
    }
    expect(ended).toEqual({ status: { code: 130, out: "", err: "openpit status: interrupted\n" }, events: { code: 0, out: "", err: "" } });
  });

  // Found by review (session 28): bin/openpit.js wrote to a closed pipe with no 'error'
  // listener, so `openpit journal inspect DIR | head` ended in a stack trace and exit 1.
  it("exits 0 without a stack trace when its reader closes stdout early (| head)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "openpit-cli-epipe-"));
    try {
      const journal = FileJournal.open({ dataDir: dir, mode: "sync", segmentBytes: 1 << 22 });
      for (let i = 0; i < 5000; i++) journal.append(Buffer.from(JSON.stringify({ i, pad: "x".repeat(100) })));
      await journal.close();
      const ended = await new Promise<{ code: number | null; err: string }>((resolve) => {
        const child = spawn(process.execPath, ["bin/openpit.js", "journal", "inspect", dir], { stdio: ["ignore", "pipe", "pipe"] });
        let err = "";
        child.stderr.on("data", (d: Buffer) => (err += d.toString()));
        child.stdout.once("data", () => child.stdout.destroy()); // as head does after its lines
        child.on("close", (code) => resolve({ code, err }));
      });
      // stderr may still carry inspect's summary line; no stack trace.
      expect({ code: ended.code, trace: /EPIPE|Unhandled/.test(ended.err) }).toEqual({ code: 0, trace: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("Ctrl-C after a change was sent says the change may be in effect, and where to look", async () => {
    const cases: [string[], string][] = [
      [["configure", "OrderSizeLimitPolicy", "--set", "maxQuantity=20"], "configure: interrupted after ConfigurePolicy was sent; the change may be in effect: check with 'openpit policies OrderSizeLimitPolicy'"],
      [["block", "--group", "7", "--reason", "halt"], "block: interrupted after BlockGroup was sent; the change may be in effect: check with 'openpit groups'"],
      [["unblock", "42"], "unblock: interrupted after UnblockAccount was sent; the change may be in effect: check with 'openpit state 42'"],
    ];
    for (const [argv, message] of cases) {
      const admin = await holdingAdmin();
      try {
        expect(await run([...argv, "--timeout", "30", "--target", admin.target], admin.changeArrived)).toEqual({ code: 130, out: "", err: `openpit ${message}\n` });
      } finally {
        admin.close();
      }
    }
  });

  // Found by review (session 30): a change whose call then failed with DEADLINE_EXCEEDED or
  // UNAVAILABLE said only "no answer from ... in time" (changeSent and checkWith served Ctrl-C
  // alone): after `unblock 42` the operator took the account as still blocked while the
  // sidecar may have unblocked it and it traded.
  it("a change sent and not answered within --timeout says the change may be in effect, and where to look", async () => {
    const noAnswer = (target: string) => `no answer from ${target} in time: is it the sidecar (and plaintext vs TLS right: --ca)? raise --timeout if it is busy`;
    const cases: [string[], string][] = [
      [["configure", "OrderSizeLimitPolicy", "--set", "maxQuantity=20"], "ConfigurePolicy was sent, so the change may be in effect: check with 'openpit policies OrderSizeLimitPolicy'"],
      [["block", "--group", "7", "--reason", "halt"], "BlockGroup was sent, so the change may be in effect: check with 'openpit groups'"],
      [["unblock", "42"], "UnblockAccount was sent, so the change may be in effect: check with 'openpit state 42'"],
    ];
    for (const [argv, note] of cases) {
      const admin = await holdingAdmin();
      try {
        expect(await run([...argv, "--timeout", "0.3", "--target", admin.target])).toEqual({ code: 1, out: "", err: `openpit ${argv[0]}: ${noAnswer(admin.target)}; ${note}\n` });
      } finally {
        admin.close();
      }
    }
  });

  it("a change whose connection is cut before the answer says the change may be in effect; one never sent does not", async () => {
    const admin = await holdingAdmin();
    void admin.changeArrived.then(() => admin.close());
    const cut = await run(["unblock", "42", "--timeout", "30", "--target", admin.target]);
    expect({ code: cut.code, note: cut.err.endsWith("; UnblockAccount was sent, so the change may be in effect: check with 'openpit state 42'\n") }).toEqual({ code: 1, note: true });
    // The sidecar is gone now: the call never left, so nothing may be in effect.
    const refused = await run(["unblock", "42", "--timeout", "30", "--target", admin.target]);
    expect(refused).toEqual({ code: 1, out: "", err: `openpit unblock: cannot connect to ${admin.target}: is the sidecar running? start it with npm start (or pass --target HOST:PORT)\n` });
  });
});
