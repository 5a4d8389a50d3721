import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { status, type ServiceError } from "@grpc/grpc-js";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { HealthCheckRequestSchema, HealthCheckResponse_ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";
import { callUnary, type ConnectOptions } from "../../src/client/index.js";
import type { PeerCertificate } from "node:tls";
import { X509Certificate } from "node:crypto";
import { certificateNames, UNAUTHENTICATED_TEXTS } from "../../src/server/security/authenticator.js";
import { Credentials, startSecureHarness, type SecureHarness } from "./secure-harness.js";

const journalStatus = (h: SecureHarness, options: ConnectOptions) =>
  callUnary<ad.GetJournalStatusResponse>(h.connect(options).admin, "getJournalStatus", create(ad.GetJournalStatusRequestSchema));

/** The status a call failed with (or "OK"). */
async function codeOf(p: Promise<unknown>): Promise<{ code: status | "OK"; details?: string }> {
  try {
    await p;
    return { code: "OK" };
  } catch (e) {
    const err = e as ServiceError;
    return { code: err.code, details: err.details };
  }
}

const JOURNAL = "/openpit.sidecar.v1.AdminService/GetJournalStatus";

describe("authentication: mTLS and bearer tokens", () => {
  let creds: Credentials;
  let h: SecureHarness;
  beforeAll(async () => {
    creds = new Credentials();
    h = await startSecureHarness(creds.security());
  });
  afterAll(async () => {
    await h.close();
    creds.remove();
  });

  it("a client certificate names its principal by subject CN", async () => {
    expect(await codeOf(journalStatus(h, creds.certificate("monitor")))).toEqual({ code: "OK" });
    expect(await codeOf(journalStatus(h, creds.certificate("operator")))).toEqual({ code: "OK" });
    // The gateway is identified (its name is in the refusal), and a gateway may not read the journal.
    expect(await codeOf(journalStatus(h, creds.certificate("gateway-a")))).toEqual({
      code: status.PERMISSION_DENIED,
      details: `principal 'gateway-a' may not call ${JOURNAL}: it needs the role monitor or operator`,
    });
  });

  it("a certificate of the trusted CA whose name is no principal is UNAUTHENTICATED, without naming the principals", async () => {
    expect(await codeOf(journalStatus(h, creds.certificate("stranger")))).toEqual({ code: status.UNAUTHENTICATED, details: UNAUTHENTICATED_TEXTS.certificate });
  });

  it("a certificate from an unknown CA is not believed, even when its CN names a principal", async () => {
    // Client certificates are optional here: the handshake completes, the certificate counts for nothing.
    expect(await codeOf(journalStatus(h, creds.certificate("rogue")))).toEqual({ code: status.UNAUTHENTICATED, details: UNAUTHENTICATED_TEXTS.none });
  });

  it("bearer tokens: good, wrong, missing, malformed", async () => {
    expect(await codeOf(journalStatus(h, creds.token("monitor")))).toEqual({ code: "OK" });
    expect(await codeOf(journalStatus(h, creds.token("feed-a")))).toMatchObject({ code: status.PERMISSION_DENIED });
    expect(await codeOf(journalStatus(h, creds.token("not-a-token")))).toEqual({ code: status.UNAUTHENTICATED, details: UNAUTHENTICATED_TEXTS.token });
    // Another principal's token with one character changed.
    const near = creds.tokens.get("monitor")!.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
    expect(await codeOf(journalStatus(h, creds.token(near)))).toEqual({ code: status.UNAUTHENTICATED, details: UNAUTHENTICATED_TEXTS.token });
    expect(await codeOf(journalStatus(h, creds.nobody()))).toEqual({ code: status.UNAUTHENTICATED, details: UNAUTHENTICATED_TEXTS.none });
  });

  it("a verified certificate decides alone: a token beside it does not change the principal", async () => {
    const both = { ...creds.certificate("gateway-a"), bearerToken: creds.tokens.get("operator")! };
    expect(await codeOf(journalStatus(h, both))).toMatchObject({ code: status.PERMISSION_DENIED });
  });

  it("health answers a caller without credentials (reflection: see rpc-access.test.ts)", async () => {
    const health = h.connect(creds.nobody()).health;
    const res = await callUnary<{ status: number }>(health, "check", create(HealthCheckRequestSchema, { service: "" }));
    expect(res.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
  });

  it("every refusal is reported to the denial hook with actor, action and reason", async () => {
    h.denials.length = 0;
    await codeOf(journalStatus(h, creds.certificate("gateway-a")));
    await codeOf(journalStatus(h, creds.token("nope")));
    expect(h.denials).toEqual([
      {
        actor: "gateway-a",
        action: JOURNAL,
        reason: "PERMISSION_DENIED",
        detail: expect.stringMatching(/^principal 'gateway-a' may not call \/openpit\.sidecar\.v1\.AdminService\/GetJournalStatus: it needs the role monitor or operator \(peer 127\.0\.0\.1:\d+\)$/),
      },
      { actor: "(unauthenticated)", action: JOURNAL, reason: "UNAUTHENTICATED", detail: expect.stringMatching(/^the bearer token is not valid \(peer 127\.0\.0\.1:\d+\)$/) },
    ]);
  });
});

describe("authentication: other set-ups", () => {
  let creds: Credentials;
  beforeAll(() => {
    creds = new Credentials();
  });
  afterAll(() => creds.remove());

  it("required client certificates: a certificate from an unknown CA fails the handshake (UNAVAILABLE)", async () => {
    const h = await startSecureHarness(creds.security({ requireClientCertificate: true }));
    try {
      expect(await codeOf(journalStatus(h, creds.certificate("monitor")))).toEqual({ code: "OK" });
      expect((await codeOf(journalStatus(h, creds.certificate("rogue")))).code).toBe(status.UNAVAILABLE);
      expect((await codeOf(journalStatus(h, creds.token("monitor")))).code).toBe(status.UNAVAILABLE);
    } finally {
      await h.close();
    }
  });

  it("principals by subjectAltName (a SPIFFE URI)", async () => {
    const principals = [
      { name: "mon", roles: ["monitor"], certificateIdentity: "spiffe://openpit.test/monitor" },
      { name: "op", roles: ["operator"], certificateIdentity: "operator" },
    ];
    const h = await startSecureHarness(creds.security({}, { principals, tokensFile: undefined, clientCertificateIdentity: "subjectAltName" }));
    try {
      expect(await codeOf(journalStatus(h, creds.certificate("monitor")))).toEqual({ code: "OK" });
      // The CN "operator" is not looked at in this mode.
      expect(await codeOf(journalStatus(h, creds.certificate("operator")))).toEqual({ code: status.UNAUTHENTICATED, details: UNAUTHENTICATED_TEXTS.certificate });
    } finally {
      await h.close();
    }
  });

  it("principals by an IP subjectAltName: an IPv6 SAN matches the address however certificateIdentity writes it", async () => {
    // Node's subjectaltname writes these as OpenSSL prints them: "IP Address:FD00:0:0:0:0:0:0:5".
    const v6 = creds.pki.leaf("test-ca", "host-v6", "client", "host-v6", "IP:fd00::5");
    const v6b = creds.pki.leaf("test-ca", "host-v6b", "client", "host-v6b", "IP:fd00:0:0:0:0:0:0:6");
    const v4 = creds.pki.leaf("test-ca", "host-v4", "client", "host-v4", "IP:10.0.0.7");
    const mapped = creds.pki.leaf("test-ca", "host-mapped", "client", "host-mapped", "IP:::ffff:10.0.0.8");
    const principals = [
      { name: "mon-v6", roles: ["monitor"], certificateIdentity: "fd00::5" },
      { name: "op-v6", roles: ["operator"], certificateIdentity: "FD00:0000:0::6" },
      { name: "mon-v4", roles: ["monitor"], certificateIdentity: "10.0.0.7" },
      { name: "mon-v4-only", roles: ["monitor"], certificateIdentity: "10.0.0.8" },
    ];
    const h = await startSecureHarness(creds.security({}, { principals, tokensFile: undefined, clientCertificateIdentity: "subjectAltName" }));
    const as = (pem: { cert: Buffer; key: Buffer }): ConnectOptions => ({ rootCa: creds.ca.cert, clientCert: pem.cert, clientKey: pem.key });
    try {
      expect(await codeOf(journalStatus(h, as(v6)))).toEqual({ code: "OK" });
      expect(await codeOf(journalStatus(h, as(v6b)))).toEqual({ code: "OK" });
      expect(await codeOf(journalStatus(h, as(v4)))).toEqual({ code: "OK" });
      // An IPv4-mapped IPv6 SAN is a 16-byte address, not the IPv4 one: it names nobody.
      expect(await codeOf(journalStatus(h, as(mapped)))).toEqual({ code: status.UNAUTHENTICATED, details: UNAUTHENTICATED_TEXTS.certificate });
    } finally {
      await h.close();
    }
  });

  it("certificateNames: IP SANs in canonical form (IPv6 compressed, lower case); DNS, URI and email as written", () => {
    const cert = { subjectaltname: "DNS:Host.Example, IP Address:FD00:0:0:0:0:0:0:5, IP Address:10.0.0.7, IP Address:0:0:0:0:0:FFFF:A00:8, URI:spiffe://openpit.test/X, email:A@Example.com" } as PeerCertificate;
    expect(certificateNames(cert, "subjectAltName")).toEqual(["Host.Example", "fd00::5", "10.0.0.7", "::ffff:10.0.0.8", "spiffe://openpit.test/X", "A@Example.com"]);
  });

  it("certificateNames: a SAN value Node prints JSON-quoted (it holds , ' \" or \\) is read back as written", () => {
    const cert = { subjectaltname: 'URI:"spiffe://openpit.test/desk\\u002ca", email:"o\'brien@corp.example", DNS:plain.example, URI:"not json' } as PeerCertificate;
    expect(certificateNames(cert, "subjectAltName")).toEqual(["spiffe://openpit.test/desk,a", "o'brien@corp.example", "plain.example", ""]);
  });

  it("subjectAltName identity: an email SAN with an apostrophe (which Node prints quoted) names its principal", async () => {
    // OpenSSL's configuration reads a bare ' as a quote: escaped, it reaches the certificate.
    const obrien = creds.pki.leaf("test-ca", "obrien", "client", "obrien", "email:o\\'brien@corp.example");
    expect(new X509Certificate(obrien.cert).subjectAltName).toBe(`email:"o'brien@corp.example"`);
    const principals = [{ name: "obrien", roles: ["monitor"], certificateIdentity: "o'brien@corp.example" }];
    const h = await startSecureHarness(creds.security({}, { principals, tokensFile: undefined, clientCertificateIdentity: "subjectAltName" }));
    try {
      expect(await codeOf(journalStatus(h, { rootCa: creds.ca.cert, clientCert: obrien.cert, clientKey: obrien.key }))).toEqual({ code: "OK" });
    } finally {
      await h.close();
    }
  });

  it("bearer tokens over plaintext on loopback (no TLS)", async () => {
    const h = await startSecureHarness({ tokensFile: creds.tokensFile, principals: creds.security().principals });
    try {
      expect(await codeOf(journalStatus(h, { bearerToken: creds.tokens.get("monitor")! }))).toEqual({ code: "OK" });
      expect(await codeOf(journalStatus(h, { bearerToken: "wrong" }))).toEqual({ code: status.UNAUTHENTICATED, details: UNAUTHENTICATED_TEXTS.token });
      expect(await codeOf(journalStatus(h, { bearerToken: "two words" }))).toEqual({ code: status.UNAUTHENTICATED, details: UNAUTHENTICATED_TEXTS.malformed });
      expect(await codeOf(journalStatus(h, {}))).toEqual({ code: status.UNAUTHENTICATED, details: UNAUTHENTICATED_TEXTS.none });
    } finally {
      await h.close();
    }
  });
});
