/**
 * The certificate files are re-read, and a read that does not make a TLS context is refused:
 * the certificates in force stay (found by review). grpc-js's own watcher handed a file caught
 * half-written, or a certificate renewed before its key, to the server, which then refused
 * every new connection until a later read succeeded. The first test drives the provider
 * read by read; the second shows it through a real TLS listener.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyFileSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { Writable } from "node:stream";
import { create } from "@bufbuild/protobuf";
import type { ServiceError } from "@grpc/grpc-js";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { callUnary } from "../../src/client/index.js";
import { CertificateFiles } from "../../src/server/security/certificate-files.js";
import { createLogger } from "../../src/server/log/sidecar-log.js";
import { Credentials, startSecureHarness, type SecureHarness } from "./secure-harness.js";

describe("TLS certificate reloads that do not make a TLS context are refused", () => {
  let creds: Credentials;
  beforeAll(() => {
    creds = new Credentials();
  });
  afterAll(() => creds.remove());

  it("the provider keeps the set in force through a half-written file, a mismatched pair and a missing file, and reports each problem once", async () => {
    const cert = creds.pki.path("p-served.pem");
    const key = creds.pki.path("p-served.key");
    copyFileSync(creds.server.certFile, cert);
    copyFileSync(creds.server.keyFile, key);
    const refused: string[] = [];
    let renewals = 0;
    const files = new CertificateFiles(
      { certFile: cert, keyFile: key, clientCaFile: creds.ca.certFile, requireClientCertificate: false, refreshIntervalMs: 3_600_000 },
      { cert: creds.server.cert, key: creds.server.key, ca: creds.ca.cert },
      (m) => refused.push(m),
      () => renewals++,
    );
    const served: Buffer[] = [];
    const cas: Buffer[] = [];
    const identity = (u: { certificate: Buffer } | null) => served.push(u!.certificate);
    const ca = (u: { caCertificate: Buffer } | null) => cas.push(u!.caCertificate);
    files.addIdentityCertificateListener(identity);
    files.addCaCertificateListener(ca);
    await new Promise((r) => process.nextTick(r));
    expect(served).toEqual([creds.server.cert]);
    expect(cas).toEqual([creds.ca.cert]);

    // A writer caught half-way through the certificate.
    writeFileSync(cert, creds.server.cert.subarray(0, creds.server.cert.length >> 1));
    await files.refresh();
    await files.refresh(); // still bad: not reported again
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(new RegExp(`^TLS certificate reload refused, the certificates in force stay: ${cert} / ${key} / ${creds.ca.certFile} do not make a TLS context: `));

    // A certificate renewed before its key.
    const renewed = creds.pki.leaf("test-ca", "127.0.0.1", "server", "p-renewed");
    copyFileSync(renewed.certFile, cert);
    await files.refresh();
    expect(refused).toHaveLength(2);
    expect(refused[1]).toMatch(/do not make a TLS context: .*key values mismatch/);

    rmSync(key);
    await files.refresh();
    expect(refused[2]).toMatch(new RegExp(`^TLS certificate reload refused, the certificates in force stay: cannot read the certificate files: ENOENT: .*${key}`));
    expect({ served: served.length, cas: cas.length, renewals }).toEqual({ served: 1, cas: 1, renewals: 0 });

    // The key follows: the renewed pair is put in force, once.
    copyFileSync(renewed.keyFile, key);
    await files.refresh();
    await files.refresh();
    expect(served).toEqual([creds.server.cert, renewed.cert]);
    expect(cas).toEqual([creds.ca.cert, creds.ca.cert]);
    expect(renewals).toBe(1);
    files.removeIdentityCertificateListener(identity);
    files.removeCaCertificateListener(ca);
  });

  describe("through a TLS listener", () => {
    let h: SecureHarness;
    const log: Record<string, unknown>[] = [];
    beforeAll(async () => {
      copyFileSync(creds.server.certFile, creds.pki.path("served.pem"));
      copyFileSync(creds.server.keyFile, creds.pki.path("served.key"));
      const destination = new Writable({ write: (chunk: Buffer, _e, done) => (log.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) });
      h = await startSecureHarness(
        creds.security({ certFile: creds.pki.path("served.pem"), keyFile: creds.pki.path("served.key"), clientCaFile: creds.ca.certFile, refreshIntervalMs: 20 }),
        {},
        createLogger("info", destination),
      );
    });
    afterAll(() => h.close());

    /** Waits for the listener's file watcher to have logged `event` (a real timer: polled, with a deadline). */
    async function logged(event: string): Promise<void> {
      for (const deadline = Date.now() + 10_000; !log.some((l) => l.event === event); ) {
        if (Date.now() > deadline) throw new Error(`no ${event} logged`);
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    const journalStatus = () =>
      callUnary(h.connect(creds.certificate("monitor")).admin, "getJournalStatus", create(ad.GetJournalStatusRequestSchema)).then(
        () => "OK",
        (e: ServiceError) => `${e.code} ${e.details}`,
      );

    it("a half-written certificate leaves new connections served with the old one", async () => {
      expect(await journalStatus()).toBe("OK");
      const cert = readFileSync(creds.pki.path("served.pem"));
      writeFileSync(creds.pki.path("served.pem"), cert.subarray(0, cert.length >> 1));
      await logged("tls_reload_refused");
      expect(await journalStatus()).toBe("OK");
      // Put back whole (one rename): nothing changed, so nothing is renewed.
      writeFileSync(creds.pki.path("served.pem.new"), cert);
      renameSync(creds.pki.path("served.pem.new"), creds.pki.path("served.pem"));
      expect(await journalStatus()).toBe("OK");
      expect(log.filter((l) => l.event === "tls_reloaded")).toEqual([]);
    });
  });
});
