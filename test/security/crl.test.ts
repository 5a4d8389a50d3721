/**
 * The CRL reader (src/server/security/crl.ts) on CRLs made by `openssl ca -gencrl`: the
 * revoked serials of their issuer, an ECDSA and an RSA signature verified against the CA,
 * and what it refuses (another CA's signature, a forged issuer name, an unsupported
 * algorithm, a cut-short or garbled file).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { RevocationList, normaliseSerial } from "../../src/server/security/crl.js";
import { linked } from "../../src/server/security/peer-chain.js";
import { TestPki } from "./pki.js";

describe("reading X.509 CRLs", () => {
  let pki: TestPki;
  const text = (file: string): string => readFileSync(file.startsWith("/") ? file : pki.path(file), "utf8");
  const der = (file: string): Buffer => new X509Certificate(readFileSync(pki.path(`${file}.pem`))).raw;

  beforeAll(() => {
    pki = new TestPki();
    pki.ca("ec-ca");
    pki.ca("rsa-ca", { rsa: true });
    // Same name as ec-ca, another key: a CRL it signs claims ec-ca's name.
    pki.ca("ec-ca", { file: "impostor-ca" });
    for (const n of ["a", "b"]) pki.leaf("ec-ca", n, "client", `ec-${n}`);
    for (const n of ["a", "b"]) pki.leaf("rsa-ca", n, "client", `rsa-${n}`);
    // root-ca → int-ca (an intermediate CA, basicConstraints CA:TRUE) → int-leaf.
    pki.ca("root-ca");
    pki.intermediate("root-ca", "int-ca");
    pki.leaf("int-ca", "under-int", "client", "int-leaf");
  });
  afterAll(() => pki.remove());

  it("an ECDSA-signed CRL revokes the serials it lists, of its issuer only", () => {
    const list = RevocationList.parse(text(pki.crl("ec-ca", ["ec-a"], "ec.crl")), text("ec-ca.pem"));
    expect(list.revokes(der("ec-a"))).toBe(true);
    expect(list.revokes(der("ec-b"))).toBe(false);
    // Another issuer's certificate is never looked up in this CRL.
    expect(list.revokes(der("rsa-a"))).toBe(false);
  });

  it("an RSA-signed CRL (sha256WithRSAEncryption), beside an ECDSA one in the same file and bundle", () => {
    const pem = text(pki.crl("rsa-ca", ["rsa-b"], "rsa.crl")) + text(pki.crl("ec-ca", [], "ec-empty.crl"));
    const list = RevocationList.parse(pem, text("ec-ca.pem") + text("rsa-ca.pem"));
    expect(list.crls).toBe(2);
    expect(list.revokes(der("rsa-b"))).toBe(true);
    expect(list.revokes(der("rsa-a"))).toBe(false);
    expect(list.revokes(der("ec-a"))).toBe(false);
  });

  it("refuses a CRL of a CA not in the bundle, and one whose signature is not its issuer's", () => {
    expect(() => RevocationList.parse(text(pki.crl("rsa-ca", [], "other.crl")), text("ec-ca.pem"))).toThrow(/CRL 1 is issued by a CA that is not in the client CA bundle/);
    expect(() => RevocationList.parse(text(pki.crl("impostor-ca", ["ec-a"], "forged.crl")), text("ec-ca.pem"))).toThrow(/CRL 1's signature does not verify/);
  });

  it("a CA given in TRUSTED CERTIFICATE form (trust settings after the certificate) verifies its CRL", () => {
    execFileSync("openssl", ["x509", "-in", "ec-ca.pem", "-trustout", "-addtrust", "clientAuth", "-out", "ec-ca-trusted.pem"], { cwd: pki.dir });
    expect(text("ec-ca-trusted.pem")).toMatch(/^-----BEGIN TRUSTED CERTIFICATE-----/);
    const list = RevocationList.parse(text(pki.crl("ec-ca", ["ec-b"], "trusted.crl")), text("ec-ca-trusted.pem"));
    expect(list.revokes(der("ec-b"))).toBe(true);
  });

  it("refuses an unsupported signature algorithm, naming it", () => {
    expect(() => RevocationList.parse(text(pki.crl("rsa-ca", [], "sha1.crl", { digest: "sha1" })), text("rsa-ca.pem"))).toThrow(/CRL 1: signature algorithm 1\.2\.840\.113549\.1\.1\.5 is not supported \(known: sha256WithRSAEncryption/);
  });

  it("refuses a file without a CRL, a cut-short one, and one whose DER does not parse", () => {
    const good = text(pki.crl("ec-ca", [], "ok.crl"));
    expect(() => RevocationList.parse("", text("ec-ca.pem"))).toThrow(/holds no CRL/);
    expect(() => RevocationList.parse(good.slice(0, good.length / 2), text("ec-ca.pem"))).toThrow(/CRL 1 is cut short/);
    const body = good.split("\n").slice(1, -2).join("");
    const garbled = `-----BEGIN X509 CRL-----\n${Buffer.from(body, "base64").subarray(0, 40).toString("base64")}\n-----END X509 CRL-----\n`;
    expect(() => RevocationList.parse(garbled, text("ec-ca.pem"))).toThrow(/CRL 1 does not parse: truncated DER/);
  });

  it("the root's CRL listing the intermediate CA revokes the chain through it; the leaf alone, under the intermediate's empty CRL, is not revoked", () => {
    const pem = text(pki.crl("root-ca", ["int-ca"], "root.crl")) + text(pki.crl("int-ca", [], "int-empty.crl"));
    const list = RevocationList.parse(pem, text("root-ca.pem") + text("int-ca.pem"));
    const chain = [der("int-leaf"), der("int-ca"), der("root-ca")];
    expect(list.revokedInChain(chain)).toBe(1);
    // Without the trust anchor (the client sent leaf + intermediate, the root is found elsewhere).
    expect(list.revokedInChain(chain.slice(0, 2))).toBe(1);
    // The leaf alone: its issuer's CRL lists nobody.
    expect(list.revokes(der("int-leaf"))).toBe(false);
    expect(list.revokedInChain([der("int-leaf")])).toBe(-1);
  });

  it("the intermediate's CRL listing the leaf revokes the chain at the leaf; the root's empty CRL revokes nothing", () => {
    const pem = text(pki.crl("root-ca", [], "root-empty.crl")) + text(pki.crl("int-ca", ["int-leaf"], "int.crl"));
    const list = RevocationList.parse(pem, text("root-ca.pem") + text("int-ca.pem"));
    expect(list.revokedInChain([der("int-leaf"), der("int-ca"), der("root-ca")])).toBe(0);
    const none = RevocationList.parse(text(pki.crl("root-ca", [], "root-empty-2.crl")) + text(pki.crl("int-ca", [], "int-empty-2.crl")), text("root-ca.pem") + text("int-ca.pem"));
    expect(none.revokedInChain([der("int-leaf"), der("int-ca"), der("root-ca")])).toBe(-1);
  });

  it("a self-signed trust anchor at the chain's end is not looked up, even in a CRL listing its serial", () => {
    // root-ca's serial is random; a CRL of root-ca listing root-ca itself.
    const list = RevocationList.parse(text(pki.crl("root-ca", ["root-ca"], "root-self.crl")), text("root-ca.pem"));
    expect(list.revokes(der("root-ca"))).toBe(true);
    expect(list.revokedInChain([der("int-ca"), der("root-ca")])).toBe(-1);
  });

  it("a chain's links verify only when each certificate is signed by the next", () => {
    expect(linked([der("int-leaf"), der("int-ca"), der("root-ca")])).toBe(true);
    expect(linked([der("int-leaf"), der("root-ca")])).toBe(false);
    // A same-named intermediate of another key (what a client could slip in beside the real one).
    pki.ca("int-ca", { file: "int-impostor" });
    expect(linked([der("int-leaf"), der("int-impostor")])).toBe(false);
  });

  it("serial numbers compare as hex without case or leading zeros", () => {
    expect(normaliseSerial("00ab01")).toBe("AB01");
    expect(normaliseSerial("0")).toBe("0");
  });

  it("a CRL revoking serial 65281 (00 FF 01) does not revoke the certificate of serial -255 (FF 01)", () => {
    execFileSync("openssl", ["req", "-new", "-key", "ec-a.key", "-subj", "/CN=serials", "-out", "serials.csr"], { cwd: pki.dir });
    for (const [file, serial] of [["pos", "65281"], ["neg", "-255"]]) {
      execFileSync("openssl", ["x509", "-req", "-in", "serials.csr", "-CA", "ec-ca.pem", "-CAkey", "ec-ca.key", "-set_serial", serial!, "-days", "1", "-out", `${file}.pem`], { cwd: pki.dir, stdio: "ignore" });
    }
    const list = RevocationList.parse(text(pki.crl("ec-ca", ["pos"], "serials.crl")), text("ec-ca.pem"));
    expect(list.revokes(der("pos"))).toBe(true);
    expect(list.revokes(der("neg"))).toBe(false);
  });

  it("a negative serial (high bit of its first byte set) is not the positive one of the same digits", () => {
    // 00 FF 01 is 65281; FF 01 is -255: a CRL revoking one must not revoke the other.
    expect(normaliseSerial("00ff01")).not.toBe(normaliseSerial("ff01"));
    expect(normaliseSerial("0080")).not.toBe(normaliseSerial("80"));
    // Redundant sign bytes of either sign still compare equal.
    expect(normaliseSerial("ff80")).toBe(normaliseSerial("80"));
    expect(normaliseSerial("000080")).toBe(normaliseSerial("0080"));
  });
});
