/**
 * The CRL reader (src/server/security/crl.ts) on CRLs made by `openssl ca -gencrl`: the
 * revoked serials of their issuer, an ECDSA and an RSA signature verified against the CA,
 * and what it refuses (another CA's signature, a forged issuer name, an unsupported
 * algorithm, a cut-short or garbled file, a signer whose keyUsage lacks cRLSign, a CRL with a
 * critical extension it does not process (a delta CRL, an ARL, an indirect CRL's entry), and
 * on a reload an older CRL of an issuer than the one in force: cRLNumber, else thisUpdate).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { createPrivateKey, sign, X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { RevocationList, certificateFields, maySignCrls, normaliseSerial } from "../../src/server/security/crl.js";
import { children, element } from "../../src/server/security/der.js";
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
  const issuerOf = (file: string): Buffer => certificateFields(der(file)).subject;

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

  describe("ordering the CRLs of one issuer (RFC 5280 §5.2.3 cRLNumber, else thisUpdate)", () => {
    const ca = () => text("ec-ca.pem") + text("rsa-ca.pem");
    const parse = (file: string, inForce?: RevocationList) => RevocationList.parse(text(file), ca(), inForce);

    it("reads the cRLNumber (a two-byte 00 80 too)", () => {
      expect(parse(pki.crl("ec-ca", [], "n128.crl", { number: 128 })).crlNumber(issuerOf("ec-ca"))).toBe(128n);
      expect(parse(pki.crl("ec-ca", [], "n-none.crl", { number: null })).crlNumber(issuerOf("ec-ca"))).toBeUndefined();
    });

    it("a reload may not put a CRL of a lower cRLNumber in place of the issuer's CRL in force: it would un-revoke", () => {
      const older = pki.crl("ec-ca", [], "n5.crl", { number: 5 });
      const newer = pki.crl("ec-ca", ["ec-a"], "n6.crl", { number: 6 });
      // At start nothing is in force: the older one verifies and is taken.
      expect(parse(older).revokes(der("ec-a"))).toBe(false);
      const inForce = parse(newer);
      expect(() => parse(older, inForce)).toThrow(
        new Error("CRL 1 (issuer CN=ec-ca) has cRLNumber 5, lower than the CRL of that issuer in force (cRLNumber 6): an older CRL would un-revoke certificates"),
      );
      // The same CRL again, and a newer one, are taken.
      expect(parse(newer, inForce).revokes(der("ec-a"))).toBe(true);
      const next = parse(pki.crl("ec-ca", [], "n7.crl", { number: 7 }), inForce);
      expect(next.revokes(der("ec-a"))).toBe(false);
      expect(next.crlNumber(issuerOf("ec-ca"))).toBe(7n);
      // Another issuer's CRL, with nothing of its own in force, is taken whatever its number.
      expect(parse(pki.crl("rsa-ca", ["rsa-a"], "rsa-n1.crl", { number: 1 }), inForce).revokes(der("rsa-a"))).toBe(true);
    });

    it("the whole file is refused when one of its CRLs is older than the one in force, even beside a newer CRL of another issuer", () => {
      const inForce = RevocationList.parse(text(pki.crl("ec-ca", ["ec-a"], "m10.crl", { number: 10 })) + text(pki.crl("rsa-ca", [], "rsa-m10.crl", { number: 10 })), ca());
      const pem = text(pki.crl("ec-ca", ["ec-a"], "m11.crl", { number: 11 })) + text(pki.crl("rsa-ca", [], "rsa-m9.crl", { number: 9 }));
      expect(() => RevocationList.parse(pem, ca(), inForce)).toThrow(
        new Error("CRL 2 (issuer CN=rsa-ca) has cRLNumber 9, lower than the CRL of that issuer in force (cRLNumber 10): an older CRL would un-revoke certificates"),
      );
    });

    it("an equal cRLNumber with other contents is refused; the same bytes are the same CRL", () => {
      const inForce = parse(pki.crl("ec-ca", ["ec-a"], "e20.crl", { number: 20 }));
      expect(() => parse(pki.crl("ec-ca", [], "e20-other.crl", { number: 20 }), inForce)).toThrow(
        new Error("CRL 1 (issuer CN=ec-ca) has cRLNumber 20, the same as the CRL of that issuer in force, but other contents"),
      );
      expect(parse("e20.crl", inForce).revokes(der("ec-a"))).toBe(true);
    });

    it("without a cRLNumber, thisUpdate orders them: an earlier one is refused, an equal one with other contents too, a later one taken", () => {
      const inForce = parse(pki.crl("ec-ca", ["ec-a"], "t2.crl", { number: null, thisUpdate: "20260102000000Z" }));
      expect(() => parse(pki.crl("ec-ca", [], "t1.crl", { number: null, thisUpdate: "20260101000000Z" }), inForce)).toThrow(
        new Error("CRL 1 (issuer CN=ec-ca) has thisUpdate 2026-01-01T00:00:00Z, before the CRL of that issuer in force (thisUpdate 2026-01-02T00:00:00Z, no cRLNumber): an older CRL would un-revoke certificates"),
      );
      expect(() => parse(pki.crl("ec-ca", [], "t2-other.crl", { number: null, thisUpdate: "20260102000000Z" }), inForce)).toThrow(
        new Error("CRL 1 (issuer CN=ec-ca) has thisUpdate 2026-01-02T00:00:00Z, the same as the CRL of that issuer in force (no cRLNumber), but other contents"),
      );
      expect(parse(pki.crl("ec-ca", [], "t3.crl", { number: null, thisUpdate: "20260103000000Z" }), inForce).revokes(der("ec-a"))).toBe(false);
      // A numbered CRL may follow an unnumbered one when its thisUpdate is later.
      expect(parse(pki.crl("ec-ca", [], "t3-n1.crl", { number: 1, thisUpdate: "20260103000000Z" }), inForce).crlNumber(issuerOf("ec-ca"))).toBe(1n);
    });

    it("a CRL without a cRLNumber may not replace a numbered one in force, whatever its thisUpdate", () => {
      const inForce = parse(pki.crl("ec-ca", ["ec-a"], "u30.crl", { number: 30, thisUpdate: "20260101000000Z" }));
      expect(() => parse(pki.crl("ec-ca", [], "u-none.crl", { number: null }), inForce)).toThrow(
        new Error("CRL 1 (issuer CN=ec-ca) has no cRLNumber, while the CRL of that issuer in force has cRLNumber 30: it cannot be told newer"),
      );
    });

    it("two CRLs of one issuer in a file: the newer is used, in either order; two with one number and other contents refuse the file", () => {
      const old = text(pki.crl("ec-ca", ["ec-a"], "f40.crl", { number: 40 }));
      const cur = text(pki.crl("ec-ca", ["ec-b"], "f41.crl", { number: 41 }));
      for (const pem of [old + cur, cur + old]) {
        const list = RevocationList.parse(pem, ca());
        expect(list.crlNumber(issuerOf("ec-ca"))).toBe(41n);
        expect(list.revokes(der("ec-b"))).toBe(true);
        expect(list.revokes(der("ec-a"))).toBe(false);
      }
      // The same CRL twice is that CRL.
      expect(RevocationList.parse(cur + cur, ca()).revokes(der("ec-b"))).toBe(true);
      const twin = text(pki.crl("ec-ca", [], "f41-other.crl", { number: 41 }));
      expect(() => RevocationList.parse(cur + twin, ca())).toThrow(
        new Error("CRL 2 (issuer CN=ec-ca) has cRLNumber 41, the same as the CRL of that issuer earlier in this file (CRL 1), but other contents"),
      );
    });

    it("two CAs of one name (a CA re-keyed, both in the bundle) number their CRLs apart: both are in force, neither taken as the other's older one", () => {
      pki.ca("twin", { file: "twin-a" });
      pki.ca("twin", { file: "twin-b" });
      pki.leaf("twin-b", "twin-victim", "client", "twin-victim");
      const bundle = text("twin-a.pem") + text("twin-b.pem");
      const a10 = text(pki.crl("twin-a", [], "twin-a10.crl", { number: 10 }));
      const b2 = text(pki.crl("twin-b", ["twin-victim"], "twin-b2.crl", { number: 2 }));
      for (const pem of [a10 + b2, b2 + a10]) {
        const list = RevocationList.parse(pem, bundle);
        expect(list.revokes(der("twin-victim"))).toBe(true);
        // A reload: each signer's CRL is ordered against that signer's CRL in force.
        const b3 = text(pki.crl("twin-b", ["twin-victim"], "twin-b3.crl", { number: 3 }));
        expect(RevocationList.parse(a10 + b3, bundle, list).revokes(der("twin-victim"))).toBe(true);
        const a9 = text(pki.crl("twin-a", [], "twin-a9.crl", { number: 9 }));
        expect(() => RevocationList.parse(a9 + b2, bundle, list)).toThrow(
          new Error("CRL 1 (issuer CN=twin) has cRLNumber 9, lower than the CRL of that issuer in force (cRLNumber 10): an older CRL would un-revoke certificates"),
        );
      }
    });
  });

  describe("the CA that signs a CRL must be allowed to (keyUsage cRLSign, RFC 5280 §4.2.1.3)", () => {
    beforeAll(() => {
      pki.ca("no-crlsign-ca", { keyUsage: "critical,keyCertSign" });
      pki.ca("no-keyusage-ca", { keyUsage: null });
      pki.leaf("no-keyusage-ca", "nk", "client", "nk-a");
    });

    it("reads the cRLSign bit of keyUsage; a CA without keyUsage may sign CRLs", () => {
      expect(maySignCrls(der("ec-ca"))).toBe(true);
      expect(maySignCrls(der("no-crlsign-ca"))).toBe(false);
      expect(maySignCrls(der("no-keyusage-ca"))).toBe(true);
    });

    it("a CRL signed by a CA whose keyUsage lacks cRLSign is refused, naming it", () => {
      expect(() => RevocationList.parse(text(pki.crl("no-crlsign-ca", [], "no-crlsign.crl")), text("no-crlsign-ca.pem"))).toThrow(
        new Error("CRL 1 is signed by CN=no-crlsign-ca of the client CA bundle, whose keyUsage does not allow cRLSign (RFC 5280 §4.2.1.3): it may not sign CRLs"),
      );
    });

    it("a CRL signed by a CA without keyUsage is taken", () => {
      expect(RevocationList.parse(text(pki.crl("no-keyusage-ca", ["nk-a"], "no-keyusage.crl")), text("no-keyusage-ca.pem")).revokes(der("nk-a"))).toBe(true);
    });
  });
  describe("a CRL with a critical extension this reader does not process is refused (RFC 5280 §5.2, §5.3)", () => {
    /** A delta CRL's deltaCRLIndicator (always critical): the cRLNumber of its base CRL. */
    const deltaOf = (base: number): string => `2.5.29.27 = critical,DER:02:01:${base.toString(16).padStart(2, "0")}\n`;
    /** An ARL's issuingDistributionPoint (always critical): CA certificates only. */
    const arl = "issuingDistributionPoint = critical,@idp\n[idp]\nfullname = URI:http://pki.example/ec-arl.crl\nonlyCA = TRUE\n";
    const openssl = (...args: string[]): string => execFileSync("openssl", args, { cwd: pki.dir, stdio: ["ignore", "pipe", "pipe"] }).toString();

    it("a delta CRL (critical deltaCRLIndicator, a higher cRLNumber) beside its base: refused at start and on a reload, never taken as the issuer's CRL", () => {
      const base = text(pki.crl("ec-ca", ["ec-a"], "d60.crl", { number: 60 }));
      const delta = text(pki.crl("ec-ca", ["ec-b"], "d61-delta.crl", { number: 61, extensions: deltaOf(60) }));
      expect(openssl("crl", "-in", "d61-delta.crl", "-noout", "-text")).toMatch(/Delta CRL Indicator: critical/);
      const refusal = new Error("CRL 2 has critical extension 2.5.29.27 (deltaCRLIndicator), which this reader does not process");
      // At start: before, the delta (cRLNumber 61) replaced the base and ec-a was admitted.
      expect(() => RevocationList.parse(base + delta, text("ec-ca.pem"))).toThrow(refusal);
      // On a reload of the file the base is in force from: refused, so the base stays in force.
      const inForce = RevocationList.parse(base, text("ec-ca.pem"));
      expect(inForce.revokes(der("ec-a"))).toBe(true);
      expect(() => RevocationList.parse(base + delta, text("ec-ca.pem"), inForce)).toThrow(refusal);
      // Alone, first in the file, or whatever it lists: refused all the same.
      expect(() => RevocationList.parse(delta, text("ec-ca.pem"))).toThrow(new Error("CRL 1 has critical extension 2.5.29.27 (deltaCRLIndicator), which this reader does not process"));
    });

    it("an ARL (critical issuingDistributionPoint, onlyContainsCACerts) beside the full CRL is refused: it would un-revoke the full CRL's leaves", () => {
      const full = text(pki.crl("ec-ca", ["ec-a"], "a70.crl", { number: 70 }));
      const authority = text(pki.crl("ec-ca", [], "a71-arl.crl", { number: 71, extensions: arl }));
      expect(openssl("crl", "-in", "a71-arl.crl", "-noout", "-text")).toMatch(/Issuing Distribution Point: critical[\s\S]*Only CA Certificates/);
      const inForce = RevocationList.parse(full, text("ec-ca.pem"));
      for (const pem of [full + authority, authority + full]) {
        const n = pem.startsWith(full) ? 2 : 1;
        const refusal = new Error(`CRL ${n} has critical extension 2.5.29.28 (issuingDistributionPoint), which this reader does not process`);
        expect(() => RevocationList.parse(pem, text("ec-ca.pem"))).toThrow(refusal);
        expect(() => RevocationList.parse(pem, text("ec-ca.pem"), inForce)).toThrow(refusal);
      }
    });

    it("a critical extension the reader has no name for is named by its OID", () => {
      const pem = text(pki.crl("ec-ca", [], "x80.crl", { number: 80, extensions: "1.3.6.1.4.1.99999.1 = critical,DER:05:00\n" }));
      expect(() => RevocationList.parse(pem, text("ec-ca.pem"))).toThrow(new Error("CRL 1 has critical extension 1.3.6.1.4.1.99999.1, which this reader does not process"));
    });

    it("non-critical CRL and entry extensions are read past: the CRL is used", () => {
      const pem = text(pki.crl("ec-ca", ["ec-a"], "n90.crl", { number: 90, reason: "keyCompromise", extensions: "authorityKeyIdentifier = keyid:always\n1.3.6.1.4.1.99999.2 = DER:05:00\n" }));
      expect(openssl("crl", "-in", "n90.crl", "-noout", "-text")).toMatch(/Authority Key Identifier:[\s\S]*Key Compromise/);
      const list = RevocationList.parse(pem, text("ec-ca.pem"));
      expect(list.revokes(der("ec-a"))).toBe(true);
      expect(list.crlNumber(issuerOf("ec-ca"))).toBe(90n);
    });

    it("an entry with a critical entry extension (an indirect CRL's certificateIssuer) is refused, naming it and the serial", () => {
      // `openssl ca` writes no critical entry extension: its CRL's one entry gets a critical
      // certificateIssuer (2.5.29.29) here, and the changed tbsCertList is signed again with the CA's key.
      const made = pki.crl("ec-ca", ["ec-a"], "i100.crl", { number: 100 });
      const crlDer = Buffer.from(text(made).replace(/-----[^-]+-----|\s+/g, ""), "base64");
      const tlv = (tag: number, ...parts: Buffer[]): Buffer => {
        const body = Buffer.concat(parts);
        const n = body.length;
        const length = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
        return Buffer.concat([Buffer.from([tag]), length, body]);
      };
      const [tbs, algorithm] = children(element(crlDer, 0).body);
      const fields = children(tbs!.body);
      // version, signature, issuer, thisUpdate, nextUpdate, revokedCertificates: the first SEQUENCE after the issuer.
      const at = fields.findIndex((f, i) => i > 2 && f.tag === 0x30);
      const [serial, date] = children(children(fields[at]!.body)[0]!.body);
      const issuerName = fields[2]!.der;
      const certificateIssuer = tlv(0x30, Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x1d]), Buffer.from([0x01, 0x01, 0xff]), tlv(0x04, tlv(0x30, tlv(0xa4, issuerName))));
      const entry = tlv(0x30, serial!.der, date!.der, tlv(0x30, certificateIssuer));
      const newTbs = tlv(0x30, ...fields.map((f, i) => (i === at ? tlv(0x30, entry) : f.der)));
      const signature = sign("sha256", newTbs, createPrivateKey(readFileSync(pki.path("ec-ca.key"))));
      const forged = tlv(0x30, newTbs, algorithm!.der, tlv(0x03, Buffer.from([0]), signature));
      writeFileSync(pki.path("i100-indirect.crl"), `-----BEGIN X509 CRL-----\n${forged.toString("base64").replace(/.{64}/g, "$&\n")}\n-----END X509 CRL-----\n`);
      // openssl reads it as we mean it: a validly signed CRL whose entry has a critical certificateIssuer.
      expect(openssl("crl", "-in", "i100-indirect.crl", "-noout", "-text")).toMatch(/Certificate Issuer: critical/);
      openssl("crl", "-in", "i100-indirect.crl", "-noout", "-CAfile", "ec-ca.pem");
      const serialHex = certificateFields(der("ec-a")).serial;
      expect(() => RevocationList.parse(text("i100-indirect.crl"), text("ec-ca.pem"))).toThrow(
        new Error(`CRL 1 has critical entry extension 2.5.29.29 (certificateIssuer) on serial ${serialHex}, which this reader does not process`),
      );
    });
  });
});
