/**
 * The server-built certificate path (src/server/security/certificate-path.ts): issuers from
 * clientCaFile first, then what the client sent, each signature verified, ending at a
 * self-issued certificate of clientCaFile; none, and the chain cannot be checked.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { certificatePath, MAX_DEPTH } from "../../src/server/security/certificate-path.js";
import { RevocationList } from "../../src/server/security/crl.js";
import { TestPki } from "./pki.js";

describe("building the client certificate's path", () => {
  let pki: TestPki;
  const text = (file: string): string => readFileSync(file.startsWith("/") ? file : pki.path(file), "utf8");
  const der = (file: string): Buffer => new X509Certificate(readFileSync(pki.path(`${file}.pem`))).raw;
  const certs = (...files: string[]): X509Certificate[] => files.map((f) => new X509Certificate(der(f)));
  const ossl = (args: string[]) => execFileSync("openssl", args, { cwd: pki.dir, stdio: ["ignore", "ignore", "pipe"] });
  /** A certificate named `name`, carrying the public key of `keyOf`, signed by `ca`, with the extensions `ext`. */
  function forge(name: string, keyOf: string, ca: string, file: string, ext = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"): void {
    ossl(["x509", "-in", `${keyOf}.pem`, "-pubkey", "-noout", "-out", `${file}.pub`]);
    ossl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${file}.key`]);
    ossl(["req", "-new", "-key", `${file}.key`, "-out", `${file}.csr`, "-subj", `/CN=${name}`]);
    writeFileSync(pki.path(`${file}.ext`), ext);
    ossl(["x509", "-req", "-in", `${file}.csr`, "-CA", `${ca}.pem`, "-CAkey", `${ca}.key`, "-force_pubkey", `${file}.pub`, "-set_serial", "99", "-days", "2", "-extfile", `${file}.ext`, "-out", `${file}.pem`]);
  }

  beforeAll(() => {
    pki = new TestPki();
    // root → int1 → int2 → leaf; "other" a CA clientCaFile does not hold.
    pki.ca("root");
    pki.intermediate("root", "int1");
    pki.intermediate("int1", "int2");
    pki.leaf("int2", "deep", "client", "leaf");
    pki.leaf("root", "direct", "client", "direct");
    pki.ca("other");
  });
  afterAll(() => pki.remove());

  for (const revoked of [[], ["int1"]]) {
    it(`root → int1 → int2 → leaf, int1 in clientCaFile, the client sending both intermediates: ${revoked.length ? "refused at int1 when the root's CRL lists it" : "admitted when nothing is revoked"}`, () => {
      // The CRLs of the CAs of clientCaFile (root + int1): the root's may list int1.
      const crls = text(pki.crl("root", revoked, `root-${revoked.length}.crl`)) + text(pki.crl("int1", [], `int1-${revoked.length}.crl`));
      const list = RevocationList.parse(crls, text("root.pem") + text("int1.pem"));
      expect(list.empty).toBe(revoked.length === 0);
      const path = certificatePath(der("leaf"), list.bundle, [der("leaf"), der("int2"), der("int1")]);
      expect(path).toEqual([der("leaf"), der("int2"), der("int1"), der("root")]);
      expect(list.revokedInChain(path!)).toBe(revoked.length ? 2 : -1);
    });
  }

  it("legitimate chains: leaf + intermediates sent with the root in clientCaFile; a leaf of the root; the order the client sends does not matter", () => {
    const bundle = certs("root");
    expect(certificatePath(der("leaf"), bundle, [der("leaf"), der("int2"), der("int1")])).toEqual([der("leaf"), der("int2"), der("int1"), der("root")]);
    expect(certificatePath(der("leaf"), bundle, [der("int1"), der("leaf"), der("int2")])).toEqual([der("leaf"), der("int2"), der("int1"), der("root")]);
    expect(certificatePath(der("direct"), bundle, [der("direct")])).toEqual([der("direct"), der("root")]);
  });

  it("no path to a self-issued certificate of clientCaFile: undefined (an intermediate missing, a leaf of another CA, a bundle without its root)", () => {
    expect(certificatePath(der("leaf"), certs("root"), [der("leaf"), der("int2")])).toBeUndefined();
    expect(certificatePath(der("leaf"), certs("other"), [der("leaf"), der("int2"), der("int1")])).toBeUndefined();
    // int1 alone in the bundle is no trust anchor (not self-issued), and the root is nowhere.
    expect(certificatePath(der("leaf"), certs("int1"), [der("leaf"), der("int2")])).toBeUndefined();
    expect(MAX_DEPTH).toBeGreaterThanOrEqual(4);
  });

  it("a same-named certificate carrying the intermediate's key, signed by a CA outside clientCaFile: never on the path; the real int1 of clientCaFile is taken", () => {
    forge("int1", "int1", "other", "forged-int1");
    // The forged one verifies int2's signature (same key) but leads to "other", not in the bundle.
    expect(certificatePath(der("leaf"), certs("root"), [der("leaf"), der("int2"), der("forged-int1")])).toBeUndefined();
    expect(certificatePath(der("leaf"), certs("root", "int1"), [der("leaf"), der("int2"), der("forged-int1")])).toEqual([der("leaf"), der("int2"), der("int1"), der("root")]);
    // A same-named certificate of another key does not verify int2's signature.
    forge("int1", "other", "root", "int1-other-key");
    expect(certificatePath(der("leaf"), certs("root"), [der("leaf"), der("int2"), der("int1-other-key")])).toBeUndefined();
  });

  it("a certificate the client sent that is no CA is not an issuer on the path, though its signature verifies", () => {
    // int2's name and key, signed by the root, without basicConstraints cA: the handshake would not go through it.
    forge("int2", "int2", "root", "int2-not-ca", "basicConstraints=critical,CA:FALSE\n");
    expect(certificatePath(der("leaf"), certs("root"), [der("leaf"), der("int2-not-ca")])).toBeUndefined();
  });

  it("a certificate of the path not valid now is skipped", () => {
    const later = Date.now() + 10 * 86_400_000; // after every certificate here expires
    expect(certificatePath(der("leaf"), certs("root"), [der("leaf"), der("int2"), der("int1")], later)).toBeUndefined();
  });
});
