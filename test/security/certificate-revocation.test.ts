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
import { copyFileSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { Writable } from "node:stream";
import { create } from "@bufbuild/protobuf";
import { status, type ServiceError, type StatusObject } from "@grpc/grpc-js";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { AccountChannel, callUnary, type ConnectOptions } from "../../src/client/index.js";
import { createLogger } from "../../src/server/log/sidecar-log.js";
import { UNAUTHENTICATED_TEXTS } from "../../src/server/security/authenticator.js";
import { REVOKED_ISSUER_TEXT } from "../../src/server/security/revocable-streams.js";
import { ACCOUNT, order, seed } from "../server/harness.js";
import { Credentials, recordChannelCloses, startSecureHarness, type SecureHarness, type Who } from "./secure-harness.js";

let creds: Credentials;
/** The CRL file the sidecar is configured with; tests replace it by rename. */
let crlFile: string;

/** Puts a CRL of `ca` revoking the certificates of `revoked` in place of the configured file. */
function writeCrl(revoked: readonly string[], ca = "test-ca"): void {
  const made = creds.pki.crl(ca, revoked, `made-${Math.random().toString(36).slice(2)}.crl`);
  copyFileSync(made, `${crlFile}.new`);
  renameSync(`${crlFile}.new`, crlFile);
}

const journalStatus = (h: SecureHarness, options: ConnectOptions): Promise<string> =>
  callUnary(h.connect(options).admin, "getJournalStatus", create(ad.GetJournalStatusRequestSchema)).then(
    () => "OK",
    (e: ServiceError) => `${status[e.code]} ${e.details}`,
  );

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
