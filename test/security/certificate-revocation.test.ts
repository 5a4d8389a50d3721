/**
 * A client certificate listed in `security.tls.clientCrlFile` is revoked while the sidecar
 * runs: new calls with it are refused UNAUTHENTICATED, and the streams it opened end
 * UNAUTHENTICATED ("certificate revoked"), a channel's reservations rolled back as for a lost
 * client, exactly as for a revoked bearer token (token-revocation.test.ts). Before, a
 * certificate could be revoked only by a restart or a new CA. A bad CRL refuses the start;
 * a bad re-read keeps the CRL in force. Reloads are driven through `reloadCredentials()`
 * (what the interval and SIGHUP call), so nothing here waits on a timer.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { Writable } from "node:stream";
import { TLSSocket } from "node:tls";
import { create } from "@bufbuild/protobuf";
import { status, type StatusObject } from "@grpc/grpc-js";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { AccountChannel, callUnary, type ConnectOptions } from "../../src/client/index.js";
import { createLogger } from "../../src/server/log/sidecar-log.js";
import { UNAUTHENTICATED_TEXTS } from "../../src/server/security/authenticator.js";
import { REVOKED_ISSUER_TEXT } from "../../src/server/security/revocable-streams.js";
import { ACCOUNT, order, seed } from "../server/harness.js";
import { Credentials, journalStatus, recordChannelCloses, replaceByRename, startSecureHarness, type SecureHarness, type Who } from "./secure-harness.js";

let creds: Credentials;
/** The CRL file the sidecar is configured with; tests replace it by rename. */
let crlFile: string;

/**
 * Puts a CRL of `ca` revoking the certificates of `revoked` in place of the configured file
 * (by default the CA's next cRLNumber, TestPki.crl), and returns the file it was made as.
 */
function writeCrl(revoked: readonly string[], ca = "test-ca", options: { number?: number | null } = {}): string {
  const made = creds.pki.crl(ca, revoked, `made-${Math.random().toString(36).slice(2)}.crl`, options);
  putBack(made);
  return made;
}

/** Puts the CRL file `made` in place of the configured file, by rename. */
function putBack(made: string): void {
  replaceByRename(made, crlFile);
}


