/**
^ * Found by review: a client-CA file caught half-written (or emptied) makes a TLS context as far as
 * tlsContextProblem can tell (node's createSecureContext ignores a CA it cannot parse), so
 * CertificateFiles puts it in force: the server then trusts no client certificate and, with
 * requireClientCertificate, refuses every new mTLS connection — the very outage the provider
 * exists to prevent ("never no CA").
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyFileSync, writeFileSync } from "node:fs";
import { CertificateFiles } from "../../src/server/security/certificate-files.js";
import { Credentials } from "./secure-harness.js";

describe("a CA file that holds no certificate is refused", () => {
  let creds: Credentials;
  beforeAll(() => {
    creds = new Credentials();
  });
  afterAll(() => creds.remove());

  for (const [name, bytes, problem] of [
    ["empty (truncated by the writer)", () => Buffer.alloc(0), "the client CA bundle holds no certificate"],
    ["half-written", () => creds.ca.cert.subarray(0, creds.ca.cert.length >> 1), "the client CA bundle's certificate 1 is cut short (no -----END …CERTIFICATE-----)"],
  ] as const) {
    it(`a ${name} CA file is not handed to grpc-js`, async () => {
      const caFile = creds.pki.path(`review-ca-${name.length}.pem`);
      copyFileSync(creds.ca.certFile, caFile);
      const refused: string[] = [];
      const files = new CertificateFiles(
        { certFile: creds.server.certFile, keyFile: creds.server.keyFile, clientCaFile: caFile, requireClientCertificate: true, refreshIntervalMs: 3_600_000 },
        { cert: creds.server.cert, key: creds.server.key, ca: creds.ca.cert },
        (m) => refused.push(m),
      );
      const cas: Buffer[] = [];
      const ca = (u: { caCertificate: Buffer } | null) => cas.push(u!.caCertificate);
      files.addCaCertificateListener(ca);
      await new Promise((r) => process.nextTick(r));
      expect(cas).toEqual([creds.ca.cert]);

      writeFileSync(caFile, bytes());
      await files.refresh();
      files.removeCaCertificateListener(ca);
      // The CA in force must stay; the bad read must be reported.
      expect(cas).toEqual([creds.ca.cert]);
      expect(refused).toEqual([`TLS certificate reload refused, the certificates in force stay: ${creds.server.certFile} / ${creds.server.keyFile} / ${caFile} do not make a TLS context: ${problem}`]);
    });
  }
});

describe("start-up refuses a CA file that holds no certificate", () => {
  it("serverCredentials throws on an empty client CA file", async () => {
    const { serverCredentials } = await import("../../src/server/security/tls-credentials.js");
    const creds = new Credentials();
    try {
      const caFile = creds.pki.path("review-empty-ca.pem");
      writeFileSync(caFile, "");
      expect(() =>
        serverCredentials({ certFile: creds.server.certFile, keyFile: creds.server.keyFile, clientCaFile: caFile, requireClientCertificate: true, refreshIntervalMs: 3_600_000 }),
      ).toThrow(`security.tls: ${creds.server.certFile} / ${creds.server.keyFile} / ${caFile} do not make a TLS context: the client CA bundle holds no certificate`);
    } finally {
      creds.remove();
    }
  });
});
