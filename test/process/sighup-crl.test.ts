/**
 * SIGHUP re-reads the client CRL too (docs/security.md, "Revoking a client certificate"),
 * also when no tokens file is configured: SIGHUP was handled only with a tokens file, so
 * with a CRL alone its default action ended the sidecar. An older CRL of the CA put back
 * (a lower cRLNumber) is refused on SIGHUP, and the certificate it would un-revoke stays
 * refused.
 */
import { copyFileSync, readFileSync, renameSync } from "node:fs";
import { create } from "@bufbuild/protobuf";
import { status, type ServiceError } from "@grpc/grpc-js";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { callUnary, connect } from "../../src/client/index.js";
import { TestPki } from "../security/pki.js";
import { LISTENING, startWithConfig } from "./sidecar-process.js";

/** A sidecar process with TLS, one principal "operator", and the client CRL `crlFile`; killed at the test's end. */
function startWithCrl(pki: TestPki, crlFile: string) {
  const server = pki.leaf("ca", "127.0.0.1", "server", "server");
  return startWithConfig(pki.dir, {
    durability: { mode: "ephemeral" },
    security: {
      tls: { certFile: server.certFile, keyFile: server.keyFile, clientCaFile: pki.path("ca.pem"), clientCrlFile: crlFile },
      principals: [{ name: "operator", roles: ["operator"] }],
    },
  });
}

describe("SIGHUP with a client CRL and no tokens file", () => {
  it("re-reads the CRL (logged crl_reloaded) and the sidecar goes on", async () => {
    const pki = new TestPki();
    onTestFinished(() => pki.remove());
    pki.ca("ca");
    pki.leaf("ca", "operator", "client");
    const crlFile = pki.crl("ca", [], "client.crl");
    const p = startWithCrl(pki, crlFile);
    await p.waitFor(LISTENING);
    copyFileSync(pki.crl("ca", ["operator"], "revoking.crl"), `${crlFile}.new`);
    renameSync(`${crlFile}.new`, crlFile);
    p.child.kill("SIGHUP");

    await vi.waitFor(() => expect(p.stderr()).toMatch(/"event":"crl_reloaded"/), { timeout: 10_000 });
    expect(p.child.exitCode).toBeNull();
    expect(p.child.signalCode).toBeNull();
    p.child.kill("SIGTERM");
    expect((await p.exited).signal === "SIGHUP").toBe(false);
  });

  it("an older CRL put back (lower cRLNumber) is refused on SIGHUP, logged with both numbers; the certificate the newer one revoked stays refused", async () => {
    const pki = new TestPki();
    onTestFinished(() => pki.remove());
    pki.ca("ca");
    const operator = pki.leaf("ca", "operator", "client");
    const older = pki.crl("ca", [], "older.crl", { number: 7 });
    const crlFile = pki.path("client.crl");
    copyFileSync(older, crlFile);
    const p = startWithCrl(pki, crlFile);
    const [, , port] = await p.waitFor(LISTENING);
    const clients = connect(`127.0.0.1:${port}`, { rootCa: readFileSync(pki.path("ca.pem")), clientCert: operator.cert, clientKey: operator.key });
    onTestFinished(() => clients.close());
    const journal = () =>
      callUnary(clients.admin, "getJournalStatus", create(ad.GetJournalStatusRequestSchema)).then(
        () => "OK",
        (e: ServiceError) => status[e.code],
      );
    expect(await journal()).toBe("OK");

    const replace = (file: string) => {
      copyFileSync(file, `${crlFile}.new`);
      renameSync(`${crlFile}.new`, crlFile);
    };
    replace(pki.crl("ca", ["operator"], "newer.crl", { number: 8 }));
    p.child.kill("SIGHUP");
    await vi.waitFor(() => expect(p.stderr()).toMatch(/"event":"crl_reloaded"/), { timeout: 10_000 });
    expect(await journal()).toBe("UNAUTHENTICATED");

    replace(older);
    p.child.kill("SIGHUP");
    await vi.waitFor(() => expect(p.stderr()).toMatch(/"event":"crl_reload_refused"/), { timeout: 10_000 });
    const refused = p.stderr().split("\n").filter((l) => l.includes('"event":"crl_reload_refused"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(refused.map((l) => [l.level, l.msg])).toEqual([
      [
        "warn",
        `client CRL reload refused, the CRL in force stays (${crlFile}): CRL 1 (issuer CN=ca) has cRLNumber 7, lower than the CRL of that issuer in force (cRLNumber 8): an older CRL would un-revoke certificates`,
      ],
    ]);
    expect(await journal()).toBe("UNAUTHENTICATED");
    expect(p.child.exitCode).toBeNull();
    p.child.kill("SIGTERM");
    await p.exited;
  });
});