/** A logger whose lines land in `lines`. */
function capture(lines: Record<string, unknown>[]) {
  return createLogger(
    "info",
    new Writable({
      write: (chunk: Buffer, _e, done) => {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  );
}

beforeAll(() => {
  creds = new Credentials();
  crlFile = creds.pki.path("client.crl");
});
afterAll(() => creds.remove());

describe("security.tls.clientCrlFile at start", () => {
  const start = (crl: Record<string, unknown>) => startSecureHarness(creds.security(crl));

  it("a missing file refuses the start, naming the field", async () => {
    await expect(start({ clientCrlFile: creds.pki.path("absent.crl") })).rejects.toThrow(/security\.tls\.clientCrlFile: cannot read .*absent\.crl/);
  });

  it("a file that is no CRL, or a cut-short one, refuses the start", async () => {
    writeFileSync(crlFile, "not a CRL\n");
    await expect(start({ clientCrlFile: crlFile })).rejects.toThrow(/security\.tls\.clientCrlFile: .* holds no CRL/);
    writeCrl([]);
    const whole = creds.pki.pem("test-ca").cert; // any bytes: only the cut matters
    writeFileSync(crlFile, `-----BEGIN X509 CRL-----\n${whole.toString("base64").slice(0, 40)}\n`);
    await expect(start({ clientCrlFile: crlFile })).rejects.toThrow(/security\.tls\.clientCrlFile: .*CRL 1 is cut short/);
  });

  it("a CRL signed by another CA refuses the start: it could revoke, or un-revoke, anybody", async () => {
    writeCrl(["monitor"], "rogue-ca");
    await expect(start({ clientCrlFile: crlFile })).rejects.toThrow(/security\.tls\.clientCrlFile: .*CRL 1 is issued by a CA that is not in the client CA bundle/);
    // A CA of the same name with another key: the signature gives it away.
    creds.pki.ca("test-ca", { file: "impostor-ca" });
    writeCrl(["monitor"], "impostor-ca");
    await expect(start({ clientCrlFile: crlFile })).rejects.toThrow(/security\.tls\.clientCrlFile: .*CRL 1's signature does not verify/);
  });

  it("a CRL signed by a CA of clientCaFile whose keyUsage lacks cRLSign refuses the start, naming the field", async () => {
    creds.pki.ca("no-crlsign-ca", { keyUsage: "critical,keyCertSign" });
    writeFileSync(creds.pki.path("with-no-crlsign.pem"), Buffer.concat([creds.ca.cert, readFileSync(creds.pki.path("no-crlsign-ca.pem"))]));
    writeCrl([], "no-crlsign-ca");
    await expect(start({ clientCrlFile: crlFile, clientCaFile: creds.pki.path("with-no-crlsign.pem") })).rejects.toThrow(
      /^security\.tls\.clientCrlFile: .*\(checked against .*with-no-crlsign\.pem\): CRL 1 is signed by CN=no-crlsign-ca of the client CA bundle, whose keyUsage does not allow cRLSign \(RFC 5280 §4\.2\.1\.3\): it may not sign CRLs$/,
    );
  });

  it("a delta CRL (critical deltaCRLIndicator) beside its base CRL refuses the start, naming the extension: taken as complete, it un-revoked the base's certificates", async () => {
    const base = creds.pki.crl("test-ca", ["monitor"], "start-base.crl", { number: 150 });
    const delta = creds.pki.crl("test-ca", ["operator"], "start-delta.crl", { number: 151, extensions: "2.5.29.27 = critical,DER:02:01:96\n" });
    writeFileSync(crlFile, readFileSync(base, "utf8") + readFileSync(delta, "utf8"));
    await expect(start({ clientCrlFile: crlFile })).rejects.toThrow(
      /^security\.tls\.clientCrlFile: .*client\.crl \(checked against .*\): CRL 2 has critical extension 2\.5\.29\.27 \(deltaCRLIndicator\), which this reader does not process$/,
    );
  });

  it("at start nothing is in force: a CRL of any cRLNumber that verifies is taken", async () => {
    writeCrl(["monitor"], "test-ca", { number: 1 });
    const h = await start({ clientCrlFile: crlFile });
    try {
      expect(await journalStatus(h, creds.certificate("monitor"))).toBe(`UNAUTHENTICATED ${UNAUTHENTICATED_TEXTS.revoked}`);
    } finally {
      await h.close();
    }
  });

  it("a CRL without a client CA is a configuration error", async () => {
    writeCrl([]);
    await expect(startSecureHarness({ ...creds.security(), tls: { certFile: creds.server.certFile, keyFile: creds.server.keyFile, clientCrlFile: crlFile } })).rejects.toThrow(
      /security\.tls\.clientCrlFile: needs clientCaFile/,
    );
  });
});

describe("revoking a client certificate while the sidecar runs", () => {
  let h: SecureHarness;
  let log: Record<string, unknown>[];
  let closes: { id: bigint; reason: string }[];

  beforeEach(async () => {
    writeCrl([]);
    log = [];
    h = await startSecureHarness(creds.security({ clientCrlFile: crlFile }), {}, capture(log));
    closes = recordChannelCloses(h.server);
  });
  afterEach(() => h.close());

  const heldUsd = async (): Promise<string> => {
    const state = await callUnary<ad.GetAccountStateResponse>(h.connect(creds.certificate("operator")).admin, "getAccountState", create(ad.GetAccountStateRequestSchema, { accountId: ACCOUNT }));
    return state.holdings.find((x) => x.asset === "USD")?.held ?? "";
  };

  /** A channel as `options` with a reservation of 10 AAPL at 100 held on ACCOUNT, and how its stream ended once it has. */
  async function reserving(options: ConnectOptions): Promise<{ ch: AccountChannel; ended: Promise<StatusObject> }> {
    const ch = new AccountChannel(h.connect(options).channel);
    const ended = new Promise<StatusObject>((resolve) => ch.call.on("status", resolve));
    await ch.send(seed("USD", "10000"));
    const reserved = await ch.one({ case: "executePreTrade", value: { order: order() } });
    expect(reserved.result.case).toBe("execute");
    return { ch, ended };
  }

  it("a revoked certificate is refused UNAUTHENTICATED (recorded as a denial) while other certificates and tokens work", async () => {
    expect(await journalStatus(h, creds.certificate("monitor"))).toBe("OK");
    writeCrl(["monitor"]);
    await h.server.reloadCredentials();

    expect(await journalStatus(h, creds.certificate("monitor"))).toBe(`UNAUTHENTICATED ${UNAUTHENTICATED_TEXTS.revoked}`);
    expect(await journalStatus(h, creds.certificate("operator"))).toBe("OK");
    expect(await journalStatus(h, creds.token("monitor"))).toBe("OK");
    expect(h.denials.filter((d) => d.reason === "UNAUTHENTICATED").map((d) => d.detail)).toEqual([expect.stringContaining(UNAUTHENTICATED_TEXTS.revoked)]);
    expect(log.filter((l) => l.event === "crl_reloaded").map((l) => [l.level, l.revokedStreams])).toEqual([["info", 0]]);
  });

  it("a revoked certificate's open channel ends UNAUTHENTICATED, its reservation rolled back as for a lost client; other channels stay", async () => {
    const doomed = await reserving(creds.certificate("gateway-a"));
    const other = new AccountChannel(h.connect(creds.certificate("gateway-b")).channel);
    await other.send({ case: "bindAccounts", value: { accountIds: [] } });
    expect(await heldUsd()).not.toMatch(/^0*(\.0*)?$/);

    writeCrl(["gateway-a"]);
    await h.server.reloadCredentials();

    const s = await doomed.ended;
    expect(s.code).toBe(status.UNAUTHENTICATED);
    expect(s.details).toMatch(/^certificate revoked: /);
    expect(closes.map((c) => c.reason)).toEqual(["lost"]);
    expect(await heldUsd()).toMatch(/^0*(\.0*)?$/);
    expect(doomed.ch.usable).toBe(false);
    expect((await other.one({ case: "bindAccounts", value: { accountIds: [] } })).result.case).not.toBe("error");
    expect(log.filter((l) => l.event === "crl_reloaded").map((l) => l.revokedStreams)).toEqual([1]);
    expect(h.denials.some((d) => d.actor === "gateway-a" && d.detail.startsWith("certificate revoked: "))).toBe(true);
  });

  it("a bad re-read keeps the CRL in force, logged once as a warning; a good one after it is taken", async () => {
    writeCrl(["monitor"]);
    await h.server.reloadCredentials();
    const open = await reserving(creds.certificate("gateway-a"));
    let ended: StatusObject | undefined;
    void open.ended.then((s) => (ended = s));

    writeFileSync(crlFile, "-----BEGIN X509 CRL-----\nMIIB\n");
    await h.server.reloadCredentials();
    await h.server.reloadCredentials();
    // Another CA's CRL, which would un-revoke monitor, is refused the same way.
    writeCrl([], "rogue-ca");
    await h.server.reloadCredentials();

    expect(await journalStatus(h, creds.certificate("monitor"))).toBe(`UNAUTHENTICATED ${UNAUTHENTICATED_TEXTS.revoked}`);
    expect(ended).toBeUndefined();
    expect((await open.ch.one({ case: "executePreTrade", value: { order: order() } })).result.case).toBe("execute");
    const warnings = log.filter((l) => l.event === "crl_reload_refused");
    expect(warnings.map((l) => l.level)).toEqual(["warn", "warn"]);
    expect(String(warnings[0]!.msg)).toMatch(/CRL in force stays.*cut short/);
    expect(String(warnings[1]!.msg)).toMatch(/not in the client CA bundle/);

    writeCrl([]);
    await h.server.reloadCredentials();
    expect(await journalStatus(h, creds.certificate("monitor"))).toBe("OK");
    expect(log.filter((l) => l.event === "crl_reloaded")).toHaveLength(2);
  });
});

describe("an older CRL put back is refused (rollback, RFC 5280 §5.2.3 cRLNumber)", () => {
  let h: SecureHarness;
  let log: Record<string, unknown>[];
  afterEach(() => h.close());
  const refusals = () => log.filter((l) => l.event === "crl_reload_refused").map((l) => [l.level, l.msg]);

  it("a validly signed CRL of a lower cRLNumber than the one in force is refused, logged with both numbers; the revoked certificate stays refused", async () => {
    const older = writeCrl([], "test-ca", { number: 100 });
    log = [];
    h = await startSecureHarness(creds.security({ clientCrlFile: crlFile }), {}, capture(log));
    writeCrl(["monitor"], "test-ca", { number: 101 });
    await h.server.reloadCredentials();
    expect(await journalStatus(h, creds.certificate("monitor"))).toBe(`UNAUTHENTICATED ${UNAUTHENTICATED_TEXTS.revoked}`);

    putBack(older);
    await h.server.reloadCredentials();
    expect(refusals()).toEqual([
      ["warn", `client CRL reload refused, the CRL in force stays (${crlFile}): CRL 1 (issuer CN=test-ca) has cRLNumber 100, lower than the CRL of that issuer in force (cRLNumber 101): an older CRL would un-revoke certificates`],
    ]);
    expect(await journalStatus(h, creds.certificate("monitor"))).toBe(`UNAUTHENTICATED ${UNAUTHENTICATED_TEXTS.revoked}`);

    // The same number with other contents (a CRL that un-revokes, signed by the CA) is refused too.
    writeCrl([], "test-ca", { number: 101 });
    await h.server.reloadCredentials();
    expect(refusals()[1]).toEqual(["warn", `client CRL reload refused, the CRL in force stays (${crlFile}): CRL 1 (issuer CN=test-ca) has cRLNumber 101, the same as the CRL of that issuer in force, but other contents`]);
    expect(await journalStatus(h, creds.certificate("monitor"))).toBe(`UNAUTHENTICATED ${UNAUTHENTICATED_TEXTS.revoked}`);

    // A newer CRL un-revoking it is taken.
    writeCrl([], "test-ca", { number: 102 });
    await h.server.reloadCredentials();
    expect(await journalStatus(h, creds.certificate("monitor"))).toBe("OK");
    expect(log.filter((l) => l.event === "crl_reloaded")).toHaveLength(2);
  });

  it("a delta CRL, or an ARL, appended beside the CRL in force is refused on reload (critical extension not processed); the CRL in force stays", async () => {
    const base = writeCrl(["monitor"], "test-ca", { number: 160 });
    log = [];
    h = await startSecureHarness(creds.security({ clientCrlFile: crlFile }), {}, capture(log));
    expect(await journalStatus(h, creds.certificate("monitor"))).toBe(`UNAUTHENTICATED ${UNAUTHENTICATED_TEXTS.revoked}`);
    const appended = (extra: string): void => {
      const both = creds.pki.path(`appended-${Math.random().toString(36).slice(2)}.crl`);
      writeFileSync(both, readFileSync(base, "utf8") + readFileSync(extra, "utf8"));
      putBack(both);
    };
    // A delta of base 160 (cRLNumber 161, revoking nobody new): before, it replaced the base and monitor was admitted.
    appended(creds.pki.crl("test-ca", [], "reload-delta.crl", { number: 161, extensions: "2.5.29.27 = critical,DER:02:01:a0\n" }));
    await h.server.reloadCredentials();
    // The CA's ARL (CA certificates only), numbered in the same sequence.
    const idp = "issuingDistributionPoint = critical,@idp\n[idp]\nfullname = URI:http://pki.example/test-arl.crl\nonlyCA = TRUE\n";
    appended(creds.pki.crl("test-ca", [], "reload-arl.crl", { number: 162, extensions: idp }));
    await h.server.reloadCredentials();
    expect(refusals()).toEqual([
      ["warn", `client CRL reload refused, the CRL in force stays (${crlFile}): CRL 2 has critical extension 2.5.29.27 (deltaCRLIndicator), which this reader does not process`],
      ["warn", `client CRL reload refused, the CRL in force stays (${crlFile}): CRL 2 has critical extension 2.5.29.28 (issuingDistributionPoint), which this reader does not process`],
    ]);
    expect(await journalStatus(h, creds.certificate("monitor"))).toBe(`UNAUTHENTICATED ${UNAUTHENTICATED_TEXTS.revoked}`);
    expect(log.filter((l) => l.event === "crl_reloaded")).toHaveLength(0);
  });

  it("a CRL signed by a CA of the bundle whose keyUsage lacks cRLSign is refused on reload; the CRL in force stays", async () => {
    creds.pki.ca("no-crlsign-reload-ca", { keyUsage: "critical,keyCertSign" });
    const bundle = creds.pki.path("with-no-crlsign-reload.pem");
    writeFileSync(bundle, Buffer.concat([creds.ca.cert, readFileSync(creds.pki.path("no-crlsign-reload-ca.pem"))]));
    writeCrl(["monitor"]);
    log = [];
    h = await startSecureHarness(creds.security({ clientCrlFile: crlFile, clientCaFile: bundle }), {}, capture(log));
    writeCrl([], "no-crlsign-reload-ca");
    await h.server.reloadCredentials();
    expect(refusals()).toEqual([
      [
        "warn",
        `client CRL reload refused, the CRL in force stays (${crlFile}): CRL 1 is signed by CN=no-crlsign-reload-ca of the client CA bundle, whose keyUsage does not allow cRLSign (RFC 5280 §4.2.1.3): it may not sign CRLs`,
      ],
    ]);
    expect(await journalStatus(h, creds.certificate("monitor"))).toBe(`UNAUTHENTICATED ${UNAUTHENTICATED_TEXTS.revoked}`);
  });
});

describe("the client CRL is watched with the certificate files", () => {
  it("a serial added to the file is revoked by the re-read every tls.refreshIntervalMs, without a reload call", async () => {
    writeCrl([]);
    const log: Record<string, unknown>[] = [];
    const h = await startSecureHarness(creds.security({ clientCrlFile: crlFile, refreshIntervalMs: 20 }), {}, capture(log));
    try {
      const ch = new AccountChannel(h.connect(creds.certificate("gateway-a")).channel);
      const ended = new Promise<StatusObject>((resolve) => ch.call.on("status", resolve));
      await ch.send({ case: "bindAccounts", value: { accountIds: [] } });
      writeCrl(["gateway-a"]);
      // The watcher's own timer re-reads the file; the test waits for what it logs, not for a time.
      await vi.waitFor(() => expect(log.some((l) => l.event === "crl_reloaded")).toBe(true), { timeout: 10_000 });
      expect((await ended).code).toBe(status.UNAUTHENTICATED);
    } finally {
      await h.close();
    }
  });
});

describe("revoking an intermediate CA revokes every client certificate under it", () => {
  // test-ca (the root, in clientCaFile) → int-ca (an intermediate CA) → monitor, gateway-a.
  beforeAll(() => {
    creds.pki.intermediate("test-ca", "int-ca");
    for (const who of ["monitor", "gateway-a"]) creds.pki.leaf("int-ca", who, "client", `int-${who}`);
    writeFileSync(creds.pki.path("root-and-int.pem"), Buffer.concat([creds.ca.cert, readFileSync(creds.pki.path("int-ca.pem"))]));
  });

  /** The leaf `int-<who>`, presented with the intermediate after it, or alone (the intermediate is then in clientCaFile). */
  const under = (who: string, chain: boolean): ConnectOptions => {
    const leaf = creds.pki.pem(`int-${who}`);
    return { rootCa: creds.ca.cert, clientCert: chain ? Buffer.concat([leaf.cert, creds.pki.pem("int-ca").cert]) : leaf.cert, clientKey: leaf.key };
  };

  it("a connection builds its certificate path once per CRL in force, not at every call; a reload builds it afresh", async () => {
    writeCrl(["gateway-b"]); // lists somebody: the path is built
    const h = await startSecureHarness(creds.security({ clientCrlFile: crlFile, clientCaFile: creds.ca.certFile }));
    // The server asks Node for the client's chain (getPeerCertificate(true)) only to build a path.
    const built = vi.spyOn(TLSSocket.prototype, "getPeerCertificate");
    const serverBuilds = () => built.mock.contexts.filter((socket, i) => (socket as { server?: unknown }).server !== undefined && built.mock.calls[i]![0] === true).length;
    try {
      const admin = h.connect(under("monitor", true)).admin;
      const call = () => callUnary(admin, "getJournalStatus", create(ad.GetJournalStatusRequestSchema)).then(() => "OK");
      for (let i = 0; i < 3; i++) expect(await call()).toBe("OK");
      expect(serverBuilds()).toBe(1);
      writeCrl(["gateway-b"]); // another cRLNumber: a new CRL in force
      await h.server.reloadCredentials();
      for (let i = 0; i < 2; i++) expect(await call()).toBe("OK");
      expect(serverBuilds()).toBe(2);
    } finally {
      built.mockRestore();
      await h.close();
    }
  });

  for (const [how, clientCaFile, chain] of [
    ["the client presents leaf + intermediate, clientCaFile holds the root", () => creds.ca.certFile, true],
    ["the client presents its leaf, clientCaFile holds the root and the intermediate", () => creds.pki.path("root-and-int.pem"), false],
  ] as const) {
    it(`${how}: the root's CRL listing the intermediate refuses new calls and ends open streams; certificates the root signed directly work`, async () => {
      writeCrl([]);
      const log: Record<string, unknown>[] = [];
      const h = await startSecureHarness(creds.security({ clientCrlFile: crlFile, clientCaFile: clientCaFile() }), {}, capture(log));
      try {
        expect(await journalStatus(h, under("monitor", chain))).toBe("OK");
        const ch = new AccountChannel(h.connect(under("gateway-a", chain)).channel);
        const ended = new Promise<StatusObject>((resolve) => ch.call.on("status", resolve));
        expect((await ch.one({ case: "bindAccounts", value: { accountIds: [] } })).result.case).not.toBe("error");

        writeCrl(["int-ca"]);
        await h.server.reloadCredentials();

        expect(await journalStatus(h, under("monitor", chain))).toBe(`UNAUTHENTICATED ${UNAUTHENTICATED_TEXTS.revokedIssuer}`);
        expect(UNAUTHENTICATED_TEXTS.revokedIssuer).toBe("the client certificate was revoked: a CA certificate of its chain is in the client CRL");
        const s = await ended;
        expect(s.code).toBe(status.UNAUTHENTICATED);
        expect(s.details).toBe(REVOKED_ISSUER_TEXT);
        expect(REVOKED_ISSUER_TEXT).toBe("certificate revoked: a CA certificate of the chain this stream was opened with is listed in the client CRL");
        expect(log.filter((l) => l.event === "crl_reloaded").map((l) => l.revokedStreams)).toEqual([1]);
        // Signed by the root itself: not under the revoked intermediate.
        expect(await journalStatus(h, creds.certificate("monitor"))).toBe("OK");

        // The intermediate taken off the CRL: its leaves are admitted again.
        writeCrl([]);
        await h.server.reloadCredentials();
        expect(await journalStatus(h, under("monitor", chain))).toBe("OK");
      } finally {
        await h.close();
      }
    });
  }
});
