/**
 * Found by review of ee0421d: caBundleProblem (src/server/security/certificate-files.ts) split the bundle
 * on "-----BEGIN CERTIFICATE-----" only. OpenSSL (and so node's TLS) also reads
 * "-----BEGIN TRUSTED CERTIFICATE-----" blocks (openssl x509 -trustout; some distro trust
 * stores ship them): such a bundle makes a server that verifies client certificates, yet the
 * check said it "held no certificate": start-up and every reload were refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as tls from "node:tls";
import type { AddressInfo } from "node:net";
import { tlsContextProblem } from "../../src/server/security/certificate-files.js";
import { TestPki } from "./pki.js";

describe("a client CA bundle in TRUSTED CERTIFICATE form", () => {
  let pki: TestPki;
  let trusted: Buffer;
  beforeAll(() => {
    pki = new TestPki();
    pki.ca("review-ca");
    pki.leaf("review-ca", "127.0.0.1", "server", "srv");
    pki.leaf("review-ca", "gateway", "client", "cli");
    execFileSync("openssl", ["x509", "-in", "review-ca.pem", "-trustout", "-addtrust", "clientAuth", "-out", "review-ca-trusted.pem"], { cwd: pki.dir });
    trusted = readFileSync(pki.path("review-ca-trusted.pem"));
  });
  afterAll(() => pki.remove());

  it("is a CA node's TLS trusts (a client certificate it signed is authorized)", async () => {
    expect(trusted.toString().startsWith("-----BEGIN TRUSTED CERTIFICATE-----")).toBe(true);
    const srv = pki.pem("srv");
    const cli = pki.pem("cli");
    const authorized = await new Promise<boolean>((resolve, reject) => {
      const server = tls.createServer({ cert: srv.cert, key: srv.key, ca: trusted, requestCert: true, rejectUnauthorized: false }, (s) => {
        resolve(s.authorized);
        s.end();
        server.close();
      });
      server.listen(0, "127.0.0.1", () => {
        const c = tls.connect({ port: (server.address() as AddressInfo).port, host: "127.0.0.1", ca: readFileSync(pki.path("review-ca.pem")), cert: cli.cert, key: cli.key, checkServerIdentity: () => undefined });
        c.on("error", reject);
        c.on("data", () => undefined);
      });
    });
    expect(authorized).toBe(true);
  });

  it("is accepted by tlsContextProblem (fails: 'the client CA bundle holds no certificate')", () => {
    const srv = pki.pem("srv");
    expect(tlsContextProblem({ cert: srv.cert, key: srv.key, ca: trusted })).toBeUndefined();
  });
});
