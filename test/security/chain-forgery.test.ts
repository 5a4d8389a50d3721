/**
 * Review proof: Node builds getPeerCertificate(true)'s chain from what the client SENT,
 * linked by issuer name/key identifier, not from the path the handshake verified. A client
 * whose intermediate CA is revoked sends, after its leaf, a forged certificate with the
 * intermediate's subject and PUBLIC key (public information) issued by a made-up CA:
 * the handshake verifies leaf -> int-ca (clientCaFile) -> root, but peer-chain.ts sees
 * [leaf, forged]; `linked` passes (the leaf's signature verifies with the intermediate's
 * key; the last certificate is never checked) and the forged one is in no CRL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import type { ConnectOptions } from "../../src/client/index.js";
import { UNAUTHENTICATED_TEXTS } from "../../src/server/security/authenticator.js";
import { Credentials, journalStatus, replaceByRename, startSecureHarness } from "./secure-harness.js";

let creds: Credentials;
let crlFile: string;
const ossl = (args: string[]) => execFileSync("openssl", args, { cwd: creds.pki.dir, stdio: ["ignore", "ignore", "pipe"] });

function writeCrl(revoked: readonly string[], ca = "test-ca"): void {
  const made = creds.pki.crl(ca, revoked, `made-${Math.random().toString(36).slice(2)}.crl`);
  replaceByRename(made, crlFile);
}

beforeAll(() => {
  creds = new Credentials();
  crlFile = creds.pki.path("client.crl");
  creds.pki.intermediate("test-ca", "int-ca");
  creds.pki.leaf("int-ca", "monitor", "client", "int-monitor");
  writeFileSync(creds.pki.path("root-and-int.pem"), Buffer.concat([creds.ca.cert, readFileSync(creds.pki.path("int-ca.pem"))]));
  // The attacker: its own CA "nobody", and a certificate named int-ca carrying int-ca's public key.
  creds.pki.ca("nobody");
  ossl(["x509", "-in", "int-ca.pem", "-pubkey", "-noout", "-out", "int-ca.pub"]);
  ossl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "forged.key"]);
  ossl(["req", "-new", "-key", "forged.key", "-out", "forged.csr", "-subj", "/CN=int-ca"]);
  writeFileSync(creds.pki.path("forged.ext"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n");
  ossl(["x509", "-req", "-in", "forged.csr", "-CA", "nobody.pem", "-CAkey", "nobody.key", "-force_pubkey", "int-ca.pub", "-set_serial", "777", "-days", "2", "-extfile", "forged.ext", "-out", "forged.pem"]);
});
afterAll(() => creds.remove());

/** The forged certificate with its validity moved into the past (its signature no longer verifies: nobody checks it). */
function expiredForged(): Buffer {
  const pem = creds.pki.pem("forged").cert.toString();
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s+/g, ""), "base64");
  // UTCTime (0x17, length 13): both notBefore and notAfter get year 01.
  for (let i = 0; i + 15 <= der.length; i++) if (der[i] === 0x17 && der[i + 1] === 13) der.write("01", i + 2, "latin1");
  return Buffer.from(`-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/(.{64})/g, "$1\n")}\n-----END CERTIFICATE-----\n`);
}

describe("a revoked intermediate hidden behind a forged same-named certificate", () => {
  it("clientCaFile holds root + intermediate; the client sends leaf + forged: refused as revoked", async () => {
    writeCrl(["int-ca"]);
    const h = await startSecureHarness(creds.security({ clientCrlFile: crlFile, clientCaFile: creds.pki.path("root-and-int.pem") }));
    try {
      const leaf = creds.pki.pem("int-monitor");
      const honest: ConnectOptions = { rootCa: creds.ca.cert, clientCert: leaf.cert, clientKey: leaf.key };
      expect(await journalStatus(h, honest)).toBe(`UNAUTHENTICATED ${UNAUTHENTICATED_TEXTS.revokedIssuer}`);
      const forged: ConnectOptions = { rootCa: creds.ca.cert, clientCert: Buffer.concat([leaf.cert, creds.pki.pem("forged").cert]), clientKey: leaf.key };
      expect(await journalStatus(h, forged)).toBe(`UNAUTHENTICATED ${UNAUTHENTICATED_TEXTS.revokedIssuer}`);
    } finally {
      await h.close();
    }
  });

  it("clientCaFile holds the root only; the client sends leaf + expired forged + intermediate: refused (Node's chain links the expired one, so no path can be built: refused as unchecked)", async () => {
    writeCrl(["int-ca"]);
    const h = await startSecureHarness(creds.security({ clientCrlFile: crlFile, clientCaFile: creds.ca.certFile }));
    try {
      const leaf = creds.pki.pem("int-monitor");
      const int = creds.pki.pem("int-ca").cert;
      const honest: ConnectOptions = { rootCa: creds.ca.cert, clientCert: Buffer.concat([leaf.cert, int]), clientKey: leaf.key };
      expect(await journalStatus(h, honest)).toBe(`UNAUTHENTICATED ${UNAUTHENTICATED_TEXTS.revokedIssuer}`);
      const forged: ConnectOptions = { rootCa: creds.ca.cert, clientCert: Buffer.concat([leaf.cert, expiredForged(), int]), clientKey: leaf.key };
      expect(await journalStatus(h, forged)).toBe(`UNAUTHENTICATED ${UNAUTHENTICATED_TEXTS.unchecked}`);
      expect(UNAUTHENTICATED_TEXTS.unchecked).toBe(
        "the client certificate cannot be checked against the client CRL: no path from it to a CA of clientCaFile through the certificates sent (keep intermediate CAs in clientCaFile)",
      );
    } finally {
      await h.close();
    }
  });

  it("no forgery: a genuine cross-certificate of the intermediate (same key, signed by a CA outside clientCaFile) sent after the leaf: refused as revoked", async () => {
    // int-ca's own CSR (its key) signed by rogue-ca, which clientCaFile does not hold.
    ossl(["x509", "-req", "-in", "int-ca.csr", "-CA", "rogue-ca.pem", "-CAkey", "rogue-ca.key", "-set_serial", "4242", "-days", "2", "-extfile", "int-ca.ext", "-out", "int-ca-cross.pem"]);
    writeCrl(["int-ca"]);
    const h = await startSecureHarness(creds.security({ clientCrlFile: crlFile, clientCaFile: creds.pki.path("root-and-int.pem") }));
    try {
      const leaf = creds.pki.pem("int-monitor");
      const cross: ConnectOptions = { rootCa: creds.ca.cert, clientCert: Buffer.concat([leaf.cert, readFileSync(creds.pki.path("int-ca-cross.pem"))]), clientKey: leaf.key };
      expect(await journalStatus(h, cross)).toBe(`UNAUTHENTICATED ${UNAUTHENTICATED_TEXTS.revokedIssuer}`);
    } finally {
      await h.close();
    }
  });
});
