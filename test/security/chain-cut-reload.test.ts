/**
 * Found by review (session 44): docs/security.md says a certificate file "caught half-written"
 * during renewal is refused and the certificates in force stay. A chain file (leaf +
 * intermediate) written in place and read just after the leaf's END line is well-formed PEM
 * that makes a TLS context: it was put in force, and every new client that trusts only the
 * root failed to verify the server until the next read (refreshIntervalMs, 60 s by default).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { connect as tlsConnect } from "node:tls";
import { chainCutProblem } from "../../src/server/security/certificate-files.js";
import { Credentials, startSecureHarness, type SecureHarness } from "./secure-harness.js";

/** The SHA-256 fingerprint of the leaf the server presents now. */
function servedLeaf(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: "127.0.0.1", port, ALPNProtocols: ["h2"], rejectUnauthorized: false }, () => {
      const fingerprint = s.getPeerCertificate().fingerprint256;
      s.destroy();
      resolve(fingerprint);
    });
    s.on("error", reject);
  });
}

function verifiedBy(port: number, ca: Buffer): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: "127.0.0.1", port, ca, ALPNProtocols: ["h2"], rejectUnauthorized: false }, () => {
      const ok = s.authorized;
      s.destroy();
      resolve(ok);
    });
    s.on("error", reject);
  });
}

describe("a server chain file caught between its blocks", () => {
  let creds: Credentials;
  let h: SecureHarness;
  let port: number;
  let chain: Buffer;
  let served: string;
  beforeAll(async () => {
    creds = new Credentials();
    creds.pki.intermediate("test-ca", "srv-int");
    const leaf = creds.pki.leaf("srv-int", "127.0.0.1", "server", "srv2");
    chain = Buffer.concat([leaf.cert, readFileSync(creds.pki.path("srv-int.pem"))]);
    served = creds.pki.path("served-chain.pem");
    writeFileSync(served, chain);
    h = await startSecureHarness(creds.security({ certFile: served, keyFile: leaf.keyFile, refreshIntervalMs: 60_000 }));
    port = Number(h.address.split(":")[1]);
  });
  afterAll(async () => {
    await h.close();
    creds.remove();
  });

  it("the renewal written in place, read with the leaf only, does not take the intermediate away from new clients", async () => {
    expect(await verifiedBy(port, creds.ca.cert)).toBe(true);
    const inForce = await servedLeaf(port);
    // The same renewal being written in place: the read lands after the leaf's END line.
    const leafOnly = chain.subarray(0, chain.indexOf("-----END CERTIFICATE-----") + "-----END CERTIFICATE-----\n".length);
    writeFileSync(served, leafOnly);
    await h.server.reloadCredentials();
    expect(await verifiedBy(port, creds.ca.cert)).toBe(true);
    // Written whole, the renewal is taken: a new leaf under the same intermediate.
    const renewed = creds.pki.leaf("srv-int", "127.0.0.1", "server", "srv3");
    writeFileSync(creds.pki.path("srv2.key"), readFileSync(renewed.keyFile));
    writeFileSync(served, Buffer.concat([renewed.cert, readFileSync(creds.pki.path("srv-int.pem"))]));
    await h.server.reloadCredentials();
    expect(await verifiedBy(port, creds.ca.cert)).toBe(true);
    expect(await servedLeaf(port)).toBe(new X509Certificate(renewed.cert).fingerprint256);
    expect(inForce).not.toBe(new X509Certificate(renewed.cert).fingerprint256);
  });

  it("is taken when the next read finds it unchanged (a chain shortened on purpose stays so)", async () => {
    const current = readFileSync(served);
    const leafOnly = current.subarray(0, current.indexOf("-----END CERTIFICATE-----") + "-----END CERTIFICATE-----\n".length);
    writeFileSync(served, leafOnly);
    await h.server.reloadCredentials();
    expect(await verifiedBy(port, creds.ca.cert)).toBe(true);
    await h.server.reloadCredentials();
    // In force now: the leaf alone, which a client holding only the root cannot verify.
    expect(await verifiedBy(port, creds.ca.cert)).toBe(false);
    writeFileSync(served, current);
    await h.server.reloadCredentials();
    expect(await verifiedBy(port, creds.ca.cert)).toBe(true);
  });

  it("is told from a chain that is whole, another CA's, a leaf in place of a leaf, or one without the self-signed root", () => {
    const withRoot = Buffer.concat([chain, creds.ca.cert]);
    expect(chainCutProblem(chain, withRoot)).toBeUndefined();
    const leafOnly = chain.subarray(0, chain.indexOf("-----END CERTIFICATE-----") + "-----END CERTIFICATE-----\n".length);
    expect(chainCutProblem(leafOnly, chain)).toMatch(/^the server certificate chain ends before its issuer ".*CN=srv-int.*", which the chain in force carries \(a file read between its certificates\?\)$/);
    expect(chainCutProblem(chain, chain)).toBeUndefined();
    expect(chainCutProblem(chain, leafOnly)).toBeUndefined();
    expect(chainCutProblem(leafOnly, leafOnly)).toBeUndefined();
    const other = creds.pki.leaf("test-ca", "127.0.0.1", "server", "srv-root-signed");
    expect(chainCutProblem(other.cert, chain)).toBeUndefined();
  });
});
